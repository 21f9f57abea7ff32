// Limits that keep one client from starving the others (README "Limits"): a token bucket
// per API key (per address without keys), a deadline for a request's header and body
// once it has begun, an idle timeout for keep-alive connections, a cap on open
// connections, and the header and body size limits, each with a small value.
//
// All of this lives in the HTTP layer, which is the same whatever the engine, and the
// tests wait out timeouts; they run in the embedded-engine pass only.
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace offers::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Kind = RawConnection::Reply::Kind;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

long msSince(Clock::time_point start) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

// A server started with the flags of the fixture.
class LimitsTest : public ServerTest {
 protected:
  void SetUp() override {
    if (onDynamoDb()) {
      GTEST_SKIP() << "HTTP-layer limits do not depend on the engine; run on the embedded one";
    }
    ServerOptions options = serverOptions();
    options.extraArgs = flags();
    server_ = std::make_unique<ServerProcess>(std::move(options));
    startServer();
  }
  virtual std::vector<std::string> flags() { return {}; }

  // One request on a raw connection, read back.
  static RawConnection::Reply exchange(RawConnection& connection, const std::string& bytes) {
    if (!connection.send(bytes)) return {Kind::kClosed, {}};
    return connection.readResponse(5s);
  }
  static std::string get(const std::string& target) {
    return "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
  }

  std::unique_ptr<RawConnection> connect() {
    return std::make_unique<RawConnection>("127.0.0.1", server().port());
  }
};

// ---- Rate limits ------------------------------------------------------------------------

class RateLimitTest : public LimitsTest {
 protected:
  std::vector<std::string> flags() override {
    const std::string file = (keysDir_.path() / "keys").string();
    std::ofstream(file) << "alice:" << alice_ << "\nbob:" << bob_ << "\n";
    return {"--api-keys-file", file, "--rate-limit", "5", "--burst", "5"};
  }

  HttpResponse as(const std::string& key, std::string_view method, std::string_view target,
                  std::optional<std::string> body = {}) {
    HttpClient& client = key == alice_ ? api() : bobClient_;
    return client.request(method, target, std::move(body), {{"Authorization", "Bearer " + key}});
  }

  struct Run {
    int passed = 0;
    HttpResponse limited;    // the first 429
    Clock::time_point sent;  // when that 429's request was sent
  };
  // GETs as `key` until the first 429 (at most 100 requests).
  Run untilLimited(const std::string& key) {
    Run run;
    for (int i = 0; i < 100; ++i) {
      run.sent = Clock::now();
      HttpResponse r = as(key, "GET", "/v1/offers");
      if (r.status == 429) {
        run.limited = std::move(r);
        return run;
      }
      EXPECT_EQ(r.status, 200) << r.describe();
      ++run.passed;
    }
    ADD_FAILURE() << "100 requests and never a 429";
    return run;
  }

  static void expectRateLimited(const HttpResponse& r) {
    EXPECT_TRUE(IsApiError(r, 429, "rate_limited", "5")) << "the message names the limit";
    // At 5 a second a token is never more than 0.2 s away: whole seconds, at least 1.
    EXPECT_EQ(r.header("Retry-After"), "1") << r.describe();
    EXPECT_FALSE(r.header("X-Request-Id").empty());
  }

  TempDir keysDir_;
  const std::string alice_ = "alice-0123456789abcdefghij";
  const std::string bob_ = "bob-0123456789abcdefghijkl";
  HttpClient bobClient_{"127.0.0.1", 0};

  void SetUp() override {
    LimitsTest::SetUp();
    if (server_) bobClient_ = newClient();
  }
};

