// API keys (README "Access"): where keys come from (a file, re-read on SIGHUP, and the
// OFFERS_API_KEYS environment variable), what a request without a valid key gets (401 and
// a Bearer challenge, before any routing or validation), what stays open (/healthz,
// /readyz) and who may read /metrics, that a key never reaches the log, and when the
// server refuses to start (an invalid key file; a non-loopback address without keys).
#include <openssl/evp.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <csignal>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/log_lines.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace offers::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Environment = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kChallenge = "Bearer realm=\"offers-api\"";
constexpr const char* kInvalidTokenChallenge =
    "Bearer realm=\"offers-api\", error=\"invalid_token\"";

// A fresh key: 40 characters, unlike any other test's.
std::string newKey(const std::string& prefix) {
  static std::mt19937_64 engine{std::random_device{}()};
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string key = prefix + "_";
  while (key.size() < 40) key.push_back(kChars[engine() % (sizeof kChars - 1)]);
  return key;
}

Headers bearer(const std::string& key) {
  return {{"Authorization", "Bearer " + key}};
}

void writeFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

// The name the server gives a key listed without one: "key-" and the first 8 hex digits
// of the key's SHA-256, computed here with OpenSSL directly.
std::string defaultKeyName(const std::string& key) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(key.data(), key.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  static const char kHex[] = "0123456789abcdef";
  std::string name = "key-";
  for (int i = 0; i < 4; ++i) {
    name.push_back(kHex[digest[i] >> 4]);
    name.push_back(kHex[digest[i] & 15]);
  }
  return name;
}

// Some settings exist only as environment variables (OFFERS_API_KEYS, OFFERS_METRICS_KEY),
// and the test support hands the server none of this process's OFFERS_* variables, so
// that only the flags a test gives count. This launcher, a shell script in the test's
// temp directory, sets the variables and execs the binary; it also writes its process id
// (which exec keeps) to a file, for signals other than the ones that stop the server.
class Launcher {
 public:
  Launcher(const TempDir& dir, const Environment& environment)
      : path_((dir.path() / "offers-api-launcher").string()),
        pidFile_((dir.path() / "offers-api.pid").string()) {
    std::string script = "#!/bin/sh\necho $$ > " + quote(pidFile_) + "\n";
    for (const auto& [name, value] : environment) {
      script += "export " + name + "=" + quote(value) + "\n";
    }
    script += "exec " + quote(OFFERS_API_BINARY) + " \"$@\"\n";
    writeFile(path_, script);
    if (chmod(path_.c_str(), 0700) != 0) throw std::runtime_error("chmod " + path_);
  }

  const std::string& path() const { return path_; }

  // The process id of the server it last started.
  pid_t pid() const {
    std::ifstream in(pidFile_);
    pid_t pid = -1;
    in >> pid;
    if (!in || pid <= 0) throw std::runtime_error("no process id in " + pidFile_);
    return pid;
  }

 private:
  static std::string quote(const std::string& text) {
    std::string out = "'";
    for (const char c : text) {
      if (c == '\'') {
        out += "'\\''";
      } else {
        out.push_back(c);
      }
    }
    return out + "'";
  }

  std::string path_;
  std::string pidFile_;
};

// Polls `server`'s output until `found` holds; false when `timeout` passes first. Request
// log lines may be written a moment after the response.
bool waitForOutput(const ServerProcess& server,
                   const std::function<bool(const std::string&)>& found,
                   std::chrono::milliseconds timeout = 10s) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (found(server.output())) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
}

// ---- A server with keys from both sources -----------------------------------------------

class AccessTest : public ServerTest {
 protected:
  AccessTest() { seed_ = true; }

  void SetUp() override {
    keysFile_ = (keysDir_.path() / "api-keys").string();
    writeFile(keysFile_, keysFileText());
    launcher_ = std::make_unique<Launcher>(keysDir_, environment());
    ServerOptions options = serverOptions();
    options.binary = launcher_->path();
    options.extraArgs = flags();
    server_ = std::make_unique<ServerProcess>(std::move(options));
    startServer();
  }

  virtual std::vector<std::string> flags() const { return {"--api-keys-file", keysFile_}; }

