// Bulk jobs over HTTP (DESIGN.md §6): link-brand-locations on a 10,000-location brand with
// exact counts and an idempotent rerun, a kill -9 in the middle of a 50,000-location job
// that resumes and counts every location once, cancelling queued and running jobs with
// truthful counts, one active job per offer (409 with details.jobId), unlink-all-locations
// emptying an offer so it can be deleted, and bad input that changes nothing.
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "support/jobs_helpers.hpp"

namespace offers::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kUnknownId = "00000000-1111-4222-8333-444444444444";

class JobTest : public JobServerTest {
 protected:
  // Every location of the brand, checked: its offersTotal equals `offersTotal` and hasOffer
  // agrees. Returns how many were checked.
  std::size_t expectEveryLocation(const std::string& brandId, std::int64_t offersTotal) {
    const auto all = listAll("/v1/brands/" + brandId + "/locations", 1000);
    std::size_t wrong = 0;
    for (const auto& item : all) {
      if (num(item, "offersTotal") != offersTotal || flag(item, "hasOffer") != (offersTotal > 0)) {
        if (++wrong <= 5) ADD_FAILURE() << "location not as expected: " << json::serialize(item);
      }
    }
    EXPECT_EQ(wrong, 0u) << "locations with offersTotal != " << offersTotal;
    return all.size();
  }

  // How many locations of the brand carry an offer.
  std::int64_t locationsWithAnOffer(const std::string& brandId) {
    std::int64_t n = 0;
    for (const auto& item : listAll("/v1/brands/" + brandId + "/locations", 1000)) {
      if (flag(item, "hasOffer")) ++n;
    }
    return n;
  }

  // A finished link job's counters add up, and match the state it ended in.
  void expectConsistentLinkJob(const json::object& j) {
    EXPECT_EQ(num(j, "linked") + num(j, "alreadyLinked") + num(j, "failed"), num(j, "processed"))
        << json::serialize(j);
    EXPECT_LE(num(j, "processed"), num(j, "total")) << json::serialize(j);
    EXPECT_FALSE(j.contains("unlinked")) << "a link job has alreadyLinked, not unlinked";
    EXPECT_TRUE(j.at("created").is_string()) << json::serialize(j);
    EXPECT_TRUE(j.at("started").is_string()) << json::serialize(j);
    EXPECT_TRUE(j.at("finished").is_string()) << json::serialize(j);
    if (num(j, "total") > 0) {
      EXPECT_NEAR(real(j, "progress"),
                  static_cast<double>(num(j, "processed")) / static_cast<double>(num(j, "total")),
                  0.01)
          << json::serialize(j);
    }
  }
};

