// Api::handle end to end over a real Service and RocksDB store in a temp dir: routing,
// 404 vs 405, malformed targets, and the created-resource response. Deliberately small:
// tests/integration covers the API in depth over HTTP.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "http/api.hpp"
#include "service/service.hpp"
#include "store/rocksdb/rocksdb_store.hpp"
#include "support/temp_dir.hpp"

namespace offers::testing {
namespace {

namespace json = boost::json;
using http::Method;

class ApiTest : public ::testing::Test {
 protected:
  http::Api::Outcome call(Method method, std::string target, std::string body = {}) {
    http::Request request;
    request.method = method;
    request.target = std::move(target);
    request.body = std::move(body);
    return api_.handle(request);
  }

  static std::optional<std::string> header(const http::Response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return std::nullopt;
  }

  // The body of an error response, checked for the contract's shape.
  static json::object errorOf(const http::Response& r) {
    const auto body = json::parse(r.body);
    EXPECT_TRUE(body.is_object() && body.as_object().contains("error")) << r.body;
    const auto& error = body.at("error").as_object();
    EXPECT_TRUE(error.at("code").is_string()) << r.body;
    EXPECT_TRUE(error.at("message").is_string()) << r.body;
    return error;
  }

  TempDir dir_;
  store::rocksdb::RocksDbStore store_{store::rocksdb::Options{.dataDir = dir_.str()}};
  service::Service service_{store_};
  http::Api api_{service_};
};

TEST_F(ApiTest, HealthzIs200) {
  const auto out = call(Method::get, "/healthz");
  EXPECT_EQ(out.response.status, 200u);
  EXPECT_EQ(json::parse(out.response.body), json::parse(R"({"status":"ok"})"));
  ASSERT_NE(out.route, nullptr);
  EXPECT_EQ(*out.route, "/healthz");
}

TEST_F(ApiTest, UnknownRouteIs404WithAJsonErrorBody) {
  const auto out = call(Method::get, "/v1/nothing-here?limit=5");
  EXPECT_EQ(out.response.status, 404u);
  const auto error = errorOf(out.response);
  EXPECT_EQ(error.at("code").as_string(), "not_found");
  EXPECT_NE(std::string(error.at("message").as_string()).find("/v1/nothing-here"),
            std::string::npos)
      << out.response.body;
  EXPECT_EQ(header(out.response, "Allow"), std::nullopt);
  EXPECT_EQ(out.route, nullptr);
}

TEST_F(ApiTest, WrongMethodIs405WithAllowHeader) {
  const auto out = call(Method::delete_, "/v1/brands");
  EXPECT_EQ(out.response.status, 405u);
  EXPECT_EQ(errorOf(out.response).at("code").as_string(), "method_not_allowed");
  const auto allow = header(out.response, "Allow");
  ASSERT_TRUE(allow.has_value());
  std::set<std::string> methods;
  for (std::size_t from = 0; from <= allow->size();) {
    auto comma = allow->find(',', from);
    if (comma == std::string::npos) comma = allow->size();
    auto m = allow->substr(from, comma - from);
    while (!m.empty() && m.front() == ' ') m.erase(0, 1);
    methods.insert(m);
    from = comma + 1;
  }
  EXPECT_EQ(methods, (std::set<std::string>{"GET", "POST"})) << *allow;
}

TEST_F(ApiTest, MalformedTargetIs400) {
  for (const char* target : {"", "not-a-path", "http://example.com/v1/brands", "/v1/%zz",
                             "/v1/brands?limit=%G1", "/v1/bra nds"}) {
    SCOPED_TRACE(target);
    const auto out = call(Method::get, target);
    EXPECT_EQ(out.response.status, 400u) << out.response.body;
    const auto error = errorOf(out.response);
    EXPECT_EQ(error.at("code").as_string(), "invalid_request");
    EXPECT_TRUE(std::string(error.at("message").as_string()).starts_with("target: "))
        << out.response.body;
  }
}

TEST_F(ApiTest, PostBrandIs201WithLocationHeader) {
  const auto out = call(Method::post, "/v1/brands", R"({"name":"Starbucks"})");
  ASSERT_EQ(out.response.status, 201u) << out.response.body;
  const auto brand = json::parse(out.response.body).as_object();
  const std::string id(brand.at("id").as_string());
  EXPECT_EQ(brand.at("name").as_string(), "Starbucks");
  EXPECT_EQ(header(out.response, "Location"), "/v1/brands/" + id);
  ASSERT_NE(out.route, nullptr);
  EXPECT_EQ(*out.route, "/v1/brands");

  // The Location header names the new resource.
  const auto fetched = call(Method::get, "/v1/brands/" + id);
  EXPECT_EQ(fetched.response.status, 200u);
  EXPECT_EQ(json::parse(fetched.response.body), json::value(brand));
  EXPECT_EQ(*fetched.route, "/v1/brands/{brandId}");
}

TEST_F(ApiTest, BadBodyIs400NamingTheField) {
  const auto out = call(Method::post, "/v1/brands", R"({"name":"Starbucks","colour":"green"})");
  EXPECT_EQ(out.response.status, 400u);
  const auto error = errorOf(out.response);
  EXPECT_EQ(error.at("code").as_string(), "invalid_request");
  EXPECT_EQ(error.at("message").as_string(), "colour: unknown field");
}

TEST_F(ApiTest, PathIdsAreCheckedAndNormalised) {
  auto out = call(Method::get, "/v1/brands/not-a-uuid");
  EXPECT_EQ(out.response.status, 400u);
  EXPECT_TRUE(std::string(errorOf(out.response).at("message").as_string())
                  .starts_with("brandId: must be a UUID"))
      << out.response.body;

  out = call(Method::get, "/v1/brands/692126c8-6e72-4ad7-8a73-25fc2f1f56e4");
  EXPECT_EQ(out.response.status, 404u);
  EXPECT_EQ(errorOf(out.response).at("code").as_string(), "not_found");

  const auto created = call(Method::post, "/v1/brands",
                            R"({"id":"692126c8-6e72-4ad7-8a73-25fc2f1f56e4","name":"Starbucks"})");
  ASSERT_EQ(created.response.status, 201u) << created.response.body;
  out = call(Method::get, "/v1/brands/692126C8-6E72-4AD7-8A73-25FC2F1F56E4");
  EXPECT_EQ(out.response.status, 200u) << out.response.body;
}

TEST_F(ApiTest, BatchLiteralAndLocationIdShareAPath) {
  // POST reaches the batch route; GET on it is 405 (a literal segment is never an id).
  auto out = call(Method::post, "/v1/locations/batch", R"({"items":[]})");
  EXPECT_EQ(out.response.status, 400u);
  EXPECT_TRUE(std::string(errorOf(out.response).at("message").as_string()).starts_with("items: "))
      << out.response.body;
  ASSERT_NE(out.route, nullptr);
  EXPECT_EQ(*out.route, "/v1/locations/batch");

  out = call(Method::get, "/v1/locations/batch");
  EXPECT_EQ(out.response.status, 405u) << out.response.body;
  EXPECT_EQ(std::string(errorOf(out.response).at("code").as_string()), "method_not_allowed");
}

TEST_F(ApiTest, QueryParametersReachTheCodec) {
  auto out = call(Method::get, "/v1/brands?limit=0");
  EXPECT_EQ(out.response.status, 400u);
  EXPECT_TRUE(std::string(errorOf(out.response).at("message").as_string()).starts_with("limit: "))
      << out.response.body;

  out = call(Method::get, "/v1/brands?limit=10");
  ASSERT_EQ(out.response.status, 200u) << out.response.body;
  const auto page = json::parse(out.response.body).as_object();
  EXPECT_EQ(page.at("count").to_number<std::int64_t>(), 0);
  EXPECT_FALSE(page.contains("last"));
}

}  // namespace
}  // namespace offers::testing
