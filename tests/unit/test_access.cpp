// API keys (parsing, checking, replacing), the per-client token bucket, and Api::handle's
// admission: which paths need a key, 401 and 429 with their headers, and that a refused
// request never reaches the store.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>

#include "http/api.hpp"
#include "http/auth.hpp"
#include "http/rate_limit.hpp"
#include "service/service.hpp"
#include "store/rocksdb/rocksdb_store.hpp"
#include "support/temp_dir.hpp"

namespace offers::testing {
namespace {

using http::ApiKey;
using http::AuthResult;
using Status = http::AuthResult::Status;

constexpr const char* kAlice = "alice-key-0123456789";
constexpr const char* kBob = "bob-key-abcdefghijkl";

std::string parseError(std::string_view text, char separator) {
  try {
    http::parseApiKeys(text, separator);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(ApiKeys, ParsesNamedAndUnnamedEntriesSkippingBlanksAndComments) {
  const auto keys = http::parseApiKeys(
      "# production keys\n\n  alice:alice-key-0123456789  \r\nbob-key-abcdefghijkl\n", '\n');
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].name, "alice");
  EXPECT_EQ(keys[0].key, kAlice);
  // An unnamed key is named after its digest, never after the key itself.
  EXPECT_EQ(keys[1].key, kBob);
  EXPECT_EQ(keys[1].name.rfind("key-", 0), 0u);
  EXPECT_EQ(keys[1].name.size(), 12u);
  EXPECT_EQ(keys[1].name.find("bob"), std::string::npos);
  EXPECT_EQ(http::parseApiKeys(kBob, '\n')[0].name, keys[1].name) << "the name is stable";
}

TEST(ApiKeys, EnvironmentFormIsCommaSeparated) {
  const auto keys = http::parseApiKeys("alice:alice-key-0123456789, bob:bob-key-abcdefghijkl", ',');
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[1].name, "bob");
  EXPECT_TRUE(http::parseApiKeys("", ',').empty());
}

TEST(ApiKeys, RefusesBadEntriesNamingTheLineButNeverTheKey) {
  EXPECT_EQ(parseError("alice:alice-key-0123456789\nshort\n", '\n'),
            "line 2: the key must be 16 to 256 visible ASCII characters, without spaces or ','");
  EXPECT_NE(parseError("ok:has a space in the key!!", '\n').find("line 1"), std::string::npos);
  EXPECT_NE(parseError("bad name:alice-key-0123456789", '\n').find("the name must be"),
            std::string::npos);
  EXPECT_NE(parseError(":alice-key-0123456789", '\n').find("the name must be"), std::string::npos);
  EXPECT_NE(parseError(std::string(257, 'k'), '\n').find("line 1"), std::string::npos);
  EXPECT_EQ(parseError("a:alice-key-0123456789\na:bob-key-abcdefghijkl", '\n'),
            "line 2: the name 'a' is used twice");
  EXPECT_EQ(parseError("a:alice-key-0123456789,b:alice-key-0123456789", ','),
            "entry 2: the same key is listed twice");
  const std::string secret = "s3cret-but-with-space x";
  EXPECT_EQ(parseError(secret, '\n').find("s3cret"), std::string::npos);
}

TEST(Authenticator, AcceptsBearerKeysAndNamesTheCaller) {
  http::Authenticator auth;
  EXPECT_FALSE(auth.enabled());
  auth.setKeys({{"alice", kAlice}, {"bob", kBob}});
  EXPECT_TRUE(auth.enabled());
  EXPECT_EQ(auth.keyCount(), 2u);
  const auto ok = auth.check(std::string("Bearer ") + kBob);
  EXPECT_EQ(ok.status, Status::ok);
  EXPECT_EQ(ok.name, "bob");
  EXPECT_EQ(auth.check(std::string("bearer ") + kAlice).name, "alice") << "scheme is case-blind";
  EXPECT_EQ(auth.check("").status, Status::missing);
  EXPECT_EQ(auth.check("Bearer wrong-key-0123456789").status, Status::invalid);
  EXPECT_EQ(auth.check(kAlice).status, Status::invalid) << "no scheme";
  EXPECT_EQ(auth.check(std::string("Basic ") + kAlice).status, Status::invalid);
  EXPECT_EQ(auth.check(std::string("Bearer ") + kAlice + "x").status, Status::invalid);
  EXPECT_EQ(auth.check("Bearer ").status, Status::invalid);
}

TEST(Authenticator, ReplacedKeysTakeEffectAtOnce) {
  http::Authenticator auth;
  auth.setKeys({{"alice", kAlice}});
  auth.setKeys({{"bob", kBob}});
  EXPECT_EQ(auth.check(std::string("Bearer ") + kAlice).status, Status::invalid);
  EXPECT_EQ(auth.check(std::string("Bearer ") + kBob).status, Status::ok);
}

TEST(Authenticator, AMetricsKeyOpensOnlyMetrics) {
  http::Authenticator auth;
  EXPECT_FALSE(auth.protectsMetrics());
  auth.setKeys({{"alice", kAlice}});
  EXPECT_TRUE(auth.protectsMetrics());
  EXPECT_EQ(auth.checkMetrics(std::string("Bearer ") + kAlice).status, Status::ok)
      << "without a metrics key, any API key opens /metrics";
  auth.setMetricsKey("scraper-key-0123456789");
  EXPECT_EQ(auth.checkMetrics(std::string("Bearer ") + kAlice).status, Status::invalid);
  EXPECT_EQ(auth.checkMetrics("Bearer scraper-key-0123456789").status, Status::ok);
  EXPECT_EQ(auth.check("Bearer scraper-key-0123456789").status, Status::invalid)
      << "the metrics key opens nothing else";
}

TEST(RateLimiter, BurstThenSteadyRatePerClient) {
  http::RateLimiter limiter({.rate = 2, .burst = 3});
  const auto t0 = http::RateLimiter::Clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.acquire("alice", t0), 0) << i;
  EXPECT_EQ(limiter.acquire("alice", t0), 1) << "empty bucket: retry after a second";
  EXPECT_EQ(limiter.acquire("bob", t0), 0) << "clients have their own buckets";
  // Two tokens a second come back, never more than the burst.
  EXPECT_EQ(limiter.acquire("alice", t0 + std::chrono::milliseconds(500)), 0);
  EXPECT_EQ(limiter.acquire("alice", t0 + std::chrono::milliseconds(500)), 1);
  const auto later = t0 + std::chrono::seconds(60);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.acquire("alice", later), 0) << i;
  EXPECT_EQ(limiter.acquire("alice", later), 1);
}

