// Bad input of every kind the contract names: each gets its status and error code, a JSON
// error body whose message names the offending field, never a 500, and leaves the stored
// data exactly as it was (checked after every test of BadInputTest). Bytes that are not
// HTTP at all must not bring the server down.
#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "support/sample_ids.hpp"
#include "support/server_process.hpp"

namespace offers::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kSeededLocation = kSeededLocations[0];
constexpr const char* kUnknownId = "00000000-1111-4222-8333-444444444444";

struct Bad {
  std::string method;
  std::string target;
  std::optional<std::string> body;
  std::string mention;  // what the error message must name; "" when nothing in particular
  int status = 400;
  std::string code = "invalid_request";
};

std::string describe(const Bad& bad) {
  return bad.method + " " + bad.target + (bad.body ? " " + bad.body->substr(0, 200) : "");
}

class BadInputTest : public ServerTest {
 protected:
  BadInputTest() { seed_ = true; }

  void SetUp() override {
    ServerTest::SetUp();
    ASSERT_EQ(link(kSeededOffer, kSeededLocation).status, 201);
    datedOffer_ = str(
        createOffer(kStarbucks, "Dated", {{"startDate", "2026-06-01"}, {"endDate", "2026-06-30"}}),
        "id");
    before_ = snapshot();
  }

  void TearDown() override {
    ServerTest::TearDown();
    if (!server().running()) return;
    // The server is still up and nothing changed.
    HttpClient fresh = newClient();
    EXPECT_EQ(fresh.get("/healthz").status, 200);
    EXPECT_EQ(snapshot(), before_) << "bad input changed the stored data";
  }

  void expectRejected(const std::vector<Bad>& cases) {
    for (const Bad& bad : cases) {
      const HttpResponse r = api().request(bad.method, bad.target, bad.body);
      EXPECT_TRUE(IsApiError(r, bad.status, bad.code, bad.mention)) << describe(bad);
    }
  }

  std::string datedOffer_;
  std::string before_;
};

std::string offerPath(const std::string& id) {
  return "/v1/offers/" + id;
}

TEST_F(BadInputTest, MalformedJsonAndNonObjectBodies) {
  const std::vector<std::pair<std::string, std::string>> endpoints = {
      {"POST", "/v1/brands"},
      {"POST", "/v1/offers"},
      {"POST", "/v1/locations"},
      {"POST", "/v1/locations/batch"},
      {"PATCH", std::string("/v1/brands/") + kStarbucks},
      {"PATCH", offerPath(kSeededOffer)},
      {"PATCH", std::string("/v1/locations/") + kSeededLocation},
      {"POST", "/v1/jobs"},
      {"POST", "/v1/webhooks"},
  };
  const std::vector<std::string> bodies = {
      R"({"name":)",
      "not json",
      "",
      "[]",
      R"(["name","x"])",
      R"("a string")",
      "42",
      "null",
      "true",
      R"({"name":"x"} trailing)",
      "{\"name\":\"\xff\xfe\"}",      // not UTF-8
      "{\"name\":\"\xc0\xaf\"}",      // an overlong encoding of '/'
      "{\"name\":\"\xed\xa0\x80\"}",  // a UTF-16 surrogate, encoded
      R"({"name":"\ud800"})",         // a lone surrogate, escaped
      "{\"name\":\"\xe2\x82\"}",      // a sequence cut short
      R"({'name':'x'})",
      R"({"name":"x",})",
      R"({"name":"x"}{"name":"y"})",
      std::string(100000, '['),
  };
  std::vector<Bad> cases;
  for (const auto& [method, target] : endpoints) {
    for (const auto& body : bodies) cases.push_back({method, target, body, ""});
  }
  expectRejected(cases);
}

TEST_F(BadInputTest, BrandFields) {
  const std::string brand = std::string("/v1/brands/") + kStarbucks;
  expectRejected({
      {"POST", "/v1/brands", R"({})", "name"},
      {"POST", "/v1/brands", R"({"name":5})", "name"},
      {"POST", "/v1/brands", R"({"name":null})", "name"},
      {"POST", "/v1/brands", R"({"name":["x"]})", "name"},
      {"POST", "/v1/brands", R"({"name":"x","colour":"red"})", "colour"},
      {"POST", "/v1/brands", R"({"name":"x","id":"not-a-uuid"})", "id"},
      {"POST", "/v1/brands", R"({"name":"x","id":12})", "id"},
      {"POST", "/v1/brands", R"({"name":"x","id":"692126c8-6e72-4ad7-8a73-25fc2f1f56e"})", "id"},
      {"POST", "/v1/brands", R"({"name":"x","id":"692126c8a6e72a4ad7a8a73a25fc2f1f56e4"})", "id"},
      {"POST", "/v1/brands", R"({"name":"x","created":"2026-01-01T00:00:00.000Z"})", "created"},
      {"PATCH", brand, R"({"name":7})", "name"},
      {"PATCH", brand, R"({"name":null})", "name"},
      {"PATCH", brand, R"({"id":"7d1c3c84-3f4e-4f0e-9d55-3f0f2d6f9a10"})", "id"},
      {"PATCH", brand, R"({"name":"x","colour":"red"})", "colour"},
  });
}

