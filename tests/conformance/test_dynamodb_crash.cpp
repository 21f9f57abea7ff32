// Crash-safety of the DynamoDB engine, one DynamoDB request at a time (the fail_count
// idea): a process dies at its nth request, before the request leaves or after it was
// served but before the answer arrived, and every request after that fails too. Then a
// second process on the same table either retries the operation (as the client would)
// or only runs the repair that idle workers run; either way the data ends exact. n runs
// over 0, 1, 2, ... until the operation completes without reaching it.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "aws/client.hpp"
#include "domain/error.hpp"
#include "domain/id.hpp"
#include "store/dynamodb/dynamodb_store.hpp"
#include "store/dynamodb/table.hpp"
#include "support/emulator.hpp"

namespace offers::testing {
namespace {

using aws::CallPhase;
using domain::Error;
using domain::ErrorCode;
using store::dynamodb::DynamoDbStore;

constexpr auto kLease = std::chrono::milliseconds(400);

// Counts requests and, once armed, dies at request `failAt` and stays dead.
struct Doom {
  std::atomic<long> calls{0};
  std::atomic<long> failAt{-1};
  std::atomic<bool> dead{false};
  CallPhase phase = CallPhase::before;

  void operator()(std::string_view, CallPhase p) {
    if (dead) throw Error(ErrorCode::unavailable, "process is dead");
    if (p != phase) return;
    if (failAt >= 0 && calls++ == failAt) {
      dead = true;
      throw Error(ErrorCode::unavailable, "process died");
    }
  }
  void arm(long n) {
    calls = 0;
    failAt = n;
  }
};

store::dynamodb::Options options(const std::string& table) {
  store::dynamodb::Options o;
  o.client.endpoint = sharedDynalite().endpoint();
  o.client.region = "us-east-1";
  o.client.credentials = {"test", "test", ""};
  o.client.retryDeadline = std::chrono::milliseconds(2000);
  o.table = table;
  o.createTable = true;
  o.eventLag = std::chrono::milliseconds(0);
  o.indexLag = std::chrono::milliseconds(0);
  o.lease = kLease;
  return o;
}

std::unique_ptr<DynamoDbStore> open(const std::string& table, Doom* doom) {
  auto o = options(table);
  if (doom) o.client.faultHook = [doom](std::string_view op, CallPhase p) { (*doom)(op, p); };
  return std::make_unique<DynamoDbStore>(o);
}

struct World {
  std::string table = uniqueTableName();
  Doom doom;
  std::unique_ptr<DynamoDbStore> dying = open(table, &doom);
  domain::Brand brand{domain::newId(), "B", 1, 1};
  std::string spare = domain::newId();  // an id nothing uses yet
  std::vector<domain::Offer> offers;
  std::vector<domain::Location> locations;

  World(int offerCount, int locationCount) {
    dying->createBrand(brand);
    for (int i = 0; i < offerCount; ++i) {
      domain::Offer o;
      o.id = domain::newId();
      o.name = "O";
      o.brandId = brand.id;
      dying->createOffer(o);
      offers.push_back(o);
    }
    for (int i = 0; i < locationCount; ++i) {
      domain::Location l;
      l.id = domain::newId();
      l.address = "A";
      l.brandId = brand.id;
      locations.push_back(l);
    }
    if (!locations.empty()) dying->createLocations(locations);
  }

