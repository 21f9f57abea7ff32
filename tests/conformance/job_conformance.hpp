// The jobs, outbox and webhook-delivery part of the Store contract, written once for
// every engine (instantiated next to StoreConformance). Includes the fail-the-nth-call
// proof that a bulk job resumes exactly whichever store call fails.
#pragma once

#include <mutex>

#include "jobs/runner.hpp"
#include "store_conformance.hpp"
#include "support/failing_store.hpp"

namespace offers::testing {

using domain::Job;
using domain::JobStatus;
using domain::JobType;

template <class Engine>
class JobConformance : public StoreConformance<Engine> {
 protected:
  static Job newJob(const Offer& offer, JobType type = JobType::link_brand_locations) {
    Job j;
    j.id = domain::newId();
    j.type = type;
    j.offerId = offer.id;
    j.brandId = offer.brandId;
    j.created = domain::nowMillis();
    return j;
  }

  static Job runToEnd(store::Store& s, const std::string& id, std::size_t pageSize) {
    for (int guard = 0; guard < 100000; ++guard) {
      auto job = s.runJobStep(id, pageSize);
      if (domain::isTerminal(job.status)) return job;
    }
    ADD_FAILURE() << "job never finished";
    return *s.getJob(id);
  }

  static std::vector<domain::Event> allEvents(store::Store& s) {
    std::vector<domain::Event> out;
    std::optional<std::uint64_t> after;
    for (;;) {
      auto page = s.listEvents(after, 7);
      out.insert(out.end(), page.items.begin(), page.items.end());
      if (!page.last) return out;
      after = std::stoull(*page.last);
    }
  }

