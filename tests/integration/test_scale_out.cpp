// Scale-out on the DynamoDB engine: several offers-api processes share one table, which is
// the reason the engine exists. Links and unlinks of the same pairs racing through three
// instances end with exact counters that every instance agrees on; a bulk job whose owner
// is killed (kill -9) mid-way is taken over by another instance once its lease runs out
// and ends exact; and every webhook event, whichever instance wrote it and whichever
// dispatches it, reaches the receiver, with retries carrying the same id and body.
//
// These tests start their own dynalite tables and processes, so they run only in the
// suite's DynamoDB registration (OFFERS_TEST_STORE=dynamodb) and skip in the other.
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "support/emulator.hpp"
#include "support/jobs_helpers.hpp"
#include "support/loopback_http_server.hpp"

namespace offers::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class ScaleOutTest : public JobServerTest {
 protected:
  // Not JobServerTest's SetUp: no server of the fixture's own; each test starts the
  // instances it needs with addInstance().
  void SetUp() override {
    if (!onDynamoDb()) {
      GTEST_SKIP() << "several processes on one table need the DynamoDB engine; this runs in "
                      "the integration-dynamodb.* registration (OFFERS_TEST_STORE=dynamodb)";
    }
    useDynaliteCredentials();
  }

  // An instance that died on its own during the test fails it, as ServerTest does for its
  // one server; those the test killed on purpose are no longer running.
  void TearDown() override {
    for (std::size_t i = 0; i < instances_.size(); ++i) {
      auto& instance = *instances_[i];
      if (!instance.running()) continue;
      if (const auto status = instance.exitedOnItsOwn()) {
        ADD_FAILURE() << "instance " << i << " exited unexpectedly with status " << *status
                      << "; stdout:\n"
                      << instance.output();
      }
    }
  }

  // Starts one more offers-api on this test's table, with `extra` flags. The first start
  // creates the table; the others find it (--create-table is harmless then). The event
  // lag is left at its default: with several writers, a feed reader must hold back events
  // another process may still commit behind its position.
  ServerProcess& addInstance(const std::vector<std::string>& extra = {}) {
    dirs_.push_back(std::make_unique<TempDir>());
    instances_.push_back(std::make_unique<ServerProcess>(ServerOptions{
        .binary = OFFERS_API_BINARY,
        .dataDir = dirs_.back()->str(),  // unused by the DynamoDB engine, required anyway
        .threads = 2,
        .extraArgs = extra,
        .dynamodb = DynamoDbEngine{.endpoint = sharedDynalite().endpoint(), .table = table_},
    }));
    instances_.back()->start();
    return *instances_.back();
  }

  // Polls GET /v1/jobs/{id} every 20 ms until `done(job)`; throws, quoting the last state,
  // when `timeout` passes first. Gentler than waitForJob's 2 ms: every poll is a read of
  // the shared dynalite, which would slow down the very job it watches.
  json::object pollJob(const std::string& id, const std::function<bool(const json::object&)>& done,
                       std::chrono::milliseconds timeout, std::string_view what) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      json::object current = job(id);
      if (done(current)) return current;
      if (std::chrono::steady_clock::now() >= deadline) {
        throw std::runtime_error("job " + id + " did not reach " + std::string(what) +
                                 " in time; last: " + json::serialize(current));
      }
      std::this_thread::sleep_for(20ms);
    }
  }

  // The fixture's vocabulary (create, fetch, listAll, startJob, ...) speaks through api();
  // this points it at another instance.
  void via(const ServerProcess& instance) {
    api_ = std::make_unique<HttpClient>(instance.client());
  }

  std::vector<std::unique_ptr<TempDir>> dirs_;
  std::vector<std::unique_ptr<ServerProcess>> instances_;
};

// ---- 1. Concurrent links and unlinks through three instances ----

