// The webhook transport (src/notify/webhook_sender.hpp) against a real HTTP receiver on
// loopback (tests/support/loopback_http_server.hpp): what goes on the wire, how each kind of
// failure is reported, that a slow receiver holds up nobody else, the signature scheme
// against independently computed HMAC-SHA256 values, and the guard that keeps deliveries
// away from non-public addresses.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "notify/webhook_sender.hpp"
#include "support/loopback_http_server.hpp"

namespace offers::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using notify::DeliveryOutcome;
using notify::hmacSha256Hex;
using notify::OutgoingDelivery;
using notify::SenderOptions;
using notify::signatureHeader;
using notify::verifySignature;
using notify::WebhookSender;

constexpr auto kDeadline = 15s;  // an upper bound for waits that normally end in milliseconds

std::int64_t unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

OutgoingDelivery delivery(std::string key, std::string url, std::string body = R"({"id":"e1"})") {
  return OutgoingDelivery{.key = key,
                          .url = std::move(url),
                          .eventId = "evt-" + key,
                          .body = std::move(body),
                          .secret = "s3cret-" + key};
}

struct TimedOutcome {
  DeliveryOutcome outcome;
  Clock::duration at;  // when poll() returned it, from `start`
};

// Polls until `n` outcomes arrived or kDeadline passed, noting when each one came back.
std::vector<TimedOutcome> collect(WebhookSender& sender, std::size_t n,
                                  Clock::time_point start = Clock::now()) {
  std::vector<TimedOutcome> out;
  const auto deadline = Clock::now() + kDeadline;
  while (out.size() < n && Clock::now() < deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    for (auto& outcome : sender.poll(left)) {
      out.push_back({std::move(outcome), Clock::now() - start});
    }
  }
  return out;
}

DeliveryOutcome sendOne(WebhookSender& sender, OutgoingDelivery d) {
  sender.send(std::move(d));
  auto outcomes = collect(sender, 1);
  if (outcomes.size() != 1) throw std::runtime_error("no outcome within the deadline");
  return outcomes.front().outcome;
}

// A loopback port nothing listens on: bound, then released.
unsigned short closedPort() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const unsigned short port = acceptor.local_endpoint().port();
  acceptor.close();
  return port;
}

// The receivers of these tests listen on loopback, which a sender refuses unless told
// otherwise (see the AddressGuard tests at the end).
SenderOptions loopbackAllowed() {
  return SenderOptions{.allowPrivateTargets = true};
}

long ms(Clock::duration d) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

// --- Signature scheme ------------------------------------------------------------------

