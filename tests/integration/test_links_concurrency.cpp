// Invariants 1, 2 and 4 of the design under concurrent traffic: many clients, each on its
// own connection, link and unlink the same pairs at the same time, and every counter ends
// exact, with exactly one "newly linked" (201) or "unlinked" (204) per pair.
#include <atomic>
#include <boost/json.hpp>
#include <latch>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/server_process.hpp"

namespace offers::testing {
namespace {

namespace json = boost::json;

constexpr int kThreads = 16;

class LinksConcurrencyTest : public ServerTest {
 protected:
  // Several server threads even on a one-core machine, so that requests really race.
  LinksConcurrencyTest() { threads_ = 4; }

  // Runs body(thread, client) on kThreads threads, each with its own connection, released
  // together. Exceptions become test failures instead of std::terminate.
  template <class Body>
  void onThreads(Body body) {
    std::latch go(kThreads);
    std::mutex failuresMutex;
    std::vector<std::string> failures;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        try {
          HttpClient client = newClient();
          go.arrive_and_wait();
          body(t, client);
        } catch (const std::exception& e) {
          std::lock_guard lock(failuresMutex);
          failures.push_back(e.what());
        }
      });
    }
    for (auto& thread : threads) thread.join();
    for (const auto& failure : failures) ADD_FAILURE() << "thread failed: " << failure;
  }
};

// Thread t works on pair i when i % kThreads is t or t - 1, so every pair is sent twice,
// by two different threads at about the same moment.
bool mine(int thread, int pair) {
  const int slot = pair % kThreads;
  return slot == thread || slot == (thread + kThreads - 1) % kThreads;
}

TEST_F(LinksConcurrencyTest, EachPairLinkedTwiceCountsOnceThenUnlinksOnce) {
  constexpr int kLocations = 200;
  const std::string brandId = createBrand("Hot brand");
  const std::string offerId = str(createOffer(brandId, "Hot offer"), "id");
  const std::vector<std::string> locations = createLocations(brandId, kLocations);
  ASSERT_EQ(locations.size(), static_cast<std::size_t>(kLocations));

  std::atomic<int> created{0};
  std::atomic<int> already{0};
  std::mutex unexpectedMutex;
  std::vector<std::string> unexpected;
  auto record = [&](const std::string& what) {
    std::lock_guard lock(unexpectedMutex);
    unexpected.push_back(what);
  };

  onThreads([&](int t, HttpClient& client) {
    for (int i = 0; i < kLocations; ++i) {
      if (!mine(t, i)) continue;
      const HttpResponse r = client.request("POST", linkPath(offerId, locations[i]));
      if (r.status == 201) {
        ++created;
      } else if (r.status == 200) {
        ++already;
      } else {
        record(r.describe());
        continue;
      }
      // Whichever of the two requests comes second, the location carries one offer.
      const json::value body = r.json();
      if (body.at("location").at("offersTotal").to_number<int>() != 1 ||
          !body.at("location").at("hasOffer").as_bool() ||
          body.at("offer").at("id").as_string() != offerId) {
        record("unexpected link body: " + r.describe());
      }
    }
  });
  for (const auto& what : unexpected) ADD_FAILURE() << what;
  unexpected.clear();
  EXPECT_EQ(created.load(), kLocations);
  EXPECT_EQ(already.load(), kLocations);

  EXPECT_EQ(num(offer(offerId), "locationsTotal"), kLocations);
  const auto linked = listIds("/v1/offers/" + offerId + "/locations", 1000);
  EXPECT_EQ(std::set<std::string>(linked.begin(), linked.end()),
            std::set<std::string>(locations.begin(), locations.end()));
  for (const auto& id : locations) {
    const auto body = location(id);
    EXPECT_EQ(num(body, "offersTotal"), 1) << id;
    EXPECT_TRUE(flag(body, "hasOffer")) << id;
  }

  std::atomic<int> unlinked{0};
  std::atomic<int> notLinked{0};
  onThreads([&](int t, HttpClient& client) {
    for (int i = 0; i < kLocations; ++i) {
      if (!mine(t, i)) continue;
      const HttpResponse r = client.del(linkPath(offerId, locations[i]));
      if (r.status == 204) {
        ++unlinked;
      } else if (IsApiError(r, 404, "not_found")) {
        ++notLinked;
      } else {
        record(r.describe());
      }
    }
  });
  for (const auto& what : unexpected) ADD_FAILURE() << what;
  EXPECT_EQ(unlinked.load(), kLocations);
  EXPECT_EQ(notLinked.load(), kLocations);

  EXPECT_EQ(num(offer(offerId), "locationsTotal"), 0);
  EXPECT_TRUE(listAll("/v1/offers/" + offerId + "/locations").empty());
  for (const auto& item : listAll("/v1/locations?brandId=" + brandId)) {
    EXPECT_EQ(num(item, "offersTotal"), 0) << str(item, "id");
    EXPECT_FALSE(flag(item, "hasOffer")) << str(item, "id");
  }
  for (const auto& id : locations) {
    const auto body = location(id);
    EXPECT_EQ(num(body, "offersTotal"), 0) << id;
    EXPECT_FALSE(flag(body, "hasOffer")) << id;
  }
}