TEST_F(ScaleOutTest, LinksAndUnlinksRacingThroughThreeInstancesEndExactEverywhere) {
  constexpr int kOffers = 2;
  constexpr int kLocations = 40;
  constexpr int kThreadsPerInstance = 2;
  constexpr auto kChurn = 3s;

  ServerProcess& a = addInstance();
  addInstance();
  addInstance();
  via(a);
  const std::string brandId = createBrand("Scaled out");
  std::vector<std::string> offers;
  for (int o = 0; o < kOffers; ++o) {
    offers.push_back(str(createOffer(brandId, "Offer " + std::to_string(o)), "id"));
  }
  const std::vector<std::string> locations = createLocations(brandId, kLocations);
  ASSERT_EQ(locations.size(), static_cast<std::size_t>(kLocations));

  // Per pair, how many requests answered "newly linked" (201) and "unlinked" (204). Each
  // pair starts unlinked, so if every such answer was a real change the difference is 1
  // for a pair left linked and 0 for one left unlinked: what a client counting its own
  // 201s and 204s relies on.
  std::vector<std::atomic<int>> created(kOffers * kLocations);
  std::vector<std::atomic<int>> unlinked(kOffers * kLocations);
  std::atomic<int> requests{0};
  std::mutex failuresMutex;
  std::vector<std::string> failures;
  auto fail = [&](const std::string& what) {
    std::lock_guard lock(failuresMutex);
    if (failures.size() < 20) failures.push_back(what);
  };

  const int threadCount = kThreadsPerInstance * static_cast<int>(instances_.size());
  std::latch go(threadCount);
  std::vector<std::thread> threads;
  for (int t = 0; t < threadCount; ++t) {
    threads.emplace_back([&, t] {
      try {
        HttpClient client = instances_[static_cast<std::size_t>(t / kThreadsPerInstance)]->client();
        std::mt19937 rng(std::random_device{}());
        std::uniform_int_distribution<int> pick(0, kOffers * kLocations - 1);
        std::bernoulli_distribution doLink(0.5);
        go.arrive_and_wait();
        const auto deadline = std::chrono::steady_clock::now() + kChurn;
        while (std::chrono::steady_clock::now() < deadline) {
          const int pair = pick(rng);
          const std::string path = linkPath(offers[static_cast<std::size_t>(pair / kLocations)],
                                            locations[static_cast<std::size_t>(pair % kLocations)]);
          const bool linking = doLink(rng);
          const HttpResponse r = linking ? client.request("POST", path) : client.del(path);
          ++requests;
          if (linking && r.status == 201) {
            ++created[static_cast<std::size_t>(pair)];
          } else if (!linking && r.status == 204) {
            ++unlinked[static_cast<std::size_t>(pair)];
          } else if (linking && r.status == 200) {
            // already linked: nothing moved
          } else if (!linking && IsApiError(r, 404, "not_found")) {
            // not linked: nothing moved
          } else {
            fail("instance " + std::to_string(t / kThreadsPerInstance) + ": " + r.describe());
          }
        }
      } catch (const std::exception& e) {
        fail(std::string("thread failed: ") + e.what());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& failure : failures) ADD_FAILURE() << failure;
  ASSERT_TRUE(failures.empty());

  // The churn really churned (about 350 requests, 100 links and 60 unlinks on a 2-core
  // machine, dynalite being the bottleneck): the floor only rules out a run that did
  // next to nothing.
  int totalCreated = 0;
  int totalUnlinked = 0;
  for (std::size_t p = 0; p < created.size(); ++p) {
    totalCreated += created[p].load();
    totalUnlinked += unlinked[p].load();
  }
  EXPECT_GE(totalCreated, 20) << requests.load() << " requests";
  EXPECT_GE(totalUnlinked, 10) << requests.load() << " requests";

  // What the answers say each pair ended as.
  std::vector<std::set<std::string>> expectedLocationsOf(kOffers);
  std::map<std::string, std::set<std::string>> expectedOffersOf;
  for (int p = 0; p < kOffers * kLocations; ++p) {
    const int net = created[static_cast<std::size_t>(p)] - unlinked[static_cast<std::size_t>(p)];
    const std::string& offerId = offers[static_cast<std::size_t>(p / kLocations)];
    const std::string& locationId = locations[static_cast<std::size_t>(p % kLocations)];
    ASSERT_TRUE(net == 0 || net == 1)
        << "offer " << offerId << ", location " << locationId << ": "
        << created[static_cast<std::size_t>(p)].load() << " 201s but "
        << unlinked[static_cast<std::size_t>(p)].load() << " 204s; a pair can only alternate";
    if (net == 1) {
      expectedLocationsOf[static_cast<std::size_t>(p / kLocations)].insert(locationId);
      expectedOffersOf[locationId].insert(offerId);
    }
  }

  // With the churn stopped, each instance shows the same exact state: counters equal the
  // lists, the lists equal what the answers said, and hasOffer follows offersTotal.
  std::vector<std::string> views;
  for (std::size_t i = 0; i < instances_.size(); ++i) {
    SCOPED_TRACE("through instance " + std::to_string(i));
    via(*instances_[i]);
    std::string view;
    for (int o = 0; o < kOffers; ++o) {
      const std::string& offerId = offers[static_cast<std::size_t>(o)];
      const std::int64_t total = num(offer(offerId), "locationsTotal");
      // Pages of 7, so that paging with `start`=`last` is part of what is checked.
      const auto listed = listIds("/v1/offers/" + offerId + "/locations", 7);
      EXPECT_EQ(total, static_cast<std::int64_t>(listed.size())) << "offer " << offerId;
      EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()),
                expectedLocationsOf[static_cast<std::size_t>(o)])
          << "offer " << offerId;
      view += offerId + ":" + std::to_string(total) + "\n";
    }
    for (const auto& locationId : locations) {
      const json::object body = location(locationId);
      const std::int64_t total = num(body, "offersTotal");
      const auto listed = listIds("/v1/locations/" + locationId + "/offers", 1);
      EXPECT_EQ(total, static_cast<std::int64_t>(listed.size())) << "location " << locationId;
      EXPECT_EQ(flag(body, "hasOffer"), total > 0) << json::serialize(body);
      EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), expectedOffersOf[locationId])
          << "location " << locationId;
      view += locationId + ":" + std::to_string(total) + "\n";
    }
    views.push_back(view);
  }
  EXPECT_EQ(views[1], views[0]) << "instances 0 and 1 disagree";
  EXPECT_EQ(views[2], views[0]) << "instances 0 and 2 disagree";
}

