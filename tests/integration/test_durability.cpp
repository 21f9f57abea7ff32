// Invariant 5 of the design: a write acknowledged to a client survives `kill -9`, and a
// restart with --seed neither resets counters nor overwrites anything. Also the graceful
// side: SIGTERM and SIGINT end the server with exit status 0.
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/sample_ids.hpp"
#include "support/server_process.hpp"

namespace offers::testing {
namespace {

namespace json = boost::json;

class DurabilityTest : public ServerTest {
 protected:
  DurabilityTest() { seed_ = true; }

  // Every entity, and both directions of every link, as text.
  std::string fullState() {
    std::string out = snapshot();
    for (const auto& item : listAll("/v1/offers")) {
      const std::string id = str(item, "id");
      out += "offer " + id + " ->";
      for (const auto& linked : listIds("/v1/offers/" + id + "/locations")) out += " " + linked;
      out += "\n";
    }
    for (const auto& item : listAll("/v1/locations")) {
      const std::string id = str(item, "id");
      out += "location " + id + " ->";
      for (const auto& linked : listIds("/v1/locations/" + id + "/offers")) out += " " + linked;
      out += "\n";
    }
    return out;
  }

  // Writers create locations and link them to one offer until `stopServer` ends the
  // server under them; then, after a restart, every acknowledged location and link is
  // there, and the counters agree with the links that exist (those cut off mid-way may
  // or may not).
  template <class StopServer>
  void linkUnderLoadThenStop(StopServer stopServer) {
    const std::string brandId = createBrand("Under load");
    const std::string offerId = str(createOffer(brandId, "Under load"), "id");
    constexpr int kWriters = 4;
    constexpr int kEnough = 150;  // acknowledged links before the server is stopped

    std::mutex mutex;
    std::set<std::string> createdAcked;
    std::set<std::string> linkedAcked;
    std::atomic<int> links{0};
    std::atomic<bool> stopping{false};
    std::vector<HttpClient> clients;
    for (int w = 0; w < kWriters; ++w) clients.push_back(newClient());
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        HttpClient& client = clients[w];
        try {
          for (int i = 0; !stopping; ++i) {
            const json::object body = {
                {"address", "Load " + std::to_string(w) + "-" + std::to_string(i)},
                {"brandId", brandId}};
            const HttpResponse created = client.post("/v1/locations", body);
            if (created.status != 201) return;
            const std::string id = str(created.json(), "id");
            {
              std::lock_guard lock(mutex);
              createdAcked.insert(id);
            }
            const HttpResponse linked = client.request("POST", linkPath(offerId, id));
            if (linked.status != 201) return;
            {
              std::lock_guard lock(mutex);
              linkedAcked.insert(id);
            }
            ++links;
          }
        } catch (const std::exception&) {
          // The server went away under this writer: expected.
        }
      });
    }
    // Polling with a deadline: wait until enough links have been acknowledged.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (links < kEnough && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const bool enough = links >= kEnough;
    api().close();
    try {
      stopServer();
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();  // the writers must still be joined
    }
    stopping = true;
    for (auto& writer : writers) writer.join();
    ASSERT_TRUE(enough) << "only " << links << " links acknowledged in 20 s";
    if (server().running()) server().kill9();