TEST_F(RateLimitTest, ABurstPassesThenA429UntilTokensComeBack) {
  const auto start = Clock::now();
  const Run first = untilLimited(alice_);
  // The burst of 5, plus whatever trickled in at 5 a second meanwhile.
  EXPECT_GE(first.passed, 5);
  EXPECT_LE(first.passed, 5 + static_cast<int>(5 * secondsSince(start)) + 1);
  expectRateLimited(first.limited);

  // A refused request is not performed: keep writing until refused, then look for it.
  std::string refusedName;
  for (int i = 0; i < 50 && refusedName.empty(); ++i) {
    const std::string name = "Brand " + std::to_string(i);
    const HttpResponse r = as(alice_, "POST", "/v1/brands", R"({"name":")" + name + "\"}");
    if (r.status == 429) refusedName = name;
  }
  ASSERT_FALSE(refusedName.empty());
  const HttpResponse brands = as(bob_, "GET", "/v1/brands?limit=1000");
  ASSERT_EQ(brands.status, 200) << brands.describe();
  EXPECT_EQ(brands.body.find("\"" + refusedName + "\""), std::string::npos) << brands.body;

  // Operations endpoints are never limited.
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(as(alice_, "GET", "/healthz").status, 200);
    EXPECT_EQ(as(alice_, "GET", "/readyz").status, 200);
    EXPECT_EQ(as(alice_, "GET", "/metrics").status, 200);
  }

  // Tokens come back at 5 a second: waiting about 0.45 s lets about 2 more through, and
  // a whole second refills the bucket (up to the burst of 5).
  const Run drained = untilLimited(alice_);
  const auto waitFrom = Clock::now();
  std::this_thread::sleep_for(450ms);  // the behaviour under test is time passing
  const double waited = secondsSince(waitFrom);
  const Run partial = untilLimited(alice_);
  EXPECT_GE(partial.passed, static_cast<int>(5 * waited)) << "waited " << waited << " s";
  EXPECT_LE(
      partial.passed,
      1 + static_cast<int>(5 * std::chrono::duration<double>(partial.sent - drained.sent).count()));
  expectRateLimited(partial.limited);

  std::this_thread::sleep_for(1200ms);
  const auto refillStart = Clock::now();
  const Run refilled = untilLimited(alice_);
  EXPECT_GE(refilled.passed, 5);
  EXPECT_LE(refilled.passed, 5 + static_cast<int>(5 * secondsSince(refillStart)) + 1);
}

TEST_F(RateLimitTest, EachKeyHasItsOwnBucket) {
  const Run alice = untilLimited(alice_);
  ASSERT_GE(alice.passed, 5);
  // Alice is out of tokens; Bob still has his whole burst.
  const auto start = Clock::now();
  const Run bob = untilLimited(bob_);
  EXPECT_GE(bob.passed, 5);
  EXPECT_LE(bob.passed, 5 + static_cast<int>(5 * secondsSince(start)) + 1);
  expectRateLimited(bob.limited);
}

// Without keys, the bucket is the client's address: a new connection from the same
// address does not get a new bucket.
class RateLimitByAddressTest : public LimitsTest {
 protected:
  std::vector<std::string> flags() override { return {"--rate-limit", "2/s", "--burst", "3"}; }
};

TEST_F(RateLimitByAddressTest, ConnectionsFromOneAddressShareABucket) {
  const auto start = Clock::now();
  int passed = 0;
  HttpResponse limited;
  for (int i = 0; i < 100; ++i) {
    HttpClient fresh = newClient();  // a new connection each time
    HttpResponse r = fresh.get("/v1/brands");
    if (r.status == 429) {
      limited = std::move(r);
      break;
    }
    ASSERT_EQ(r.status, 200) << r.describe();
    ++passed;
  }
  EXPECT_GE(passed, 3);
  EXPECT_LE(passed, 3 + static_cast<int>(2 * secondsSince(start)) + 1);
  EXPECT_TRUE(IsApiError(limited, 429, "rate_limited", "2"));
  const std::string retryAfter = limited.header("Retry-After");
  ASSERT_FALSE(retryAfter.empty());
  EXPECT_EQ(retryAfter.find_first_not_of("0123456789"), std::string::npos) << retryAfter;
  EXPECT_GE(std::stoi(retryAfter), 1);
  EXPECT_EQ(newClient().get("/healthz").status, 200);
}