// RFC 4231 test cases 2 and 6 (a key longer than the block, hashed first).
TEST(Signature, HmacMatchesRfc4231) {
  EXPECT_EQ(hmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hmacSha256Hex(std::string(131, '\xaa'),
                          "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

// Expected values from Python's hmac module, an implementation independent of ours:
//   hmac.new(b'whsec_test', b'1700000000.{"id":"evt_1","type":"job.succeeded"}',
//            hashlib.sha256).hexdigest()
//   hmac.new(b'', b'0.', hashlib.sha256).hexdigest()
TEST(Signature, HeaderMatchesKnownVectors) {
  EXPECT_EQ(
      signatureHeader("whsec_test", 1'700'000'000, R"({"id":"evt_1","type":"job.succeeded"})"),
      "t=1700000000,v1=b5ca2eea2291da9d9236722ecfbd2dc20fffff1b0a29731caaae26cf27dfb7a8");
  EXPECT_EQ(signatureHeader("", 0, ""),
            "t=0,v1=b849d5a581847b281957065739df36df2463d1977ea8d6e1e4e6cf33fadc68c3");
}

TEST(Signature, VerifyAcceptsOnlyTheExactSignature) {
  const std::string body = R"({"id":"evt_1","type":"job.succeeded"})";
  const std::string good = signatureHeader("whsec_test", 1'700'000'000, body);
  ASSERT_TRUE(verifySignature(good, "whsec_test", body));

  EXPECT_FALSE(verifySignature(good, "whsec_other", body));
  EXPECT_FALSE(verifySignature(good, "whsec_test", body + " "));
  EXPECT_FALSE(verifySignature(good, "whsec_test", R"({"id":"evt_2","type":"job.succeeded"})"));

  const std::string hex = good.substr(good.find("v1=") + 3);
  std::string flipped = good;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  std::string upper = good;
  std::transform(upper.begin() + upper.find("v1=") + 3, upper.end(),
                 upper.begin() + upper.find("v1=") + 3,
                 [](char c) { return static_cast<char>(std::toupper(c)); });
  ASSERT_NE(upper, good);  // the digest has letters
  for (const std::string& bad : std::vector<std::string>{
           flipped,
           upper,
           "t=1700000000,v2=" + hex,   // another version tag
           "t=1700000001,v1=" + hex,   // another timestamp
           "t=01700000000,v1=" + hex,  // t not as signed
           "t=+1700000000,v1=" + hex,
           "t=-1700000000,v1=" + hex,
           "t=,v1=" + hex,
           "v1=" + hex + ",t=1700000000",  // fields swapped
           "v1=" + hex,                    // no t
           "t=1700000000",                 // no v1
           "t=1700000000,v1=",
           "t=1700000000,v1=" + hex.substr(0, 63),  // truncated
           good + "0",                              // too long
           good + ",v0=deadbeef",                   // extra field
           " " + good,
           "t=1700000000, v1=" + hex,
           "t=99999999999999999999,v1=" + hex,  // t overflows
           std::string(),
       }) {
    EXPECT_FALSE(verifySignature(bad, "whsec_test", body)) << bad;
  }
}

// --- Deliveries ----------------------------------------------------------------------

TEST(WebhookSender, DeliversExactBodyWithHeadersAndSignature) {
  LoopbackHttpServer receiver;
  WebhookSender sender(
      SenderOptions{.userAgent = "offers-test-agent", .allowPrivateTargets = true});
  const std::string body =
      R"({"id":"evt_42","type":"job.succeeded","created":"2024-01-01T00:00:00.000Z",)"
      R"("data":{"name":"Caf\u00e9 ☕","note":"line\nbreak"}})";
  const std::int64_t before = unixNow();
  const DeliveryOutcome outcome = sendOne(sender, {.key = "delivery-1",
                                                   .url = receiver.url(),
                                                   .eventId = "evt_42",
                                                   .body = body,
                                                   .secret = "whsec_abc"});
  const std::int64_t after = unixNow();

  EXPECT_EQ(outcome.key, "delivery-1");
  EXPECT_EQ(outcome.status, 200);
  EXPECT_EQ(outcome.error, "");
  EXPECT_TRUE(outcome.ok());
  EXPECT_GE(outcome.durationMs, 0);
  EXPECT_EQ(sender.inFlight(), 0u);

  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 1u);
  const ReceivedRequest& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/hook");
  EXPECT_EQ(r.body, body);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.header("X-Offers-Event-Id"), "evt_42");
  EXPECT_EQ(r.header("User-Agent"), "offers-test-agent");
  EXPECT_EQ(r.header("Expect"), "");

  const std::string signature = r.header("X-Offers-Signature");
  EXPECT_TRUE(verifySignature(signature, "whsec_abc", body)) << signature;
  EXPECT_FALSE(verifySignature(signature, "whsec_abd", body));
  EXPECT_FALSE(verifySignature(signature, "whsec_abc", body.substr(1)));
  // Signed at send time with the current unix time.
  const std::int64_t t = std::stoll(signature.substr(2, signature.find(',') - 2));
  EXPECT_GE(t, before);
  EXPECT_LE(t, after);
  EXPECT_EQ(signature, signatureHeader("whsec_abc", t, body));
}

// Large enough that curl would otherwise send "Expect: 100-continue" and wait for it.
TEST(WebhookSender, DeliversLargeBodyIntact) {
  LoopbackHttpServer receiver;
  WebhookSender sender(loopbackAllowed());
  std::string body = R"({"id":"big","data":")";
  for (int i = 0; body.size() < 2 * 1024 * 1024; ++i) body += static_cast<char>('a' + i % 26);
  body += R"("})";
  const DeliveryOutcome outcome = sendOne(sender, delivery("big", receiver.url(), body));
  EXPECT_TRUE(outcome.ok()) << outcome.error;
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].body, body);
  EXPECT_EQ(requests[0].header("Expect"), "");
  EXPECT_TRUE(verifySignature(requests[0].header("X-Offers-Signature"), "s3cret-big", body));
}

