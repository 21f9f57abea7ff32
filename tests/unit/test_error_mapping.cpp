// The one mapping from error code to HTTP (src/http/error_mapping.hpp), checked against
// the statuses and code names of the contract (DESIGN.md §4), and the error body shape
// {"error":{"code","message"}}.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <ostream>
#include <string>

#include "domain/error.hpp"
#include "http/error_mapping.hpp"

namespace offers::testing {
namespace {

namespace json = boost::json;
using domain::ErrorCode;

struct Documented {
  ErrorCode code;
  unsigned status;
  const char* name;
};

void PrintTo(const Documented& d, std::ostream* os) {
  *os << d.name << " -> " << d.status;
}

// From the contract, not from the code under test.
constexpr Documented kDocumented[] = {
    {ErrorCode::invalid_request, 400, "invalid_request"},
    {ErrorCode::unauthorized, 401, "unauthorized"},
    {ErrorCode::not_found, 404, "not_found"},
    {ErrorCode::method_not_allowed, 405, "method_not_allowed"},
    {ErrorCode::conflict, 409, "conflict"},
    {ErrorCode::payload_too_large, 413, "payload_too_large"},
    {ErrorCode::header_too_large, 431, "header_too_large"},
    {ErrorCode::brand_mismatch, 422, "brand_mismatch"},
    {ErrorCode::rate_limited, 429, "rate_limited"},
    {ErrorCode::unavailable, 503, "unavailable"},
    {ErrorCode::internal, 500, "internal"},
};

class ErrorMapping : public ::testing::TestWithParam<Documented> {};

TEST_P(ErrorMapping, StatusIsTheDocumentedOne) {
  EXPECT_EQ(http::httpStatus(GetParam().code), GetParam().status);
}

TEST_P(ErrorMapping, CodeNameIsTheDocumentedOne) {
  EXPECT_EQ(domain::codeName(GetParam().code), GetParam().name);
}

TEST_P(ErrorMapping, ResponseHasTheStatusAndTheErrorBody) {
  const auto r = http::errorResponse(GetParam().code, "offer d9b1 not found");
  EXPECT_EQ(r.status, GetParam().status);
  const auto body = json::parse(r.body);
  ASSERT_TRUE(body.is_object()) << r.body;
  ASSERT_EQ(body.as_object().size(), 1u) << r.body;
  const auto& error = body.at("error");
  ASSERT_TRUE(error.is_object()) << r.body;
  EXPECT_EQ(error.as_object().size(), 2u) << r.body;
  EXPECT_EQ(error.at("code").as_string(), GetParam().name);
  EXPECT_EQ(error.at("message").as_string(), "offer d9b1 not found");
}

INSTANTIATE_TEST_SUITE_P(EveryCode, ErrorMapping, ::testing::ValuesIn(kDocumented),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ErrorResponse, MessageIsJsonEscaped) {
  const std::string message = "name: \"caf\xC3\xA9\"\\ must not contain control characters\n";
  const auto r = http::errorResponse(ErrorCode::invalid_request, message);
  const auto body = json::parse(r.body);
  EXPECT_EQ(body.at("error").at("message").as_string(), message);
}

TEST(Error, CarriesCodeMessageAndLogOnlyDetail) {
  const domain::Error e(ErrorCode::unavailable, "store unavailable", "IO error: lock held");
  EXPECT_EQ(e.code(), ErrorCode::unavailable);
  EXPECT_STREQ(e.what(), "store unavailable");
  EXPECT_EQ(e.detail(), "IO error: lock held");
}

TEST(Error, ThrowHelpers) {
  try {
    domain::throwNotFound("offer", "d9b1");
    FAIL() << "did not throw";
  } catch (const domain::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_found);
    EXPECT_STREQ(e.what(), "offer d9b1 not found");
  }
  try {
    domain::throwInvalid("limit: bad");
    FAIL() << "did not throw";
  } catch (const domain::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_request);
    EXPECT_STREQ(e.what(), "limit: bad");
  }
}

TEST(ErrorResponse, MessagesAreAlwaysValidUtf8) {
  // Client bytes quoted in a message (a path, a parameter name) that are not UTF-8.
  const auto r =
      http::errorResponse(ErrorCode::invalid_request, "\xff\xfe: unknown query parameter");
  const auto body = boost::json::parse(r.body);  // throws on invalid UTF-8
  EXPECT_EQ(body.at("error").at("message").as_string(),
            "\xEF\xBF\xBD\xEF\xBF\xBD: unknown query parameter");
  EXPECT_EQ(http::validUtf8("caf\xC3\xA9 \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(http::validUtf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD") << "overlong '/'";
  EXPECT_EQ(http::validUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD") << "surrogate";
  EXPECT_EQ(http::validUtf8("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD") << "truncated";
}

TEST(Response, NoContentIs204WithAnEmptyBody) {
  const auto r = http::Response::noContent();
  EXPECT_EQ(r.status, 204u);
  EXPECT_TRUE(r.body.empty());
}

}  // namespace
}  // namespace offers::testing
