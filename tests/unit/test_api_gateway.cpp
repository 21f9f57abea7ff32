// The API Gateway adapter of the Lambda front end: events shaped as AWS documents them
// for HTTP APIs and function URLs (payload 2.0) and REST APIs (payload 1.0), decoded into
// the server's Request, and the end-to-end path through the very Api::handle the server
// uses, over a RocksDB store in a temporary directory.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <stdexcept>

#include "http/api.hpp"
#include "lambda/api_gateway.hpp"
#include "service/service.hpp"
#include "store/rocksdb/rocksdb_store.hpp"
#include "support/temp_dir.hpp"

namespace offers::testing {
namespace {

namespace json = boost::json;
using lambda::decodeHttpEvent;

// An HTTP API (payload 2.0) event with the fields this adapter reads, and a few it does
// not, as AWS's documentation lays the format out.
json::value httpApiEvent(std::string method, std::string rawPath, std::string rawQuery,
                         json::object headers, std::string body = "", bool base64 = false) {
  return json::object{{"version", "2.0"},
                      {"routeKey", "$default"},
                      {"rawPath", rawPath},
                      {"rawQueryString", rawQuery},
                      {"cookies", json::array{"session=abc"}},
                      {"headers", std::move(headers)},
                      {"requestContext",
                       {{"accountId", "123456789012"},
                        {"apiId", "api-id"},
                        {"domainName", "id.execute-api.us-east-1.amazonaws.com"},
                        {"http",
                         {{"method", method},
                          {"path", rawPath},
                          {"protocol", "HTTP/1.1"},
                          {"sourceIp", "192.0.2.10"},
                          {"userAgent", "agent"}}},
                        {"requestId", "JKJaXmPLvHcESHA="},
                        {"stage", "$default"},
                        {"timeEpoch", 1583348638390}}},
                      {"body", body},
                      {"isBase64Encoded", base64}};
}

TEST(ApiGatewayEvent, AnHttpApiEventBecomesTheRequestItCarries) {
  auto event = httpApiEvent("GET", "/v1/offers/abc/locations", "limit=5&status=live",
                            {{"authorization", "Bearer k1"},
                             {"accept", "application/json,text/plain"},
                             {"x-request-id", "client-chosen-1"}});
  const auto decoded = decodeHttpEvent(event);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->payloadVersion, 2);
  EXPECT_EQ(decoded->request.method, http::Method::get);
  EXPECT_EQ(decoded->request.target, "/v1/offers/abc/locations?limit=5&status=live");
  EXPECT_EQ(decoded->request.authorization, "Bearer k1");
  EXPECT_EQ(decoded->request.remote, "192.0.2.10");
  EXPECT_EQ(decoded->requestId, "client-chosen-1");
  EXPECT_EQ(decoded->request.body, "");
}

TEST(ApiGatewayEvent, ABase64BodyIsDecodedAndTheGatewaysRequestIdUsed) {
  // {"name":"Acme"} in base64, as API Gateway sends a body it could not pass as text.
  auto event = httpApiEvent("POST", "/v1/brands", "", {{"Content-Type", "application/json"}},
                            "eyJuYW1lIjoiQWNtZSJ9", true);
  const auto decoded = decodeHttpEvent(event);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->request.method, http::Method::post);
  EXPECT_EQ(decoded->request.target, "/v1/brands");
  EXPECT_EQ(decoded->request.body, R"({"name":"Acme"})");
  EXPECT_EQ(decoded->requestId, "JKJaXmPLvHcESHA=");
  EXPECT_EQ(decoded->request.authorization, "");
}

TEST(ApiGatewayEvent, AMalformedHttpEventNamesItsField) {
  auto badBody = httpApiEvent("POST", "/v1/brands", "", {}, "not*base64", true);
  EXPECT_THROW(decodeHttpEvent(badBody), std::invalid_argument);
  auto badMethod = httpApiEvent("FETCH", "/v1/brands", "", {});
  try {
    decodeHttpEvent(badMethod);
    ADD_FAILURE() << "an unknown method went through";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("method"), std::string::npos) << e.what();
  }
  auto noPath = httpApiEvent("GET", "/", "", {});
  noPath.as_object().erase("rawPath");
  EXPECT_THROW(decodeHttpEvent(noPath), std::invalid_argument);
  // Found by the fuzzer: a path that is not origin-form is refused, not routed.
  auto relative = httpApiEvent("GET", "v1/brands", "", {});
  EXPECT_THROW(decodeHttpEvent(relative), std::invalid_argument);
}