    startServer();
    if (onDynamoDb()) {
      // Links the killed server had in flight are finished or rolled back by the
      // restarted one once their lease (1 s here) has run out; wait for that, bounded.
      const auto repaired = std::chrono::steady_clock::now() + std::chrono::seconds(15);
      while (std::chrono::steady_clock::now() < repaired) {
        std::int64_t counted = 0;
        for (const auto& item : listAll("/v1/locations?brandId=" + brandId)) {
          counted += num(item, "offersTotal");
        }
        const auto listedNow = listIds("/v1/offers/" + offerId + "/locations").size();
        if (counted == std::int64_t(listedNow) &&
            num(offer(offerId), "locationsTotal") == std::int64_t(listedNow)) {
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    const auto listed = listIds("/v1/offers/" + offerId + "/locations");
    const std::set<std::string> linkedNow(listed.begin(), listed.end());
    for (const auto& id : createdAcked) {
      const HttpResponse r = api().get("/v1/locations/" + id);
      ASSERT_EQ(r.status, 200) << "acknowledged location lost: " << r.describe();
    }
    for (const auto& id : linkedAcked) {
      EXPECT_TRUE(linkedNow.count(id)) << "acknowledged link lost: " << id;
    }
    EXPECT_EQ(num(offer(offerId), "locationsTotal"), static_cast<std::int64_t>(linkedNow.size()));
    for (const auto& item : listAll("/v1/locations?brandId=" + brandId)) {
      const bool linked = linkedNow.count(str(item, "id")) > 0;
      EXPECT_EQ(num(item, "offersTotal"), linked ? 1 : 0) << str(item, "id");
      EXPECT_EQ(flag(item, "hasOffer"), linked) << str(item, "id");
    }
  }
};

TEST_F(DurabilityTest, AcknowledgedWritesSurviveKill9) {
  const std::string brandId = createBrand("Durable");
  const std::string offerId = str(createOffer(brandId, "Durable offer",
                                              {{"type", "cashback"},
                                               {"countryCode", "FR"},
                                               {"startDate", "2026-05-01"},
                                               {"metadata", {{"k", "v"}}}}),
                                  "id");
  std::vector<std::string> locations = createLocations(brandId, 50);
  locations.push_back(str(createLocation(brandId, "Single", {{"city", "Paris"}}), "id"));
  for (int i = 0; i < 30; ++i) ASSERT_EQ(link(offerId, locations[i]).status, 201);
  ASSERT_EQ(link(kSeededOffer, kSeededLocations[0]).status, 201);
  ASSERT_EQ(link(kSeededOffer, kSeededLocations[1]).status, 201);
  ASSERT_EQ(unlink(kSeededOffer, kSeededLocations[1]).status, 204);
  ASSERT_EQ(api().patch(std::string("/v1/offers/") + kSeededOffer, {{"name", "Renamed"}}).status,
            200);
  ASSERT_EQ(api().patch("/v1/locations/" + locations[3], {{"city", "Lyon"}}).status, 200);
  ASSERT_EQ(api().del("/v1/locations/" + locations[0]).status, 204);  // was linked
  const std::string before = fullState();

  crashAndRestart();

  EXPECT_EQ(fullState(), before);
  const auto seeded = offer(kSeededOffer);
  EXPECT_EQ(str(seeded, "name"), "Renamed");
  EXPECT_EQ(num(seeded, "locationsTotal"), 1);
  EXPECT_EQ(num(offer(offerId), "locationsTotal"), 29);
  EXPECT_EQ(str(offer(offerId), "countryCode"), "FR");
  EXPECT_TRUE(flag(location(kSeededLocations[0]), "hasOffer"));
  EXPECT_FALSE(flag(location(kSeededLocations[1]), "hasOffer"));
  EXPECT_TRUE(flag(location(locations[1]), "hasOffer"));
  EXPECT_FALSE(flag(location(locations[40]), "hasOffer"));
  EXPECT_EQ(str(location(locations[3]), "city"), "Lyon");
  EXPECT_EQ(str(location(locations.back()), "city"), "Paris");
  EXPECT_TRUE(IsApiError(api().get("/v1/locations/" + locations[0]), 404, "not_found"));

  // Still a working server afterwards: links move counters from the recovered values.
  EXPECT_EQ(link(offerId, locations[40]).status, 201);
  EXPECT_EQ(num(offer(offerId), "locationsTotal"), 30);
  EXPECT_EQ(link(offerId, locations[1]).status, 200);
}

TEST_F(DurabilityTest, SeedingAgainNeverResetsAnything) {
  for (const char* id : kSeededLocations) ASSERT_EQ(link(kSeededOffer, id).status, 201);
  ASSERT_EQ(api().patch(std::string("/v1/offers/") + kSeededOffer, {{"name", "Patched"}}).status,
            200);
  ASSERT_EQ(
      api().patch(std::string("/v1/brands/") + kStarbucks, {{"name", "Starbucks Coffee"}}).status,
      200);
  ASSERT_EQ(api()
                .patch(std::string("/v1/locations/") + kSeededLocations[2], {{"address", "Moved"}})
                .status,
            200);
  const std::string before = fullState();

  api().close();
  EXPECT_EQ(server().stop(), 0);
  startServer();  // --seed again
  EXPECT_EQ(fullState(), before);
  const auto seeded = offer(kSeededOffer);
  EXPECT_EQ(str(seeded, "name"), "Patched");
  EXPECT_EQ(num(seeded, "locationsTotal"), 3);
  for (const char* id : kSeededLocations) {
    EXPECT_EQ(num(location(id), "offersTotal"), 1) << id;
    EXPECT_TRUE(flag(location(id), "hasOffer")) << id;
  }
  EXPECT_EQ(str(location(kSeededLocations[2]), "address"), "Moved");
  EXPECT_EQ(str(fetch(std::string("/v1/brands/") + kStarbucks), "name"), "Starbucks Coffee");

  // And once more after a crash.
  crashAndRestart();
  EXPECT_EQ(fullState(), before);
}

TEST_F(DurabilityTest, LinksAcknowledgedUnderLoadSurviveKill9) {
  linkUnderLoadThenStop([this] { server().kill9(); });
}

TEST_F(DurabilityTest, SigtermUnderLoadExitsZeroAndKeepsAcknowledgedLinks) {
  linkUnderLoadThenStop([this] { EXPECT_EQ(server().stop(SIGTERM), 0); });
}

TEST_F(DurabilityTest, SigtermExitsZeroWithAnIdleKeepAliveConnectionOpen) {
  ASSERT_EQ(api().get("/healthz").status, 200);  // the connection stays open, idle
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(server().stop(SIGTERM, std::chrono::seconds(10)), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST_F(DurabilityTest, SigintExitsZeroAndKeepsWrites) {
  const std::string brandId = createBrand("Interrupted");
  api().close();
  EXPECT_EQ(server().stop(SIGINT), 0);
  startServer();
  EXPECT_EQ(str(fetch("/v1/brands/" + brandId), "name"), "Interrupted");
}

// The other side of seeding: without --seed nothing appears on its own.
class UnseededTest : public ServerTest {};

TEST_F(UnseededTest, NoSampleDataWithoutSeed) {
  EXPECT_TRUE(IsApiError(api().get(std::string("/v1/offers/") + kSeededOffer), 404, "not_found"));
  EXPECT_TRUE(listAll("/v1/brands").empty());
  EXPECT_TRUE(listAll("/v1/locations").empty());
}

}  // namespace
}  // namespace offers::testing