TEST_F(BadInputTest, OfferFieldsOnCreate) {
  const std::string brand = std::string("\"brandId\":\"") + kStarbucks + "\"";
  auto offer = [&](const std::string& fields) { return "{" + brand + "," + fields + "}"; };
  expectRejected({
      {"POST", "/v1/offers", "{" + brand + "}", "name"},
      {"POST", "/v1/offers", R"({"name":"x"})", "brandId"},
      {"POST", "/v1/offers", R"({"name":"x","brandId":"nope"})", "brandId"},
      {"POST", "/v1/offers", R"({"name":"x","brandId":7})", "brandId"},
      {"POST", "/v1/offers", std::string(R"({"name":"x","brandId":")") + kUnknownId + "\"}",
       "brandId"},
      {"POST", "/v1/offers", offer(R"("name":5)"), "name"},
      {"POST", "/v1/offers", offer(R"("name":"x","type":5)"), "type"},
      {"POST", "/v1/offers", offer(R"("name":"x","countryCode":"gb")"), "countryCode"},
      {"POST", "/v1/offers", offer(R"("name":"x","countryCode":"GBR")"), "countryCode"},
      {"POST", "/v1/offers", offer(R"("name":"x","countryCode":"G1")"), "countryCode"},
      {"POST", "/v1/offers", offer(R"("name":"x","countryCode":44)"), "countryCode"},
      {"POST", "/v1/offers", offer(R"("name":"x","startDate":"2026-13-01")"), "startDate"},
      {"POST", "/v1/offers", offer(R"("name":"x","startDate":"2026-02-30")"), "startDate"},
      {"POST", "/v1/offers", offer(R"("name":"x","startDate":"20260101")"), "startDate"},
      {"POST", "/v1/offers", offer(R"("name":"x","startDate":"2026-1-1")"), "startDate"},
      {"POST", "/v1/offers", offer(R"("name":"x","endDate":"2026-06-31")"), "endDate"},
      {"POST", "/v1/offers", offer(R"("name":"x","endDate":20260101)"), "endDate"},
      {"POST", "/v1/offers", offer(R"("name":"x","startDate":"2026-02-01","endDate":"2026-01-31")"),
       "endDate"},
      {"POST", "/v1/offers", offer(R"("name":"x","metadata":[])"), "metadata"},
      {"POST", "/v1/offers", offer(R"("name":"x","metadata":"x")"), "metadata"},
      {"POST", "/v1/offers", offer(R"("name":"x","locationsTotal":5)"), "locationsTotal"},
      {"POST", "/v1/offers", offer(R"("name":"x","created":"2026-01-01T00:00:00.000Z")"),
       "created"},
      {"POST", "/v1/offers", offer(R"("name":"x","id":"bad")"), "id"},
      {"POST", "/v1/offers", offer(R"("name":"x","colour":"red")"), "colour"},
  });
}

TEST_F(BadInputTest, OfferFieldsOnPatch) {
  const std::string seeded = offerPath(kSeededOffer);
  const std::string dated = offerPath(datedOffer_);
  expectRejected({
      {"PATCH", seeded, R"({"locationsTotal":0})", "locationsTotal"},
      {"PATCH", seeded, R"({"locationsTotal":7})", "locationsTotal"},
      {"PATCH", seeded, R"({"id":"7d1c3c84-3f4e-4f0e-9d55-3f0f2d6f9a10"})", "id"},
      {"PATCH", seeded, std::string(R"({"brandId":")") + kStarbucks + "\"}", "brandId"},
      {"PATCH", seeded, R"({"created":"2026-01-01T00:00:00.000Z"})", "created"},
      {"PATCH", seeded, R"({"updated":"2026-01-01T00:00:00.000Z"})", "updated"},
      {"PATCH", seeded, R"({"name":null})", "name"},
      {"PATCH", seeded, R"({"name":5})", "name"},
      {"PATCH", seeded, R"({"type":false})", "type"},
      {"PATCH", seeded, R"({"countryCode":"xx"})", "countryCode"},
      {"PATCH", seeded, R"({"startDate":"tomorrow"})", "startDate"},
      {"PATCH", seeded, R"({"metadata":[1,2]})", "metadata"},
      {"PATCH", seeded, R"({"name":"ok","colour":"red"})", "colour"},
      // The result must keep endDate >= startDate, whichever side the patch moves.
      {"PATCH", dated, R"({"endDate":"2026-05-31"})", "Date"},
      {"PATCH", dated, R"({"startDate":"2026-07-01"})", "Date"},
      {"PATCH", dated, R"({"startDate":"2026-07-01","endDate":"2026-06-15"})", "Date"},
  });
}

