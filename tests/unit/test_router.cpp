// Route matching (src/http/router.hpp): templates with parameters, 404 when no template
// fits the path, 405 with the methods that would fit, and how a literal segment and a
// parameter in the same position share a path.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/router.hpp"

namespace offers::testing {
namespace {

using http::Method;
using http::Router;

// Path segments as the API hands them to the router (split on '/', after the leading one).
std::vector<std::string> segments(std::string_view path) {
  std::vector<std::string> out;
  std::size_t from = 1;
  while (from <= path.size()) {
    const auto slash = path.find('/', from);
    const auto to = slash == std::string_view::npos ? path.size() : slash;
    out.emplace_back(path.substr(from, to - from));
    from = to + 1;
  }
  return out;
}

// A handler that answers with its own name, so a test can see which one was picked.
http::Handler named(std::string name) {
  return [name](const http::Call&) {
    http::Response r;
    r.body = name;
    return r;
  };
}

std::string run(const Router::Match& m) {
  http::Request request;
  http::QueryParams query;
  return (*m.handler)(http::Call{request, m.params, query}).body;
}

TEST(RouterSegments, SplitsLikeTheApi) {
  EXPECT_EQ(segments("/healthz"), (std::vector<std::string>{"healthz"}));
  EXPECT_EQ(segments("/v1/brands/"), (std::vector<std::string>{"v1", "brands", ""}));
}

TEST(Router, MatchesALiteralTemplate) {
  Router router;
  router.add(Method::get, "/healthz", named("health"));
  const auto m = router.match(Method::get, segments("/healthz"));
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(run(m), "health");
  ASSERT_NE(m.pattern, nullptr);
  EXPECT_EQ(*m.pattern, "/healthz");
}

TEST(Router, BindsTemplateParameters) {
  Router router;
  router.add(Method::get, "/v1/offers/{offerId}", named("offer"));
  router.add(Method::post, "/v1/offers/{offerId}/locations/{locationId}", named("link"));
  const auto m = router.match(Method::post, segments("/v1/offers/o-1/locations/l-2"));
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(run(m), "link");
  EXPECT_EQ(*m.pattern, "/v1/offers/{offerId}/locations/{locationId}");
  EXPECT_EQ(m.params.at("offerId"), "o-1");
  EXPECT_EQ(m.params.at("locationId"), "l-2");
  EXPECT_THROW(m.params.at("brandId"), std::logic_error);
  EXPECT_TRUE(m.allowed.empty());
}

TEST(Router, ParametersTakeTheSegmentAsItIs) {
  Router router;
  router.add(Method::get, "/v1/brands/{brandId}", named("brand"));
  const auto m = router.match(Method::get, {"v1", "brands", "a b/c?%"});
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.params.at("brandId"), "a b/c?%");
}

TEST(Router, NoFittingTemplateIs404WithNoAllowedMethods) {
  Router router;
  router.add(Method::get, "/v1/offers", named("list"));
  router.add(Method::get, "/v1/offers/{offerId}", named("get"));
  for (const char* path : {"/v1/brands", "/v1/offers/x/y", "/v1", "/v2/offers", "/V1/offers"}) {
    SCOPED_TRACE(path);
    const auto m = router.match(Method::get, segments(path));
    EXPECT_EQ(m.handler, nullptr);
    EXPECT_EQ(m.pattern, nullptr);
    EXPECT_TRUE(m.allowed.empty());
  }
  EXPECT_TRUE(router.match(Method::get, {}).allowed.empty());
  EXPECT_EQ(Router{}.match(Method::get, segments("/healthz")).handler, nullptr);
}

TEST(Router, WrongMethodIs405WithTheMethodsThatFit) {
  Router router;
  router.add(Method::post, "/v1/offers", named("create"));
  router.add(Method::get, "/v1/offers", named("list"));
  router.add(Method::get, "/v1/offers/{offerId}", named("get"));
  router.add(Method::patch, "/v1/offers/{offerId}", named("patch"));
  router.add(Method::delete_, "/v1/offers/{offerId}", named("delete"));

  auto m = router.match(Method::put, segments("/v1/offers/o-1"));
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(m.allowed, (std::vector<Method>{Method::get, Method::patch, Method::delete_}));

  m = router.match(Method::delete_, segments("/v1/offers"));
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(m.allowed, (std::vector<Method>{Method::post, Method::get}));
}

TEST(Router, AllowedListsEachMethodOnce) {
  Router router;
  router.add(Method::get, "/v1/things/{a}", named("a"));
  router.add(Method::get, "/v1/things/{b}", named("b"));
  router.add(Method::get, "/v1/{kind}/x", named("c"));
  const auto m = router.match(Method::post, segments("/v1/things/x"));
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(m.allowed, (std::vector<Method>{Method::get}));
}

// The API's own shape: POST /v1/locations/batch next to /v1/locations/{locationId}.
Router locationsRouter() {
  Router router;
  router.add(Method::post, "/v1/locations", named("create"));
  router.add(Method::post, "/v1/locations/batch", named("batch"));
  router.add(Method::get, "/v1/locations/{locationId}", named("get"));
  router.add(Method::patch, "/v1/locations/{locationId}", named("patch"));
  router.add(Method::delete_, "/v1/locations/{locationId}", named("delete"));
  return router;
}

TEST(Router, LiteralSegmentReachesItsRoute) {
  const auto router = locationsRouter();
  const auto m = router.match(Method::post, segments("/v1/locations/batch"));
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(run(m), "batch");
  EXPECT_EQ(*m.pattern, "/v1/locations/batch");
}

TEST(Router, LiteralSegmentWinsOverAParameterForEveryMethod) {
  const auto router = locationsRouter();
  // "batch" is a literal (POST only): GET on it is 405, never "a location id".
  auto m = router.match(Method::get, segments("/v1/locations/batch"));
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(m.allowed, (std::vector<Method>{Method::post}));
  m = router.match(Method::post, segments("/v1/locations/batch"));
  ASSERT_NE(m.handler, nullptr);
  // And POST to any other id is not the batch route.
  m = router.match(Method::post, segments("/v1/locations/1234"));
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(m.allowed, (std::vector<Method>{Method::get, Method::patch, Method::delete_}));
}

TEST(Router, LiteralsTakePrecedenceWhateverTheOrderOfRegistration) {
  Router paramFirst;
  paramFirst.add(Method::get, "/v1/items/{id}", named("param"));
  paramFirst.add(Method::get, "/v1/items/special", named("literal"));
  EXPECT_EQ(run(paramFirst.match(Method::get, segments("/v1/items/special"))), "literal");
  EXPECT_EQ(run(paramFirst.match(Method::get, segments("/v1/items/other"))), "param");

  Router literalFirst;
  literalFirst.add(Method::get, "/v1/items/special", named("literal"));
  literalFirst.add(Method::get, "/v1/items/{id}", named("param"));
  EXPECT_EQ(run(literalFirst.match(Method::get, segments("/v1/items/special"))), "literal");
  EXPECT_EQ(run(literalFirst.match(Method::get, segments("/v1/items/other"))), "param");
}

TEST(Router, TrailingSlashInATemplateIsIgnored) {
  Router router;
  router.add(Method::get, "/v1/brands/", named("list"));
  const auto m = router.match(Method::get, segments("/v1/brands"));
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(run(m), "list");
}

TEST(Router, TrailingSlashInARequestFitsNoRoute) {
  // "/v1/brands/" has an empty last segment: not "/v1/brands", and no parameter takes "".
  Router router;
  router.add(Method::get, "/v1/brands", named("list"));
  auto m = router.match(Method::get, segments("/v1/brands/"));
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_TRUE(m.allowed.empty());

  router.add(Method::get, "/v1/brands/{brandId}", named("get"));
  m = router.match(Method::get, segments("/v1/brands/"));
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_TRUE(m.allowed.empty());
}

}  // namespace
}  // namespace offers::testing