  virtual std::string keysFileText() const {
    return "# offers-api keys\n"
           "\n"
           "alice:" +
           alice_ +
           "\n"
           "   # an indented comment\n"
           "  bob:" +
           bob_ +
           "   \n"
           "\t" +
           unnamed_ +
           "\n"
           "\n";
  }
  virtual Environment environment() const {
    return {{"OFFERS_API_KEYS", "carol:" + carol_ + "," + unnamedInEnvironment_}};
  }

  HttpResponse call(const std::string& key, std::string_view method, std::string_view target,
                    std::optional<std::string> body = {}) {
    return api().request(method, target, std::move(body), bearer(key));
  }
  HttpResponse anonymous(std::string_view method, std::string_view target,
                         std::optional<std::string> body = {}) {
    return api().request(method, target, std::move(body));
  }

  static ::testing::AssertionResult IsUnauthorized(const HttpResponse& r,
                                                   const std::string& challenge) {
    auto error = IsApiError(r, 401, "unauthorized");
    if (!error) return error;
    if (r.header("WWW-Authenticate") != challenge) {
      return ::testing::AssertionFailure()
             << "WWW-Authenticate is \"" << r.header("WWW-Authenticate") << "\", not \""
             << challenge << "\": " << r.describe();
    }
    return ::testing::AssertionSuccess();
  }

  TempDir keysDir_;
  std::string keysFile_;
  std::unique_ptr<Launcher> launcher_;
  const std::string alice_ = newKey("alice");
  const std::string bob_ = newKey("bob");
  const std::string unnamed_ = newKey("unnamed");
  const std::string carol_ = newKey("carol");
  const std::string unnamedInEnvironment_ = newKey("unnamed-env");
};

TEST_F(AccessTest, EveryConfiguredKeyOpensTheApi) {
  for (const std::string& key : {alice_, bob_, unnamed_, carol_, unnamedInEnvironment_}) {
    const HttpResponse r = call(key, "GET", std::string("/v1/offers"));
    EXPECT_EQ(r.status, 200) << key << ": " << r.describe();
  }
  // And writes, not only reads.
  const HttpResponse created = call(alice_, "POST", "/v1/brands", R"({"name":"With a key"})");
  ASSERT_EQ(created.status, 201) << created.describe();
  EXPECT_EQ(call(bob_, "GET", "/v1/brands/" + str(created.object(), "id")).status, 200);
}

TEST_F(AccessTest, AMissingKeyIs401WithABearerChallengeBeforeAnythingElse) {
  const std::string offer = "/v1/offers/d9b1d9ff-543e-47c7-895f-87f71dcad91b";
  const std::vector<std::pair<std::string, std::string>> requests = {
      {"GET", "/v1/offers"},
      {"GET", offer},
      {"DELETE", offer},
      {"GET", "/v1/events"},
      {"GET", "/v1/jobs"},
      {"GET", "/v1/webhooks"},
      // Authentication comes before routing: an unknown path or a wrong method is not
      // told apart from a real resource without a key.
      {"GET", "/v1/no-such-thing"},
      {"GET", "/"},
      {"PUT", "/v1/offers"},
      {"GET", "/v1/offers/not-a-uuid"},
      {"GET", "/v1/offers?limit=0"},
  };
  for (const auto& [method, target] : requests) {
    EXPECT_TRUE(IsUnauthorized(anonymous(method, target), kChallenge)) << method << " " << target;
  }
  // Nor is a body looked at: neither validated nor acted upon.
  EXPECT_TRUE(IsUnauthorized(anonymous("POST", "/v1/brands", "{not json"), kChallenge));
  EXPECT_TRUE(IsUnauthorized(anonymous("POST", "/v1/brands", R"({"name":"Sneaky"})"), kChallenge));
  EXPECT_TRUE(
      IsUnauthorized(anonymous("PATCH", offer, R"({"name":"Renamed without a key"})"), kChallenge));
  const HttpResponse brands = call(alice_, "GET", "/v1/brands");
  ASSERT_EQ(brands.status, 200) << brands.describe();
  EXPECT_EQ(brands.body.find("Sneaky"), std::string::npos) << brands.body;
  const HttpResponse seeded = call(alice_, "GET", offer);
  ASSERT_EQ(seeded.status, 200) << seeded.describe();
  EXPECT_EQ(str(seeded.object(), "name"), "Super Duper Offer");
}