TEST_F(BadInputTest, LocationFields) {
  const std::string brand = std::string("\"brandId\":\"") + kStarbucks + "\"";
  auto loc = [&](const std::string& fields) { return "{" + brand + "," + fields + "}"; };
  const std::string seeded = std::string("/v1/locations/") + kSeededLocation;
  expectRejected({
      {"POST", "/v1/locations", "{" + brand + "}", "address"},
      {"POST", "/v1/locations", R"({"address":"x"})", "brandId"},
      {"POST", "/v1/locations", R"({"address":"x","brandId":"nope"})", "brandId"},
      {"POST", "/v1/locations", std::string(R"({"address":"x","brandId":")") + kUnknownId + "\"}",
       "brandId"},
      {"POST", "/v1/locations", loc(R"("address":5)"), "address"},
      {"POST", "/v1/locations", loc(R"("address":"x","city":5)"), "city"},
      {"POST", "/v1/locations", loc(R"("address":"x","postcode":true)"), "postcode"},
      {"POST", "/v1/locations", loc(R"("address":"x","countryCode":"uk")"), "countryCode"},
      {"POST", "/v1/locations", loc(R"("address":"x","metadata":[])"), "metadata"},
      {"POST", "/v1/locations", loc(R"("address":"x","hasOffer":true)"), "hasOffer"},
      {"POST", "/v1/locations", loc(R"("address":"x","offersTotal":1)"), "offersTotal"},
      {"POST", "/v1/locations", loc(R"("address":"x","id":"x")"), "id"},
      {"POST", "/v1/locations", loc(R"("address":"x","lat":51.5)"), "lat"},
      {"PATCH", seeded, R"({"offersTotal":0})", "offersTotal"},
      {"PATCH", seeded, R"({"hasOffer":false})", "hasOffer"},
      {"PATCH", seeded, R"({"id":"7d1c3c84-3f4e-4f0e-9d55-3f0f2d6f9a10"})", "id"},
      {"PATCH", seeded, R"({"address":null})", "address"},
      {"PATCH", seeded, R"({"city":5})", "city"},
      {"PATCH", seeded, R"({"countryCode":"G"})", "countryCode"},
      {"PATCH", seeded, R"({"lat":51.5})", "lat"},
  });
}

TEST_F(BadInputTest, BatchIsAllOrNothingAndNamesTheItem) {
  // Items 0..2 are valid and carry ids we can look for afterwards.
  std::vector<std::string> ids;
  auto items = [&](const std::string& third, const std::string& fourth = "") {
    ids.clear();
    std::string out = "[";
    for (int i = 0; i < 3; ++i) {
      ids.push_back(randomUuid());
      out += std::string(R"({"address":"ok","brandId":")") + kStarbucks + R"(","id":")" +
             ids.back() + "\"},";
    }
    out += third;
    if (!fourth.empty()) out += "," + fourth;
    return out + "]";
  };
  const std::string ok = std::string(R"({"address":"ok","brandId":")") + kStarbucks + "\"}";
  struct BatchCase {
    std::string third;
    std::string fourth;
    std::string mention;
    int status = 400;
    std::string code = "invalid_request";
  };
  const std::vector<BatchCase> cases = {
      {std::string(R"({"brandId":")") + kStarbucks + "\"}", "", "items[3].address"},
      {ok, std::string(R"({"address":5,"brandId":")") + kStarbucks + "\"}", "items[4].address"},
      {std::string(R"({"address":"x","brandId":")") + kUnknownId + "\"}", "", "items[3].brandId"},
      {R"({"address":"x","brandId":"nope"})", "", "items[3].brandId"},
      {"5", "", "items[3]"},
      {std::string(R"({"address":"x","countryCode":"gbr","brandId":")") + kStarbucks + "\"}", "",
       "items[3].countryCode"},
      {std::string(R"({"address":"x","hasOffer":true,"brandId":")") + kStarbucks + "\"}", "",
       "items[3].hasOffer"},
      // An id that exists already: a conflict, and still nothing of the batch is stored.
      {std::string(R"({"address":"x","brandId":")") + kStarbucks + R"(","id":")" + kSeededLocation +
           "\"}",
       "", "", 409, "conflict"},
  };
  for (const auto& c : cases) {
    const std::string body = R"({"items":)" + items(c.third, c.fourth) + "}";
    const HttpResponse r = api().postRaw("/v1/locations/batch", body);
    EXPECT_TRUE(IsApiError(r, c.status, c.code, c.mention)) << body;
    for (const auto& id : ids) {
      EXPECT_EQ(api().get("/v1/locations/" + id).status, 404) << "item of a rejected batch stored";
    }
  }

  std::string tooMany = R"({"items":[)";
  for (int i = 0; i < 1001; ++i) {
    tooMany += (i ? "," : "") + ok;
  }
  tooMany += "]}";
  expectRejected({
      {"POST", "/v1/locations/batch", R"({"items":[]})", "items"},
      {"POST", "/v1/locations/batch", R"({"items":{}})", "items"},
      {"POST", "/v1/locations/batch", R"({"items":null})", "items"},
      {"POST", "/v1/locations/batch", R"({})", "items"},
      {"POST", "/v1/locations/batch", R"({"items":[)" + ok + R"(],"extra":1})", "extra"},
      {"POST", "/v1/locations/batch", tooMany, "items"},
  });
}