// ---- Header and body deadlines ------------------------------------------------------------

class HeaderTimeoutTest : public LimitsTest {
 protected:
  static constexpr long kTimeoutMs = 500;
  std::vector<std::string> flags() override {
    return {"--header-timeout-ms", std::to_string(kTimeoutMs)};
  }

  // Trickles `bytes` one every 100 ms until the server closes the connection (or answers
  // 408); returns how long that took from `start`, or -1 when it never did within 10 s.
  // Meanwhile another client must be served as usual.
  long trickleUntilClosed(RawConnection& connection, const std::string& bytes,
                          Clock::time_point start) {
    HttpClient other = newClient();
    for (std::size_t i = 0; i < bytes.size() && msSince(start) < 10000; ++i) {
      if (!connection.send(bytes.substr(i, 1))) return msSince(start);
      const RawConnection::Reply reply = connection.waitForReply(100ms);
      if (reply.kind == Kind::kClosed) return msSince(start);
      if (reply.kind == Kind::kResponse) {
        EXPECT_EQ(reply.response.status, 408) << reply.response.describe();
        return msSince(start);
      }
      if (i % 3 == 0) {
        const HttpResponse health = other.get("/healthz");
        EXPECT_EQ(health.status, 200) << "a slow client holds up the others";
      }
    }
    return -1;
  }
};

TEST_F(HeaderTimeoutTest, ASlowHeaderIsCutOff) {
  RawConnection loris("127.0.0.1", server().port());
  const std::string header =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(500, 'a') + "\r\n\r\n";
  const long closedAfter = trickleUntilClosed(loris, header, Clock::now());
  ASSERT_GE(closedAfter, 0) << "a header trickled over 10 s was never cut off";
  EXPECT_GE(closedAfter, kTimeoutMs / 2);
  EXPECT_LE(closedAfter, kTimeoutMs + 3000);
  EXPECT_EQ(newClient().get("/healthz").status, 200);
}

TEST_F(HeaderTimeoutTest, ASlowBodyIsCutOff) {
  RawConnection slow("127.0.0.1", server().port());
  ASSERT_TRUE(
      slow.send("POST /v1/brands HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 200\r\n\r\n"));
  const auto headerSent = Clock::now();
  const std::string body = R"({"name":")" + std::string(189, 'b') + "\"}";
  ASSERT_EQ(body.size(), 200u);
  const long closedAfter = trickleUntilClosed(slow, body, headerSent);
  ASSERT_GE(closedAfter, 0) << "a body trickled over 10 s was never cut off";
  EXPECT_GE(closedAfter, kTimeoutMs / 2);
  EXPECT_LE(closedAfter, kTimeoutMs + 3000);
  // The half-sent brand was not created.
  const HttpResponse brands = api().get("/v1/brands");
  ASSERT_EQ(brands.status, 200);
  EXPECT_EQ(brands.body.find("bbbb"), std::string::npos) << brands.body;
}