  static std::size_t countType(const std::vector<domain::Event>& events, std::string_view t) {
    return std::size_t(
        std::count_if(events.begin(), events.end(), [&](const auto& e) { return e.type == t; }));
  }
};

TYPED_TEST_SUITE_P(JobConformance);

TYPED_TEST_P(JobConformance, LinkJobLinksEveryLocationOnceWithHonestCounts) {
  auto& s = this->store();
  auto b = this->brand();
  auto o = this->offer(b.id);
  // 1,050 locations, 50 of them linked before the job (fewer on a slow emulator).
  const std::int64_t total = std::int64_t(this->sized(1050));
  const std::int64_t before = std::int64_t(this->sized(50));
  auto locs = this->locations(b.id, std::size_t(total));
  for (std::int64_t i = 0; i < before; ++i) s.link(o.id, locs[std::size_t(i * 20)].id);
  const auto eventsBefore = this->allEvents(s).size();

  auto job = this->newJob(o);
  s.createJob(job);
  EXPECT_EQ(s.getJob(job.id)->status, JobStatus::queued);
  auto first = s.runJobStep(job.id, 100);
  EXPECT_EQ(first.status, JobStatus::running);
  EXPECT_EQ(first.total, total) << "the first step sizes the job";
  EXPECT_EQ(first.processed, 100);
  EXPECT_TRUE(first.started);
  auto done = this->runToEnd(s, job.id, 100);
  EXPECT_EQ(done.status, JobStatus::succeeded);
  EXPECT_EQ(done.total, total);
  EXPECT_EQ(done.linked, total - before);
  EXPECT_EQ(done.alreadyLinked, before);
  EXPECT_EQ(done.linked + done.alreadyLinked + done.failed, done.total);
  EXPECT_DOUBLE_EQ(done.progress(), 1.0);
  EXPECT_TRUE(done.finished);
  EXPECT_EQ(s.getOffer(o.id)->locationsTotal, total);
  this->expectExact(o.id, locs);

  // One job event, no per-link events.
  auto events = this->allEvents(s);
  EXPECT_EQ(events.size(), eventsBefore + 1);
  EXPECT_EQ(events.back().type, "job.succeeded");
  EXPECT_EQ(events.back().data.at("linked").as_int64(), total - before);

  // A rerun changes nothing and says so.
  auto again = this->newJob(o);
  s.createJob(again);
  auto rerun = this->runToEnd(s, again.id, 100);
  EXPECT_EQ(rerun.linked, 0);
  EXPECT_EQ(rerun.alreadyLinked, total);
  EXPECT_EQ(s.getOffer(o.id)->locationsTotal, total);
}

TYPED_TEST_P(JobConformance, OneActiveJobPerOfferAndNoDeleteWhileActive) {
  auto& s = this->store();
  auto b = this->brand();
  auto o = this->offer(b.id);
  this->locations(b.id, 10);
  auto job = this->newJob(o);
  s.createJob(job);
  try {
    s.createJob(this->newJob(o));
    ADD_FAILURE() << "a second active job was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::conflict);
    EXPECT_EQ(e.details().at("jobId").as_string(), job.id);
  }
  EXPECT_EQ(errorOf([&] { s.deleteOffer(o.id); }), ErrorCode::conflict);
  Offer ghost;  // never stored
  ghost.id = domain::newId();
  ghost.brandId = b.id;
  EXPECT_EQ(errorOf([&] { s.createJob(this->newJob(ghost)); }), ErrorCode::not_found);
  this->runToEnd(s, job.id, 3);
  EXPECT_EQ(s.activeJobs().size(), 0u);
  s.createJob(this->newJob(o));  // allowed again once the first has finished
  ASSERT_EQ(s.listJobs(o.id, {10, {}}).items.size(), 2u);
}

TYPED_TEST_P(JobConformance, CancelStopsBetweenPagesWithTruthfulCounts) {
  auto& s = this->store();
  auto b = this->brand();
  auto o = this->offer(b.id);
  auto locs = this->locations(b.id, 30);

  auto queued = this->newJob(o);
  s.createJob(queued);
  auto cancelled = s.cancelJob(queued.id);
  EXPECT_EQ(cancelled.status, JobStatus::cancelled);
  EXPECT_EQ(s.cancelJob(queued.id).status, JobStatus::cancelled) << "cancel is idempotent";
  EXPECT_EQ(s.runJobStep(queued.id, 10).status, JobStatus::cancelled);
  EXPECT_EQ(s.getOffer(o.id)->locationsTotal, 0);

  auto running = this->newJob(o);
  s.createJob(running);
  s.runJobStep(running.id, 10);
  auto flagged = s.cancelJob(running.id);
  EXPECT_EQ(flagged.status, JobStatus::running);
  EXPECT_TRUE(flagged.cancelRequested);
  auto end = s.runJobStep(running.id, 10);
  EXPECT_EQ(end.status, JobStatus::cancelled);
  EXPECT_EQ(end.linked, 10);
  EXPECT_EQ(s.getOffer(o.id)->locationsTotal, 10);
  this->expectExact(o.id, locs);
  auto events = this->allEvents(s);
  EXPECT_EQ(this->countType(events, "job.cancelled"), 2u);

  auto finished = this->newJob(o);
  s.createJob(finished);
  this->runToEnd(s, finished.id, 100);
  EXPECT_EQ(errorOf([&] { s.cancelJob(finished.id); }), ErrorCode::conflict);
}

TYPED_TEST_P(JobConformance, UnlinkAllEmptiesTheOffer) {
  auto& s = this->store();
  auto b = this->brand();
  auto o = this->offer(b.id);
  auto other = this->offer(b.id);
  auto locs = this->locations(b.id, 25);
  for (const auto& l : locs) s.link(o.id, l.id);
  s.link(other.id, locs[0].id);
  auto job = this->newJob(o, JobType::unlink_all_locations);
  s.createJob(job);
  auto done = this->runToEnd(s, job.id, 4);
  EXPECT_EQ(done.status, JobStatus::succeeded);
  EXPECT_EQ(done.unlinked, 25);
  EXPECT_EQ(done.total, 25);
  EXPECT_EQ(s.getOffer(o.id)->locationsTotal, 0);
  EXPECT_TRUE(s.getLocation(locs[0].id)->hasOffer()) << "still linked to the other offer";
  EXPECT_FALSE(s.getLocation(locs[1].id)->hasOffer());
  this->expectExact(o.id, locs);
  s.deleteOffer(o.id);
}

TYPED_TEST_P(JobConformance, JobsRacingSingleRequestsStayExact) {
  auto& s = this->store();
  auto b = this->brand();
  auto o = this->offer(b.id);
  auto locs = this->locations(b.id, this->sized(600));
  // A link job while other threads link, unlink and delete the same locations.
  auto linkJob = this->newJob(o);
  s.createJob(linkJob);
  std::atomic<bool> done{false};
  auto storm = [&](unsigned seed) {
    std::mt19937 rng{seed};
    while (!done) {
      const auto& l = locs[rng() % locs.size()];
      try {
        switch (rng() % 3) {
          case 0:
            s.link(o.id, l.id);
            break;
          case 1:
            s.unlink(o.id, l.id);
            break;
          default:
            break;
        }
      } catch (const Error& e) {
        if (e.code() != ErrorCode::not_found) ADD_FAILURE() << e.what();
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 3; ++t) threads.emplace_back(storm, t);
  auto linked = this->runToEnd(s, linkJob.id, 7);
  // And an unlink job racing the same storm.
  auto unlinkJob = this->newJob(o, JobType::unlink_all_locations);
  s.createJob(unlinkJob);
  auto unlinked = this->runToEnd(s, unlinkJob.id, 7);
  done = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(linked.status, JobStatus::succeeded);
  EXPECT_EQ(unlinked.status, JobStatus::succeeded);
  EXPECT_EQ(linked.linked + linked.alreadyLinked, linked.total);
  this->expectExact(o.id, locs);
}

TYPED_TEST_P(JobConformance, EveryFailedCallResumesToTheSameExactEnd) {
  if constexpr (requires { TypeParam::kExhaustiveFaultLoop; }) {
    if (!TypeParam::kExhaustiveFaultLoop)
      GTEST_SKIP() << "too slow on this emulator; see its engine";
  }
  for (auto when : {FailingStore::When::before, FailingStore::When::after}) {
    for (long n = 0;; ++n) {
      ASSERT_LT(n, 500) << "the job never completed without reaching the injected failure";
      TypeParam engine;
      auto inner = engine.open();
      Brand b{domain::newId(), "B", 1, 1};
      inner->createBrand(b);
      Offer o;
      o.id = domain::newId();
      o.name = "O";
      o.brandId = b.id;
      inner->createOffer(o);
      std::vector<Location> locs;
      for (int i = 0; i < 450; ++i) locs.push_back(this->makeLocation(b.id));
      inner->createLocations(locs);
      for (int i = 0; i < 45; ++i) inner->link(o.id, locs[std::size_t(i) * 10].id);
      auto job = this->newJob(o);
      inner->createJob(job);

      FailingStore failing(*inner, n, when);
      jobs::JobRunner runner(failing, {1, 50, std::chrono::milliseconds(10), 5,
                                       std::chrono::milliseconds(1), std::chrono::milliseconds(2)});
      runner.run(job.id);

      auto end = *inner->getJob(job.id);
      ASSERT_EQ(end.status, JobStatus::succeeded) << "n=" << n;
      EXPECT_EQ(end.linked, 405) << "n=" << n;
      EXPECT_EQ(end.alreadyLinked, 45) << "n=" << n;
      EXPECT_EQ(end.total, 450) << "n=" << n;
      EXPECT_EQ(inner->getOffer(o.id)->locationsTotal, 450) << "n=" << n;
      for (const auto& l : locs) {
        ASSERT_EQ(inner->getLocation(l.id)->offersTotal, 1) << "n=" << n;
      }
      auto events = this->allEvents(*inner);
      EXPECT_EQ(this->countType(events, "job.succeeded"), 1u) << "n=" << n;
      if (!failing.failed()) break;  // ran to the end without reaching call n: all covered
    }
  }
}

TYPED_TEST_P(JobConformance, OutboxRecordsChangesInOrder) {
  auto& s = this->store();
  auto b = this->brand();
  auto o = this->offer(b.id);
  auto locs = this->locations(b.id, 3);
  s.link(o.id, locs[0].id);
  s.link(o.id, locs[0].id);  // already linked: no event
  s.unlink(o.id, locs[0].id);
  s.link(o.id, locs[1].id);
  s.deleteLocation(locs[1].id);
  auto events = this->allEvents(s);
  std::vector<std::string> types;
  for (const auto& e : events) types.push_back(e.type);
  EXPECT_EQ(types, (std::vector<std::string>{"brand.created", "offer.created", "location.created",
                                             "location.created", "location.created", "link.created",
                                             "link.deleted", "link.created", "link.deleted",
                                             "location.deleted"}));
  for (std::size_t i = 1; i < events.size(); ++i) EXPECT_LT(events[i - 1].seq, events[i].seq);
  EXPECT_EQ(events[5].data.at("offerId").as_string(), o.id);
  EXPECT_EQ(events[5].data.at("locationId").as_string(), locs[0].id);
  EXPECT_EQ(events[9].data.at("id").as_string(), locs[1].id);
  std::set<std::string> ids;
  for (const auto& e : events) ids.insert(e.id);
  EXPECT_EQ(ids.size(), events.size());
  this->reopen();
  EXPECT_EQ(this->allEvents(this->store()).size(), events.size());
  auto more = this->brand();
  EXPECT_EQ(this->allEvents(this->store()).back().data.at("id").as_string(), more.id)
      << "the outbox continues after a reopen";
}

TYPED_TEST_P(JobConformance, DeliveriesAreFannedOutRetriedAndRecorded) {
  auto& s = this->store();
  domain::Webhook links{
      domain::newId(), "http://127.0.0.1:9/hook", {"link.created"}, "0123456789abcdef", 1};
  domain::Webhook all{domain::newId(), "http://127.0.0.1:9/all", {"*"}, "0123456789abcdef", 1};
  s.createWebhook(links);
  s.createWebhook(all);
  auto b = this->brand();
  auto o = this->offer(b.id);
  auto l = this->location(b.id);
  s.link(o.id, l.id);
  const domain::Millis now = 1'000'000;
  EXPECT_EQ(s.fanOutEvents(100, now), 4u);
  EXPECT_EQ(s.fanOutEvents(100, now), 0u) << "each event is fanned out once";
  auto due = s.dueDeliveries(now, 100);
  ASSERT_EQ(due.size(), 5u);  // 4 events for "*", 1 for link.created
  EXPECT_TRUE(s.dueDeliveries(now - 1, 100).empty());

  const auto d =
      *std::find_if(due.begin(), due.end(), [&](const auto& x) { return x.webhookId == links.id; });
  auto event = s.getEvent(d.eventSeq);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->type, "link.created");
  domain::DeliveryAttempt failed{links.id, d.eventSeq, event->id, event->type, 1,         now,
                                 500L,     "",         12,        false,       now + 1000};
  s.recordAttempt(d, failed);
  auto later = s.dueDeliveries(now + 1000, 100);
  auto retry = std::find_if(later.begin(), later.end(),
                            [&](const auto& x) { return x.webhookId == links.id; });
  ASSERT_NE(retry, later.end());
  EXPECT_EQ(retry->attempt, 2);
  EXPECT_EQ(retry->due, now + 1000);
  domain::DeliveryAttempt ok{links.id, d.eventSeq, event->id, event->type, 2,           now + 1000,
                             200L,     "",         3,         true,        std::nullopt};
  s.recordAttempt(*retry, ok);
  later = s.dueDeliveries(now + 10'000, 100);
  EXPECT_EQ(std::count_if(later.begin(), later.end(),
                          [&](const auto& x) { return x.webhookId == links.id; }),
            0);
  auto attempts = s.listDeliveryAttempts(links.id, {1, {}});
  ASSERT_EQ(attempts.items.size(), 1u);
  ASSERT_TRUE(attempts.last);
  EXPECT_EQ(attempts.items[0].statusCode, 500L);
  auto second = s.listDeliveryAttempts(links.id, {10, attempts.last});
  ASSERT_EQ(second.items.size(), 1u);
  EXPECT_TRUE(second.items[0].succeeded);
  EXPECT_EQ(second.items[0].attempt, 2);
  EXPECT_EQ(errorOf([&] {
              s.listDeliveryAttempts(domain::newId(), {10, {}});
            }),
            ErrorCode::not_found);
}

// The listener that wakes the dispatcher runs only once the events it announces can be
// fanned out: a scan it triggers at once must find them, or the woken dispatcher goes
// back to an idle wait with the events unseen.
TYPED_TEST_P(JobConformance, TheAppendedListenerRunsOnceItsEventsAreVisible) {
  auto& s = this->store();
  s.createWebhook({domain::newId(), "http://127.0.0.1:9/all", {"*"}, "0123456789abcdef", 1});
  const domain::Millis now = 1'000'000;
  std::mutex mutex;  // the engine may call the listener from several threads
  std::size_t calls = 0;
  std::size_t fannedOut = 0;
  s.onEventsAppended([&] {
    std::lock_guard lock(mutex);
    ++calls;
    fannedOut += s.fanOutEvents(100, now);
  });
  auto b = this->brand();
  this->locations(b.id, 3);
  s.onEventsAppended(nullptr);
  EXPECT_GT(calls, 0u) << "the listener was not called";
  EXPECT_EQ(fannedOut, 4u) << "1 brand and 3 locations created, fanned out by the listener";
  EXPECT_EQ(s.fanOutEvents(100, now), 0u) << "an event was left for the next idle scan";
}

REGISTER_TYPED_TEST_SUITE_P(JobConformance, LinkJobLinksEveryLocationOnceWithHonestCounts,
                            OneActiveJobPerOfferAndNoDeleteWhileActive,
                            CancelStopsBetweenPagesWithTruthfulCounts, UnlinkAllEmptiesTheOffer,
                            JobsRacingSingleRequestsStayExact,
                            EveryFailedCallResumesToTheSameExactEnd, OutboxRecordsChangesInOrder,
                            DeliveriesAreFannedOutRetriedAndRecorded,
                            TheAppendedListenerRunsOnceItsEventsAreVisible);

}  // namespace offers::testing