// ---- 2. A bulk job whose owner is killed is finished by another instance ----

// Short leases, so the survivors take over within seconds of the kill, and small pages,
// so the job is still running when the kill lands: on dynalite a page of 50 takes about
// 0.4 s on a 2-core machine, and the kill comes a page or two after the 100th location,
// with some 2,800 to go.
class ScaleOutJobTest : public ScaleOutTest {
 protected:
  const std::vector<std::string> jobFlags_ = {"--dynamodb-lease-ms", "2000", "--job-page-size",
                                              "50"};
};

TEST_F(ScaleOutJobTest, AJobWhoseOwnerIsKilledIsFinishedExactlyByAnotherInstance) {
  constexpr int kLocations = 3000;
  constexpr int kLinkedBefore = 30;

  // A alone at first, so A is certainly the instance that owns the job.
  ServerProcess& a = addInstance(jobFlags_);
  via(a);
  const std::string brandId = createBrand("Taken over");
  const std::string offerId = str(createOffer(brandId, "Survives its worker"), "id");
  const auto locations = createLocations(brandId, kLocations);
  ASSERT_EQ(locations.size(), static_cast<std::size_t>(kLocations));
  for (int i = 0; i < kLinkedBefore; ++i) {
    ASSERT_EQ(link(offerId, locations[static_cast<std::size_t>(i * 97 + 5)]).status, 201);
  }

  const std::string jobId = str(startJob(offerId), "id");
  pollJob(
      jobId,
      [](const json::object& j) {
        return isTerminal(str(j, "status")) || num(j, "processed") >= 100;
      },
      30s, "processed >= 100");
  ServerProcess& b = addInstance(jobFlags_);
  addInstance(jobFlags_);

  // The state right before the kill: a kill after the end would prove nothing.
  const json::object before = job(jobId);
  a.kill9();
  ASSERT_EQ(str(before, "status"), "running")
      << "the job was no longer running when its owner was killed; it must take longer "
         "(smaller --job-page-size or more locations): "
      << json::serialize(before);
  ASSERT_LT(num(before, "processed"), kLocations) << json::serialize(before);

  via(b);
  const json::object done = pollJob(
      jobId, [](const json::object& j) { return isTerminal(str(j, "status")); }, 60s,
      "a terminal status");
  ASSERT_EQ(str(done, "status"), "succeeded") << json::serialize(done);
  EXPECT_EQ(num(done, "failed"), 0) << json::serialize(done);
  EXPECT_EQ(num(done, "linked") + num(done, "alreadyLinked") + num(done, "failed"), kLocations)
      << json::serialize(done);
  EXPECT_EQ(num(done, "total"), kLocations) << json::serialize(done);
  EXPECT_EQ(num(done, "processed"), kLocations) << json::serialize(done);
  EXPECT_EQ(num(done, "alreadyLinked"), kLinkedBefore) << json::serialize(done);
  EXPECT_GE(num(done, "processed"), num(before, "processed"));
  EXPECT_TRUE(isNull(done, "error")) << json::serialize(done);

  EXPECT_EQ(num(offer(offerId), "locationsTotal"), kLocations);
  const auto linked = listIds("/v1/offers/" + offerId + "/locations", 1000);
  EXPECT_EQ(linked.size(), static_cast<std::size_t>(kLocations));
  EXPECT_EQ(std::set<std::string>(linked.begin(), linked.end()),
            std::set<std::string>(locations.begin(), locations.end()));
  // Every location counts the offer once, whether the killed owner or its successor
  // linked it; and the sample through the single-entity read says the same.
  std::size_t wrong = 0;
  for (const auto& item : listAll("/v1/brands/" + brandId + "/locations", 1000)) {
    if (num(item, "offersTotal") != 1 || !flag(item, "hasOffer")) {
      if (++wrong <= 5) ADD_FAILURE() << "location not linked once: " << json::serialize(item);
    }
  }
  EXPECT_EQ(wrong, 0u);
  for (int i = 0; i < kLocations; i += 100) {
    const json::object body = location(locations[static_cast<std::size_t>(i)]);
    EXPECT_EQ(num(body, "offersTotal"), 1) << json::serialize(body);
    EXPECT_TRUE(flag(body, "hasOffer")) << json::serialize(body);
  }
  // The job was resumed, not started again.
  EXPECT_EQ(listIds("/v1/jobs?offerId=" + offerId).size(), 1u);
}