// The other hot spot: one location receiving many offers at once.
TEST_F(LinksConcurrencyTest, ManyOffersLinkedToOneLocationAtOnce) {
  constexpr int kOffers = 64;
  const std::string brandId = createBrand("Busy corner");
  const std::string locationId = str(createLocation(brandId, "1 Busy Corner"), "id");
  std::vector<std::string> offers;
  for (int i = 0; i < kOffers; ++i) {
    offers.push_back(str(createOffer(brandId, "Offer " + std::to_string(i)), "id"));
  }

  std::atomic<int> created{0};
  std::atomic<int> other{0};
  onThreads([&](int t, HttpClient& client) {
    for (int i = 0; i < kOffers; ++i) {
      if (!mine(t, i)) continue;
      const int status = client.request("POST", linkPath(offers[i], locationId)).status;
      if (status == 201) {
        ++created;
      } else if (status != 200) {
        ++other;
      }
    }
  });
  EXPECT_EQ(created.load(), kOffers);
  EXPECT_EQ(other.load(), 0);
  const auto body = location(locationId);
  EXPECT_EQ(num(body, "offersTotal"), kOffers);
  EXPECT_TRUE(flag(body, "hasOffer"));
  EXPECT_EQ(listAll("/v1/locations/" + locationId + "/offers").size(),
            static_cast<std::size_t>(kOffers));
  for (const auto& id : offers) EXPECT_EQ(num(offer(id), "locationsTotal"), 1) << id;

  // Link and unlink racing on every pair: whatever order they land in, the counters
  // must agree with the links that exist at the end.
  onThreads([&](int t, HttpClient& client) {
    for (int i = 0; i < kOffers; ++i) {
      if (!mine(t, i)) continue;
      const bool unlinkFirst = (i + t) % 2 == 0;
      if (unlinkFirst) {
        client.del(linkPath(offers[i], locationId));
      } else {
        client.request("POST", linkPath(offers[i], locationId));
      }
    }
  });
  const auto linked = listIds("/v1/locations/" + locationId + "/offers");
  const auto after = location(locationId);
  EXPECT_EQ(num(after, "offersTotal"), static_cast<std::int64_t>(linked.size()));
  EXPECT_EQ(flag(after, "hasOffer"), !linked.empty());
  const std::set<std::string> linkedSet(linked.begin(), linked.end());
  for (const auto& id : offers) {
    EXPECT_EQ(num(offer(id), "locationsTotal"), linkedSet.count(id) ? 1 : 0) << id;
  }
}

}  // namespace
}  // namespace offers::testing
