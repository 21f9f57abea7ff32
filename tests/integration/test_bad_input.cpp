// Bad input of every kind the contract names: each gets its status and error code, a JSON
// error body whose message names the offending field, never a 500, and leaves the stored
// data exactly as it was (checked after every test of BadInputTest). Bytes that are not
// HTTP at all must not bring the server down.
#include <boost/json.hpp>
#include <optional>
#include <string>
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
      "{\"name\":\"\xff\xfe\"}",  // not UTF-8
      R"({'name':'x'})",
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
    for (const char* limit : {"0", "1001", "-1", "abc", "1.5", "", "99999999999999999999", "5x"}) {
      cases.push_back({"GET", list + sep + "limit=" + limit, {}, "limit"});
    }
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

TEST_F(BadInputTest, ForgedCursorsAreRejected) {
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