TEST_F(BadInputTest, NonUuidIdsInPaths) {
  const std::string offer = kSeededOffer;
  const std::string location = kSeededLocation;
  std::vector<Bad> cases;
  for (const std::string bad :
       {"not-a-uuid", "123", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
        "d9b1d9ff543e47c7895f87f71dcad91b", "d9b1d9ff-543e-47c7-895f-87f71dcad91b0"}) {
    cases.push_back({"GET", "/v1/brands/" + bad, {}, ""});
    cases.push_back({"GET", "/v1/offers/" + bad, {}, ""});
    cases.push_back({"GET", "/v1/locations/" + bad, {}, ""});
    cases.push_back({"DELETE", "/v1/offers/" + bad, {}, ""});
    cases.push_back({"DELETE", "/v1/locations/" + bad, {}, ""});
    cases.push_back({"DELETE", "/v1/brands/" + bad, {}, ""});
    cases.push_back({"PATCH", "/v1/offers/" + bad, R"({"name":"x"})", ""});
    cases.push_back({"PATCH", "/v1/brands/" + bad, R"({"name":"x"})", ""});
    cases.push_back({"PATCH", "/v1/locations/" + bad, R"({"address":"x"})", ""});
    cases.push_back({"GET", "/v1/brands/" + bad + "/locations", {}, ""});
    cases.push_back({"GET", "/v1/offers/" + bad + "/locations", {}, ""});
    cases.push_back({"GET", "/v1/locations/" + bad + "/offers", {}, ""});
    cases.push_back({"POST", "/v1/offers/" + bad + "/locations/" + location, {}, ""});
    cases.push_back({"POST", "/v1/offers/" + offer + "/locations/" + bad, {}, ""});
    cases.push_back({"DELETE", "/v1/offers/" + bad + "/locations/" + location, {}, ""});
    cases.push_back({"DELETE", "/v1/offers/" + offer + "/locations/" + bad, {}, ""});
  }
  expectRejected(cases);
}

TEST_F(BadInputTest, BadLimitsCursorsAndQueryParameters) {
  const std::vector<std::string> lists = {
      "/v1/brands",
      "/v1/offers",
      "/v1/locations",
      std::string("/v1/offers?brandId=") + kStarbucks,
      std::string("/v1/brands/") + kStarbucks + "/locations",
      offerPath(kSeededOffer) + "/locations",
      std::string("/v1/locations/") + kSeededLocation + "/offers",
  };
  std::vector<Bad> cases;
  for (const auto& list : lists) {
    const char sep = list.find('?') == std::string::npos ? '?' : '&';
    for (const char* limit : {"0", "1001", "-1", "abc", "1.5", "", "99999999999999999999", "5x",
                              "%2B5", "1e2", "0x10", "%205", "5%00", "%00", "-0"}) {
      cases.push_back({"GET", list + sep + "limit=" + limit, {}, "limit"});
    }
    // Given twice, even with the same value: which one would count is not for us to guess.
    cases.push_back({"GET", list + sep + "limit=5&limit=6", {}, "limit"});
    cases.push_back({"GET", list + sep + "limit=5&limit=5", {}, "limit"});
    cases.push_back({"GET", list + sep + "start=AAAA&start=AAAA", {}, "start"});
    for (const char* start : {"!!!", "AAAA", "aGVsbG8", "%00%01", "..%2F..%2Fetc"}) {
      cases.push_back({"GET", list + sep + "start=" + start, {}, "start"});
    }
    cases.push_back({"GET", list + sep + "foo=1", {}, "foo"});
    cases.push_back({"GET", list + sep + "Limit=5", {}, "Limit"});
  }
  cases.push_back({"GET", "/v1/offers?brandId=nope", {}, "brandId"});
  cases.push_back({"GET", "/v1/locations?brandId=nope", {}, "brandId"});
  cases.push_back({"GET", "/v1/offers?brandid=" + std::string(kStarbucks), {}, "brandid"});
  cases.push_back({"GET", "/v1/brands?brandId=" + std::string(kStarbucks), {}, "brandId"});
  cases.push_back(
      {"GET", offerPath(kSeededOffer) + "/locations?brandId=" + kStarbucks, {}, "brandId"});
  expectRejected(cases);

  // The limits themselves are accepted.
  EXPECT_EQ(api().get("/v1/locations?limit=1").status, 200);
  EXPECT_EQ(api().get("/v1/locations?limit=1000").status, 200);
}

// base64url without padding, the alphabet of the server's cursors, written here
// independently so that forged cursors look exactly like genuine ones.
std::string base64Url(std::string_view bytes) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (const char c : bytes) {
    bits = (bits << 8) | static_cast<unsigned char>(c);
    count += 8;
    while (count >= 6) {
      count -= 6;
      out.push_back(kAlphabet[(bits >> count) & 63]);
    }
  }
  if (count > 0) out.push_back(kAlphabet[(bits << (6 - count)) & 63]);
  return out;
}