// ---- 3. Webhook events written and dispatched by different instances ----

TEST_F(ScaleOutTest, EveryLinkEventReachesTheReceiverWhicheverInstanceWroteIt) {
  constexpr int kLinks = 20;
  constexpr int kUnlinks = 10;
  const std::vector<std::string> flags = {"--webhook-retry-base-ms", "50"};

  LoopbackHttpServer receiver;
  ServerProcess& a = addInstance(flags);
  ServerProcess& b = addInstance(flags);
  ServerProcess& c = addInstance(flags);
  via(a);
  const json::object webhook = createWebhook(receiver.url(), {"link.created", "link.deleted"});
  const std::string secret = str(webhook, "secret");
  const std::string brandId = createBrand("Announced");
  const std::string offerId = str(createOffer(brandId, "Heard of"), "id");
  const auto locations = createLocations(brandId, kLinks);

  // The operations, as (type, offerId, locationId), alternating between B and C.
  std::set<std::tuple<std::string, std::string, std::string>> performed;
  HttpClient clients[] = {b.client(), c.client()};
  for (int i = 0; i < kLinks; ++i) {
    const auto& locationId = locations[static_cast<std::size_t>(i)];
    const HttpResponse r = clients[i % 2].request("POST", linkPath(offerId, locationId));
    ASSERT_EQ(r.status, 201) << r.describe();
    performed.emplace("link.created", offerId, locationId);
  }
  for (int i = 0; i < kUnlinks; ++i) {
    const auto& locationId = locations[static_cast<std::size_t>(i * 2)];
    const HttpResponse r = clients[(i + 1) % 2].del(linkPath(offerId, locationId));
    ASSERT_EQ(r.status, 204) << r.describe();
    performed.emplace("link.deleted", offerId, locationId);
  }
  ASSERT_EQ(performed.size(), static_cast<std::size_t>(kLinks + kUnlinks));

  auto distinctIds = [](const std::vector<ReceivedRequest>& requests) {
    std::set<std::string> ids;
    for (const auto& r : requests) ids.insert(r.header("X-Offers-Event-Id"));
    return ids;
  };
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (distinctIds(receiver.requests()).size() < performed.size() &&
         std::chrono::steady_clock::now() < deadline) {
    receiver.waitFor(receiver.count() + 1, 20ms);
  }
  const auto requests = receiver.requests();
  ASSERT_GE(distinctIds(requests).size(), performed.size())
      << "the receiver saw " << distinctIds(requests).size() << " distinct events in "
      << requests.size() << " deliveries; expected " << performed.size();

  // At least once: a repeat carries the same event id and the same body. Each distinct
  // event is one operation performed, and each operation has exactly one event.
  std::map<std::string, std::string> bodyOf;  // event id -> body
  std::map<std::tuple<std::string, std::string, std::string>, std::set<std::string>> eventsOf;
  for (const auto& r : requests) {
    const std::string id = r.header("X-Offers-Event-Id");
    EXPECT_TRUE(SignatureMatches(r.header("X-Offers-Signature"), secret, r.body)) << r.body;
    const auto [known, inserted] = bodyOf.emplace(id, r.body);
    if (!inserted) {
      EXPECT_EQ(r.body, known->second) << "event " << id << " was delivered with another body";
      continue;
    }
    const json::object body = json::parse(r.body).as_object();
    EXPECT_EQ(str(body, "id"), id) << r.body;
    const json::object& data = body.at("data").as_object();
    const auto op =
        std::make_tuple(str(body, "type"), str(data, "offerId"), str(data, "locationId"));
    EXPECT_TRUE(performed.contains(op)) << "an event for no operation performed: " << r.body;
    eventsOf[op].insert(id);
  }
  for (const auto& op : performed) {
    const auto found = eventsOf.find(op);
    const std::string what = std::get<0>(op) + " " + std::get<1>(op) + " / " + std::get<2>(op);
    if (found == eventsOf.end()) {
      ADD_FAILURE() << "no event for " << what;
    } else {
      EXPECT_EQ(found->second.size(), 1u) << "several event ids for one " << what;
    }
  }
}

}  // namespace
}  // namespace offers::testing
