// The event feed (DESIGN.md §4): every change appends one event, in order, and
// /v1/events pages through them with no duplicates or gaps; a batch create gives one
// location.created per item, a bulk job only its job.* event, a no-op gives none, and
// deleting a location gives link.deleted for each of its links. The feed survives kill -9.
#include <algorithm>
#include <boost/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "support/jobs_helpers.hpp"

namespace offers::testing {
namespace {

namespace json = boost::json;

class EventTest : public JobServerTest {
 protected:
  // The feed paged by `limit`: ceil(n / limit) pages, each id once, `created` never
  // going back.
  std::vector<json::object> feed(int limit, std::size_t expected) {
    int pages = 0;
    auto events = listAll("/v1/events", limit, &pages);
    EXPECT_EQ(events.size(), expected);
    EXPECT_EQ(static_cast<std::size_t>(pages), expected == 0 ? 1 : (expected + limit - 1) / limit);
    for (std::size_t i = 0; i < events.size(); ++i) {
      const auto& e = events[i];
      EXPECT_EQ(e.size(), 4u) << json::serialize(e);  // {id, type, created, data}
      EXPECT_TRUE(e.at("data").is_object()) << json::serialize(e);
      if (i > 0) {
        // ISO 8601 UTC with the same precision compares as text.
        EXPECT_LE(str(events[i - 1], "created"), str(e, "created")) << "out of order at " << i;
      }
    }
    return events;
  }
};

TEST_F(EventTest, EveryChangeOnceAndInOrderPagedByTwo) {
  std::vector<std::string> expected;  // types, in order
  std::vector<std::string> subjects;  // data.id (or data.offerId/locationId for links)

  const std::string brandId = createBrand("Evented");
  expected.push_back("brand.created"), subjects.push_back(brandId);
  ASSERT_EQ(api().patch("/v1/brands/" + brandId, {{"name", "Renamed"}}).status, 200);
  expected.push_back("brand.updated"), subjects.push_back(brandId);
  const std::string offerId = str(createOffer(brandId, "First"), "id");
  expected.push_back("offer.created"), subjects.push_back(offerId);
  const std::string secondOffer = str(createOffer(brandId, "Second"), "id");
  expected.push_back("offer.created"), subjects.push_back(secondOffer);
  ASSERT_EQ(api().patch("/v1/offers/" + offerId, {{"name", "First, renamed"}}).status, 200);
  expected.push_back("offer.updated"), subjects.push_back(offerId);
  const auto batch = createLocations(brandId, 3);  // one batch request
  for (const auto& id : batch) expected.push_back("location.created"), subjects.push_back(id);
  const std::string single = str(createLocation(brandId, "Single"), "id");
  expected.push_back("location.created"), subjects.push_back(single);
  ASSERT_EQ(api().patch("/v1/locations/" + single, {{"city", "Lyon"}}).status, 200);
  expected.push_back("location.updated"), subjects.push_back(single);

  ASSERT_EQ(link(offerId, single).status, 201);
  expected.push_back("link.created"), subjects.push_back(offerId + "/" + single);
  ASSERT_EQ(link(offerId, single).status, 200);  // already linked: no change, no event
  ASSERT_EQ(unlink(offerId, single).status, 204);
  expected.push_back("link.deleted"), subjects.push_back(offerId + "/" + single);
  ASSERT_EQ(link(secondOffer, batch[2]).status, 201);
  expected.push_back("link.created"), subjects.push_back(secondOffer + "/" + batch[2]);

  // The bulk job links four locations: one job.succeeded, no link.created.
  const std::string jobId = str(startJob(offerId), "id");
  const json::object done = waitUntilFinished(jobId);
  ASSERT_EQ(str(done, "status"), "succeeded") << json::serialize(done);
  ASSERT_EQ(num(done, "linked"), 4);
  expected.push_back("job.succeeded"), subjects.push_back(jobId);

  // batch[2] carries both offers: two link.deleted, then its location.deleted.
  ASSERT_EQ(api().del("/v1/locations/" + batch[2]).status, 204);
  expected.push_back("link.deleted"), subjects.push_back("?");
  expected.push_back("link.deleted"), subjects.push_back("?");
  expected.push_back("location.deleted"), subjects.push_back(batch[2]);

  const std::string unlinkId = str(startJob(offerId, kUnlinkAll), "id");
  ASSERT_EQ(str(waitUntilFinished(unlinkId), "status"), "succeeded");
  expected.push_back("job.succeeded"), subjects.push_back(unlinkId);
  ASSERT_EQ(api().del("/v1/offers/" + offerId).status, 204);
  expected.push_back("offer.deleted"), subjects.push_back(offerId);
  const std::string gone = createBrand("Short-lived");
  expected.push_back("brand.created"), subjects.push_back(gone);
  ASSERT_EQ(api().del("/v1/brands/" + gone).status, 204);
  expected.push_back("brand.deleted"), subjects.push_back(gone);

  const auto events = feed(2, expected.size());
  std::vector<std::string> types;
  for (const auto& e : events) types.push_back(str(e, "type"));
  // The links of a deleted location go in any order before or after it; compare that
  // stretch as a set of types and the rest in order.
  ASSERT_EQ(types.size(), expected.size());
  const auto deletedAt =
      std::find(expected.begin(), expected.end(), "location.deleted") - expected.begin() - 2;
  std::multiset<std::string> stretch(types.begin() + deletedAt, types.begin() + deletedAt + 3);
  EXPECT_EQ(stretch,
            (std::multiset<std::string>{"link.deleted", "link.deleted", "location.deleted"}));
  for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(types.size()); ++i) {
    if (i >= deletedAt && i < deletedAt + 3) continue;
    EXPECT_EQ(types[i], expected[i]) << "event " << i << ": " << json::serialize(events[i]);
  }