TEST_F(BadInputTest, ForgedCursorsAreRejected) {
  // Self-check of the encoder against a cursor the README shows.
  ASSERT_EQ(base64Url("c1:1c7a27de-4bbd-4d63-a5ec-2eae5a0f1870"),
            "YzE6MWM3YTI3ZGUtNGJiZC00ZDYzLWE1ZWMtMmVhZTVhMGYxODcw");
  const auto page = fetch("/v1/locations?limit=1");
  ASSERT_TRUE(page.contains("last")) << json::serialize(page);
  const std::string cursor = str(page, "last");
  ASSERT_GE(cursor.size(), 8u);
  // A genuine cursor works; a cut-off one, or one with junk appended, does not.
  EXPECT_EQ(api().get("/v1/locations?limit=1&start=" + urlEncode(cursor)).status, 200);
  expectRejected({
      {"GET",
       "/v1/locations?limit=1&start=" + urlEncode(cursor.substr(0, cursor.size() - 4)),
       {},
       "start"},
      {"GET",
       "/v1/locations?limit=1&start=" + urlEncode(cursor.substr(0, cursor.size() / 2)),
       {},
       "start"},
      {"GET", "/v1/locations?limit=1&start=" + urlEncode(cursor + "AAAAAAAA"), {}, "start"},
  });

  // Well-formed base64url whose payload the server never wrote: another version tag, a
  // position that is not an id as the server writes ids, a path, bytes after the id.
  const std::string location = kSeededLocation;
  std::string upper = location;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::vector<Bad> forged;
  for (const std::string& payload :
       std::vector<std::string>{"c2:" + location, "c1:" + upper, "c1:../../etc/passwd",
                                "c1:" + location + std::string(1, '\0'), "c1:" + location + "x",
                                "c1:", "c1", "s1:1", location, std::string("c1:\xff\xfe")}) {
    for (const char* list : {"/v1/locations", "/v1/offers", "/v1/brands"}) {
      forged.push_back({"GET", std::string(list) + "?start=" + base64Url(payload), {}, "start"});
    }
  }
  // Longer than any cursor the server writes.
  forged.push_back({"GET", "/v1/locations?start=" + std::string(129, 'A'), {}, "start"});
  expectRejected(forged);

  // A cursor of the event feed is not a cursor of an entity list, and the other way round.
  const auto events = fetch("/v1/events?limit=1");
  ASSERT_TRUE(events.contains("last")) << json::serialize(events);
  const std::string eventCursor = str(events, "last");
  expectRejected({
      {"GET", "/v1/locations?start=" + urlEncode(eventCursor), {}, "start"},
      {"GET",
       "/v1/offers/" + std::string(kSeededOffer) + "/locations?start=" + urlEncode(eventCursor),
       {},
       "start"},
      {"GET", "/v1/events?start=" + urlEncode(cursor), {}, "start"},
      {"GET", "/v1/events?start=" + base64Url("s1:../1"), {}, "start"},
  });
}

// Cursors are positions in id order, not secrets: one forged in the server's own format
// is accepted, and it only moves where the page starts. It never reaches items outside
// the list it is used on.
TEST_F(BadInputTest, WellFormedForgedCursorOnlyMovesTheStart) {
  const std::string brandId = createBrand("Cursor");
  std::vector<std::string> ids = createLocations(brandId, 5);
  std::sort(ids.begin(), ids.end());
  before_ = snapshot();
  const std::string list = "/v1/brands/" + brandId + "/locations";
  const json::object page = fetch(list + "?start=" + base64Url("c1:" + ids[1]));
  std::vector<std::string> got;
  for (const auto& item : page.at("items").as_array()) got.push_back(str(item, "id"));
  EXPECT_EQ(got, std::vector<std::string>(ids.begin() + 2, ids.end()));
  // A position before every id of the list, or after every one.
  EXPECT_EQ(fetch(list + "?start=" + base64Url("c1:00000000-0000-4000-8000-000000000000"))
                .at("items")
                .as_array()
                .size(),
            5u);
  EXPECT_TRUE(fetch(list + "?start=" + base64Url("c1:ffffffff-ffff-4fff-bfff-ffffffffffff"))
                  .at("items")
                  .as_array()
                  .empty());
}

TEST_F(BadInputTest, DeeplyNestedJsonIsRejectedNotFatal) {
  std::string deep;
  constexpr int kDepth = 100000;
  deep.reserve(2 * kDepth + 100);
  deep += std::string(R"({"name":"x","brandId":")") + kStarbucks + R"(","metadata":)";
  for (int i = 0; i < kDepth; ++i) deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < kDepth; ++i) deep += "}";
  deep += "}";
  const HttpResponse r = api().postRaw("/v1/offers", deep);
  EXPECT_TRUE(IsApiError(r, 400, "invalid_request"));
}

TEST_F(BadInputTest, OversizedBodiesAreRefusedFromTheHeaderAlone) {
  for (const auto& [method, target, length] :
       std::vector<std::tuple<std::string, std::string, std::size_t>>{
           {"POST", "/v1/locations/batch", 1048577},
           {"POST", "/v1/locations", 2 * 1048576},
           {"PATCH", offerPath(kSeededOffer), 50 * 1048576},
           {"POST", "/v1/brands", std::size_t{1} << 40},
       }) {
    RawConnection raw("127.0.0.1", server().port());
    // Headers only: the body is never sent, so the answer must come from Content-Length.
    ASSERT_TRUE(raw.send(method + " " + target +
                         " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                         "Content-Length: " +
                         std::to_string(length) + "\r\n\r\n"));
    const auto reply = raw.readResponse(10s);
    ASSERT_EQ(reply.kind, RawConnection::Reply::Kind::kResponse)
        << method << " " << target << ": no response without the body";
    EXPECT_TRUE(IsApiError(reply.response, 413, "payload_too_large")) << target;
  }
}