TEST_F(JobTest, TenThousandLocationsLinkedExactlyAndARerunIsANoOp) {
  const int kLocations = sized(10000);
  constexpr int kLinkedBefore = 100;
  const std::string brandId = createBrand("Ten thousand");
  const std::string offerId = str(createOffer(brandId, "Everywhere"), "id");
  const auto locations = createLocations(brandId, kLocations);
  ASSERT_EQ(locations.size(), static_cast<std::size_t>(kLocations));
  for (int i = 0; i < kLinkedBefore; ++i)
    ASSERT_EQ(link(offerId, locations[(i * 97) % kLocations]).status, 201);
  // Another brand's location and offer, which the job must leave alone.
  const std::string otherBrand = createBrand("Other");
  const std::string otherLocation = str(createLocation(otherBrand, "Elsewhere"), "id");

  const json::object created = startJob(offerId);
  const std::string jobId = str(created, "id");
  EXPECT_EQ(str(created, "type"), kLink);
  EXPECT_EQ(str(created, "offerId"), offerId);
  EXPECT_EQ(str(created, "brandId"), brandId);
  EXPECT_EQ(str(created, "status"), "queued");
  EXPECT_EQ(num(created, "processed"), 0);
  EXPECT_EQ(num(created, "linked"), 0);
  EXPECT_FALSE(flag(created, "cancelRequested"));
  EXPECT_TRUE(isNull(created, "error")) << json::serialize(created);
  EXPECT_TRUE(isNull(created, "started")) << json::serialize(created);
  EXPECT_TRUE(isNull(created, "finished")) << json::serialize(created);

  const json::object done = waitUntilFinished(jobId);
  ASSERT_EQ(str(done, "status"), "succeeded") << json::serialize(done);
  EXPECT_EQ(num(done, "total"), kLocations);
  EXPECT_EQ(num(done, "processed"), kLocations);
  EXPECT_EQ(num(done, "linked"), kLocations - kLinkedBefore);
  EXPECT_EQ(num(done, "alreadyLinked"), kLinkedBefore);
  EXPECT_EQ(num(done, "failed"), 0);
  EXPECT_EQ(real(done, "progress"), 1.0);
  EXPECT_TRUE(isNull(done, "error")) << json::serialize(done);
  EXPECT_EQ(str(done, "created"), str(created, "created"));
  expectConsistentLinkJob(done);

  EXPECT_EQ(num(offer(offerId), "locationsTotal"), kLocations);
  EXPECT_EQ(expectEveryLocation(brandId, 1), static_cast<std::size_t>(kLocations));
  const auto linkedIds = listIds("/v1/offers/" + offerId + "/locations", 1000);
  EXPECT_EQ(linkedIds.size(), static_cast<std::size_t>(kLocations));
  EXPECT_EQ(std::set<std::string>(linkedIds.begin(), linkedIds.end()),
            std::set<std::string>(locations.begin(), locations.end()));
  EXPECT_FALSE(flag(location(otherLocation), "hasOffer"));

  // The rerun finds every link in place.
  const std::string rerunId = str(startJob(offerId), "id");
  EXPECT_NE(rerunId, jobId);
  const json::object rerun = waitUntilFinished(rerunId);
  ASSERT_EQ(str(rerun, "status"), "succeeded") << json::serialize(rerun);
  EXPECT_EQ(num(rerun, "total"), kLocations);
  EXPECT_EQ(num(rerun, "linked"), 0);
  EXPECT_EQ(num(rerun, "alreadyLinked"), kLocations);
  EXPECT_EQ(num(rerun, "failed"), 0);
  expectConsistentLinkJob(rerun);
  EXPECT_EQ(num(offer(offerId), "locationsTotal"), kLocations);
  EXPECT_EQ(num(location(locations[1]), "offersTotal"), 1);

  // Both jobs are listed for the offer, and the first one is unchanged.
  const auto listed = listIds("/v1/jobs?offerId=" + offerId, 1);
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()),
            (std::set<std::string>{jobId, rerunId}));
  EXPECT_EQ(json::serialize(job(jobId)), json::serialize(done));
}

// Many small pages, so that a kill -9 lands in the middle of the job.
class JobCrashTest : public JobTest {
 protected:
  JobCrashTest() { extraArgs_.insert(extraArgs_.end(), {"--job-page-size", "100"}); }
};

TEST_F(JobCrashTest, Kill9MidJobResumesAndCountsEveryLocationOnce) {
  const int kLocations = sized(50000);
  constexpr int kLinkedBefore = 20;
  const std::string brandId = createBrand("Fifty thousand");
  const std::string offerId = str(createOffer(brandId, "Crash-proof"), "id");
  const auto locations = createLocations(brandId, kLocations);
  ASSERT_EQ(locations.size(), static_cast<std::size_t>(kLocations));
  for (int i = 0; i < kLinkedBefore; ++i) {
    ASSERT_EQ(link(offerId, locations[kLocations - 1 - i * (kLocations / kLinkedBefore)]).status,
              201);
  }

  const std::string jobId = str(startJob(offerId), "id");
  const json::object underway = waitUntilUnderway(jobId);
  server().kill9();
  ASSERT_EQ(str(underway, "status"), "running")
      << "the job ended before the kill; it must take several hundred steps: "
      << json::serialize(underway);
  ASSERT_LT(num(underway, "processed"), kLocations);

  startServer();
  const json::object done = waitUntilFinished(jobId, 60s);
  ASSERT_EQ(str(done, "status"), "succeeded") << json::serialize(done);
  EXPECT_EQ(num(done, "total"), kLocations);
  EXPECT_EQ(num(done, "processed"), kLocations);
  EXPECT_EQ(num(done, "linked") + num(done, "alreadyLinked"), kLocations) << json::serialize(done);
  EXPECT_EQ(num(done, "alreadyLinked"), kLinkedBefore) << json::serialize(done);
  EXPECT_EQ(num(done, "failed"), 0);
  EXPECT_GE(num(done, "processed"), num(underway, "processed"));
  expectConsistentLinkJob(done);

  EXPECT_EQ(num(offer(offerId), "locationsTotal"), kLocations);
  EXPECT_EQ(expectEveryLocation(brandId, 1), static_cast<std::size_t>(kLocations));
  // One job, resumed, not a second one started; and one terminal event for it.
  EXPECT_EQ(listIds("/v1/jobs?offerId=" + offerId).size(), 1u);
  int terminalEvents = 0;
  for (const auto& event : allEvents()) {
    if (str(event, "type").rfind("job.", 0) == 0) {
      ++terminalEvents;
      EXPECT_EQ(str(event, "type"), "job.succeeded");
      EXPECT_EQ(str(event.at("data"), "id"), jobId);
    }
  }
  EXPECT_EQ(terminalEvents, 1);
}