TEST_F(AccessTest, AWrongOrMalformedCredentialIs401InvalidToken) {
  std::string upper = alice_;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::vector<std::string> credentials = {
      "Bearer " + newKey("nobody"),
      "Bearer " + alice_ + "x",
      "Bearer " + alice_.substr(0, alice_.size() - 1),
      "Bearer x" + alice_,
      "Bearer " + upper,  // keys are compared exactly
      "Bearer alice:" + alice_,
      "Bearer alice",
      "Bearer " + std::string(300, 'k'),
      "Bearer  " + alice_,  // two spaces
      "Bearer\t" + alice_,
      "Bearer" + alice_,
      "Bearer",
      alice_,
      "Basic " + alice_,
      "Token " + alice_,
      "Bearer " + alice_ + " " + bob_,
      "Bearer " + alice_ + "," + bob_,
  };
  for (const std::string& credential : credentials) {
    const HttpResponse r =
        api().request("GET", "/v1/offers", std::nullopt, {{"Authorization", credential}});
    EXPECT_TRUE(IsUnauthorized(r, kInvalidTokenChallenge)) << "Authorization: " << credential;
  }
  // The key of another source's entry works only as itself, and a refused key does not
  // spoil the connection for the next request.
  EXPECT_EQ(call(carol_, "GET", "/v1/offers").status, 200);
}

TEST_F(AccessTest, TheSchemeIsCaseInsensitive) {
  for (const char* scheme : {"bearer ", "BEARER ", "BeArEr "}) {
    const HttpResponse r =
        api().request("GET", "/v1/offers", std::nullopt, {{"Authorization", scheme + alice_}});
    EXPECT_EQ(r.status, 200) << scheme << ": " << r.describe();
  }
}