  // Every counter equals what the link lists say, from a healthy process.
  void expectExact(store::Store& s, const std::string& where) {
    for (const auto& o : offers) {
      auto offer = s.getOffer(o.id);
      ASSERT_TRUE(offer) << where;
      const auto listed = s.listLocationsOfOffer(o.id, {1000, {}}).items.size();
      EXPECT_EQ(offer->locationsTotal, std::int64_t(listed)) << where;
    }
    for (const auto& l : locations) {
      auto location = s.getLocation(l.id);
      if (!location) continue;
      const auto listed = s.listOffersOfLocation(l.id, {1000, {}}).items.size();
      EXPECT_EQ(location->offersTotal, std::int64_t(listed)) << where;
    }
  }
};

// Runs `op` on a process that dies at request n, for n = 0, 1, ... and both phases;
// `recover` then runs on a healthy process and `check` asserts the end state.
template <class Setup, class Op, class Recover, class Check>
void everyCrash(Setup setup, Op op, Recover recover, Check check, long stride = 1) {
  for (auto phase : {CallPhase::before, CallPhase::after}) {
    for (long n = 0;; n += stride) {
      ASSERT_LT(n, 5000) << "the operation never completed";
      auto world = setup();
      world->doom.phase = phase;
      world->doom.arm(n);
      bool died = false;
      try {
        op(*world, *world->dying);
      } catch (const Error& e) {
        ASSERT_EQ(e.code(), ErrorCode::unavailable) << e.what();
        died = true;
      }
      died = died || world->doom.dead;
      world->dying.reset();
      auto healthy = open(world->table, nullptr);
      const std::string where = std::string(phase == CallPhase::before ? "before" : "after") +
                                " request " + std::to_string(n);
      if (died) recover(*world, *healthy);
      check(*world, *healthy, died, where);
      if (!died) break;
    }
  }
}

// Repair, as idle workers run it, once the dead process's leases have run out.
void repairAfterLease(DynamoDbStore& s) {
  std::this_thread::sleep_for(kLease + std::chrono::milliseconds(50));
  s.repairAbandoned(domain::nowMillis());
}

TEST(DynamoDbCrash, LinkRetriedAfterADeathAtAnyRequestCountsOnce) {
  everyCrash([] { return std::make_unique<World>(1, 1); },
             [](World& w, store::Store& s) { s.link(w.offers[0].id, w.locations[0].id); },
             [](World& w, store::Store& s) {
               auto r = s.link(w.offers[0].id, w.locations[0].id);  // the client's retry
               EXPECT_EQ(r.offer.locationsTotal, 1);
             },
             [](World& w, store::Store& s, bool, const std::string& where) {
               EXPECT_EQ(s.getOffer(w.offers[0].id)->locationsTotal, 1) << where;
               EXPECT_EQ(s.getLocation(w.locations[0].id)->offersTotal, 1) << where;
               w.expectExact(s, where);
             });
}

TEST(DynamoDbCrash, AbandonedLinkIsRepairedWithoutARetry) {
  everyCrash([] { return std::make_unique<World>(1, 1); },
             [](World& w, store::Store& s) { s.link(w.offers[0].id, w.locations[0].id); },
             [](World&, DynamoDbStore& s) { repairAfterLease(s); },
             [](World& w, store::Store& s, bool died, const std::string& where) {
               // Finished or rolled back, but never half-counted.
               const auto total = s.getOffer(w.offers[0].id)->locationsTotal;
               EXPECT_TRUE(total == 0 || total == 1) << where;
               if (!died) {
                 EXPECT_EQ(total, 1) << where;
               }
               w.expectExact(s, where);
             });
}

TEST(DynamoDbCrash, UnlinkRetriedOrRepairedEndsExact) {
  auto setup = [] {
    auto w = std::make_unique<World>(1, 1);
    w->dying->link(w->offers[0].id, w->locations[0].id);
    return w;
  };
  everyCrash(
      setup, [](World& w, store::Store& s) { s.unlink(w.offers[0].id, w.locations[0].id); },
      [](World& w, store::Store& s) {
        try {
          s.unlink(w.offers[0].id, w.locations[0].id);
        } catch (const Error& e) {
          EXPECT_EQ(e.code(), ErrorCode::not_found);  // it had gone through before the death
        }
      },
      [](World& w, store::Store& s, bool, const std::string& where) {
        EXPECT_EQ(s.getOffer(w.offers[0].id)->locationsTotal, 0) << where;
        EXPECT_EQ(s.getLocation(w.locations[0].id)->offersTotal, 0) << where;
        w.expectExact(s, where);
      });
}

TEST(DynamoDbCrash, DeleteLocationRetriedAfterADeathLeavesNoCountBehind) {
  everyCrash(
      [] {
        auto w = std::make_unique<World>(2, 2);
        for (const auto& o : w->offers) w->dying->link(o.id, w->locations[0].id);
        w->dying->link(w->offers[0].id, w->locations[1].id);
        return w;
      },
      [](World& w, store::Store& s) { s.deleteLocation(w.locations[0].id); },
      [](World& w, store::Store& s) {
        try {
          s.deleteLocation(w.locations[0].id);
        } catch (const Error& e) {
          EXPECT_EQ(e.code(), ErrorCode::not_found);
        }
      },
      [](World& w, store::Store& s, bool, const std::string& where) {
        EXPECT_FALSE(s.getLocation(w.locations[0].id)) << where;
        EXPECT_EQ(s.getOffer(w.offers[0].id)->locationsTotal, 1) << where;
        EXPECT_EQ(s.getOffer(w.offers[1].id)->locationsTotal, 0) << where;
        w.expectExact(s, where);
      });
}

// A bulk job dies at request n (a stride of requests, to keep the run short) and a
// second process takes the job over once the lease has run out: the job's own counts
// are exact too, so links its first owner wrote count as linked, not alreadyLinked.
TEST(DynamoDbCrash, BulkJobTakenOverAfterADeathEndsWithExactCounts) {
  everyCrash(
      [] {
        auto w = std::make_unique<World>(1, 60);
        for (int i = 0; i < 6; ++i) w->dying->link(w->offers[0].id, w->locations[i * 10].id);
        domain::Job job;
        job.id = domain::newId();
        job.offerId = w->offers[0].id;
        job.brandId = w->brand.id;
        job.created = domain::nowMillis();
        w->dying->createJob(job);
        return w;
      },
      [](World& w, store::Store& s) {
        const auto id = s.activeJobs().at(0);
        while (!domain::isTerminal(s.runJobStep(id, 25).status)) {
        }
        (void)w;
      },
      [](World& w, store::Store& s) {
        const auto jobs = s.listJobs(w.offers[0].id, {10, {}}).items;
        ASSERT_EQ(jobs.size(), 1u);
        for (int guard = 0; guard < 1000; ++guard) {
          try {
            if (domain::isTerminal(s.runJobStep(jobs[0].id, 25).status)) return;
          } catch (const store::JobLeased&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the dead owner's lease
          }
        }
        FAIL() << "the job never finished";
      },
      [](World& w, store::Store& s, bool, const std::string& where) {
        const auto job = s.listJobs(w.offers[0].id, {10, {}}).items.at(0);
        ASSERT_EQ(job.status, domain::JobStatus::succeeded) << where;
        EXPECT_EQ(job.linked, 54) << where;
        EXPECT_EQ(job.alreadyLinked, 6) << where;
        EXPECT_EQ(job.total, 60) << where;
        EXPECT_EQ(s.getOffer(w.offers[0].id)->locationsTotal, 60) << where;
        for (const auto& l : w.locations) {
          EXPECT_EQ(s.getLocation(l.id)->offersTotal, 1) << where;
        }
        w.expectExact(s, where);
      },
      7);
}

// A counter write is held up before it leaves (the fault hook holds it) for longer than
// its lease, while the client's retry, on another process, takes the link over and
// finishes it: the held write is then not sent, so nothing counts twice.
TEST(DynamoDbCrash, ACounterWriteHeldPastItsLeaseIsNotSentLate) {
  World w(1, 1);
  auto healthy = open(w.table, nullptr);
  std::atomic<int> updates{0};
  auto opts = options(w.table);
  opts.client.faultHook = [&](std::string_view op, CallPhase p) {
    // The link's first UpdateItem is its location's guarded ADD.
    if (op == "UpdateItem" && p == CallPhase::before && updates++ == 0) {
      std::this_thread::sleep_for(kLease * 3);
    }
  };
  DynamoDbStore slow(opts);
  std::optional<ErrorCode> slowError;
  std::thread held([&] {
    try {
      slow.link(w.offers[0].id, w.locations[0].id);
    } catch (const Error& e) {
      slowError = e.code();
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // its link item is down
  const auto retried = healthy->link(w.offers[0].id, w.locations[0].id);
  held.join();
  EXPECT_EQ(retried.offer.locationsTotal, 1);
  EXPECT_EQ(slowError, ErrorCode::unavailable);
  EXPECT_EQ(healthy->getOffer(w.offers[0].id)->locationsTotal, 1);
  EXPECT_EQ(healthy->getLocation(w.locations[0].id)->offersTotal, 1);
  w.expectExact(*healthy, "after the held write was released");
}

// The events of `type` about the entity `id` (their data's id): each one's event id.
std::vector<std::string> eventIdsOf(store::Store& s, std::string_view type, const std::string& id) {
  std::vector<std::string> out;
  std::optional<std::uint64_t> after;
  for (;;) {
    auto page = s.listEvents(after, 500);
    for (const auto& e : page.items) {
      after = e.seq;
      const auto* dataId = e.data.if_contains("id");
      if (e.type == type && dataId && dataId->is_string() && dataId->as_string() == id) {
        out.push_back(e.id);
      }
    }
    if (!page.last) return out;
  }
}

// A change that happened has its event, perhaps repeated but always under one id; a change
// that did not happen has none.
void expectEventIff(store::Store& s, bool happened, std::string_view type, const std::string& id,
                    const std::string& where) {
  const auto ids = eventIdsOf(s, type, id);
  if (!happened) {
    EXPECT_TRUE(ids.empty()) << where << ": a " << type
                             << " event for a change that did not happen";
    return;
  }
  ASSERT_FALSE(ids.empty()) << where << ": the " << type << " event is missing";
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 1u)
      << where << ": " << type << " under several ids";
}

// Brands, offers and locations: a process dies at any request of a change; the idle
// workers' sweep, once the lease has run out, publishes every event whose change happened.
TEST(DynamoDbCrash, EveryEntityChangeThatHappenedHasItsEvent) {
  struct Case {
    const char* type;
    std::function<void(World&, store::Store&)> op;
    std::function<std::string(World&)> id;
    std::function<bool(World&, store::Store&)> happened;
  };
  auto renamed = [](auto entity) { return entity && entity->name == "Renamed"; };
  const std::vector<Case> cases = {
      {"brand.created",
       [](World& w, store::Store& s) {
         s.createBrand({w.spare, "New", 1, 1});
       },
       [](World& w) { return w.spare; },
       [](World& w, store::Store& s) { return s.getBrand(w.spare).has_value(); }},
      {"brand.updated",
       [](World& w, store::Store& s) { s.updateBrand(w.brand.id, {"Renamed"}, 2); },
       [](World& w) { return w.brand.id; },
       [&](World& w, store::Store& s) { return renamed(s.getBrand(w.brand.id)); }},
      {"offer.created",
       [](World& w, store::Store& s) {
         domain::Offer o;
         o.id = w.spare;
         o.name = "New";
         o.brandId = w.brand.id;
         s.createOffer(o);
       },
       [](World& w) { return w.spare; },
       [](World& w, store::Store& s) { return s.getOffer(w.spare).has_value(); }},
      {"offer.updated",
       [](World& w, store::Store& s) {
         domain::OfferPatch p;
         p.name = "Renamed";
         s.updateOffer(w.offers[0].id, p, 2);
       },
       [](World& w) { return w.offers[0].id; },
       [&](World& w, store::Store& s) { return renamed(s.getOffer(w.offers[0].id)); }},
      {"offer.deleted", [](World& w, store::Store& s) { s.deleteOffer(w.offers[0].id); },
       [](World& w) { return w.offers[0].id; },
       [](World& w, store::Store& s) { return !s.getOffer(w.offers[0].id); }},
      {"location.updated",
       [](World& w, store::Store& s) {
         domain::LocationPatch p;
         p.address = "Renamed";
         s.updateLocation(w.locations[0].id, p, 2);
       },
       [](World& w) { return w.locations[0].id; },
       [](World& w, store::Store& s) {
         return s.getLocation(w.locations[0].id)->address == "Renamed";
       }},
      {"location.deleted", [](World& w, store::Store& s) { s.deleteLocation(w.locations[0].id); },
       [](World& w) { return w.locations[0].id; },
       [](World& w, store::Store& s) { return !s.getLocation(w.locations[0].id); }},
  };
  for (const auto& c : cases) {
    everyCrash([] { return std::make_unique<World>(1, 1); }, c.op,
               [](World&, DynamoDbStore& s) { repairAfterLease(s); },
               [&](World& w, store::Store& s, bool, const std::string& where) {
                 expectEventIff(s, c.happened(w, s), c.type, c.id(w),
                                std::string(c.type) + ", " + where);
               });
  }
  // Deleting a brand: one without offers and locations.
  everyCrash([] { return std::make_unique<World>(0, 0); },
             [](World& w, store::Store& s) { s.deleteBrand(w.brand.id); },
             [](World&, DynamoDbStore& s) { repairAfterLease(s); },
             [](World& w, store::Store& s, bool, const std::string& where) {
               expectEventIff(s, !s.getBrand(w.brand.id), "brand.deleted", w.brand.id,
                              "brand.deleted, " + where);
             });
}

// A patch's event left on the item by a process that died is published by the next
// change of that item, before its own, without waiting for the sweep.
TEST(DynamoDbCrash, TheNextPatchPublishesAnEventLeftOnTheItem) {
  World w(1, 0);
  w.doom.phase = CallPhase::before;
  w.doom.arm(2);  // GetItem and UpdateItem go through; the event's PutItem does not
  domain::OfferPatch first;
  first.name = "First";
  EXPECT_THROW(w.dying->updateOffer(w.offers[0].id, first, 2), Error);
  w.dying.reset();
  auto healthy = open(w.table, nullptr);
  ASSERT_EQ(healthy->getOffer(w.offers[0].id)->name, "First");
  EXPECT_TRUE(eventIdsOf(*healthy, "offer.updated", w.offers[0].id).empty());
  domain::OfferPatch second;
  second.name = "Second";
  healthy->updateOffer(w.offers[0].id, second, 3);
  std::vector<std::string> names;
  for (const auto& e : healthy->listEvents(std::nullopt, 100).items) {
    if (e.type == "offer.updated") names.emplace_back(e.data.at("name").as_string());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"First", "Second"}));
}

// The `location.created` events in the feed: location id -> the ids of its events.
std::map<std::string, std::set<std::string>> createdEvents(store::Store& s) {
  std::map<std::string, std::set<std::string>> out;
  std::optional<std::uint64_t> after;
  for (;;) {
    auto page = s.listEvents(after, 500);
    for (const auto& e : page.items) {
      if (e.type == "location.created") out[std::string(e.data.at("id").as_string())].insert(e.id);
      after = e.seq;
    }
    if (!page.last) return out;
  }
}

std::vector<domain::Location> newLocations(const domain::Brand& brand, int n) {
  std::vector<domain::Location> out;
  for (int i = 0; i < n; ++i) {
    domain::Location l;
    l.id = domain::newId();
    l.address = std::to_string(i) + " High Street";
    l.brandId = brand.id;
    out.push_back(l);
  }
  return out;
}

// Every location of the batch is there once, as sent, uncounted, and has exactly one
// created event (written again after a crash, it keeps its id).
void expectCreatedOnce(store::Store& s, const std::vector<domain::Location>& batch,
                       const std::string& where) {
  const auto events = createdEvents(s);
  for (const auto& l : batch) {
    auto got = s.getLocation(l.id);
    ASSERT_TRUE(got) << where;
    EXPECT_EQ(got->address, l.address) << where;
    EXPECT_EQ(got->offersTotal, 0) << where;
    ASSERT_TRUE(events.contains(l.id)) << where << ": no created event for " << l.id;
    EXPECT_EQ(events.at(l.id).size(), 1u) << where;
  }
}

// everyCrash's setup for a batch: a world with a brand, and five new locations of it in
// `batch`.
auto batchOfFive(std::vector<domain::Location>& batch) {
  return [&batch] {
    auto w = std::make_unique<World>(0, 0);
    batch = newLocations(w->brand, 5);
    return w;
  };
}

// A location batch whose process dies at any request is finished by the client's retry
// of the same request once the dead attempt's lease has run out: each location once,
// each with its event.
TEST(DynamoDbCrash, LocationBatchRetriedAfterADeathIsCreatedOnceWithItsEvents) {
  std::vector<domain::Location> batch;
  everyCrash(
      batchOfFive(batch), [&](World&, store::Store& s) { s.createLocations(batch); },
      [&](World&, store::Store& s) {
        std::this_thread::sleep_for(kLease + std::chrono::milliseconds(50));
        try {
          s.createLocations(batch);  // the client's retry
        } catch (const Error& e) {
          // The first attempt had finished before its process died.
          EXPECT_EQ(e.code(), ErrorCode::conflict) << e.what();
        }
      },
      [&](World&, store::Store& s, bool, const std::string& where) {
        expectCreatedOnce(s, batch, where);
      });
}

// A committed link's token comes out of both items after the answer, gathered with the
// other tokens of the item; the store's shutdown takes out what is still waiting. So
// after links from many threads to one offer, and the store gone at once, no item keeps
// a token, and the counters are exact.
TEST(DynamoDbCrash, CommittedTokensAreTakenOutEvenByAStoreClosedAtOnce) {
  World w(1, 12);
  {
    auto s = open(w.table, nullptr);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (std::size_t i = t; i < w.locations.size(); i += 4) {
          s->link(w.offers[0].id, w.locations[i].id);
        }
      });
    }
    for (auto& t : threads) t.join();
    s->unlink(w.offers[0].id, w.locations[0].id);
  }  // closed at once: its last round runs now
  aws::Client client(options(w.table).client);
  store::dynamodb::Table table(client, w.table);
  auto offer = table.get({"OFFER#" + w.offers[0].id, "OFFER"});
  ASSERT_TRUE(offer);
  EXPECT_FALSE(offer->contains("ops")) << boost::json::serialize(*offer);
  for (const auto& l : w.locations) {
    auto location = table.get({"LOCATION#" + l.id, "LOCATION"});
    ASSERT_TRUE(location);
    EXPECT_FALSE(location->contains("ops")) << boost::json::serialize(*location);
  }
  auto healthy = open(w.table, nullptr);
  EXPECT_EQ(healthy->getOffer(w.offers[0].id)->locationsTotal, 11);
  w.expectExact(*healthy, "after the links");
}