// One worker and pages of 10, so a big job stays running while the test acts on it and a
// second job waits in the queue behind it.
class JobQueueTest : public JobTest {
 protected:
  JobQueueTest() {
    extraArgs_.insert(extraArgs_.end(), {"--job-page-size", "10", "--job-workers", "1"});
  }
};

TEST_F(JobQueueTest, CancellingARunningJobStopsAtAPageBoundaryWithTruthfulCounts) {
  const int kLocations = sized(20000);
  const std::string brandId = createBrand("Cancelled");
  const std::string offerId = str(createOffer(brandId, "Stopped half-way"), "id");
  createLocations(brandId, kLocations);

  const std::string jobId = str(startJob(offerId), "id");
  const json::object underway = waitUntilUnderway(jobId);
  ASSERT_EQ(str(underway, "status"), "running") << json::serialize(underway);
  const HttpResponse cancel = api().request("POST", "/v1/jobs/" + jobId + "/cancel");
  ASSERT_EQ(cancel.status, 200) << cancel.describe();
  const json::object requested = cancel.object();
  EXPECT_EQ(str(requested, "id"), jobId);
  EXPECT_TRUE(flag(requested, "cancelRequested")) << cancel.describe();
  EXPECT_TRUE(str(requested, "status") == "running" || str(requested, "status") == "cancelled")
      << cancel.describe();

  const json::object cancelled = waitUntilFinished(jobId);
  ASSERT_EQ(str(cancelled, "status"), "cancelled") << json::serialize(cancelled);
  EXPECT_TRUE(flag(cancelled, "cancelRequested"));
  const std::int64_t linked = num(cancelled, "linked");
  EXPECT_GT(num(cancelled, "processed"), 0);
  EXPECT_LT(num(cancelled, "processed"), kLocations) << "the cancel did not stop the job";
  EXPECT_EQ(num(cancelled, "processed") % 10, 0) << "not stopped at a page boundary";
  EXPECT_EQ(num(cancelled, "total"), kLocations);
  EXPECT_EQ(linked, num(cancelled, "processed")) << "nothing was linked before the job";
  EXPECT_EQ(num(cancelled, "alreadyLinked"), 0);
  EXPECT_EQ(num(cancelled, "failed"), 0);
  expectConsistentLinkJob(cancelled);
  // The counts are the truth: exactly `linked` locations carry the offer.
  EXPECT_EQ(num(offer(offerId), "locationsTotal"), linked);
  EXPECT_EQ(locationsWithAnOffer(brandId), linked);
  EXPECT_EQ(static_cast<std::int64_t>(listIds("/v1/offers/" + offerId + "/locations").size()),
            linked);
  // It stays cancelled, with the same counts.
  EXPECT_EQ(json::serialize(job(jobId)), json::serialize(cancelled));

  // Cancelling again returns it as it is.
  const HttpResponse again = api().request("POST", "/v1/jobs/" + jobId + "/cancel");
  ASSERT_EQ(again.status, 200) << again.describe();
  EXPECT_EQ(str(again.object(), "status"), "cancelled");
  EXPECT_EQ(num(again.object(), "linked"), linked);

  // The offer is free for a new job, which finishes the work.
  const std::string nextId = str(startJob(offerId), "id");
  const json::object next = waitUntilFinished(nextId, 60s);
  ASSERT_EQ(str(next, "status"), "succeeded") << json::serialize(next);
  EXPECT_EQ(num(next, "alreadyLinked"), linked);
  EXPECT_EQ(num(next, "linked"), kLocations - linked);
  EXPECT_EQ(num(offer(offerId), "locationsTotal"), kLocations);

  // A finished job cannot be cancelled.
  EXPECT_TRUE(IsApiError(api().request("POST", "/v1/jobs/" + nextId + "/cancel"), 409, "conflict"));
  EXPECT_EQ(str(job(nextId), "status"), "succeeded");

  // The feed has job.cancelled, then job.succeeded, each carrying its job.
  std::vector<json::object> jobEvents;
  for (const auto& event : allEvents()) {
    if (str(event, "type").rfind("job.", 0) == 0) jobEvents.push_back(event);
  }
  ASSERT_EQ(jobEvents.size(), 2u);
  EXPECT_EQ(str(jobEvents[0], "type"), "job.cancelled");
  EXPECT_EQ(json::serialize(jobEvents[0].at("data")), json::serialize(cancelled));
  EXPECT_EQ(str(jobEvents[1], "type"), "job.succeeded");
  EXPECT_EQ(str(jobEvents[1].at("data"), "id"), nextId);
}