TEST(ApiGatewayEvent, ARestApiEventHasItsQueryEncodedAgainAndHeadersJoined) {
  json::value event =
      json::object{{"resource", "/{proxy+}"},
                   {"path", "/v1/locations/xyz/offers"},
                   {"httpMethod", "GET"},
                   {"headers", {{"Authorization", "Bearer last-only"}}},
                   {"multiValueHeaders", {{"Authorization", json::array{"Bearer k2"}}}},
                   {"queryStringParameters", {{"status", "live"}}},
                   {"multiValueQueryStringParameters",
                    {{"status", json::array{"live"}}, {"q", json::array{"a b&c", "d"}}}},
                   {"requestContext",
                    {{"requestId", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"},
                     {"identity", {{"sourceIp", "198.51.100.7"}}}}},
                   {"body", nullptr},
                   {"isBase64Encoded", false}};
  const auto decoded = decodeHttpEvent(event);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->payloadVersion, 1);
  EXPECT_EQ(decoded->request.target, "/v1/locations/xyz/offers?status=live&q=a%20b%26c&q=d");
  EXPECT_EQ(decoded->request.authorization, "Bearer k2");
  EXPECT_EQ(decoded->request.remote, "198.51.100.7");
  EXPECT_EQ(decoded->requestId, "c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
}

TEST(ApiGatewayEvent, OtherEventsAreNotHttpEvents) {
  const json::value sqs = json::parse(R"({"Records":[{"messageId":"m1","body":"{}",
      "eventSource":"aws:sqs","receiptHandle":"r"}]})");
  EXPECT_FALSE(decodeHttpEvent(sqs));
  const json::value schedule = json::parse(R"({"version":"0","id":"e1",
      "detail-type":"Scheduled Event","source":"aws.events","detail":{}})");
  EXPECT_FALSE(decodeHttpEvent(schedule));
  EXPECT_FALSE(decodeHttpEvent(json::value("text")));
}

// The user's first calls, as the `api` function runs them: event -> Api::handle ->
// API Gateway's answer.
TEST(ApiGatewayEvent, TheSameApiAnswersThroughTheAdapter) {
  TempDir dir;
  store::rocksdb::RocksDbStore store(store::rocksdb::Options{dir.str()});
  service::Service service(store);
  http::Api api(service);
  auto call = [&](json::value event) {
    const auto decoded = decodeHttpEvent(event);
    EXPECT_TRUE(decoded);
    const auto outcome = api.handle(decoded->request);
    return lambda::encodeHttpResponse(outcome.response, decoded->requestId);
  };

  const auto created = call(httpApiEvent("POST", "/v1/brands", "", {{"x-request-id", "first-call"}},
                                         R"({"name":"Acme Coffee"})"));
  EXPECT_EQ(created.at("statusCode").as_int64(), 201) << json::serialize(created);
  EXPECT_EQ(created.at("isBase64Encoded").as_bool(), false);
  const auto& headers = created.at("headers").as_object();
  EXPECT_EQ(headers.at("Content-Type").as_string(), "application/json");
  EXPECT_EQ(headers.at("X-Request-Id").as_string(), "first-call");
  const auto brand = json::parse(created.at("body").as_string()).as_object();
  EXPECT_EQ(brand.at("name").as_string(), "Acme Coffee");

  const auto listed = call(httpApiEvent("GET", "/v1/brands", "limit=10", {}));
  EXPECT_EQ(listed.at("statusCode").as_int64(), 200);
  EXPECT_NE(listed.at("body").as_string().find("Acme Coffee"), std::string::npos);

  const auto bad = call(httpApiEvent("POST", "/v1/brands", "", {}, "{not json"));
  EXPECT_EQ(bad.at("statusCode").as_int64(), 400);
  const auto error = json::parse(bad.at("body").as_string()).as_object();
  EXPECT_EQ(error.at("error").as_object().at("code").as_string(), "invalid_request");
}

}  // namespace
}  // namespace offers::testing