TEST(WebhookSender, ServerErrorIsAStatusNotATransportFailure) {
  LoopbackHttpServer receiver;
  receiver.respondWith([](const ReceivedRequest&, std::size_t index) {
    return ScriptedReply{.status = index == 0 ? 500 : 204};
  });
  WebhookSender sender(loopbackAllowed());

  const DeliveryOutcome first = sendOne(sender, delivery("a", receiver.url()));
  EXPECT_EQ(first.status, 500);
  EXPECT_EQ(first.error, "");
  EXPECT_FALSE(first.ok());

  const DeliveryOutcome second = sendOne(sender, delivery("a", receiver.url()));
  EXPECT_EQ(second.status, 204);
  EXPECT_TRUE(second.ok());
  EXPECT_EQ(receiver.count(), 2u);
}

TEST(WebhookSender, ConnectionRefusedIsATransportFailure) {
  WebhookSender sender(loopbackAllowed());
  const std::string url = "http://127.0.0.1:" + std::to_string(closedPort()) + "/hook";
  const DeliveryOutcome outcome = sendOne(sender, delivery("refused", url));
  EXPECT_EQ(outcome.key, "refused");
  EXPECT_EQ(outcome.status, std::nullopt);
  EXPECT_NE(outcome.error, "");
  EXPECT_FALSE(outcome.ok());
}

TEST(WebhookSender, SlowReceiverTimesOutWithoutDelayingOthers) {
  constexpr auto timeout = 1000ms;
  LoopbackHttpServer slow;
  slow.respondWith([](const ReceivedRequest&, std::size_t) {
    return ScriptedReply{.status = 200, .delay = 60s};
  });
  LoopbackHttpServer fast;
  WebhookSender sender(SenderOptions{.timeout = timeout, .allowPrivateTargets = true});

  const auto start = Clock::now();
  sender.send(delivery("slow", slow.url()));
  sender.send(delivery("fast", fast.url()));
  const auto outcomes = collect(sender, 2, start);
  ASSERT_EQ(outcomes.size(), 2u);

  const TimedOutcome& first = outcomes[0];
  const TimedOutcome& second = outcomes[1];
  EXPECT_EQ(first.outcome.key, "fast");
  EXPECT_TRUE(first.outcome.ok()) << first.outcome.error;
  EXPECT_LT(first.at, timeout / 2) << ms(first.at) << " ms";

  EXPECT_EQ(second.outcome.key, "slow");
  EXPECT_EQ(second.outcome.status, std::nullopt);
  EXPECT_NE(lower(second.outcome.error).find("timed out"), std::string::npos)
      << second.outcome.error;
  EXPECT_FALSE(second.outcome.ok());
  EXPECT_GE(second.at, timeout - 50ms) << ms(second.at) << " ms";
  EXPECT_LT(second.at, timeout + 1500ms) << ms(second.at) << " ms";
  EXPECT_GE(second.outcome.durationMs, 950);
  EXPECT_EQ(slow.count(), 1u);  // it did arrive; only the answer was late
}

// Twenty receivers' worth of slowness in parallel, not in sequence.
TEST(WebhookSender, RunsDeliveriesConcurrently) {
  constexpr int n = 20;
  constexpr auto delay = 300ms;
  LoopbackHttpServer receiver;
  receiver.respondWith([&](const ReceivedRequest&, std::size_t) {
    return ScriptedReply{.status = 200, .delay = delay};
  });
  WebhookSender sender(loopbackAllowed());
  const auto start = Clock::now();
  for (int i = 0; i < n; ++i) sender.send(delivery(std::to_string(i), receiver.url()));
  const auto outcomes = collect(sender, n, start);
  ASSERT_EQ(outcomes.size(), static_cast<std::size_t>(n));
  for (const auto& o : outcomes) EXPECT_TRUE(o.outcome.ok()) << o.outcome.key << o.outcome.error;
  EXPECT_LT(outcomes.back().at, delay * n / 4) << ms(outcomes.back().at) << " ms";
}

TEST(WebhookSender, DoesNotFollowRedirects) {
  LoopbackHttpServer receiver;
  const std::string elsewhere = receiver.url() + "/elsewhere";
  receiver.respondWith([&](const ReceivedRequest&, std::size_t) {
    return ScriptedReply{.status = 302, .headers = {{"Location", elsewhere}}};
  });
  WebhookSender sender(loopbackAllowed());
  const DeliveryOutcome outcome = sendOne(sender, delivery("r", receiver.url()));
  EXPECT_EQ(outcome.status, 302);
  EXPECT_EQ(outcome.error, "");
  EXPECT_FALSE(outcome.ok());
  ASSERT_EQ(receiver.count(), 1u);
  EXPECT_EQ(receiver.requests()[0].target, "/hook");
}