TEST_F(AccessTest, HealthAndReadinessAreOpenMetricsNeedsAKey) {
  const HttpResponse health = anonymous("GET", "/healthz");
  EXPECT_EQ(health.status, 200) << health.describe();
  const HttpResponse ready = anonymous("GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.describe();
  // A wrong key on an open endpoint is not held against it either.
  EXPECT_EQ(call(newKey("nobody"), "GET", "/healthz").status, 200);

  EXPECT_TRUE(IsUnauthorized(anonymous("GET", "/metrics"), kChallenge));
  EXPECT_TRUE(IsUnauthorized(call(newKey("nobody"), "GET", "/metrics"), kInvalidTokenChallenge));
  // Without OFFERS_METRICS_KEY, any API key opens it.
  for (const std::string& key : {alice_, carol_}) {
    const HttpResponse metrics = call(key, "GET", "/metrics");
    EXPECT_EQ(metrics.status, 200) << metrics.describe();
    EXPECT_NE(metrics.body.find("offers_http_requests_total"), std::string::npos);
  }
}

TEST_F(AccessTest, KeysNeverReachTheLogOnlyTheirNames) {
  const std::string mistyped = alice_.substr(0, alice_.size() - 1) + "!";
  for (const std::string& key : {alice_, bob_, unnamed_, carol_, unnamedInEnvironment_}) {
    ASSERT_EQ(call(key, "GET", "/v1/offers").status, 200);
  }
  EXPECT_EQ(call(mistyped, "GET", "/v1/offers").status, 401);
  EXPECT_EQ(call(alice_, "GET", "/v1/no-such-thing").status, 404);
  EXPECT_EQ(call(alice_, "POST", "/v1/brands", "{").status, 400);

  const std::vector<std::string> names = {"alice", "bob", defaultKeyName(unnamed_), "carol",
                                          defaultKeyName(unnamedInEnvironment_)};
  EXPECT_TRUE(waitForOutput(server(),
                            [&](const std::string& out) {
                              for (const auto& name : names) {
                                if (out.find("\"key\":\"" + name + "\"") == std::string::npos)
                                  return false;
                              }
                              return true;
                            }))
      << "the request log does not name every key; output:\n"
      << server().output();
  const std::string out = server().output();
  for (const std::string& key : {alice_, bob_, unnamed_, carol_, unnamedInEnvironment_, mistyped}) {
    EXPECT_EQ(out.find(key), std::string::npos) << "the log contains the key " << key;
    // Not even most of it.
    EXPECT_EQ(out.find(key.substr(0, 24)), std::string::npos) << "the log contains part of " << key;
  }
}

// Paths that lead to /metrics however they are spelled are still /metrics for the rules
// of who may read it.
class MetricsKeyTest : public AccessTest {
 protected:
  Environment environment() const override { return {{"OFFERS_METRICS_KEY", metricsKey_}}; }
  const std::string metricsKey_ = newKey("metrics");
};

TEST_F(MetricsKeyTest, OnlyTheMetricsKeyOpensMetrics) {
  const HttpResponse scraped = call(metricsKey_, "GET", "/metrics");
  ASSERT_EQ(scraped.status, 200) << scraped.describe();
  EXPECT_NE(scraped.body.find("offers_http_requests_total"), std::string::npos);
  EXPECT_TRUE(IsUnauthorized(anonymous("GET", "/metrics"), kChallenge));
  EXPECT_TRUE(IsUnauthorized(call(alice_, "GET", "/metrics"), kInvalidTokenChallenge));
  EXPECT_TRUE(IsUnauthorized(call(bob_, "GET", "/metrics"), kInvalidTokenChallenge));
  // The scraper's key is for scraping only: it opens nothing else.
  EXPECT_TRUE(IsUnauthorized(call(metricsKey_, "GET", "/v1/offers"), kInvalidTokenChallenge));
  EXPECT_TRUE(IsUnauthorized(call(metricsKey_, "POST", "/v1/brands", R"({"name":"x"})"),
                             kInvalidTokenChallenge));
  EXPECT_EQ(call(alice_, "GET", "/v1/offers").status, 200);
}

TEST_F(MetricsKeyTest, NoOtherSpellingOfTheMetricsPathGetsAround) {
  for (const char* target : {"/metrics/", "//metrics", "/metrics?x=1", "/%6detrics", "/%6Detrics",
                             "/./metrics", "/metrics/.", "/METRICS"}) {
    for (const std::string& key : {alice_, std::string()}) {
      const HttpResponse r = key.empty() ? anonymous("GET", target) : call(key, "GET", target);
      EXPECT_NE(r.status, 200) << target << (key.empty() ? " without a key" : " with an API key")
                               << ": " << r.describe();
      EXPECT_EQ(r.body.find("offers_http_requests_total"), std::string::npos) << target;
    }
  }
}

// OFFERS_METRICS_KEY without any API key: the API is open (authentication is off) but the
// metrics are not.
class MetricsKeyOnlyTest : public AccessTest {
 protected:
  std::string keysFileText() const override { return "# no keys\n"; }
  Environment environment() const override { return {{"OFFERS_METRICS_KEY", metricsKey_}}; }
  const std::string metricsKey_ = newKey("metrics");
};

TEST_F(MetricsKeyOnlyTest, TheApiIsOpenTheMetricsAreNot) {
  EXPECT_EQ(anonymous("GET", "/v1/offers").status, 200);
  EXPECT_EQ(call(metricsKey_, "GET", "/metrics").status, 200);
  EXPECT_TRUE(IsUnauthorized(anonymous("GET", "/metrics"), kChallenge));
  EXPECT_TRUE(IsUnauthorized(call(newKey("nobody"), "GET", "/metrics"), kInvalidTokenChallenge));
  for (const char* target : {"/metrics/", "//metrics", "/%6detrics"}) {
    const HttpResponse r = anonymous("GET", target);
    EXPECT_EQ(r.body.find("offers_http_requests_total"), std::string::npos)
        << target << " without a key: " << r.describe();
  }
}

// Every form a valid entry may take is accepted.
class KeyFormsTest : public AccessTest {
 protected:
  std::string keysFileText() const override {
    return "shortest:" + shortest_ + "\n" + std::string(64, 'n') + ":" + longest_ + "\n" +
           "Dotted.name_with-dash:" + symbols_ + "\n" + "colons:" + colons_ + "\n" + hashInside_ +
           "\n";
  }
  Environment environment() const override {
    return {{"OFFERS_API_KEYS", " spaced:" + spacedInEnvironment_ + " , " + bare_ + " "}};
  }

  const std::string shortest_ = newKey("s").substr(0, 16);
  const std::string longest_ = std::string(216, 'L') + newKey("l");
  const std::string symbols_ = "!\"#$%&'()*+-./;<=>?@[\\]^_`{|}~" + newKey("sym");
  const std::string colons_ = "part:two:" + newKey("c");  // split at the first ':' only
  const std::string hashInside_ = newKey("h") + "#not-a-comment";
  const std::string spacedInEnvironment_ = newKey("spaced");
  const std::string bare_ = newKey("bare");
};

TEST_F(KeyFormsTest, EveryValidFormWorks) {
  ASSERT_EQ(shortest_.size(), 16u);
  ASSERT_EQ(longest_.size(), 256u);
  for (const std::string& key :
       {shortest_, longest_, symbols_, colons_, hashInside_, spacedInEnvironment_, bare_}) {
    const HttpResponse r = call(key, "GET", "/v1/offers");
    EXPECT_EQ(r.status, 200) << key << ": " << r.describe();
  }
  // The part before the first ':' is the name, not part of the key.
  EXPECT_EQ(call("colons:" + colons_, "GET", "/v1/offers").status, 401);
  EXPECT_TRUE(waitForOutput(server(), [](const std::string& out) {
    return out.find("\"key\":\"Dotted.name_with-dash\"") != std::string::npos &&
           out.find("\"key\":\"spaced\"") != std::string::npos;
  })) << server().output();
}

// Windows line endings in the key file are whitespace too.
class CrLfKeysTest : public AccessTest {
 protected:
  std::string keysFileText() const override {
    return "# keys\r\nalice:" + alice_ + "\r\n" + unnamed_ + "\r\n";
  }
  Environment environment() const override { return {}; }
};

TEST_F(CrLfKeysTest, KeysWork) {
  EXPECT_EQ(call(alice_, "GET", "/v1/offers").status, 200);
  EXPECT_EQ(call(unnamed_, "GET", "/v1/offers").status, 200);
}

// ---- SIGHUP -----------------------------------------------------------------------------

class KeyReloadTest : public AccessTest {
 protected:
  std::string keysFileText() const override { return "alice:" + alice_ + "\nbob:" + bob_ + "\n"; }
  Environment environment() const override { return {}; }

  // Sends SIGHUP and waits for the log line `msg` that follows it, the n-th of its kind.
  json::object reload(std::string_view msg, std::size_t nth) {
    EXPECT_EQ(::kill(launcher_->pid(), SIGHUP), 0);
    json::object found;
    const bool seen = waitForOutput(server(), [&](const std::string& out) {
      std::size_t count = 0;
      for (const auto& line : logLines(out)) {
        if (hasString(line, "msg", msg) && ++count == nth) {
          found = line;
          return true;
        }
      }
      return false;
    });
    EXPECT_TRUE(seen) << "no \"" << msg << "\" line after SIGHUP; output:\n" << server().output();
    return found;
  }
};

TEST_F(KeyReloadTest, SighupSwapsTheKeysAtOnce) {
  ASSERT_EQ(call(alice_, "GET", "/v1/offers").status, 200);
  ASSERT_EQ(call(bob_, "GET", "/v1/offers").status, 200);
  const std::string dave = newKey("dave");
  ASSERT_TRUE(IsUnauthorized(call(dave, "GET", "/v1/offers"), kInvalidTokenChallenge));

  // Bob's key is revoked, Dave's added, and one without a name.
  const std::string unnamed = newKey("unnamed");
  writeFile(keysFile_, "# rotated\nalice:" + alice_ + "\ndave:" + dave + "\n" + unnamed + "\n");
  const json::object line = reload("api keys reloaded", 1);
  ASSERT_FALSE(line.empty());
  EXPECT_TRUE(hasString(line, "level", "info")) << json::serialize(line);
  ASSERT_TRUE(line.contains("keys")) << json::serialize(line);
  EXPECT_EQ(line.at("keys").to_number<std::int64_t>(), 3) << json::serialize(line);

  // In force at once, on a connection opened before the reload as on a new one.
  EXPECT_TRUE(IsUnauthorized(call(bob_, "GET", "/v1/offers"), kInvalidTokenChallenge));
  EXPECT_EQ(call(dave, "GET", "/v1/offers").status, 200);
  EXPECT_EQ(call(unnamed, "GET", "/v1/offers").status, 200);
  EXPECT_EQ(call(alice_, "GET", "/v1/offers").status, 200);
  HttpClient fresh = newClient();
  EXPECT_EQ(fresh.request("GET", "/v1/offers", std::nullopt, bearer(bob_)).status, 401);
  EXPECT_EQ(fresh.request("GET", "/v1/offers", std::nullopt, bearer(dave)).status, 200);
  for (const std::string& key : {alice_, bob_, dave, unnamed}) {
    EXPECT_EQ(server().output().find(key), std::string::npos) << "a key reached the log";
  }
}

// An orchestrator may rotate keys the moment the server says it listens.
TEST_F(KeyReloadTest, ASighupRightAfterStartingReloads) {
  const std::string dave = newKey("dave");
  writeFile(keysFile_, "dave:" + dave + "\n");
  reload("api keys reloaded", 1);
  EXPECT_EQ(call(dave, "GET", "/v1/offers").status, 200);
  EXPECT_FALSE(server().exitedOnItsOwn().has_value()) << "SIGHUP ended the server";
}

TEST_F(KeyReloadTest, AFailedReloadKeepsTheKeysInForce) {
  ASSERT_EQ(call(alice_, "GET", "/v1/offers").status, 200);
  const std::string dave = newKey("dave");
  const std::string tooShort = "short-key-12345";  // 15 characters
  // Line 3 is wrong, so nothing of the file counts, not even Dave's line before it.
  writeFile(keysFile_, "alice:" + alice_ + "\ndave:" + dave + "\nbad:" + tooShort + "\n");
  const json::object line = reload("api keys reload failed", 1);
  ASSERT_FALSE(line.empty());
  EXPECT_TRUE(hasString(line, "level", "error")) << json::serialize(line);
  EXPECT_EQ(server().output().find(tooShort), std::string::npos) << "the log quotes the bad key";

  EXPECT_EQ(call(alice_, "GET", "/v1/offers").status, 200);
  EXPECT_EQ(call(bob_, "GET", "/v1/offers").status, 200);
  EXPECT_EQ(call(dave, "GET", "/v1/offers").status, 401);

  // A file that cannot be read at all: the same.
  std::filesystem::remove(keysFile_);
  reload("api keys reload failed", 2);
  EXPECT_EQ(call(bob_, "GET", "/v1/offers").status, 200);

  // And a good file after that is taken again.
  writeFile(keysFile_, "dave:" + dave + "\n");
  reload("api keys reloaded", 1);
  EXPECT_EQ(call(dave, "GET", "/v1/offers").status, 200);
  EXPECT_EQ(call(bob_, "GET", "/v1/offers").status, 401);
  EXPECT_FALSE(server().exitedOnItsOwn().has_value());
}

// ---- Refusing to start ------------------------------------------------------------------

struct BadKeys {
  std::string what;
  std::string text;    // the key file
  int line;            // the line the message must name
  std::string secret;  // what the message must not contain
};

TEST(AccessStartupTest, AnInvalidKeyFileStopsTheServerNamingFileAndLine) {
  const std::string good = newKey("good");
  const std::string other = newKey("other");
  const std::vector<BadKeys> cases = {
      {"a key of 15 characters", "# keys\n\nalice:short-key-12345\n", 3, "short-key-12345"},
      {"a key of 257 characters", "alice:" + std::string(257, 'k') + "\n", 1,
       std::string(257, 'k')},
      {"a space in the key", "alice:" + good + "\nbob:has space" + other + "\n", 2,
       "has space" + other},
      {"a comma in the key", "alice:has,comma" + other + "\n", 1, "comma" + other},
      {"a tab in the key", "alice:tab\t" + other + "\n", 1, other},
      {"a non-ASCII key", "alice:k\xc3\xa9y-" + other + "\n", 1, other},
      {"a control character", "alice:ctl\x01" + other + "\n", 1, other},
      {"an empty key after the name", "alice:" + good + "\nbob:\n", 2, good},
      {"an empty name", ":" + other + "\n", 1, other},
      {"a name of 65 characters", std::string(65, 'n') + ":" + other + "\n", 1, other},
      {"a slash in the name", "al/ice:" + other + "\n", 1, other},
      {"a space in the name", "al ice:" + other + "\n", 1, other},
      {"a name used twice", "alice:" + good + "\n\nalice:" + other + "\n", 3, other},
      {"a key used twice", "alice:" + good + "\nbob:" + good + "\n", 2, good},
      {"a key listed with and without a name", good + "\nalice:" + good + "\n", 2, good},
  };
  TempDir dir;
  const std::string file = (dir.path() / "keys.txt").string();
  for (const auto& c : cases) {
    writeFile(file, c.text);
    const CommandResult r = runCommand(OFFERS_API_BINARY,
                                       {"serve", "--host", "127.0.0.1", "--port", "0", "--data-dir",
                                        (dir.path() / "data").string(), "--api-keys-file", file},
                                       5s);
    EXPECT_FALSE(r.timedOut) << c.what << ": the server started";
    EXPECT_EQ(r.exitCode, 2) << c.what << "\nstderr: " << r.err;
    EXPECT_NE(r.err.find(file), std::string::npos) << c.what << ": no file name in: " << r.err;
    EXPECT_NE(r.err.find("line " + std::to_string(c.line)), std::string::npos)
        << c.what << ": no \"line " << c.line << "\" in: " << r.err;
    EXPECT_EQ((r.err + r.out).find(c.secret), std::string::npos)
        << c.what << ": the message quotes the key: " << r.err;
  }

  // A file that is not there.
  const std::string missing = (dir.path() / "no-such-file").string();
  const CommandResult r = runCommand(OFFERS_API_BINARY,
                                     {"serve", "--host", "127.0.0.1", "--port", "0", "--data-dir",
                                      (dir.path() / "data").string(), "--api-keys-file", missing},
                                     5s);
  EXPECT_FALSE(r.timedOut);
  EXPECT_EQ(r.exitCode, 2) << r.err;
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
}

TEST(AccessStartupTest, AnInvalidEntryInTheEnvironmentStopsTheServer) {
  const std::string good = newKey("good");
  TempDir dir;
  for (const std::string& entries :
       {"alice:" + good + ",bob:short-key-12345", "alice:" + good + ",alice:" + newKey("x"),
        "alice:" + good + "," + good, "bad name:" + newKey("y")}) {
    const Launcher launcher(dir, {{"OFFERS_API_KEYS", entries}});
    const CommandResult r = runCommand(launcher.path(),
                                       {"serve", "--host", "127.0.0.1", "--port", "0", "--data-dir",
                                        (dir.path() / "data").string()},
                                       5s);
    EXPECT_FALSE(r.timedOut) << entries << ": the server started";
    EXPECT_EQ(r.exitCode, 2) << entries << "\nstderr: " << r.err;
    EXPECT_NE(r.err.find("OFFERS_API_KEYS"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find(good), std::string::npos) << "the message quotes a key: " << r.err;
    EXPECT_EQ(r.err.find("short-key-12345"), std::string::npos) << r.err;
  }
}

// Without keys the API is open to whoever can reach the port: fine on loopback, refused
// on a public address unless explicitly allowed.
TEST(AccessStartupTest, NoKeysOnAPublicAddressNeedsAllowUnauthenticated) {
  TempDir dir;
  const CommandResult r = runCommand(
      OFFERS_API_BINARY,
      {"serve", "--host", "0.0.0.0", "--port", "0", "--data-dir", (dir.path() / "data").string()},
      5s);
  EXPECT_FALSE(r.timedOut) << "the server started on 0.0.0.0 without keys";
  EXPECT_EQ(r.exitCode, 2) << r.err;
  EXPECT_NE(r.err.find("--allow-unauthenticated"), std::string::npos) << r.err;

  // Allowed explicitly: it starts (and answers on loopback, which 0.0.0.0 includes).
  ServerProcess open(ServerOptions{
      .binary = OFFERS_API_BINARY,
      .dataDir = (dir.path() / "data").string(),
      .extraArgs = {"--host", "0.0.0.0", "--allow-unauthenticated"},
  });
  ASSERT_NO_THROW(open.start());
  EXPECT_EQ(open.client().get("/v1/offers").status, 200);
  EXPECT_EQ(open.stop(), 0);
}

TEST(AccessStartupTest, WithKeysAPublicAddressIsFine) {
  TempDir dir;
  const std::string key = newKey("alice");
  const std::string file = (dir.path() / "keys").string();
  writeFile(file, "alice:" + key + "\n");
  ServerProcess server(ServerOptions{
      .binary = OFFERS_API_BINARY,
      .dataDir = (dir.path() / "data").string(),
      .extraArgs = {"--host", "0.0.0.0", "--api-keys-file", file},
  });
  ASSERT_NO_THROW(server.start());
  HttpClient client = server.client();
  EXPECT_EQ(client.get("/v1/offers").status, 401);
  EXPECT_EQ(client.request("GET", "/v1/offers", std::nullopt, bearer(key)).status, 200);
  EXPECT_EQ(server.stop(), 0);
}

// ---- Settings from the environment --------------------------------------------------------

// Every access and limit setting can come from its OFFERS_* variable (containers are
// configured that way), and a flag wins over its variable.
class EnvironmentSettingsTest : public AccessTest {
 protected:
  void SetUp() override {
    if (onDynamoDb()) GTEST_SKIP() << "HTTP-layer settings do not depend on the engine";
    AccessTest::SetUp();
  }
  Environment environment() const override {
    return {{"OFFERS_API_KEYS_FILE", keysFile_},
            {"OFFERS_RATE_LIMIT", "1/s"},
            {"OFFERS_BURST", "3"},
            {"OFFERS_MAX_BODY_BYTES", "1000"},  // the flag below says 2000
            {"OFFERS_MAX_HEADER_BYTES", "4096"},
            {"OFFERS_IDLE_TIMEOUT_MS", "300"},
            {"OFFERS_HEADER_TIMEOUT_MS", "2000"},
            {"OFFERS_MAX_CONNECTIONS", "50"}};
  }
  // Not --api-keys-file: the file comes from OFFERS_API_KEYS_FILE.
  std::vector<std::string> flags() const override { return {"--max-body-bytes", "2000"}; }
};

TEST_F(EnvironmentSettingsTest, EverySettingIsReadAndAFlagWins) {
  // The keys file.
  EXPECT_EQ(anonymous("GET", "/v1/offers").status, 401);
  // The body limit of the flag (2000), not of the variable (1000).
  std::string body = R"({"name":"Sized"})";
  body.insert(body.size() - 1, std::string(1500 - body.size(), ' '));
  EXPECT_EQ(call(alice_, "POST", "/v1/brands", body).status, 201);
  body.insert(body.size() - 1, std::string(600, ' '));
  EXPECT_EQ(call(alice_, "POST", "/v1/brands", body).status, 413);
  // The header limit.
  const HttpResponse big =
      api().request("GET", "/healthz", std::nullopt, {{"X-Big", std::string(5000, 'a')}});
  EXPECT_TRUE(IsApiError(big, 431, "header_too_large")) << big.describe();
  // The rate limit: a burst of 3 at 1 a second (two requests made above).
  int limited = 0;
  for (int i = 0; i < 4; ++i) {
    if (call(alice_, "GET", "/v1/offers").status == 429) ++limited;
  }
  EXPECT_GE(limited, 1) << "no 429 from OFFERS_RATE_LIMIT";
  // The idle timeout.
  RawConnection idle("127.0.0.1", server().port());
  EXPECT_EQ(idle.waitForReply(3300ms).kind, RawConnection::Reply::Kind::kClosed);
  // The header timeout: 2 s, told apart from the idle timeout (0.3 s) and from the
  // default (10 s).
  RawConnection slow("127.0.0.1", server().port());
  ASSERT_TRUE(slow.send("GET /healthz HTTP/1.1\r\n"));
  const auto sent = Clock::now();
  EXPECT_NE(slow.waitForReply(5000ms).kind, RawConnection::Reply::Kind::kTimeout);
  EXPECT_GE(Clock::now() - sent, 1000ms);
}

// ---- No keys ----------------------------------------------------------------------------

class NoKeysTest : public ServerTest {};

TEST_F(NoKeysTest, EverythingIsOpenAndTheLogSaysSo) {
  EXPECT_EQ(api().get("/v1/offers").status, 200);
  EXPECT_EQ(api().post("/v1/brands", {{"name", "Open"}}).status, 201);
  EXPECT_EQ(api().get("/metrics").status, 200);
  // A credential is not needed, and one sent anyway is not refused.
  EXPECT_EQ(api().request("GET", "/v1/offers", std::nullopt, bearer(newKey("any"))).status, 200);
  EXPECT_TRUE(waitForOutput(
      server(),
      [](const std::string& out) {
        for (const auto& line : logLines(out)) {
          const json::value* msg = line.if_contains("msg");
          if (hasString(line, "level", "warn") && msg != nullptr && msg->is_string() &&
              std::string_view(msg->as_string()).find("authentication is off") !=
                  std::string::npos) {
            return true;
          }
        }
        return false;
      }))
      << "no warning that authentication is off; output:\n"
      << server().output();
}

}  // namespace
}  // namespace offers::testing