  for (std::size_t i = 0; i < events.size(); ++i) {
    const json::object& data = events[i].at("data").as_object();
    const std::string& type = types[i];
    if (type == "link.created" || type == "link.deleted") {
      EXPECT_EQ(data.size(), 2u) << json::serialize(data);
      if (subjects[i] != "?" && expected[i] == type) {
        EXPECT_EQ(str(data, "offerId") + "/" + str(data, "locationId"), subjects[i]);
      }
    } else if (expected[i] == type) {
      EXPECT_EQ(str(data, "id"), subjects[i]) << "event " << i << " " << type;
    }
  }
  // The deleted location's two links, one per offer.
  std::set<std::string> unlinkedByDelete;
  for (auto i = deletedAt; i < deletedAt + 3; ++i) {
    if (types[i] != "link.deleted") continue;
    const json::object& data = events[i].at("data").as_object();
    EXPECT_EQ(str(data, "locationId"), batch[2]);
    unlinkedByDelete.insert(str(data, "offerId"));
  }
  EXPECT_EQ(unlinkedByDelete, (std::set<std::string>{offerId, secondOffer}));
  // A job event carries the job as GET /v1/jobs/{id} shows it.
  const auto jobEventAt = std::find(types.begin(), types.end(), "job.succeeded") - types.begin();
  EXPECT_EQ(json::serialize(events[jobEventAt].at("data")), json::serialize(done));
  // The batch's events follow its order.
  const auto firstBatch =
      std::find(expected.begin(), expected.end(), "location.created") - expected.begin();
  for (std::size_t k = 0; k < batch.size(); ++k) {
    EXPECT_EQ(str(events[firstBatch + k].at("data"), "id"), batch[k]);
  }

  // Other page sizes see the same feed; so does a reader starting from a cursor.
  const auto byThousand = feed(1000, expected.size());
  const auto bySeven = feed(7, expected.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(json::serialize(byThousand[i]), json::serialize(events[i]));
    EXPECT_EQ(json::serialize(bySeven[i]), json::serialize(events[i]));
  }
  const json::object firstPage = fetch("/v1/events?limit=5");
  const json::object restPage =
      fetch("/v1/events?limit=1000&start=" + urlEncode(str(firstPage, "last")));
  EXPECT_FALSE(restPage.contains("last"));
  const auto& rest = restPage.at("items").as_array();
  ASSERT_EQ(rest.size(), events.size() - 5);
  for (std::size_t i = 0; i < rest.size(); ++i) {
    EXPECT_EQ(str(rest[i], "id"), str(events[i + 5], "id"));
  }
}

TEST_F(EventTest, TheFeedSurvivesKill9AndGrowsAfterIt) {
  const std::string brandId = createBrand("Before");
  const auto locations = createLocations(brandId, 10);
  const std::string offerId = str(createOffer(brandId, "Before"), "id");
  ASSERT_EQ(link(offerId, locations[0]).status, 201);
  const auto before = feed(4, 13);

  crashAndRestart();

  const auto after = feed(4, 13);
  for (std::size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(json::serialize(after[i]), json::serialize(before[i])) << "event " << i;
  }
  ASSERT_EQ(unlink(offerId, locations[0]).status, 204);
  const auto grown = feed(4, 14);
  EXPECT_EQ(str(grown.back(), "type"), "link.deleted");
  for (std::size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(str(grown[i], "id"), str(before[i], "id")) << "event " << i;
  }
}

TEST_F(EventTest, BadQueriesAreRejected) {
  createBrand("One event");
  for (const char* query : {"limit=0", "limit=1001", "limit=abc", "limit=-1"}) {
    EXPECT_TRUE(
        IsApiError(api().get(std::string("/v1/events?") + query), 400, "invalid_request", "limit"))
        << query;
  }
  for (const char* query : {"start=!!!", "start=AAAA", "start=%00%01"}) {
    EXPECT_TRUE(
        IsApiError(api().get(std::string("/v1/events?") + query), 400, "invalid_request", "start"))
        << query;
  }
  EXPECT_TRUE(
      IsApiError(api().get("/v1/events?type=brand.created"), 400, "invalid_request", "type"));
  EXPECT_TRUE(IsApiError(api().postRaw("/v1/events", "{}"), 405, "method_not_allowed"));
  EXPECT_EQ(feed(100, 1).size(), 1u);
}

}  // namespace
}  // namespace offers::testing