TEST_F(BadInputTest, BytesThatAreNotHttpDoNotBringTheServerDown) {
  const std::vector<std::string> garbage = {
      std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),  // a TLS ClientHello
      "hello world\r\n\r\n",
      "GET /healthz HTTX/1.1\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
      "POST /v1/brands HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}",
      "GET /healthz HTTP/1.1\r\nNoColonHere\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "GET /healthz HTTP/1.1\r\nX-Big: " + std::string(200000, 'a') + "\r\n\r\n",
      std::string(8192, '\0'),
  };
  for (const auto& bytes : garbage) {
    const std::string shown = bytes.substr(0, 40);
    RawConnection raw("127.0.0.1", server().port());
    raw.send(bytes);  // the server may close before taking it all
    const auto reply = raw.readResponse(5s);
    EXPECT_NE(reply.kind, RawConnection::Reply::Kind::kTimeout)
        << "neither an answer nor a close for: " << shown;
    if (reply.kind == RawConnection::Reply::Kind::kResponse) {
      EXPECT_GE(reply.response.status, 400) << shown << ": " << reply.response.describe();
      EXPECT_LT(reply.response.status, 500) << shown << ": " << reply.response.describe();
    }
    EXPECT_EQ(newClient().get("/healthz").status, 200) << "after: " << shown;
  }

  // Requests cut off half-way, then abandoned.
  for (const std::string partial :
       {"POST /v1/brands HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n"
        "\r\n{\"name\":",
        "POST /v1/brands HTTP/1.1\r\nContent-Le", "GET /healt"}) {
    RawConnection raw("127.0.0.1", server().port());
    raw.send(partial);
  }
  EXPECT_EQ(newClient().get("/healthz").status, 200);
}

TEST_F(BadInputTest, ErrorsKeepTheConnectionUsable) {
  // A run of rejected requests on one connection, each answered in order.
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(IsApiError(api().postRaw("/v1/brands", "{"), 400, "invalid_request"));
    EXPECT_TRUE(IsApiError(api().get("/v1/offers/" + randomUuid()), 404, "not_found"));
    EXPECT_TRUE(IsApiError(api().get("/v1/offers?limit=0"), 400, "invalid_request", "limit"));
  }
  EXPECT_EQ(api().get("/healthz").status, 200);
}

TEST_F(BadInputTest, DuplicateKeysTheLastOneCounts) {
  // JSON allows a key twice; the server reads the last value, as JavaScript's JSON.parse
  // does, and that value is the one validated: a valid first value does not carry an
  // invalid last one through (DuplicateKeysTest below shows what is stored).
  const std::string starbucks = std::string("\"") + kStarbucks + "\"";
  expectRejected({
      {"POST", "/v1/brands", R"({"name":"x","name":5})", "name"},
      {"POST", "/v1/brands", R"({"name":"x","name":"  "})", "name"},
      {"POST", "/v1/offers", R"({"name":"x","brandId":)" + starbucks + R"(,"brandId":"nope"})",
       "brandId"},
      {"POST", "/v1/offers",
       R"({"name":"x","brandId":)" + starbucks + R"(,"brandId":")" + kUnknownId + "\"}", "brandId"},
      {"PATCH", offerPath(kSeededOffer), R"({"name":"ok","name":null})", "name"},
      {"PATCH", std::string("/v1/locations/") + kSeededLocation, R"({"city":"London","city":7})",
       "city"},
  });
}

TEST_F(BadInputTest, BadUtf8InPathsAndQueries) {
  expectRejected({
      {"GET", "/v1/offers/%ff%fe", {}, "offerId"},
      {"GET", "/v1/locations/%c0%af", {}, "locationId"},
      {"DELETE", "/v1/brands/%ed%a0%80", {}, "brandId"},
      {"GET", "/v1/offers?brandId=%ff", {}, "brandId"},
      {"GET", "/v1/offers?limit=%ff", {}, "limit"},
      {"GET", "/v1/offers?start=%ff%fe", {}, "start"},
      // Bytes that are not UTF-8 sent as they are, not percent-encoded.
      {"GET", "/v1/offers/\xff\xfe", {}, ""},
      {"GET", "/v1/offers?brandId=\xff", {}, ""},
      // Whatever the server says about such a path or parameter name, its answer is
      // still JSON (which is UTF-8): the message must not copy the bytes into it.
      {"GET", "/v1/no-such-thing/%ff%fe", {}, "", 404, "not_found"},
      {"GET", "/v1/offers?%ff%fe=1", {}, ""},
  });
}