TEST_F(JobQueueTest, OneActiveJobPerOfferAndAQueuedJobCancelsAtOnce) {
  const std::string bigBrand = createBrand("Busy");
  const std::string bigOffer = str(createOffer(bigBrand, "Keeps the worker busy"), "id");
  createLocations(bigBrand, sized(20000));
  const std::string smallBrand = createBrand("Waiting");
  const std::string smallOffer = str(createOffer(smallBrand, "Waits its turn"), "id");
  createLocations(smallBrand, 50);

  const std::string runningId = str(startJob(bigOffer), "id");
  ASSERT_EQ(str(waitUntilUnderway(runningId), "status"), "running");
  const json::object queued = startJob(smallOffer);
  const std::string queuedId = str(queued, "id");
  EXPECT_EQ(str(queued, "status"), "queued");

  // A second job for either offer, of either type, is refused and names the active one.
  for (const char* type : {kLink, kUnlinkAll}) {
    const HttpResponse r = api().post("/v1/jobs", {{"type", type}, {"offerId", smallOffer}});
    EXPECT_TRUE(IsApiError(r, 409, "conflict")) << type;
    EXPECT_EQ(detailsJobId(r), queuedId) << r.describe();
  }
  const HttpResponse second = api().post("/v1/jobs", {{"type", kLink}, {"offerId", bigOffer}});
  EXPECT_TRUE(IsApiError(second, 409, "conflict"));
  EXPECT_EQ(detailsJobId(second), runningId) << second.describe();
  // Neither offer can be deleted while its job is active.
  const HttpResponse deleteQueued = api().del("/v1/offers/" + smallOffer);
  EXPECT_TRUE(IsApiError(deleteQueued, 409, "conflict"));
  EXPECT_EQ(detailsJobId(deleteQueued), queuedId) << deleteQueued.describe();
  const HttpResponse deleteRunning = api().del("/v1/offers/" + bigOffer);
  EXPECT_TRUE(IsApiError(deleteRunning, 409, "conflict"));
  EXPECT_EQ(detailsJobId(deleteRunning), runningId) << deleteRunning.describe();

  // The queued job is still queued (the single worker is busy), and a cancel ends it at once.
  EXPECT_EQ(str(job(queuedId), "status"), "queued");
  const HttpResponse cancel = api().request("POST", "/v1/jobs/" + queuedId + "/cancel");
  ASSERT_EQ(cancel.status, 200) << cancel.describe();
  const json::object cancelled = cancel.object();
  EXPECT_EQ(str(cancelled, "status"), "cancelled");
  EXPECT_EQ(num(cancelled, "processed"), 0);
  EXPECT_EQ(num(cancelled, "linked"), 0);
  EXPECT_TRUE(cancelled.at("finished").is_string()) << cancel.describe();
  EXPECT_EQ(str(job(queuedId), "status"), "cancelled");
  const HttpResponse again = api().request("POST", "/v1/jobs/" + queuedId + "/cancel");
  ASSERT_EQ(again.status, 200) << again.describe();
  EXPECT_EQ(str(again.object(), "status"), "cancelled");
  // All of that happened while the big job was running: the queue was real.
  ASSERT_EQ(str(job(runningId), "status"), "running")
      << "the big job ended too early for this test to mean anything";

  // The small offer is free again: its new job waits behind the big one, then runs.
  const std::string retryId = str(startJob(smallOffer), "id");
  ASSERT_EQ(api().request("POST", "/v1/jobs/" + runningId + "/cancel").status, 200);
  EXPECT_EQ(str(waitUntilFinished(runningId), "status"), "cancelled");
  const json::object retried = waitUntilFinished(retryId);
  ASSERT_EQ(str(retried, "status"), "succeeded") << json::serialize(retried);
  EXPECT_EQ(num(retried, "linked"), 50);
  EXPECT_EQ(num(offer(smallOffer), "locationsTotal"), 50);
  // The cancelled queued job never linked anything, and never ran.
  const json::object stillCancelled = job(queuedId);
  EXPECT_EQ(num(stillCancelled, "linked"), 0);
  EXPECT_TRUE(isNull(stillCancelled, "started")) << json::serialize(stillCancelled);

  // The job lists: by offer, and all three, paged one by one.
  const auto small = listIds("/v1/jobs?offerId=" + smallOffer, 1);
  EXPECT_EQ(std::set<std::string>(small.begin(), small.end()),
            (std::set<std::string>{queuedId, retryId}));
  const auto all = listIds("/v1/jobs", 1);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()),
            (std::set<std::string>{runningId, queuedId, retryId}));
}