TEST_F(HeaderTimeoutTest, TheDeadlineStartsWithTheFirstByte) {
  // A connection that has sent nothing yet is idle, not slow: the header deadline does
  // not apply to it (the idle timeout, a minute here, does).
  RawConnection quiet("127.0.0.1", server().port());
  EXPECT_EQ(quiet.waitForReply(std::chrono::milliseconds(3 * kTimeoutMs)).kind, Kind::kTimeout);
  const auto first = exchange(quiet, get("/healthz"));
  ASSERT_EQ(first.kind, Kind::kResponse);
  EXPECT_EQ(first.response.status, 200);
  // Nor does it run between two requests of a keep-alive connection.
  EXPECT_EQ(quiet.waitForReply(std::chrono::milliseconds(3 * kTimeoutMs)).kind, Kind::kTimeout);
  const auto second = exchange(quiet, get("/healthz"));
  ASSERT_EQ(second.kind, Kind::kResponse);
  EXPECT_EQ(second.response.status, 200);
  // And a header sent promptly in several pieces is fine.
  RawConnection pieces("127.0.0.1", server().port());
  for (const char* piece : {"GET /hea", "lthz HTTP/1.1\r\n", "Host: x\r\n", "\r\n"}) {
    ASSERT_TRUE(pieces.send(piece));
    std::this_thread::sleep_for(50ms);  // well within the deadline, on purpose
  }
  const auto reply = pieces.readResponse(5s);
  ASSERT_EQ(reply.kind, Kind::kResponse);
  EXPECT_EQ(reply.response.status, 200);
}

// ---- Idle keep-alive connections --------------------------------------------------------

class IdleTimeoutTest : public LimitsTest {
 protected:
  static constexpr long kIdleMs = 300;
  std::vector<std::string> flags() override {
    return {"--idle-timeout-ms", std::to_string(kIdleMs)};
  }
};

TEST_F(IdleTimeoutTest, ASilentKeepAliveConnectionIsClosed) {
  RawConnection connection("127.0.0.1", server().port());
  const auto reply = exchange(connection, get("/healthz"));
  ASSERT_EQ(reply.kind, Kind::kResponse);
  ASSERT_EQ(reply.response.status, 200);
  EXPECT_NE(reply.response.header("Connection"), "close");
  const auto idleFrom = Clock::now();
  const auto closed = connection.waitForReply(std::chrono::milliseconds(kIdleMs + 3000));
  EXPECT_EQ(closed.kind, Kind::kClosed) << "still open after " << msSince(idleFrom) << " ms";
  EXPECT_GE(msSince(idleFrom), kIdleMs / 2);

  // A connection that never sent anything goes the same way.
  RawConnection silent("127.0.0.1", server().port());
  const auto silentFrom = Clock::now();
  EXPECT_EQ(silent.waitForReply(std::chrono::milliseconds(kIdleMs + 3000)).kind, Kind::kClosed);
  EXPECT_GE(msSince(silentFrom), kIdleMs / 2);
}

TEST_F(IdleTimeoutTest, RequestsKeepAConnectionAlive) {
  RawConnection connection("127.0.0.1", server().port());
  const auto start = Clock::now();
  // Three times the idle timeout in all, never more than half of it silent.
  while (msSince(start) < 3 * kIdleMs) {
    const auto reply = exchange(connection, get("/healthz"));
    ASSERT_EQ(reply.kind, Kind::kResponse) << "closed after " << msSince(start) << " ms";
    ASSERT_EQ(reply.response.status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(kIdleMs / 3));
  }
}

// ---- The connection cap -----------------------------------------------------------------

class ConnectionLimitTest : public LimitsTest {
 protected:
  static constexpr int kMax = 8;
  std::vector<std::string> flags() override { return {"--max-connections", std::to_string(kMax)}; }

  // The answer to a connection over the limit, whether the server says it at once or
  // after a request; checks it and that the connection is then closed.
  void expectRefused(RawConnection& connection) {
    RawConnection::Reply reply = connection.waitForReply(2s);
    if (reply.kind == Kind::kTimeout) reply = exchange(connection, get("/healthz"));
    ASSERT_EQ(reply.kind, Kind::kResponse) << "a connection over the limit got no answer";
    const HttpResponse& r = reply.response;
    EXPECT_TRUE(IsApiError(r, 503, "unavailable", "connection"));
    EXPECT_EQ(r.header("Retry-After"), "1") << r.describe();
    EXPECT_EQ(r.header("Connection"), "close") << r.describe();
    EXPECT_FALSE(r.header("X-Request-Id").empty()) << r.describe();
    EXPECT_EQ(connection.waitForReply(3s).kind, Kind::kClosed) << "left open after the 503";
  }

