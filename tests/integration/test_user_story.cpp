// The publisher's story over HTTP against a seeded server: read the sample data, create
// brands, offers and locations (singly and in batches), link and unlink, patch, delete,
// and the errors on the way (404, 409, 422, 405).
#include <boost/json.hpp>
#include <regex>
#include <set>
#include <string>

#include "support/sample_ids.hpp"
#include "support/server_process.hpp"

namespace offers::testing {
namespace {

namespace json = boost::json;

bool isUuid(const std::string& id) {
  static const std::regex kUuid("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
  return std::regex_match(id, kUuid);
}

bool isTimestamp(const std::string& text) {
  static const std::regex kIso("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z$");
  return std::regex_match(text, kIso);
}

std::set<std::string> idsOf(const std::vector<json::object>& items) {
  std::set<std::string> ids;
  for (const auto& item : items) ids.insert(std::string(item.at("id").as_string()));
  return ids;
}

class UserStoryTest : public ServerTest {
 protected:
  UserStoryTest() { seed_ = true; }

  void expectCounters(const std::string& offerId, std::int64_t locationsTotal) {
    EXPECT_EQ(num(offer(offerId), "locationsTotal"), locationsTotal) << "offer " << offerId;
  }
  void expectCounters(const std::string& locationId, std::int64_t offersTotal, bool hasOffer) {
    const auto body = location(locationId);
    EXPECT_EQ(num(body, "offersTotal"), offersTotal) << "location " << locationId;
    EXPECT_EQ(flag(body, "hasOffer"), hasOffer) << "location " << locationId;
  }
};

TEST_F(UserStoryTest, SeededOfferAndLocationsAreServed) {
  const auto brand = fetch(std::string("/v1/brands/") + kStarbucks);
  EXPECT_EQ(str(brand, "name"), "Starbucks");

  const auto seeded = offer(kSeededOffer);
  EXPECT_EQ(str(seeded, "id"), kSeededOffer);
  EXPECT_EQ(str(seeded, "name"), "Super Duper Offer");
  EXPECT_EQ(str(seeded, "brandId"), kStarbucks);
  EXPECT_EQ(num(seeded, "locationsTotal"), 0);
  EXPECT_TRUE(isTimestamp(str(seeded, "created"))) << json::serialize(seeded);
  EXPECT_TRUE(isTimestamp(str(seeded, "updated"))) << json::serialize(seeded);

  const char* addresses[] = {"Address 1", "Address 2", "Address 3"};
  for (int i = 0; i < 3; ++i) {
    const auto body = location(kSeededLocations[i]);
    EXPECT_EQ(str(body, "address"), addresses[i]);
    EXPECT_EQ(str(body, "brandId"), kStarbucks);
    EXPECT_FALSE(flag(body, "hasOffer"));
    EXPECT_EQ(num(body, "offersTotal"), 0);
  }

  const auto ofBrand = idsOf(listAll(std::string("/v1/brands/") + kStarbucks + "/locations"));
  EXPECT_EQ(ofBrand,
            std::set<std::string>(std::begin(kSeededLocations), std::end(kSeededLocations)));
  EXPECT_EQ(idsOf(listAll(std::string("/v1/offers?brandId=") + kStarbucks)),
            std::set<std::string>{kSeededOffer});
}

TEST_F(UserStoryTest, HealthzAnswersOk) {
  const HttpResponse r = api().get("/healthz");
  ASSERT_EQ(r.status, 200) << r.describe();
  EXPECT_EQ(r.json(), json::parse(R"({"status":"ok"})"));
}

TEST_F(UserStoryTest, CreatedBrandIsServedAndListed) {
  const HttpResponse r = api().post("/v1/brands", {{"name", "Acme Coffee"}});
  ASSERT_EQ(r.status, 201) << r.describe();
  EXPECT_NE(r.header("content-type").find("application/json"), std::string::npos);
  const auto brand = r.object();
  const std::string id = str(brand, "id");
  EXPECT_TRUE(isUuid(id)) << id;
  EXPECT_EQ(str(brand, "name"), "Acme Coffee");
  EXPECT_TRUE(isTimestamp(str(brand, "created")));
  EXPECT_TRUE(isTimestamp(str(brand, "updated")));
  const std::string where = r.header("location");
  EXPECT_TRUE(where.ends_with("/v1/brands/" + id)) << "Location: " << where;

  EXPECT_EQ(fetch("/v1/brands/" + id), brand);
  EXPECT_EQ(idsOf(listAll("/v1/brands")), (std::set<std::string>{kStarbucks, id}));
}

TEST_F(UserStoryTest, ClientSuppliedIdsAreKeptAndUpperCaseIsNormalised) {
  const std::string lowerId = "4f2a4b8e-0c1d-4e5f-9a6b-7c8d9e0f1a2b";
  const auto brand =
      create("/v1/brands", {{"name", "Imported"}, {"id", "4F2A4B8E-0C1D-4E5F-9A6B-7C8D9E0F1A2B"}});
  EXPECT_EQ(str(brand, "id"), lowerId);
  EXPECT_EQ(str(fetch("/v1/brands/" + lowerId), "name"), "Imported");

  const std::string offerId = randomUuid();
  const auto created = createOffer(lowerId, "Imported offer", {{"id", offerId}});
  EXPECT_EQ(str(created, "id"), offerId);
  EXPECT_EQ(str(offer(offerId), "name"), "Imported offer");
}

TEST_F(UserStoryTest, UpperCaseIdInPathFindsTheEntity) {
  std::string upper = kSeededOffer;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const HttpResponse r = api().get("/v1/offers/" + upper);
  ASSERT_EQ(r.status, 200) << r.describe();
  EXPECT_EQ(str(r.json(), "id"), kSeededOffer);
}

TEST_F(UserStoryTest, CreatingAnExistingIdConflictsAndKeepsTheOriginal) {
  EXPECT_TRUE(IsApiError(api().post("/v1/brands", {{"name", "Other"}, {"id", kStarbucks}}), 409,
                         "conflict"));
  EXPECT_TRUE(IsApiError(
      api().post("/v1/offers", {{"name", "Other"}, {"brandId", kStarbucks}, {"id", kSeededOffer}}),
      409, "conflict"));
  EXPECT_TRUE(IsApiError(
      api().post("/v1/locations",
                 {{"address", "Other"}, {"brandId", kStarbucks}, {"id", kSeededLocations[0]}}),
      409, "conflict"));
  EXPECT_EQ(str(fetch(std::string("/v1/brands/") + kStarbucks), "name"), "Starbucks");
  EXPECT_EQ(str(offer(kSeededOffer), "name"), "Super Duper Offer");
  EXPECT_EQ(str(location(kSeededLocations[0]), "address"), "Address 1");
}

TEST_F(UserStoryTest, OfferEchoesOptionalFieldsAndOmitsAbsentOnes) {
  const std::string brandId = createBrand("Acme");
  const json::object metadata = {{"terms", "see store"}, {"percent", 5}};
  const HttpResponse r = api().post("/v1/offers", {{"name", "5% cashback"},
                                                   {"brandId", brandId},
                                                   {"type", "cashback"},
                                                   {"countryCode", "GB"},
                                                   {"startDate", "2026-01-01"},
                                                   {"endDate", "2026-12-31"},
                                                   {"metadata", metadata}});
  ASSERT_EQ(r.status, 201) << r.describe();
  const auto full = r.object();
  const std::string id = str(full, "id");
  EXPECT_TRUE(r.header("location").ends_with("/v1/offers/" + id)) << r.header("location");
  EXPECT_EQ(str(full, "name"), "5% cashback");
  EXPECT_EQ(str(full, "brandId"), brandId);
  EXPECT_EQ(num(full, "locationsTotal"), 0);
  EXPECT_EQ(str(full, "type"), "cashback");
  EXPECT_EQ(str(full, "countryCode"), "GB");
  EXPECT_EQ(str(full, "startDate"), "2026-01-01");
  EXPECT_EQ(str(full, "endDate"), "2026-12-31");
  EXPECT_EQ(full.at("metadata"), metadata);
  EXPECT_EQ(offer(id), full);

  const auto bare = createOffer(brandId, "bare");
  for (const char* absent : {"type", "countryCode", "startDate", "endDate", "metadata"}) {
    EXPECT_FALSE(bare.contains(absent)) << absent << " in " << json::serialize(bare);
  }
  EXPECT_EQ(num(bare, "locationsTotal"), 0);

  // A one-day offer: endDate may equal startDate.
  const auto oneDay =
      createOffer(brandId, "one day", {{"startDate", "2026-02-28"}, {"endDate", "2026-02-28"}});
  EXPECT_EQ(str(oneDay, "endDate"), "2026-02-28");
}

TEST_F(UserStoryTest, LocationsAreCreatedSinglyAndInBatchesInRequestOrder) {
  const HttpResponse single = api().post("/v1/locations", {{"address", "1 High St"},
                                                           {"brandId", kStarbucks},
                                                           {"city", "London"},
                                                           {"postcode", "N1 1AA"},
                                                           {"countryCode", "GB"},
                                                           {"metadata", {{"floor", 2}}}});
  ASSERT_EQ(single.status, 201) << single.describe();
  const auto one = single.object();
  const std::string oneId = str(one, "id");
  EXPECT_TRUE(isUuid(oneId));
  EXPECT_TRUE(single.header("location").ends_with("/v1/locations/" + oneId));
  EXPECT_EQ(str(one, "city"), "London");
  EXPECT_EQ(str(one, "postcode"), "N1 1AA");
  EXPECT_EQ(str(one, "countryCode"), "GB");
  EXPECT_EQ(one.at("metadata"), (json::object{{"floor", 2}}));
  EXPECT_FALSE(flag(one, "hasOffer"));
  EXPECT_EQ(num(one, "offersTotal"), 0);
  EXPECT_EQ(location(oneId), one);

  const std::string suppliedId = randomUuid();
  json::array items;
  for (int i = 0; i < 5; ++i) {
    json::object item = {{"address", "Batch " + std::to_string(i)}, {"brandId", kStarbucks}};
    if (i == 3) item["id"] = suppliedId;
    if (i == 4) item["city"] = "Leeds";
    items.push_back(item);
  }
  const HttpResponse batch = api().post("/v1/locations/batch", {{"items", items}});
  ASSERT_EQ(batch.status, 201) << batch.describe();
  const json::object batchBody = batch.object();
  const json::array& created = batchBody.at("items").as_array();
  ASSERT_EQ(created.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    const auto& item = created[i];
    EXPECT_EQ(str(item, "address"), "Batch " + std::to_string(i));
    EXPECT_EQ(str(item, "brandId"), kStarbucks);
    EXPECT_FALSE(flag(item, "hasOffer"));
    EXPECT_EQ(location(str(item, "id")), item.as_object());
  }
  EXPECT_EQ(str(created[3], "id"), suppliedId);
  EXPECT_EQ(str(created[4], "city"), "Leeds");
  EXPECT_EQ(listAll(std::string("/v1/brands/") + kStarbucks + "/locations").size(), 3u + 1 + 5);
}

TEST_F(UserStoryTest, BatchOfTheMaximumThousandIsStoredInOrder) {
  const std::string brandId = createBrand("Thousand");
  json::array items;
  for (int i = 0; i < 1000; ++i) {
    items.push_back(json::object{{"address", "No. " + std::to_string(i)}, {"brandId", brandId}});
  }
  const HttpResponse r = api().post("/v1/locations/batch", {{"items", items}});
  ASSERT_EQ(r.status, 201) << r.describe();
  const json::object body = r.object();
  const json::array& created = body.at("items").as_array();
  ASSERT_EQ(created.size(), 1000u);
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(str(created[i], "address"), "No. " + std::to_string(i));
    ids.insert(str(created[i], "id"));
  }
  EXPECT_EQ(idsOf(listAll("/v1/brands/" + brandId + "/locations")), ids);
}

TEST_F(UserStoryTest, LinkingMovesCountersOnceAndUnlinkingMovesThemBack) {
  const std::string locationId = kSeededLocations[0];
  const std::string second = str(createOffer(kStarbucks, "Second offer"), "id");

  HttpResponse r = link(kSeededOffer, locationId);
  ASSERT_EQ(r.status, 201) << r.describe();
  json::object body = r.object();
  EXPECT_EQ(str(body.at("offer"), "id"), kSeededOffer);
  EXPECT_EQ(num(body.at("offer"), "locationsTotal"), 1);
  EXPECT_EQ(str(body.at("location"), "id"), locationId);
  EXPECT_TRUE(flag(body.at("location"), "hasOffer"));
  EXPECT_EQ(num(body.at("location"), "offersTotal"), 1);
  expectCounters(kSeededOffer, 1);
  expectCounters(locationId, 1, true);

  // The same link again is acknowledged without counting twice.
  r = link(kSeededOffer, locationId);
  ASSERT_EQ(r.status, 200) << r.describe();
  body = r.object();
  EXPECT_EQ(num(body.at("offer"), "locationsTotal"), 1);
  EXPECT_EQ(num(body.at("location"), "offersTotal"), 1);
  EXPECT_TRUE(flag(body.at("location"), "hasOffer"));
  expectCounters(kSeededOffer, 1);
  expectCounters(locationId, 1, true);

  // A second offer at the same location.
  r = link(second, locationId);
  ASSERT_EQ(r.status, 201) << r.describe();
  EXPECT_EQ(num(r.object().at("location"), "offersTotal"), 2);
  EXPECT_EQ(num(r.object().at("offer"), "locationsTotal"), 1);
  expectCounters(locationId, 2, true);
  expectCounters(second, 1);

  // Both directions list full entities.
  const auto offersHere = listAll("/v1/locations/" + locationId + "/offers");
  EXPECT_EQ(idsOf(offersHere), (std::set<std::string>{kSeededOffer, second}));
  for (const auto& item : offersHere) {
    EXPECT_EQ(item, offer(str(item, "id")));
  }
  const auto locationsOfOffer = listAll(std::string("/v1/offers/") + kSeededOffer + "/locations");
  ASSERT_EQ(locationsOfOffer.size(), 1u);
  EXPECT_EQ(locationsOfOffer[0], location(locationId));

  // Unlink: counters move back; the location keeps hasOffer while one offer remains.
  r = unlink(kSeededOffer, locationId);
  EXPECT_EQ(r.status, 204) << r.describe();
  EXPECT_TRUE(r.body.empty()) << r.describe();
  expectCounters(kSeededOffer, 0);
  expectCounters(locationId, 1, true);
  EXPECT_TRUE(IsApiError(unlink(kSeededOffer, locationId), 404, "not_found"));
  expectCounters(kSeededOffer, 0);
  expectCounters(locationId, 1, true);

  r = unlink(second, locationId);
  EXPECT_EQ(r.status, 204) << r.describe();
  expectCounters(second, 0);
  expectCounters(locationId, 0, false);
  EXPECT_TRUE(listAll("/v1/locations/" + locationId + "/offers").empty());
  EXPECT_TRUE(listAll(std::string("/v1/offers/") + kSeededOffer + "/locations").empty());

  // And it can be linked again afterwards.
  EXPECT_EQ(link(kSeededOffer, locationId).status, 201);
  expectCounters(kSeededOffer, 1);
  expectCounters(locationId, 1, true);
}

TEST_F(UserStoryTest, OfferIsListedWithAllItsLocationsAndOnlyThose) {
  for (const char* id : kSeededLocations) ASSERT_EQ(link(kSeededOffer, id).status, 201);
  const std::string unlinked = str(createLocation(kStarbucks, "Elsewhere"), "id");
  int pages = 0;
  const auto listed = listAll(std::string("/v1/offers/") + kSeededOffer + "/locations", 2, &pages);
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(idsOf(listed),
            std::set<std::string>(std::begin(kSeededLocations), std::end(kSeededLocations)));
  expectCounters(kSeededOffer, 3);
  expectCounters(unlinked, 0, false);
}

TEST_F(UserStoryTest, LinkingUnknownOfferOrLocationIsNotFound) {
  const std::string nobody = randomUuid();
  EXPECT_TRUE(IsApiError(link(nobody, kSeededLocations[0]), 404, "not_found"));
  EXPECT_TRUE(IsApiError(link(kSeededOffer, nobody), 404, "not_found"));
  EXPECT_TRUE(IsApiError(unlink(nobody, kSeededLocations[0]), 404, "not_found"));
  EXPECT_TRUE(IsApiError(unlink(kSeededOffer, nobody), 404, "not_found"));
  expectCounters(kSeededOffer, 0);
  expectCounters(kSeededLocations[0], 0, false);
}

TEST_F(UserStoryTest, LinkingAcrossBrandsIsABrandMismatch) {
  const std::string acme = createBrand("Acme");
  const std::string acmeLocation = str(createLocation(acme, "Acme St"), "id");
  const std::string acmeOffer = str(createOffer(acme, "Acme offer"), "id");

  EXPECT_TRUE(IsApiError(link(kSeededOffer, acmeLocation), 422, "brand_mismatch"));
  EXPECT_TRUE(IsApiError(link(acmeOffer, kSeededLocations[1]), 422, "brand_mismatch"));
  expectCounters(kSeededOffer, 0);
  expectCounters(acmeOffer, 0);
  expectCounters(acmeLocation, 0, false);
  expectCounters(kSeededLocations[1], 0, false);
  EXPECT_TRUE(listAll("/v1/locations/" + acmeLocation + "/offers").empty());
  EXPECT_TRUE(listAll(std::string("/v1/offers/") + kSeededOffer + "/locations").empty());
}

TEST_F(UserStoryTest, PatchingAnOfferChangesOnlyWhatWasSent) {
  ASSERT_EQ(link(kSeededOffer, kSeededLocations[2]).status, 201);
  const auto before = offer(kSeededOffer);

  HttpResponse r =
      api().patch(std::string("/v1/offers/") + kSeededOffer, {{"name", "Even Better Offer"},
                                                              {"type", "discount"},
                                                              {"countryCode", "US"},
                                                              {"startDate", "2026-03-01"},
                                                              {"endDate", "2026-03-31"},
                                                              {"metadata", {{"tier", "gold"}}}});
  ASSERT_EQ(r.status, 200) << r.describe();
  const auto patched = r.object();
  EXPECT_EQ(str(patched, "name"), "Even Better Offer");
  EXPECT_EQ(str(patched, "type"), "discount");
  EXPECT_EQ(str(patched, "countryCode"), "US");
  EXPECT_EQ(str(patched, "startDate"), "2026-03-01");
  EXPECT_EQ(str(patched, "endDate"), "2026-03-31");
  EXPECT_EQ(patched.at("metadata"), (json::object{{"tier", "gold"}}));
  EXPECT_EQ(num(patched, "locationsTotal"), 1);
  EXPECT_EQ(str(patched, "brandId"), kStarbucks);
  EXPECT_EQ(str(patched, "created"), str(before, "created"));
  EXPECT_GE(str(patched, "updated"), str(before, "updated"));
  EXPECT_EQ(offer(kSeededOffer), patched);

  // null clears an optional field; fields not sent stay as they are.
  r = api().patch(std::string("/v1/offers/") + kSeededOffer,
                  {{"type", nullptr}, {"metadata", nullptr}});
  ASSERT_EQ(r.status, 200) << r.describe();
  const auto cleared = offer(kSeededOffer);
  EXPECT_FALSE(cleared.contains("type")) << json::serialize(cleared);
  EXPECT_FALSE(cleared.contains("metadata")) << json::serialize(cleared);
  EXPECT_EQ(str(cleared, "name"), "Even Better Offer");
  EXPECT_EQ(str(cleared, "countryCode"), "US");
  EXPECT_EQ(str(cleared, "startDate"), "2026-03-01");
  EXPECT_EQ(num(cleared, "locationsTotal"), 1);
  EXPECT_EQ(r.object(), cleared);
}

TEST_F(UserStoryTest, PatchingBrandsAndLocations) {
  HttpResponse r = api().patch(std::string("/v1/brands/") + kStarbucks, {{"name", "Starbucks UK"}});
  ASSERT_EQ(r.status, 200) << r.describe();
  EXPECT_EQ(str(r.json(), "name"), "Starbucks UK");
  EXPECT_EQ(str(fetch(std::string("/v1/brands/") + kStarbucks), "name"), "Starbucks UK");

  const std::string id = kSeededLocations[1];
  ASSERT_EQ(link(kSeededOffer, id).status, 201);
  r = api().patch("/v1/locations/" + id,
                  {{"address", "2 New Road"}, {"city", "Bristol"}, {"postcode", "BS1 4DJ"}});
  ASSERT_EQ(r.status, 200) << r.describe();
  auto patched = location(id);
  EXPECT_EQ(r.object(), patched);
  EXPECT_EQ(str(patched, "address"), "2 New Road");
  EXPECT_EQ(str(patched, "city"), "Bristol");
  EXPECT_EQ(str(patched, "postcode"), "BS1 4DJ");
  EXPECT_EQ(num(patched, "offersTotal"), 1);
  EXPECT_TRUE(flag(patched, "hasOffer"));

  r = api().patch("/v1/locations/" + id, {{"city", nullptr}});
  ASSERT_EQ(r.status, 200) << r.describe();
  patched = location(id);
  EXPECT_FALSE(patched.contains("city")) << json::serialize(patched);
  EXPECT_EQ(str(patched, "postcode"), "BS1 4DJ");
  EXPECT_EQ(str(patched, "address"), "2 New Road");
}

TEST_F(UserStoryTest, DeletesAreRefusedWhileSomethingDependsOnTheEntity) {
  const std::string brandId = createBrand("Short-lived");
  const std::string offerId = str(createOffer(brandId), "id");
  const std::string locationId = str(createLocation(brandId), "id");
  ASSERT_EQ(link(offerId, locationId).status, 201);

  EXPECT_TRUE(IsApiError(api().del("/v1/brands/" + brandId), 409, "conflict"));
  EXPECT_TRUE(IsApiError(api().del("/v1/offers/" + offerId), 409, "conflict"));
  EXPECT_EQ(num(offer(offerId), "locationsTotal"), 1);

  ASSERT_EQ(unlink(offerId, locationId).status, 204);
  HttpResponse r = api().del("/v1/offers/" + offerId);
  EXPECT_EQ(r.status, 204) << r.describe();
  EXPECT_TRUE(IsApiError(api().get("/v1/offers/" + offerId), 404, "not_found"));
  EXPECT_TRUE(IsApiError(api().del("/v1/offers/" + offerId), 404, "not_found"));

  // The brand still has a location.
  EXPECT_TRUE(IsApiError(api().del("/v1/brands/" + brandId), 409, "conflict"));
  r = api().del("/v1/locations/" + locationId);
  EXPECT_EQ(r.status, 204) << r.describe();
  EXPECT_TRUE(IsApiError(api().get("/v1/locations/" + locationId), 404, "not_found"));

  r = api().del("/v1/brands/" + brandId);
  EXPECT_EQ(r.status, 204) << r.describe();
  EXPECT_TRUE(IsApiError(api().get("/v1/brands/" + brandId), 404, "not_found"));
  EXPECT_TRUE(IsApiError(api().get("/v1/brands/" + brandId + "/locations"), 404, "not_found"));
  EXPECT_EQ(idsOf(listAll("/v1/brands")), std::set<std::string>{kStarbucks});
}

TEST_F(UserStoryTest, DeletingALocationUnlinksItFromEveryOffer) {
  const std::string first = kSeededOffer;
  const std::string second = str(createOffer(kStarbucks, "Second"), "id");
  const std::string doomed = kSeededLocations[0];
  const std::string kept = kSeededLocations[1];
  ASSERT_EQ(link(first, doomed).status, 201);
  ASSERT_EQ(link(first, kept).status, 201);
  ASSERT_EQ(link(second, doomed).status, 201);

  const HttpResponse r = api().del("/v1/locations/" + doomed);
  EXPECT_EQ(r.status, 204) << r.describe();

  expectCounters(first, 1);
  expectCounters(second, 0);
  expectCounters(kept, 1, true);
  EXPECT_EQ(listIds("/v1/offers/" + first + "/locations"), std::vector<std::string>{kept});
  EXPECT_TRUE(listAll("/v1/offers/" + second + "/locations").empty());
  EXPECT_TRUE(IsApiError(api().get("/v1/locations/" + doomed + "/offers"), 404, "not_found"));
  EXPECT_TRUE(IsApiError(unlink(first, doomed), 404, "not_found"));
  // Nothing links the second offer any more, so it can go.
  EXPECT_EQ(api().del("/v1/offers/" + second).status, 204);
}

TEST_F(UserStoryTest, ListsFilterByBrand) {
  const std::string acme = createBrand("Acme");
  const std::string acmeOffer = str(createOffer(acme, "Acme offer"), "id");
  const auto acmeLocations = createLocations(acme, 4);

  EXPECT_EQ(idsOf(listAll("/v1/offers?brandId=" + acme)), std::set<std::string>{acmeOffer});
  EXPECT_EQ(idsOf(listAll(std::string("/v1/offers?brandId=") + kStarbucks)),
            std::set<std::string>{kSeededOffer});
  EXPECT_EQ(idsOf(listAll("/v1/offers")), (std::set<std::string>{kSeededOffer, acmeOffer}));

  const std::set<std::string> expected(acmeLocations.begin(), acmeLocations.end());
  EXPECT_EQ(idsOf(listAll("/v1/locations?brandId=" + acme)), expected);
  EXPECT_EQ(idsOf(listAll("/v1/brands/" + acme + "/locations")), expected);
  EXPECT_EQ(listAll("/v1/locations").size(), 3u + 4u);
}

TEST_F(UserStoryTest, UnknownIdsAreNotFound) {
  const std::string nobody = randomUuid();
  for (const std::string collection : {"/v1/brands/", "/v1/offers/", "/v1/locations/"}) {
    EXPECT_TRUE(IsApiError(api().get(collection + nobody), 404, "not_found"));
    EXPECT_TRUE(IsApiError(api().del(collection + nobody), 404, "not_found"));
  }
  EXPECT_TRUE(IsApiError(api().patch("/v1/brands/" + nobody, {{"name", "x"}}), 404, "not_found"));
  EXPECT_TRUE(IsApiError(api().patch("/v1/offers/" + nobody, {{"name", "x"}}), 404, "not_found"));
  EXPECT_TRUE(
      IsApiError(api().patch("/v1/locations/" + nobody, {{"address", "x"}}), 404, "not_found"));
  EXPECT_TRUE(IsApiError(api().get("/v1/brands/" + nobody + "/locations"), 404, "not_found"));
  EXPECT_TRUE(IsApiError(api().get("/v1/offers/" + nobody + "/locations"), 404, "not_found"));
  EXPECT_TRUE(IsApiError(api().get("/v1/locations/" + nobody + "/offers"), 404, "not_found"));
}

TEST_F(UserStoryTest, UnknownRoutesAre404AndWrongMethods405) {
  for (const char* target : {"/", "/v1", "/v1/nothing", "/v2/offers",
                             "/v1/offers/d9b1d9ff-543e-47c7-895f-87f71dcad91b/everything"}) {
    EXPECT_TRUE(IsApiError(api().get(target), 404, "not_found")) << target;
  }

  struct Case {
    const char* method;
    std::string target;
    std::vector<const char*> allowed;
  };
  const std::vector<Case> cases = {
      {"PUT", "/v1/offers", {"GET", "POST"}},
      {"DELETE", "/v1/brands", {"GET", "POST"}},
      {"PUT", std::string("/v1/offers/") + kSeededOffer, {"GET", "PATCH", "DELETE"}},
      {"POST", std::string("/v1/locations/") + kSeededLocations[0], {"GET", "PATCH", "DELETE"}},
      {"PATCH", linkPath(kSeededOffer, kSeededLocations[0]), {"POST", "DELETE"}},
      {"POST", "/healthz", {"GET"}},
  };
  for (const auto& c : cases) {
    const HttpResponse r = api().request(c.method, c.target);
    EXPECT_TRUE(IsApiError(r, 405, "method_not_allowed")) << c.method << " " << c.target;
    const std::string allow = r.header("allow");
    for (const char* method : c.allowed) {
      EXPECT_NE(allow.find(method), std::string::npos)
          << "Allow: \"" << allow << "\" lacks " << method << " for " << c.target;
    }
  }
  expectCounters(kSeededOffer, 0);
}

TEST_F(UserStoryTest, RequestsShareOneKeepAliveConnection) {
  for (int i = 0; i < 20; ++i) {
    const HttpResponse r =
        api().get(i % 2 == 0 ? "/healthz" : std::string("/v1/offers/") + kSeededOffer);
    ASSERT_EQ(r.status, 200) << r.describe();
    EXPECT_NE(r.header("connection"), "close");
  }
  // A 404 and a 400 do not end the connection either.
  EXPECT_EQ(api().get("/v1/nothing").status, 404);
  EXPECT_EQ(api().get("/v1/offers/not-a-uuid").status, 400);
  EXPECT_EQ(api().get("/healthz").status, 200);
  EXPECT_EQ(api().connectionsOpened(), 1);
}

}  // namespace
}  // namespace offers::testing