TEST(RateLimiter, RetryAfterCoversTheWholeWait) {
  http::RateLimiter limiter({.rate = 0.25, .burst = 1});  // one request per 4 s
  const auto t0 = http::RateLimiter::Clock::time_point{} + std::chrono::hours(1);
  EXPECT_EQ(limiter.acquire("x", t0), 0);
  EXPECT_EQ(limiter.acquire("x", t0), 4);
  EXPECT_EQ(limiter.acquire("x", t0 + std::chrono::seconds(3)), 1);
  EXPECT_EQ(limiter.acquire("x", t0 + std::chrono::seconds(4)), 0);
}

TEST(RateLimiter, OffWhenTheRateIsZero) {
  http::RateLimiter limiter({});
  EXPECT_FALSE(limiter.enabled());
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(limiter.acquire("x"), 0);
}

class ApiAccessTest : public ::testing::Test {
 protected:
  ApiAccessTest() { auth_.setKeys({{"alice", kAlice}}); }

  http::Api::Outcome call(std::string target, std::string authorization = {},
                          std::string remote = "192.0.2.1") {
    return api_.handle(http::Request{
        http::Method::get, std::move(target), {}, std::move(authorization), std::move(remote)});
  }

  static std::string header(const http::Response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "(absent)";
  }

  static std::string code(const http::Response& r) {
    return boost::json::value_to<std::string>(boost::json::parse(r.body).at("error").at("code"));
  }