  // Polls with fresh connections until one is served; false when none is within `timeout`.
  bool servedWithin(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      RawConnection probe("127.0.0.1", server().port());
      const auto reply = exchange(probe, get("/healthz"));
      if (reply.kind == Kind::kResponse && reply.response.status == 200) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
};

TEST_F(ConnectionLimitTest, OneOverTheLimitGets503UntilOneCloses) {
  api().close();
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < kMax; ++i) {
    held.push_back(connect());
    const auto reply = exchange(*held.back(), get("/healthz"));  // kept alive afterwards
    ASSERT_EQ(reply.kind, Kind::kResponse) << "connection " << i;
    ASSERT_EQ(reply.response.status, 200) << "connection " << i;
  }
  {
    RawConnection ninth("127.0.0.1", server().port());
    expectRefused(ninth);
  }
  // The eight still work.
  for (auto& connection : held) {
    const auto reply = exchange(*connection, get("/healthz"));
    ASSERT_EQ(reply.kind, Kind::kResponse);
    EXPECT_EQ(reply.response.status, 200);
  }
  // Close three: new connections are served again (once the server has seen the closes).
  held.resize(kMax - 3);
  EXPECT_TRUE(servedWithin(5s));
  for (auto& connection : held) {
    const auto reply = exchange(*connection, get("/healthz"));
    ASSERT_EQ(reply.kind, Kind::kResponse);
    EXPECT_EQ(reply.response.status, 200);
  }
}

TEST_F(ConnectionLimitTest, ABurstOfConnectionsIsCappedExactly) {
  api().close();
  constexpr int kBurst = 40;
  std::vector<std::unique_ptr<RawConnection>> burst;
  for (int i = 0; i < kBurst; ++i) burst.push_back(connect());
  // The refused ones are answered at once; the rest stay silent (and open).
  int refused = 0;
  int open = 0;
  const auto deadline = Clock::now() + 2s;
  for (auto& connection : burst) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    const auto reply = connection->waitForReply(std::max(left, 0ms));
    if (reply.kind == Kind::kResponse && reply.response.status == 503) {
      ++refused;
    } else if (reply.kind == Kind::kTimeout) {
      ++open;
    }
  }
  EXPECT_EQ(open, kMax) << refused << " refused";
  EXPECT_EQ(refused, kBurst - kMax);
}

class IdleFloodTest : public ConnectionLimitTest {
 protected:
  static constexpr long kIdleMs = 500;
  std::vector<std::string> flags() override {
    return {"--max-connections", std::to_string(kMax), "--idle-timeout-ms",
            std::to_string(kIdleMs)};
  }
};

TEST_F(IdleFloodTest, IdleConnectionsAreClearedAndServiceResumes) {
  api().close();
  const auto start = Clock::now();
  std::vector<std::unique_ptr<RawConnection>> flood;
  for (int i = 0; i < kMax; ++i) flood.push_back(connect());  // they never send a byte
  {
    RawConnection over("127.0.0.1", server().port());
    expectRefused(over);
  }
  EXPECT_TRUE(servedWithin(std::chrono::milliseconds(kIdleMs + 3000)))
      << "the idle flood still holds every connection after " << msSince(start) << " ms";
  for (auto& connection : flood) {
    EXPECT_EQ(connection->waitForReply(1s).kind, Kind::kClosed);
  }
}

// ---- Header and body sizes --------------------------------------------------------------

class SizeLimitTest : public LimitsTest {
 protected:
  static constexpr std::size_t kHeaderLimit = 8192;
  static constexpr std::size_t kBodyLimit = 1000;
  std::vector<std::string> flags() override {
    return {"--max-header-bytes", std::to_string(kHeaderLimit), "--max-body-bytes",
            std::to_string(kBodyLimit)};
  }