TEST(WebhookSender, AllowsOnlyHttpAndHttps) {
  WebhookSender sender(loopbackAllowed());
  for (const std::string url : {"ftp://127.0.0.1:1/hook", "file:///etc/hostname",
                                "gopher://127.0.0.1:1/hook", "dict://127.0.0.1:1/x"}) {
    const DeliveryOutcome outcome = sendOne(sender, delivery("p", url));
    EXPECT_EQ(outcome.status, std::nullopt) << url;
    EXPECT_NE(outcome.error, "") << url;
  }
}

TEST(WebhookSender, RefusesAnEventIdThatWouldInjectHeaders) {
  LoopbackHttpServer receiver;
  WebhookSender sender(loopbackAllowed());
  OutgoingDelivery d = delivery("inject", receiver.url());
  d.eventId = "evt_1\r\nX-Evil: 1";
  sender.send(std::move(d));
  EXPECT_EQ(sender.inFlight(), 1u);  // its outcome is still owed
  const auto outcomes = sender.poll(0ms);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].key, "inject");
  EXPECT_NE(outcomes[0].error, "");
  EXPECT_EQ(outcomes[0].status, std::nullopt);
  EXPECT_EQ(sender.inFlight(), 0u);
  EXPECT_EQ(receiver.count(), 0u);
}

TEST(WebhookSender, RespectsMaxConcurrent) {
  LoopbackHttpServer receiver;
  WebhookSender sender(SenderOptions{.maxConcurrent = 2, .allowPrivateTargets = true});
  EXPECT_TRUE(sender.hasCapacity());
  sender.send(delivery("1", receiver.url()));
  EXPECT_TRUE(sender.hasCapacity());
  sender.send(delivery("2", receiver.url()));
  EXPECT_EQ(sender.inFlight(), 2u);
  EXPECT_FALSE(sender.hasCapacity());
  EXPECT_THROW(sender.send(delivery("3", receiver.url())), std::logic_error);
  EXPECT_EQ(sender.inFlight(), 2u);

  // A delivery stays in flight until poll() hands its outcome over, even once finished.
  const auto outcomes = collect(sender, 2);
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(sender.inFlight(), 0u);
  EXPECT_TRUE(sender.hasCapacity());
  EXPECT_EQ(receiver.count(), 2u);
  std::vector<std::string> keys{outcomes[0].outcome.key, outcomes[1].outcome.key};
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"1", "2"}));
}

TEST(WebhookSender, ReusesTheConnection) {
  LoopbackHttpServer receiver;
  WebhookSender sender(loopbackAllowed());
  EXPECT_TRUE(sendOne(sender, delivery("1", receiver.url())).ok());
  EXPECT_TRUE(sendOne(sender, delivery("2", receiver.url())).ok());
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].connection, requests[1].connection);
}

TEST(WebhookSender, PollWaitsAtMostItsWait) {
  WebhookSender sender(loopbackAllowed());
  const auto start = Clock::now();
  EXPECT_TRUE(sender.poll(100ms).empty());
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 90ms);
  EXPECT_LT(elapsed, 5s);
}

// The waker acts once the receiver has the request, which only a poll() in progress can
// have sent, so this wakes a poll() that is running, not one yet to start.
TEST(WebhookSender, WakeUpEndsAPollInProgress) {
  LoopbackHttpServer receiver;
  receiver.respondWith([](const ReceivedRequest&, std::size_t) {
    return ScriptedReply{.status = 200, .delay = 60s};
  });
  WebhookSender sender(SenderOptions{.timeout = 60s, .allowPrivateTargets = true});
  sender.send(delivery("held", receiver.url()));
  std::thread waker([&] {
    if (receiver.waitFor(1, kDeadline)) sender.wakeUp();
  });
  const auto start = Clock::now();
  const auto outcomes = sender.poll(30s);
  const auto elapsed = Clock::now() - start;
  waker.join();
  EXPECT_TRUE(outcomes.empty());
  EXPECT_LT(elapsed, 10s) << ms(elapsed) << " ms";
  EXPECT_EQ(sender.inFlight(), 1u);
}

// --- Address guard (allowPrivateTargets false, the default) --------------------------