TEST_F(BadInputTest, EmptyOverlongAndUpperCaseIds) {
  const std::string offer = kSeededOffer;
  const std::string location = kSeededLocation;
  expectRejected({
      // An empty id is a path no route has.
      {"GET", "/v1/offers/", {}, "", 404, "not_found"},
      {"DELETE", "/v1/locations/", {}, "", 404, "not_found"},
      {"GET", "/v1/offers//locations", {}, "", 404, "not_found"},
      {"POST", "/v1/offers//locations/" + location, {}, "", 404, "not_found"},
      {"POST", "/v1/offers/" + offer + "/locations/", {}, "", 404, "not_found"},
      {"GET", "/v1/offers/" + std::string(5000, 'a'), {}, "offerId"},
      {"GET", "/v1/offers/" + offer + std::string(1000, '0'), {}, "offerId"},
      {"DELETE",
       "/v1/offers/" + offer + "/locations/" + location + std::string(1000, 'f'),
       {},
       "locationId"},
      {"GET", "/v1/offers/%20" + offer, {}, "offerId"},
      {"GET", "/v1/offers/" + offer + "%20", {}, "offerId"},
      {"GET", "/v1/offers/%7B" + offer + "%7D", {}, "offerId"},
  });
  // A CR LF in an id does not reach the response's headers.
  const HttpResponse injected = api().get("/v1/offers/%0d%0aX-Injected:%201");
  EXPECT_TRUE(IsApiError(injected, 400, "invalid_request", "offerId"));
  EXPECT_EQ(injected.header("X-Injected"), "");

  // Upper-case hex is the same id: it is normalised to lower case, not rejected.
  std::string upperOffer = offer;
  std::string upperLocation = location;
  for (std::string* id : {&upperOffer, &upperLocation}) {
    for (char& c : *id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  ASSERT_NE(upperOffer, offer);
  const HttpResponse got = api().get("/v1/offers/" + upperOffer);
  ASSERT_EQ(got.status, 200) << got.describe();
  EXPECT_EQ(str(got.object(), "id"), offer);
  // The link made in SetUp, named in upper case: already there (200), nothing counted twice.
  const HttpResponse relinked = link(upperOffer, upperLocation);
  ASSERT_EQ(relinked.status, 200) << relinked.describe();
  EXPECT_EQ(num(relinked.object().at("offer"), "locationsTotal"), 1);
  const auto offers = listIds("/v1/locations/" + upperLocation + "/offers");
  EXPECT_EQ(offers, std::vector<std::string>{offer});
}

TEST_F(BadInputTest, PathTraversalInIds) {
  const std::string offer = kSeededOffer;
  const std::string location = kSeededLocation;
  const std::string brand = kStarbucks;
  expectRejected({
      {"GET", "/v1/offers/..%2F..%2Fetc%2Fpasswd", {}, "offerId"},
      {"GET", "/v1/offers/..%2f..%2fbrands", {}, "offerId"},
      {"GET", "/v1/offers/..", {}, "offerId"},
      {"GET", "/v1/offers/.", {}, "offerId"},
      {"GET", "/v1/offers/%2e%2e", {}, "offerId"},
      {"GET", "/v1/offers/%2e%2e%2fbrands", {}, "offerId"},
      {"GET", "/v1/offers/%00", {}, "offerId"},
      {"GET", "/v1/offers/" + offer + "%00", {}, "offerId"},
      {"GET", "/v1/offers/" + offer + "%00.json", {}, "offerId"},
      {"GET", "/v1/offers/" + offer + "%2F..%2F..%2Fbrands", {}, "offerId"},
      {"GET", "/v1/locations/..%5C..%5Cwindows%5Cwin.ini", {}, "locationId"},
      {"DELETE", "/v1/offers/..%2F..%2Fbrands%2F" + brand, {}, "offerId"},
      {"DELETE", "/v1/brands/..%2Fbrands%2F" + brand, {}, "brandId"},
      {"POST", "/v1/offers/" + offer + "/locations/..%2F" + location, {}, "locationId"},
      {"PATCH", "/v1/brands/%2e%2e%2f" + brand, R"({"name":"x"})", "brandId"},
      // Dot segments are not resolved: these name no route, so nothing is reached.
      {"GET", "/v1/offers/../brands", {}, "", 404, "not_found"},
      {"GET", "/v1/offers/%2e%2e/brands", {}, "", 404, "not_found"},
      {"GET", "/v1/../v1/offers/" + offer, {}, "", 404, "not_found"},
      {"GET", "/v1/./offers/" + offer, {}, "", 404, "not_found"},
      {"DELETE", "/v1/offers/" + offer + "/../../brands/" + brand, {}, "", 404, "not_found"},
  });
}

TEST_F(BadInputTest, OversizedHeadersGet431) {
  // Sizes a little over the limit, sent in one write, so that the whole request is there
  // before the server answers and closes (BytesThatAreNotHttpDoNotBringTheServerDown sends
  // far more).
  std::string many;  // 900 short fields, about 18 KiB together
  for (int i = 0; i < 900; ++i) many += "X-Header-" + std::to_string(i) + ": value\r\n";
  const std::vector<std::string> requests = {
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(17 * 1024, 'a') + "\r\n\r\n",
      "GET /v1/offers HTTP/1.1\r\nHost: x\r\nCookie: " + std::string(20 * 1024, 'c') + "\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nHost: x\r\n" + many + "\r\n",
      // The request line counts too.
      "GET /v1/offers/" + std::string(kSeededOffer) + "?pad=" + std::string(17 * 1024, 'p') +
          " HTTP/1.1\r\nHost: x\r\n\r\n",
  };
  for (const std::string& request : requests) {
    RawConnection raw("127.0.0.1", server().port());
    ASSERT_TRUE(raw.send(request));
    const auto reply = raw.readResponse(10s);
    ASSERT_EQ(reply.kind, RawConnection::Reply::Kind::kResponse) << request.substr(0, 60);
    EXPECT_TRUE(IsApiError(reply.response, 431, "header_too_large", "header"))
        << request.substr(0, 60) << " (" << request.size() << " bytes)";
  }
  // Just under the limit is fine.
  const HttpResponse under =
      api().request("GET", "/healthz", {}, {{"X-Big", std::string(15 * 1024, 'a')}});
  EXPECT_EQ(under.status, 200) << under.describe();
}

TEST_F(BadInputTest, ChunkedLyingAndAmbiguousBodyLengths) {
  using namespace std::string_literals;
  using Kind = RawConnection::Reply::Kind;
  // Chunked: no Content-Length to judge by; the server counts as the chunks arrive and
  // stops at the limit.
  {
    RawConnection raw("127.0.0.1", server().port());
    ASSERT_TRUE(raw.send(
        "POST /v1/locations/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"));
    const std::string chunk = "10000\r\n" + std::string(0x10000, ' ') + "\r\n";
    for (int i = 0; i < 17; ++i) {  // 17 x 64 KiB: just over 1 MiB
      if (!raw.send(chunk)) break;
    }
    const auto reply = raw.readResponse(10s);
    ASSERT_EQ(reply.kind, Kind::kResponse) << "no answer to a chunked body over 1 MiB";
    EXPECT_TRUE(IsApiError(reply.response, 413, "payload_too_large"));
  }
  // A Content-Length shorter than what follows: only the announced bytes are the body
  // (here half a JSON object: 400), and the rest is read as the next request, which is
  // not HTTP (400 and the connection closed, or just closed).
  {
    RawConnection raw("127.0.0.1", server().port());
    const std::string body = R"({"name":"would be a brand"})";
    raw.send(
        "POST /v1/brands HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 10\r\n\r\n" +
        body + std::string(256 * 1024, 'x'));
    const auto first = raw.readResponse(10s);
    ASSERT_EQ(first.kind, Kind::kResponse);
    EXPECT_TRUE(IsApiError(first.response, 400, "invalid_request", "body"));
    const auto second = raw.readResponse(10s);
    EXPECT_NE(second.kind, Kind::kTimeout);
    if (second.kind == Kind::kResponse) {
      EXPECT_TRUE(IsApiError(second.response, 400, "invalid_request"));
      EXPECT_EQ(second.response.header("Connection"), "close");
    }
  }
  // Framing that two servers could read two ways (request smuggling): refused outright.
  for (const std::string& head : {
           "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"s,
           "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"s,
           "Content-Length: 5\r\nContent-Length: 6\r\n"s,
           "Content-Length: -5\r\n"s,
           "Content-Length: 5, 5\r\n"s,
           "Transfer-Encoding: gzip\r\n"s,
       }) {
    RawConnection raw("127.0.0.1", server().port());
    raw.send("POST /v1/brands HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + head +
             "\r\n{}\r\n\r\n0\r\n\r\n");
    const auto reply = raw.readResponse(10s);
    ASSERT_EQ(reply.kind, Kind::kResponse) << head;
    EXPECT_TRUE(IsApiError(reply.response, 400, "invalid_request")) << head;
  }
}

// Duplicate keys in an accepted body: the last value is the one stored (and the one that
// was validated, see BadInputTest.DuplicateKeysTheLastOneCounts).
class DuplicateKeysTest : public ServerTest {};

TEST_F(DuplicateKeysTest, TheLastValueIsStored) {
  const HttpResponse r = api().postRaw("/v1/brands", R"({"name":"first","name":"last"})");
  ASSERT_EQ(r.status, 201) << r.describe();
  const std::string id = str(r.object(), "id");
  EXPECT_EQ(str(r.object(), "name"), "last");
  EXPECT_EQ(str(fetch("/v1/brands/" + id), "name"), "last");
}

// A body of exactly 1 MiB is within the limit (limits are "over 1 MiB").
class PayloadLimitTest : public ServerTest {};

TEST_F(PayloadLimitTest, BodyOfExactly1MiBIsAccepted) {
  const std::string brandId = createBrand("Limit");
  std::string body = R"({"items":[{"address":"At the limit","brandId":")" + brandId + "\"}]";
  body += std::string(1048576 - body.size() - 1, ' ');
  body += "}";
  ASSERT_EQ(body.size(), 1048576u);
  const HttpResponse r = api().postRaw("/v1/locations/batch", body);
  ASSERT_EQ(r.status, 201) << r.describe();
  EXPECT_EQ(listAll("/v1/brands/" + brandId + "/locations").size(), 1u);

  std::string over = body;
  over.insert(over.size() - 1, " ");
  RawConnection raw("127.0.0.1", server().port());
  ASSERT_TRUE(raw.send("POST /v1/locations/batch HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                       std::to_string(over.size()) + "\r\n\r\n"));
  const auto reply = raw.readResponse(10s);
  ASSERT_EQ(reply.kind, RawConnection::Reply::Kind::kResponse);
  EXPECT_TRUE(IsApiError(reply.response, 413, "payload_too_large"));
  EXPECT_EQ(listAll("/v1/brands/" + brandId + "/locations").size(), 1u);
}

}  // namespace
}  // namespace offers::testing