  // GET /healthz whose whole header (request line to the blank line) is `size` bytes:
  // one long field, or many short ones.
  static std::string headerOfSize(std::size_t size, bool manyFields) {
    std::string head = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
    const std::string end = "\r\n";
    const std::size_t padField = std::string("X-Pad: \r\n").size();
    if (manyFields) {
      // 35 bytes each, as long as leaves room for the padding field.
      for (int i = 0; head.size() + 35 + padField + end.size() + 10 < size; ++i) {
        head += "X-Field-" + std::to_string(10000 + i) + ": value-of-the-field\r\n";
      }
    }
    const std::size_t fixed = head.size() + padField + end.size();
    head += "X-Pad: " + std::string(size - fixed, 'p') + "\r\n";
    std::string request = head + end;
    if (request.size() != size) throw std::logic_error("headerOfSize miscounted");
    return request;
  }

  // A POST /v1/brands body of exactly `size` bytes (valid JSON, padded with spaces).
  static std::string bodyOfSize(std::size_t size) {
    std::string body = R"({"name":"Sized"})";
    body.insert(body.size() - 1, std::string(size - body.size(), ' '));
    return body;
  }
};

TEST_F(SizeLimitTest, HeadersJustUnderPassJustOverGet431) {
  for (const bool manyFields : {false, true}) {
    const char* shape = manyFields ? "many fields" : "one long field";
    {
      RawConnection connection("127.0.0.1", server().port());
      const auto reply = exchange(connection, headerOfSize(kHeaderLimit - 400, manyFields));
      ASSERT_EQ(reply.kind, Kind::kResponse) << shape;
      EXPECT_EQ(reply.response.status, 200) << shape << ": " << reply.response.describe();
    }
    for (const std::size_t over : {kHeaderLimit + 400, 2 * kHeaderLimit}) {
      RawConnection connection("127.0.0.1", server().port());
      const auto reply = exchange(connection, headerOfSize(over, manyFields));
      ASSERT_EQ(reply.kind, Kind::kResponse) << shape << ", " << over << " bytes: no answer";
      EXPECT_TRUE(IsApiError(reply.response, 431, "header_too_large"))
          << shape << ", " << over << " bytes";
    }
  }
}

TEST_F(SizeLimitTest, BodiesUpToTheLimitPassOneByteMoreIs413) {
  for (const std::size_t size : {kBodyLimit - 1, kBodyLimit}) {
    const HttpResponse r = api().postRaw("/v1/brands", bodyOfSize(size));
    EXPECT_EQ(r.status, 201) << size << " bytes: " << r.describe();
  }
  const std::size_t brandsBefore = listAll("/v1/brands").size();
  // Answered from Content-Length, before the body is read.
  {
    RawConnection connection("127.0.0.1", server().port());
    ASSERT_TRUE(
        connection.send("POST /v1/brands HTTP/1.1\r\nHost: x\r\nContent-Type: "
                        "application/json\r\nContent-Length: " +
                        std::to_string(kBodyLimit + 1) + "\r\n\r\n"));
    const auto reply = connection.readResponse(5s);
    ASSERT_EQ(reply.kind, Kind::kResponse);
    EXPECT_TRUE(IsApiError(reply.response, 413, "payload_too_large"));
  }
  // Chunked: counted as it arrives.
  {
    RawConnection connection("127.0.0.1", server().port());
    const std::string body = bodyOfSize(kBodyLimit + 1);
    char size[16];
    std::snprintf(size, sizeof size, "%zx", body.size());
    const auto reply = exchange(connection,
                                "POST /v1/brands HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                "application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
                                    std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n");
    ASSERT_EQ(reply.kind, Kind::kResponse);
    EXPECT_TRUE(IsApiError(reply.response, 413, "payload_too_large"));
  }
  EXPECT_EQ(listAll("/v1/brands").size(), brandsBefore);
}

}  // namespace
}  // namespace offers::testing