  TempDir dir_;
  store::rocksdb::RocksDbStore store_{store::rocksdb::Options{.dataDir = dir_.str()}};
  service::Service service_{store_};
  http::Authenticator auth_;
  http::RateLimiter limiter_{{.rate = 1, .burst = 2}};
  http::Api api_{service_, http::Access{&auth_, &limiter_}};
};

TEST_F(ApiAccessTest, MissingOrWrongKeyIs401WithAChallenge) {
  auto missing = call("/v1/brands");
  EXPECT_EQ(missing.response.status, 401u);
  EXPECT_EQ(code(missing.response), "unauthorized");
  EXPECT_EQ(header(missing.response, "WWW-Authenticate"), "Bearer realm=\"offers-api\"");
  EXPECT_NE(*missing.route, "") << "labelled with the route it was meant for";

  auto wrong = call("/v1/brands", "Bearer not-the-key-0123456");
  EXPECT_EQ(wrong.response.status, 401u);
  EXPECT_EQ(header(wrong.response, "WWW-Authenticate"),
            "Bearer realm=\"offers-api\", error=\"invalid_token\"");

  auto unknownPath = call("/no/such/thing");
  EXPECT_EQ(unknownPath.response.status, 401u) << "routes are not revealed without a key";
}

TEST_F(ApiAccessTest, AGoodKeyPassesAndIsNamed) {
  auto ok = call("/v1/brands", std::string("Bearer ") + kAlice);
  EXPECT_EQ(ok.response.status, 200u) << ok.response.body;
  EXPECT_EQ(ok.keyName, "alice");
}

TEST_F(ApiAccessTest, HealthAndReadinessAreOpenAndNeverThrottled) {
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(call("/healthz").response.status, 200u);
    auto ready = call("/readyz");
    EXPECT_EQ(ready.response.status, 200u);
    EXPECT_EQ(ready.response.body, R"({"status":"ready"})");
  }
}

TEST_F(ApiAccessTest, MetricsNeedAKeyButAreNotThrottled) {
  EXPECT_EQ(call("/metrics").response.status, 401u);
  for (int i = 0; i < 5; ++i) {
    auto r = call("/metrics", std::string("Bearer ") + kAlice);
    ASSERT_EQ(r.response.status, 200u);
    EXPECT_EQ(header(r.response, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  }
}

TEST_F(ApiAccessTest, OverTheRateIs429WithRetryAfter) {
  const std::string key = std::string("Bearer ") + kAlice;
  EXPECT_EQ(call("/v1/brands", key).response.status, 200u);
  EXPECT_EQ(call("/v1/brands", key).response.status, 200u);
  auto limited = call("/v1/brands", key);
  EXPECT_EQ(limited.response.status, 429u);
  EXPECT_EQ(code(limited.response), "rate_limited");
  EXPECT_EQ(header(limited.response, "Retry-After"), "1");
  EXPECT_EQ(limited.keyName, "alice");
}

TEST(ApiWithoutKeys, EverythingIsOpenAndLimitedPerClientAddress) {
  TempDir dir;
  store::rocksdb::RocksDbStore store{store::rocksdb::Options{.dataDir = dir.str()}};
  service::Service service{store};
  http::Authenticator auth;
  http::RateLimiter limiter{{.rate = 1, .burst = 1}};
  http::Api api{service, http::Access{&auth, &limiter}};
  auto call = [&](std::string target, std::string remote) {
    return api
        .handle(http::Request{http::Method::get, std::move(target), {}, {}, std::move(remote)})
        .response.status;
  };
  EXPECT_EQ(call("/metrics", "192.0.2.1"), 200u);
  EXPECT_EQ(call("/v1/brands", "192.0.2.1"), 200u);
  EXPECT_EQ(call("/v1/brands", "192.0.2.1"), 429u);
  EXPECT_EQ(call("/v1/brands", "192.0.2.2"), 200u);
}

}  // namespace
}  // namespace offers::testing