TEST_F(JobTest, UnlinkAllEmptiesTheOfferSoItCanBeDeleted) {
  constexpr int kLocations = 2500;
  const std::string brandId = createBrand("Emptied");
  const std::string offerId = str(createOffer(brandId, "Going away"), "id");
  const std::string keptOffer = str(createOffer(brandId, "Stays"), "id");
  const auto locations = createLocations(brandId, kLocations);
  // The other offer of the brand keeps its own links through all of this.
  for (int i = 0; i < 10; ++i) ASSERT_EQ(link(keptOffer, locations[i]).status, 201);

  const json::object linked = waitUntilFinished(str(startJob(offerId), "id"));
  ASSERT_EQ(str(linked, "status"), "succeeded") << json::serialize(linked);
  ASSERT_EQ(num(offer(offerId), "locationsTotal"), kLocations);
  // Linked locations: the offer cannot be deleted yet.
  EXPECT_TRUE(IsApiError(api().del("/v1/offers/" + offerId), 409, "conflict"));

  const json::object created = startJob(offerId, kUnlinkAll);
  EXPECT_EQ(str(created, "type"), kUnlinkAll);
  const json::object done = waitUntilFinished(str(created, "id"));
  ASSERT_EQ(str(done, "status"), "succeeded") << json::serialize(done);
  EXPECT_EQ(num(done, "total"), kLocations);
  EXPECT_EQ(num(done, "processed"), kLocations);
  EXPECT_EQ(num(done, "unlinked"), kLocations);
  EXPECT_EQ(num(done, "failed"), 0);
  EXPECT_EQ(real(done, "progress"), 1.0);
  EXPECT_FALSE(done.contains("alreadyLinked")) << "an unlink job has unlinked, not alreadyLinked";

  EXPECT_EQ(num(offer(offerId), "locationsTotal"), 0);
  EXPECT_EQ(num(offer(keptOffer), "locationsTotal"), 10);
  EXPECT_TRUE(listIds("/v1/offers/" + offerId + "/locations").empty());
  const auto all = listAll("/v1/brands/" + brandId + "/locations", 1000);
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kLocations));
  std::set<std::string> stillLinked;
  for (const auto& item : all) {
    if (flag(item, "hasOffer")) stillLinked.insert(str(item, "id"));
    EXPECT_EQ(num(item, "offersTotal"), flag(item, "hasOffer") ? 1 : 0) << json::serialize(item);
  }
  EXPECT_EQ(stillLinked, std::set<std::string>(locations.begin(), locations.begin() + 10));

  ASSERT_EQ(api().del("/v1/offers/" + offerId).status, 204);
  EXPECT_TRUE(IsApiError(api().get("/v1/offers/" + offerId), 404, "not_found"));
  EXPECT_EQ(num(offer(keptOffer), "locationsTotal"), 10);
}