// A location batch whose process dies at any request and whose client never retries:
// once its lease has run out, the repair idle workers run leaves all of it (each with
// its event, once) or none of it (no event), and lets the batch go, so that the same
// request sent later is answered at once.
TEST(DynamoDbCrash, LocationBatchNeverRetriedIsSweptToAllOrNothing) {
  std::vector<domain::Location> batch;
  everyCrash(
      batchOfFive(batch), [&](World&, store::Store& s) { s.createLocations(batch); },
      [&](World&, store::Store& s) { repairAfterLease(dynamic_cast<DynamoDbStore&>(s)); },
      [&](World&, store::Store& s, bool, const std::string& where) {
        std::size_t present = 0;
        for (const auto& l : batch) present += s.getLocation(l.id) ? 1 : 0;
        if (present == batch.size()) {
          expectCreatedOnce(s, batch, where);
          try {
            s.createLocations(batch);
            ADD_FAILURE() << where << ": created twice";
          } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::conflict) << where << ": " << e.what();
          }
          return;
        }
        EXPECT_EQ(present, 0u) << where << ": part of the batch was left";
        const auto events = createdEvents(s);
        for (const auto& l : batch) {
          EXPECT_FALSE(events.contains(l.id)) << where << ": an event for " << l.id;
        }
        s.createLocations(batch);  // the batch is free again: no 503 "in progress"
        expectCreatedOnce(s, batch, where);
      });
}