// A live receiver on loopback that the guarded sender must never reach: each address form
// is refused before any connection (the receiver sees nothing) and reported as such.
TEST(AddressGuard, NeverConnectsToALoopbackReceiver) {
  LoopbackHttpServer receiver;
  WebhookSender sender(SenderOptions{.timeout = 2000ms, .allowPrivateTargets = false});
  const std::string port = std::to_string(receiver.port());
  const struct {
    std::string url;
    std::string refusal;
  } cases[] = {
      {receiver.url(), "refused: 127.0.0.1 is a loopback address"},
      // A name: refused by what it resolves to, the check DNS rebinding cannot get past.
      {"http://localhost:" + port + "/hook", "refused: 127.0.0.1 is a loopback address"},
      {"http://127.0.0.2:" + port + "/hook", "refused: 127.0.0.2 is a loopback address"},
      {"http://2130706433:" + port + "/hook", "refused: 127.0.0.1 is a loopback address"},
      {"http://[::ffff:127.0.0.1]:" + port + "/hook",
       "refused: ::ffff:127.0.0.1 is a loopback address"},
      {"http://[::1]:" + port + "/hook", "refused: ::1 is a loopback address"},
      {"http://169.254.169.254/latest/meta-data/", "refused: 169.254.169.254 is a link-local"},
      {"http://10.1.2.3/hook", "refused: 10.1.2.3 is a private address"},
      {"https://192.168.1.1/hook", "refused: 192.168.1.1 is a private address"},
  };
  for (const auto& c : cases) {
    const DeliveryOutcome outcome = sendOne(sender, delivery("guarded", c.url));
    EXPECT_EQ(outcome.key, "guarded");
    EXPECT_EQ(outcome.status, std::nullopt) << c.url;
    EXPECT_TRUE(outcome.error.starts_with(c.refusal)) << c.url << ": " << outcome.error;
    EXPECT_FALSE(outcome.ok());
    // Refused before connecting: no timeout was waited out.
    EXPECT_LT(outcome.durationMs, 1000) << c.url;
  }
  EXPECT_EQ(receiver.count(), 0u);
}

// The same receiver with the guard off: delivered.
TEST(AddressGuard, DeliversToLoopbackWhenPrivateTargetsAreAllowed) {
  LoopbackHttpServer receiver;
  WebhookSender sender(SenderOptions{.allowPrivateTargets = true});
  const std::string localhost = "http://localhost:" + std::to_string(receiver.port()) + "/hook";
  for (const std::string& url : {receiver.url(), localhost}) {
    const DeliveryOutcome outcome = sendOne(sender, delivery("open", url));
    EXPECT_TRUE(outcome.ok()) << url << ": " << outcome.error;
  }
  EXPECT_EQ(receiver.count(), 2u);
}

// Sets environment variables for a scope and restores them after.
class ScopedEnvironment {
 public:
  explicit ScopedEnvironment(std::vector<std::pair<std::string, std::optional<std::string>>> vars) {
    for (auto& [name, value] : vars) {
      const char* old = std::getenv(name.c_str());
      saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
      if (value) {
        setenv(name.c_str(), value->c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
  }
  ~ScopedEnvironment() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        setenv(name.c_str(), value->c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
  }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// Through a proxy only the proxy's address could be checked, so the guarded sender does
// not use the environment's proxy at all, while an unguarded one does. The receiver plays
// the proxy; 192.0.2.1 is a public (documentation) address that nothing answers on.
TEST(AddressGuard, IgnoresTheEnvironmentsProxy) {
  LoopbackHttpServer proxy;
  const ScopedEnvironment environment(
      {{"http_proxy", "http://127.0.0.1:" + std::to_string(proxy.port())},
       {"all_proxy", std::nullopt},
       {"ALL_PROXY", std::nullopt},
       {"no_proxy", std::nullopt},
       {"NO_PROXY", std::nullopt}});
  const std::string target = "http://192.0.2.1/hook";

  WebhookSender open(SenderOptions{.timeout = 2000ms, .allowPrivateTargets = true});
  EXPECT_TRUE(sendOne(open, delivery("proxied", target)).ok());
  ASSERT_EQ(proxy.count(), 1u);
  EXPECT_EQ(proxy.requests()[0].target, target);  // absolute form: a proxy request

  WebhookSender guarded(SenderOptions{.timeout = 500ms, .allowPrivateTargets = false});
  const DeliveryOutcome outcome = sendOne(guarded, delivery("direct", target));
  EXPECT_FALSE(outcome.ok());
  // It went for 192.0.2.1 itself: not through the proxy, and not refused as the proxy's
  // loopback address either.
  EXPECT_EQ(outcome.error.find("refused"), std::string::npos) << outcome.error;
  EXPECT_EQ(proxy.count(), 1u);
}

}  // namespace
}  // namespace offers::testing