TEST_F(JobTest, BadInputIsRejectedAndChangesNothing) {
  const std::string brandId = createBrand("Untouched");
  const std::string offerId = str(createOffer(brandId, "Untouched"), "id");
  const auto locations = createLocations(brandId, 5);
  ASSERT_EQ(link(offerId, locations[0]).status, 201);
  const std::string finishedId = str(startJob(offerId), "id");
  ASSERT_EQ(str(waitUntilFinished(finishedId), "status"), "succeeded");
  const std::string before = snapshot();
  const std::string jobsBefore = json::serialize(fetch("/v1/jobs"));
  const std::size_t eventsBefore = allEvents().size();

  const std::string offerField = "\"offerId\":\"" + offerId + "\"";
  const std::vector<BadRequest> cases = {
      {"POST", "/v1/jobs", "{", 400, "invalid_request", ""},
      {"POST", "/v1/jobs", "[]", 400, "invalid_request", ""},
      {"POST", "/v1/jobs", "{}", 400, "invalid_request", ""},
      {"POST", "/v1/jobs", "{" + offerField + "}", 400, "invalid_request", "type"},
      {"POST", "/v1/jobs", R"({"type":"link-brand-locations"})", 400, "invalid_request", "offerId"},
      {"POST", "/v1/jobs", R"({"type":"link-everything",)" + offerField + "}", 400,
       "invalid_request", "type"},
      {"POST", "/v1/jobs", R"({"type":7,)" + offerField + "}", 400, "invalid_request", "type"},
      {"POST", "/v1/jobs", R"({"type":null,)" + offerField + "}", 400, "invalid_request", "type"},
      {"POST", "/v1/jobs", R"({"type":"link-brand-locations","offerId":"not-a-uuid"})", 400,
       "invalid_request", "offerId"},
      {"POST", "/v1/jobs", R"({"type":"link-brand-locations","offerId":42})", 400,
       "invalid_request", "offerId"},
      {"POST", "/v1/jobs", R"({"type":"link-brand-locations",)" + offerField + R"(,"force":true})",
       400, "invalid_request", "force"},
      {"POST", "/v1/jobs",
       R"({"type":"link-brand-locations",)" + offerField + R"(,"status":"running"})", 400,
       "invalid_request", "status"},
      {"POST", "/v1/jobs",
       std::string(R"({"type":"link-brand-locations","offerId":")") + kUnknownId + "\"}", 404,
       "not_found", ""},
      {"POST", "/v1/jobs",
       std::string(R"({"type":"unlink-all-locations","offerId":")") + kUnknownId + "\"}", 404,
       "not_found", ""},
      {"GET", std::string("/v1/jobs/") + kUnknownId, {}, 404, "not_found", ""},
      {"POST", std::string("/v1/jobs/") + kUnknownId + "/cancel", {}, 404, "not_found", ""},
      {"POST", "/v1/jobs/" + finishedId + "/cancel", {}, 409, "conflict", ""},
      {"GET", "/v1/jobs/not-a-uuid", {}, 400, "invalid_request", ""},
      {"POST", "/v1/jobs/not-a-uuid/cancel", {}, 400, "invalid_request", ""},
      {"GET", "/v1/jobs?offerId=not-a-uuid", {}, 400, "invalid_request", "offerId"},
      {"GET", "/v1/jobs?limit=0", {}, 400, "invalid_request", "limit"},
      {"GET", "/v1/jobs?limit=1001", {}, 400, "invalid_request", "limit"},
      {"GET", "/v1/jobs?start=garbage", {}, 400, "invalid_request", "start"},
      {"DELETE", "/v1/jobs/" + finishedId, {}, 405, "method_not_allowed", ""},
      {"DELETE", "/v1/offers/" + offerId, {}, 409, "conflict", ""},  // it has links
  };
  expectRefused(cases);
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(json::serialize(fetch("/v1/jobs")), jobsBefore);
  EXPECT_EQ(allEvents().size(), eventsBefore) << "rejected requests appended events";
  EXPECT_EQ(num(offer(offerId), "locationsTotal"), 5);
}

}  // namespace
}  // namespace offers::testing
