// Strict decoding of request bodies and list queries, and the page encoding
// (src/http/codec.hpp): every refusal is a 400 whose message starts with the field at
// fault, unknown and read-only fields are refused, PATCH tells absent from null.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "domain/entity_json.hpp"
#include "expect_error.hpp"
#include "http/codec.hpp"
#include "http/cursor.hpp"

namespace offers::testing {
namespace {

namespace json = boost::json;
using http::decodeBrandCreate;
using http::decodeBrandPatch;
using http::decodeListQuery;
using http::decodeLocationBatch;
using http::decodeLocationCreate;
using http::decodeLocationPatch;
using http::decodeOfferCreate;
using http::decodeOfferPatch;
using http::parseBody;

constexpr const char* kId = "692126c8-6e72-4ad7-8a73-25fc2f1f56e4";
constexpr const char* kBrandId = "d9b1d9ff-543e-47c7-895f-87f71dcad91b";

std::string body(const json::object& o) {
  return json::serialize(o);
}

json::object locationItem(int n) {
  return {{"address", std::to_string(n) + " High Street"}, {"brandId", kBrandId}};
}

std::string batchOf(std::size_t n) {
  json::array items;
  for (std::size_t i = 0; i < n; ++i) items.push_back(locationItem(int(i)));
  return body({{"items", std::move(items)}});
}

// ---- parseBody ----

TEST(ParseBody, ReturnsTheObject) {
  const auto obj = parseBody(R"({"name":"Starbucks","n":1,"nested":{"a":[1,2]}})");
  EXPECT_EQ(obj.at("name").as_string(), "Starbucks");
  EXPECT_EQ(obj.at("n").as_int64(), 1);
  EXPECT_EQ(obj.at("nested").at("a").as_array().size(), 2u);
}

TEST(ParseBody, RejectsAnEmptyBody) {
  EXPECT_TRUE(rejects([] { parseBody(""); }, "body: a JSON object is required"));
}

TEST(ParseBody, RejectsMalformedJson) {
  for (const char* text : {"{", R"({"a":)", "{a:1}", R"({"a":1,})", R"({"a":1} x)", R"({"a":1}{})",
                           R"({'a':1})", R"({"a":01})", R"({"a":NaN})", "// c\n{}", " "}) {
    SCOPED_TRACE(text);
    EXPECT_TRUE(rejects([&] { parseBody(text); }, "body: malformed JSON"));
  }
}

TEST(ParseBody, RejectsNonObjects) {
  EXPECT_TRUE(rejects([] { parseBody("[]"); }, "body: must be a JSON object, not an array"));
  EXPECT_TRUE(rejects([] { parseBody(R"("x")"); }, "body: must be a JSON object, not a string"));
  EXPECT_TRUE(rejects([] { parseBody("42"); }, "body: must be a JSON object, not a number"));
  EXPECT_TRUE(rejects([] { parseBody("true"); }, "body: must be a JSON object, not a boolean"));
  EXPECT_TRUE(rejects([] { parseBody("null"); }, "body: must be a JSON object, not null"));
}

TEST(ParseBody, RejectsInvalidUtf8) {
  for (const char* text : {"{\"name\":\"\xC3\x28\"}",          // bad continuation byte
                           "{\"name\":\"\xFF\"}",              // never valid in UTF-8
                           "{\"name\":\"\xC0\xAF\"}",          // over-long encoding of '/'
                           "{\"name\":\"\xE2\x82\"}",          // truncated sequence
                           "{\"name\":\"\xED\xA0\x80\"}",      // UTF-16 surrogate
                           "{\"name\":\"\xF4\x90\x80\x80\"}",  // beyond U+10FFFF
                           "{\"na\x80me\":\"x\"}"}) {          // in a key
    SCOPED_TRACE(::testing::PrintToString(std::string(text)));
    EXPECT_TRUE(rejects([&] { parseBody(text); }, "body: malformed JSON"));
  }
}

TEST(ParseBody, AcceptsValidMultiByteUtf8) {
  const auto obj = parseBody("{\"name\":\"Caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"}");
  EXPECT_EQ(obj.at("name").as_string(), "Caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
}

std::string nested(std::size_t depth) {
  // `depth` objects, one inside the other.
  std::string text;
  for (std::size_t i = 1; i < depth; ++i) text += R"({"a":)";
  text += "{}";
  text += std::string(depth - 1, '}');
  return text;
}

TEST(ParseBody, RejectsTooDeepNesting) {
  EXPECT_NO_THROW(parseBody(nested(10)));
  EXPECT_TRUE(rejects([] { parseBody(nested(100)); }, "body: malformed JSON"));
  // Deep enough to overflow the stack of a naive recursive parser.
  EXPECT_TRUE(rejects([] { parseBody(nested(200'000)); }, "body: malformed JSON"));
  EXPECT_TRUE(
      rejects([] { parseBody(R"({"a":)" + std::string(100'000, '[')); }, "body: malformed JSON"));
}

// ---- brands ----

TEST(DecodeBrandCreate, ReadsNameAndOptionalId) {
  auto b = decodeBrandCreate(R"({"name":"Starbucks"})");
  EXPECT_EQ(b.name, "Starbucks");
  EXPECT_EQ(b.id, "");  // the server picks one
  b = decodeBrandCreate(R"({"id":"692126C8-6E72-4AD7-8A73-25FC2F1F56E4","name":"Starbucks"})");
  EXPECT_EQ(b.id, kId);
  b = decodeBrandCreate(R"({"id":null,"name":"Starbucks"})");
  EXPECT_EQ(b.id, "");
}

TEST(DecodeBrandCreate, RefusesBadInput) {
  expectRefusals(decodeBrandCreate,
                 {
                     {"{}", "name: is required"},
                     {R"({"name":5})", "name: must be a string, not a number"},
                     {R"({"name":null})", "name: must be a string, not null"},
                     {R"({"name":["a"]})", "name: must be a string, not an array"},
                     {R"({"id":"42","name":"x"})", "id: must be a UUID"},
                     {R"({"id":42,"name":"x"})", "id: must be a string, not a number"},
                 });
}

TEST(DecodeBrandCreate, NamesAnUnknownField) {
  EXPECT_TRUE(
      rejects([] { decodeBrandCreate(R"({"name":"x","nmae":"y"})"); }, "nmae: unknown field"));
}

TEST(DecodeBrandCreate, RefusesReadOnlyFields) {
  EXPECT_TRUE(
      rejects([] { decodeBrandCreate(R"({"name":"x","created":"2024-01-01T00:00:00.000Z"})"); },
              "created: is read-only"));
  EXPECT_TRUE(
      rejects([] { decodeBrandCreate(R"({"name":"x","updated":"2024-01-01T00:00:00.000Z"})"); },
              "updated: is read-only"));
}

TEST(DecodeBrandPatch, AbsentOrValue) {
  EXPECT_EQ(decodeBrandPatch("{}").name, std::nullopt);
  EXPECT_EQ(decodeBrandPatch(R"({"name":"Costa"})").name, "Costa");
}

TEST(DecodeBrandPatch, RefusesNullNameIdAndReadOnlyFields) {
  expectRefusals(decodeBrandPatch,
                 {
                     {R"({"name":null})", "name: cannot be null"},
                     {R"({"name":1})", "name: must be a string"},
                     {R"({"id":"692126c8-6e72-4ad7-8a73-25fc2f1f56e4"})", "id: cannot be changed"},
                     {R"({"created":"x"})", "created: is read-only"},
                     {R"({"updated":"x"})", "updated: is read-only"},
                     {R"({"title":"x"})", "title: unknown field"},
                 });
}

// ---- offers ----

TEST(DecodeOfferCreate, ReadsEveryField) {
  const auto o = decodeOfferCreate(R"({
    "id": "692126c8-6e72-4ad7-8a73-25fc2f1f56e4",
    "name": "5% cashback",
    "brandId": "D9B1D9FF-543E-47C7-895F-87F71DCAD91B",
    "type": "cashback",
    "countryCode": "GB",
    "startDate": "2024-01-01",
    "endDate": "2024-12-31",
    "metadata": {"campaign": "spring", "tier": 2}
  })");
  EXPECT_EQ(o.id, kId);
  EXPECT_EQ(o.name, "5% cashback");
  EXPECT_EQ(o.brandId, kBrandId);  // normalised to lower case
  EXPECT_EQ(o.type, "cashback");
  EXPECT_EQ(o.countryCode, "GB");
  EXPECT_EQ(o.startDate, "2024-01-01");
  EXPECT_EQ(o.endDate, "2024-12-31");
  EXPECT_EQ(o.metadata, (json::object{{"campaign", "spring"}, {"tier", 2}}));
  EXPECT_EQ(o.locationsTotal, 0);
}

TEST(DecodeOfferCreate, NullOptionalFieldsAreNotGiven) {
  const auto o = decodeOfferCreate(
      R"({"name":"x","brandId":"d9b1d9ff-543e-47c7-895f-87f71dcad91b","type":null,)"
      R"("countryCode":null,"startDate":null,"endDate":null,"metadata":null})");
  EXPECT_EQ(o.type, std::nullopt);
  EXPECT_EQ(o.countryCode, std::nullopt);
  EXPECT_EQ(o.startDate, std::nullopt);
  EXPECT_EQ(o.endDate, std::nullopt);
  EXPECT_EQ(o.metadata, std::nullopt);
}

TEST(DecodeOfferCreate, RefusesMissingAndMistypedFields) {
  expectRefusals(decodeOfferCreate,
                 {
                     {R"({"brandId":"d9b1d9ff-543e-47c7-895f-87f71dcad91b"})", "name: is required"},
                     {R"({"name":"x"})", "brandId: is required"},
                     {R"({"name":"x","brandId":"starbucks"})", "brandId: must be a UUID"},
                 });
  const std::string base = R"({"name":"x","brandId":"d9b1d9ff-543e-47c7-895f-87f71dcad91b",)";
  expectRefusals(
      decodeOfferCreate,
      {
          {base + R"("type":5})", "type: must be a string, not a number"},
          {base + R"("startDate":20240101})", "startDate: must be a string, not a number"},
          {base + R"("countryCode":true})", "countryCode: must be a string, not a boolean"},
          {base + R"("metadata":[1]})", "metadata: must be an object, not an array"},
          {base + R"("metadata":"{}"})", "metadata: must be an object, not a string"},
      });
}

TEST(DecodeOfferCreate, RefusesReadOnlyAndUnknownFields) {
  const std::string base = R"({"name":"x","brandId":"d9b1d9ff-543e-47c7-895f-87f71dcad91b",)";
  expectRefusals(decodeOfferCreate,
                 {
                     {base + R"("locationsTotal":0})", "locationsTotal: is read-only"},
                     {base + R"("created":"x"})", "created: is read-only"},
                     {base + R"("updated":"x"})", "updated: is read-only"},
                     {base + R"("brand_id":"x"})", "brand_id: unknown field"},
                     {base + R"("enddate":"2024-01-01"})", "enddate: unknown field"},
                 });
}

TEST(DecodeOfferPatch, EmptyPatchLeavesEverythingAbsent) {
  const auto p = decodeOfferPatch("{}");
  EXPECT_FALSE(p.name.has_value());
  EXPECT_FALSE(p.type.has_value());
  EXPECT_FALSE(p.countryCode.has_value());
  EXPECT_FALSE(p.startDate.has_value());
  EXPECT_FALSE(p.endDate.has_value());
  EXPECT_FALSE(p.metadata.has_value());
}

TEST(DecodeOfferPatch, NullGivesAnInnerNullopt) {
  const auto p = decodeOfferPatch(
      R"({"type":null,"countryCode":null,"startDate":null,"endDate":null,"metadata":null})");
  for (const auto* field : {&p.type, &p.countryCode, &p.startDate, &p.endDate}) {
    ASSERT_TRUE(field->has_value());           // present...
    EXPECT_FALSE(field->value().has_value());  // ...and null: clear it
  }
  ASSERT_TRUE(p.metadata.has_value());
  EXPECT_FALSE(p.metadata->has_value());
  EXPECT_FALSE(p.name.has_value());
}

TEST(DecodeOfferPatch, ValueGivesAValue) {
  const auto p = decodeOfferPatch(
      R"({"name":"10% off","type":"percent","endDate":"2025-01-31","metadata":{"k":"v"}})");
  EXPECT_EQ(p.name, "10% off");
  ASSERT_TRUE(p.type.has_value());
  EXPECT_EQ(*p.type, "percent");
  ASSERT_TRUE(p.endDate.has_value());
  EXPECT_EQ(*p.endDate, "2025-01-31");
  ASSERT_TRUE(p.metadata.has_value());
  EXPECT_EQ(*p.metadata, (json::object{{"k", "v"}}));
  EXPECT_FALSE(p.startDate.has_value());
}

TEST(DecodeOfferPatch, NameCannotBeNull) {
  EXPECT_TRUE(rejects([] { decodeOfferPatch(R"({"name":null})"); }, "name: cannot be null"));
}

TEST(DecodeOfferPatch, RefusesWrongTypes) {
  expectRefusals(decodeOfferPatch,
                 {
                     {R"({"name":true})", "name: must be a string, not a boolean"},
                     {R"({"startDate":5})", "startDate: must be a string, not a number"},
                     {R"({"metadata":"x"})", "metadata: must be an object, not a string"},
                 });
}

TEST(DecodeOfferPatch, RefusesIdsReadOnlyAndUnknownFields) {
  expectRefusals(
      decodeOfferPatch,
      {
          {R"({"id":"692126c8-6e72-4ad7-8a73-25fc2f1f56e4"})", "id: cannot be changed"},
          {R"({"brandId":"d9b1d9ff-543e-47c7-895f-87f71dcad91b"})", "brandId: cannot be changed"},
          {R"({"locationsTotal":3})", "locationsTotal: is read-only"},
          {R"({"created":"x"})", "created: is read-only"},
          {R"({"updated":"x"})", "updated: is read-only"},
          {R"({"nme":"x"})", "nme: unknown field"},
      });
}

// ---- locations ----

TEST(DecodeLocationCreate, ReadsEveryField) {
  const auto l = decodeLocationCreate(R"({
    "id": "692126c8-6e72-4ad7-8a73-25fc2f1f56e4",
    "address": "1 High Street",
    "brandId": "d9b1d9ff-543e-47c7-895f-87f71dcad91b",
    "city": "London",
    "postcode": "N1 9GU",
    "countryCode": "GB",
    "metadata": {"floor": 2}
  })");
  EXPECT_EQ(l.id, kId);
  EXPECT_EQ(l.address, "1 High Street");
  EXPECT_EQ(l.brandId, kBrandId);
  EXPECT_EQ(l.city, "London");
  EXPECT_EQ(l.postcode, "N1 9GU");
  EXPECT_EQ(l.countryCode, "GB");
  EXPECT_EQ(l.metadata, (json::object{{"floor", 2}}));
  EXPECT_EQ(l.offersTotal, 0);
}

TEST(DecodeLocationCreate, RefusesBadInput) {
  EXPECT_TRUE(
      rejects([] { decodeLocationCreate(R"({"brandId":"d9b1d9ff-543e-47c7-895f-87f71dcad91b"})"); },
              "address: is required"));
  EXPECT_TRUE(
      rejects([] { decodeLocationCreate(R"({"address":"1 High St"})"); }, "brandId: is required"));
  const std::string base = R"({"address":"a","brandId":"d9b1d9ff-543e-47c7-895f-87f71dcad91b",)";
  expectRefusals(decodeLocationCreate,
                 {
                     {base + R"("city":1})", "city: must be a string, not a number"},
                     {base + R"("hasOffer":true})", "hasOffer: is read-only"},
                     {base + R"("offersTotal":0})", "offersTotal: is read-only"},
                     {base + R"("created":"x"})", "created: is read-only"},
                     {base + R"("zip":"x"})", "zip: unknown field"},
                 });
}

TEST(DecodeLocationPatch, AbsentNullOrValue) {
  const auto p = decodeLocationPatch(R"({"address":"2 Low Road","city":null,"postcode":"E1"})");
  EXPECT_EQ(p.address, "2 Low Road");
  ASSERT_TRUE(p.city.has_value());
  EXPECT_FALSE(p.city->has_value());
  ASSERT_TRUE(p.postcode.has_value());
  EXPECT_EQ(*p.postcode, "E1");
  EXPECT_FALSE(p.countryCode.has_value());
  EXPECT_FALSE(p.metadata.has_value());
}

TEST(DecodeLocationPatch, RefusesNullAddressIdsAndReadOnlyFields) {
  expectRefusals(decodeLocationPatch, {
                                          {R"({"address":null})", "address: cannot be null"},
                                          {R"({"id":"x"})", "id: cannot be changed"},
                                          {R"({"brandId":"x"})", "brandId: cannot be changed"},
                                          {R"({"hasOffer":false})", "hasOffer: is read-only"},
                                          {R"({"offersTotal":0})", "offersTotal: is read-only"},
                                          {R"({"updated":"x"})", "updated: is read-only"},
                                          {R"({"cty":"x"})", "cty: unknown field"},
                                      });
}

// ---- location batches ----

TEST(DecodeLocationBatch, KeepsItemsInOrder) {
  const auto one = decodeLocationBatch(batchOf(1));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].address, "0 High Street");
  const auto full = decodeLocationBatch(batchOf(1000));
  ASSERT_EQ(full.size(), 1000u);
  EXPECT_EQ(full[999].address, "999 High Street");
  EXPECT_EQ(full[999].brandId, kBrandId);
}

TEST(DecodeLocationBatch, RefusesZeroOrMoreThan1000Items) {
  EXPECT_TRUE(rejects([] { decodeLocationBatch(batchOf(0)); }, "items: must hold 1 to 1000"));
  EXPECT_TRUE(rejects([] { decodeLocationBatch(batchOf(1001)); }, "items: must hold 1 to 1000"));
}

TEST(DecodeLocationBatch, RefusesMissingOrNonArrayItems) {
  expectRefusals(decodeLocationBatch,
                 {
                     {"{}", "items: is required"},
                     {R"({"items":{}})", "items: must be an array, not an object"},
                     {R"({"items":null})", "items: must be an array, not null"},
                     {"[]", "body: must be a JSON object"},
                 });
}

TEST(DecodeLocationBatch, RefusesUnknownTopLevelFields) {
  auto obj = json::parse(batchOf(2)).as_object();
  obj["brandId"] = kBrandId;
  EXPECT_TRUE(rejects([&] { decodeLocationBatch(body(obj)); }, "brandId: unknown field"));
}

TEST(DecodeLocationBatch, NamesTheItemThatIsNotAnObject) {
  json::array items{locationItem(0), 5};
  EXPECT_TRUE(rejects(
      [&] {
        decodeLocationBatch(body({{"items", items}}));
      },
      "items[1]: must be an object, not a number"));
  items = {locationItem(0), locationItem(1), json::array{}};
  EXPECT_TRUE(rejects(
      [&] {
        decodeLocationBatch(body({{"items", items}}));
      },
      "items[2]: must be an object, not an array"));
}

TEST(DecodeLocationBatch, NamesTheItemAndFieldAtFault) {
  auto withItem = [](std::size_t at, json::object item) {
    auto obj = json::parse(batchOf(5)).as_object();
    obj["items"].as_array()[at] = std::move(item);
    return body(obj);
  };
  auto item = locationItem(3);
  item.erase("address");
  EXPECT_TRUE(
      rejects([&] { decodeLocationBatch(withItem(3, item)); }, "items[3].address: is required"));
  item = locationItem(2);
  item["brandId"] = "nope";
  EXPECT_TRUE(
      rejects([&] { decodeLocationBatch(withItem(2, item)); }, "items[2].brandId: must be a UUID"));
  item = locationItem(4);
  item["city"] = 12;
  EXPECT_TRUE(rejects([&] { decodeLocationBatch(withItem(4, item)); },
                      "items[4].city: must be a string, not a number"));
  item = locationItem(0);
  item["hasOffer"] = true;
  EXPECT_TRUE(
      rejects([&] { decodeLocationBatch(withItem(0, item)); }, "items[0].hasOffer: is read-only"));
  item = locationItem(1);
  item["adress"] = "typo";
  EXPECT_TRUE(
      rejects([&] { decodeLocationBatch(withItem(1, item)); }, "items[1].adress: unknown field"));
}

// ---- list queries ----

TEST(DecodeListQuery, DefaultsToLimit100FromTheStart) {
  const auto q = decodeListQuery({}, true);
  EXPECT_EQ(q.page.limit, 100u);
  EXPECT_EQ(q.page.after, std::nullopt);
  EXPECT_EQ(q.brandId, std::nullopt);
}

TEST(DecodeListQuery, AcceptsLimitsFrom1To1000) {
  EXPECT_EQ(decodeListQuery({{"limit", "1"}}, false).page.limit, 1u);
  EXPECT_EQ(decodeListQuery({{"limit", "1000"}}, false).page.limit, 1000u);
  EXPECT_EQ(decodeListQuery({{"limit", "37"}}, false).page.limit, 37u);
}

TEST(DecodeListQuery, RefusesOtherLimits) {
  for (const char* limit : {"0", "1001", "-1", "abc", "10x", "", " 10", "10 ", "+10", "1e3", "1.5",
                            "99999999999999999999999"}) {
    SCOPED_TRACE(limit);
    EXPECT_TRUE(rejects(
        [&] {
          decodeListQuery({{"limit", limit}}, false);
        },
        "limit: must be an integer from 1 to 1000"));
  }
}

TEST(DecodeListQuery, StartCursorRoundTrips) {
  const auto q = decodeListQuery({{"start", http::encodeCursor(kId)}, {"limit", "5"}}, false);
  EXPECT_EQ(q.page.after, kId);
  EXPECT_EQ(q.page.limit, 5u);
}

TEST(DecodeListQuery, RefusesAForgedCursor) {
  for (const auto& start : {std::string(kId), std::string("abc"), std::string(""),
                            http::encodeCursor("not-a-uuid"), http::encodeCursor(kId) + "x"}) {
    SCOPED_TRACE(start);
    EXPECT_TRUE(rejects(
        [&] {
          decodeListQuery({{"start", start}}, false);
        },
        "start: not a cursor this server issued"));
  }
}

TEST(DecodeListQuery, BrandFilterOnlyWhereAllowedAndAUuid) {
  const auto q = decodeListQuery({{"brandId", "D9B1D9FF-543E-47C7-895F-87F71DCAD91B"}}, true);
  EXPECT_EQ(q.brandId, kBrandId);
  EXPECT_TRUE(rejects(
      [] {
        decodeListQuery({{"brandId", "starbucks"}}, true);
      },
      "brandId: must be a UUID"));
  EXPECT_TRUE(rejects(
      [] {
        decodeListQuery({{"brandId", kBrandId}}, false);
      },
      "brandId: unknown query parameter"));
}

TEST(DecodeListQuery, RefusesUnknownParameters) {
  EXPECT_TRUE(rejects(
      [] {
        decodeListQuery({{"limt", "5"}}, true);
      },
      "limt: unknown query parameter"));
  EXPECT_TRUE(rejects(
      [] {
        decodeListQuery({{"offset", "5"}}, true);
      },
      "offset: unknown query parameter"));
}

TEST(DecodeListQuery, RefusesDuplicatedParameters) {
  EXPECT_TRUE(rejects(
      [] {
        decodeListQuery({{"limit", "5"}, {"limit", "5"}}, false);
      },
      "limit: given more than once"));
  EXPECT_TRUE(rejects(
      [] {
        decodeListQuery({{"brandId", kBrandId}, {"limit", "5"}, {"brandId", kId}}, true);
      },
      "brandId: given more than once"));
}

// ---- encodePage ----

domain::Brand brand(const char* id, const char* name) {
  return {id, name, 0, 0};
}

TEST(EncodePage, CountsItemsAndOmitsLastOnTheFinalPage) {
  domain::Page<domain::Brand> page;
  page.items = {brand(kId, "Starbucks"), brand(kBrandId, "Costa")};
  const auto out = http::encodePage(page);
  EXPECT_EQ(out.at("count").to_number<std::int64_t>(), 2);
  ASSERT_EQ(out.at("items").as_array().size(), 2u);
  EXPECT_EQ(out.at("items").as_array()[0], json::value(domain::toJson(page.items[0])));
  EXPECT_EQ(out.at("items").as_array()[1].at("name").as_string(), "Costa");
  EXPECT_FALSE(out.contains("last"));
}

TEST(EncodePage, LastIsACursorForTheNextPage) {
  domain::Page<domain::Brand> page;
  page.items = {brand(kId, "Starbucks")};
  page.last = kId;
  const auto out = http::encodePage(page);
  EXPECT_EQ(out.at("count").to_number<std::int64_t>(), 1);
  ASSERT_TRUE(out.contains("last"));
  const std::string last(out.at("last").as_string());
  EXPECT_EQ(http::decodeCursor(last), kId);
  // The cursor is what a client passes back as `start`.
  EXPECT_EQ(decodeListQuery({{"start", last}}, false).page.after, kId);
}

TEST(EncodePage, EmptyPage) {
  const auto out = http::encodePage(domain::Page<domain::Location>{});
  EXPECT_EQ(out.at("count").to_number<std::int64_t>(), 0);
  EXPECT_TRUE(out.at("items").as_array().empty());
  EXPECT_FALSE(out.contains("last"));
}

}  // namespace
}  // namespace offers::testing