// A batch that is slow but alive keeps its record: it renews its lease while it writes
// its locations and while it writes their events, so the sweep, running all the while,
// never takes it over (it would write every event a second time).
TEST(DynamoDbCrash, TheSweepLeavesASlowBatchThatIsStillWriting) {
  World w(0, 0);
  auto batch = newLocations(w.brand, 1000);
  auto opts = options(w.table);
  // Each wave of 100 writes takes ~130 ms, far inside the lease; the 10 waves of events
  // take longer than the lease, which a batch that renewed only between its location
  // waves would let run out.
  opts.lease = std::chrono::milliseconds(1000);
  opts.parallelism = 8;
  opts.client.faultHook = [](std::string_view op, CallPhase p) {
    if (op == "PutItem" && p == CallPhase::before) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // a slow endpoint
    }
  };
  DynamoDbStore slow(opts);
  auto sweeper = open(w.table, nullptr);
  std::atomic<bool> done{false};
  std::thread sweeping([&] {
    while (!done) {
      sweeper->repairAbandoned(domain::nowMillis());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  const auto started = std::chrono::steady_clock::now();
  EXPECT_NO_THROW(slow.createLocations(batch));
  const auto took = std::chrono::steady_clock::now() - started;
  done = true;
  sweeping.join();
  // Meaningful only if the batch outlived its lease.
  EXPECT_GT(took, 2 * opts.lease);
  expectCreatedOnce(*sweeper, batch, "a slow batch with the sweep running");
  // Not even repeated with the same id: the feed holds one event per location.
  std::size_t created = 0;
  std::optional<std::uint64_t> after;
  for (bool more = true; more;) {
    auto page = sweeper->listEvents(after, 500);
    for (const auto& e : page.items) {
      created += e.type == "location.created" ? 1 : 0;
      after = e.seq;
    }
    more = static_cast<bool>(page.last);
  }
  EXPECT_EQ(created, batch.size());
}

// The sweep keeps a location of an abandoned batch that a link has counted meanwhile
// (someone used it): it stays, with its created event; the rest goes.
TEST(DynamoDbCrash, TheSweepKeepsALocationOfAnAbandonedBatchThatWasLinked) {
  World w(1, 0);
  auto batch = newLocations(w.brand, 4);
  Doom doom;
  auto opts = options(w.table);
  opts.parallelism = 1;  // one put at a time: the first two are in when it dies
  opts.client.faultHook = [&doom](std::string_view op, CallPhase p) { doom(op, p); };
  {
    DynamoDbStore dying(opts);
    doom.phase = CallPhase::before;
    // 0 the brand, 1 the record, 2 the read of the ids, 3-6 two locations (a counter item
    // and a location item each), dead.
    doom.arm(7);
    EXPECT_THROW(dying.createLocations(batch), Error);
  }
  auto healthy = open(w.table, nullptr);
  ASSERT_TRUE(healthy->getLocation(batch[0].id));
  ASSERT_TRUE(healthy->getLocation(batch[1].id));
  ASSERT_FALSE(healthy->getLocation(batch[2].id));
  healthy->link(w.offers[0].id, batch[1].id);
  repairAfterLease(*healthy);
  EXPECT_FALSE(healthy->getLocation(batch[0].id)) << "an unused location of the batch stayed";
  auto kept = healthy->getLocation(batch[1].id);
  ASSERT_TRUE(kept) << "the linked location was taken back";
  EXPECT_EQ(kept->offersTotal, 1);
  const auto events = createdEvents(*healthy);
  ASSERT_TRUE(events.contains(batch[1].id));
  EXPECT_EQ(events.at(batch[1].id).size(), 1u);
  EXPECT_FALSE(events.contains(batch[0].id));
  w.expectExact(*healthy, "after the sweep");
}

// A batch meets a failing request mid-way (the nth put, the process alive): the client
// gets the error and nothing of the batch is left, so its retry goes through at once.
TEST(DynamoDbCrash, LocationBatchFailingMidWayLeavesNothingAndItsRetrySucceeds) {
  std::atomic<long> puts{0};
  std::atomic<long> failAt{-1};
  const auto table = uniqueTableName();
  auto healthy = open(table, nullptr);
  domain::Brand brand{domain::newId(), "B", 1, 1};
  healthy->createBrand(brand);
  {
    auto opts = options(table);
    opts.parallelism = 4;
    opts.client.faultHook = [&](std::string_view op, CallPhase p) {
      if (op == "PutItem" && p == CallPhase::before && puts++ == failAt) {
        throw Error(ErrorCode::unavailable, "injected failure");
      }
    };
    DynamoDbStore failing(opts);
    for (long n : {1L, 40L, 230L}) {  // the record's put is the first
      auto batch = newLocations(brand, 250);
      puts = 0;
      failAt = n;
      const std::string where = "failing put " + std::to_string(n);
      try {
        failing.createLocations(batch);
        ADD_FAILURE() << where << ": the batch went through";
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::unavailable) << where;
      }
      for (const auto& l : batch) EXPECT_FALSE(healthy->getLocation(l.id)) << where;
      failAt = -1;
      failing.createLocations(batch);
      expectCreatedOnce(*healthy, batch, where);
      EXPECT_EQ(healthy->listLocations(brand.id, {1000, {}}).items.size() % 250, 0u) << where;
    }
  }
}

}  // namespace
}  // namespace offers::testing
