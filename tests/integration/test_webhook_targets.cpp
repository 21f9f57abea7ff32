// Webhook targets must be public (src/notify/address_policy.hpp): a server started without
// --allow-private-webhooks refuses to register loopback, link-local and private targets,
// and names that resolve to them, with 400 invalid_request on `url`, storing nothing; it
// accepts a public literal without any network; and its dispatcher refuses to connect to
// a private target stored while they were allowed, recording the refusal as the attempt.
#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "support/jobs_helpers.hpp"
#include "support/loopback_http_server.hpp"

namespace offers::testing {
namespace {

namespace json = boost::json;

class WebhookTargetTest : public JobServerTest {
 protected:
  // Enough attempts that the refused delivery is still pending when the flag comes back.
  WebhookTargetTest() { extraArgs_.insert(extraArgs_.end(), {"--webhook-max-attempts", "20"}); }

  // Unlike every other fixture's, this server runs without --allow-private-webhooks.
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(optionsWith(false));
    startServer();
  }

  ServerOptions optionsWith(bool allowPrivateWebhooks) const {
    ServerOptions options = serverOptions();
    options.extraArgs = extraArgs_;
    options.allowPrivateWebhooks = allowPrivateWebhooks;
    return options;
  }

  // Stops the server and starts it again on the same data, with or without the flag.
  void restartWith(bool allowPrivateWebhooks) {
    api_.reset();
    server_->stop();
    server_ = std::make_unique<ServerProcess>(optionsWith(allowPrivateWebhooks));
    startServer();
  }

  HttpResponse postWebhook(const std::string& url) {
    return api().post("/v1/webhooks", {{"url", url}, {"events", json::array{"*"}}});
  }

  // 400 invalid_request whose message starts with `prefix` (which names `url` first).
  ::testing::AssertionResult refusedWith(const HttpResponse& r, const std::string& prefix) {
    if (auto base = IsApiError(r, 400, "invalid_request", "url: "); !base) return base;
    const std::string message(r.object().at("error").at("message").as_string());
    if (!message.starts_with(prefix)) {
      return ::testing::AssertionFailure()
             << "message \"" << message << "\" does not start with \"" << prefix << "\"";
    }
    return ::testing::AssertionSuccess();
  }
};

TEST_F(WebhookTargetTest, RefusesPrivateTargetsAtRegistrationAndStoresNothing) {
  LoopbackHttpServer receiver;  // live, so a connection to it would be noticed
  const std::string port = std::to_string(receiver.port());
  const std::string mustBePublic =
      "; webhook targets must be public (--allow-private-webhooks allows them)";
  const struct {
    std::string url;
    std::string message;  // the start of it
  } cases[] = {
      {receiver.url(), "url: 127.0.0.1 is a loopback address" + mustBePublic},
      {"http://localhost:" + port + "/hook", "url: host 'localhost' resolves to "},
      {"http://localhost/hook", "url: host 'localhost' resolves to "},
      {"http://[::1]:" + port + "/hook", "url: ::1 is a loopback address" + mustBePublic},
      {"http://169.254.169.254/latest/meta-data/", "url: 169.254.169.254 is a link-local address"},
      {"http://10.1.2.3/hook", "url: 10.1.2.3 is a private address"},
      {"https://172.16.0.1/hook", "url: 172.16.0.1 is a private address"},
      {"http://192.168.1.1:8080/hook", "url: 192.168.1.1 is a private address"},
      {"http://100.64.0.1/hook", "url: 100.64.0.1 is a shared (carrier-grade NAT) address"},
      {"http://0.0.0.0:" + port + "/hook", "url: 0.0.0.0 is an unspecified address"},
      {"http://[::ffff:127.0.0.1]:" + port + "/hook", "url: ::ffff:127.0.0.1 is a loopback"},
      {"http://[fd00::1]/hook", "url: fd00::1 is a private address"},
      {"http://[fe80::1]/hook", "url: fe80::1 is a link-local address"},
      {"http://user:pw@127.0.0.1:" + port + "/hook", "url: 127.0.0.1 is a loopback address"},
      // Other spellings of 127.0.0.1, read as getaddrinfo (and curl) read them.
      {"http://2130706433:" + port + "/hook",
       "url: host '2130706433' resolves to 127.0.0.1, a loopback address" + mustBePublic},
      {"http://127.1:" + port + "/hook", "url: host '127.1' resolves to 127.0.0.1"},
      {"http://no-such-host.invalid/hook", "url: host 'no-such-host.invalid' d"},
  };
  for (const auto& c : cases) {
    EXPECT_TRUE(refusedWith(postWebhook(c.url), c.message)) << c.url;
  }
  EXPECT_TRUE(listAll("/v1/webhooks").empty());
  EXPECT_EQ(receiver.count(), 0u);
}

// The exact wording for a name that does not resolve (.invalid never does, RFC 6761).
TEST_F(WebhookTargetTest, RefusesAHostThatDoesNotResolve) {
  const HttpResponse r = postWebhook("https://no-such-host.invalid/hook");
  // Without a DNS server that answers in time the lookup may run out of time instead.
  if (r.body.find("did not resolve within") == std::string::npos) {
    EXPECT_TRUE(refusedWith(r, "url: host 'no-such-host.invalid' does not resolve")) << r.body;
  } else {
    EXPECT_TRUE(refusedWith(r, "url: host 'no-such-host.invalid' did not resolve within "));
  }
  EXPECT_TRUE(listAll("/v1/webhooks").empty());
}

// The rest of the request is checked first, so a bad request gets the usual answer and no
// lookup is made for it.
TEST_F(WebhookTargetTest, OtherErrorsComeBeforeTheTargetCheck) {
  const HttpResponse badEvent = api().post(
      "/v1/webhooks", {{"url", "http://127.0.0.1/hook"}, {"events", json::array{"nope"}}});
  EXPECT_TRUE(IsApiError(badEvent, 400, "invalid_request", "events[0]: unknown event type"));
  EXPECT_TRUE(refusedWith(postWebhook("ftp://127.0.0.1/hook"), "url: must be an http or https"));
  EXPECT_TRUE(listAll("/v1/webhooks").empty());
}

// A literal is judged as it is: no resolution, so no network is needed.
TEST_F(WebhookTargetTest, AcceptsPublicLiterals) {
  const std::vector<std::string> urls = {"http://93.184.216.34/hook",
                                         "https://[2606:2800:220:1:248:1893:25c8:1946]:8443/hook"};
  for (const auto& url : urls) {
    const HttpResponse r = postWebhook(url);
    ASSERT_EQ(r.status, 201) << r.describe();
    EXPECT_EQ(str(r.object(), "url"), url);
  }
  EXPECT_EQ(listAll("/v1/webhooks").size(), urls.size());
}

// A private target that got into the store while they were allowed (or a name that has
// since been pointed at a private address) is refused again at every delivery attempt:
// the dispatcher never connects, and records the refusal as a failed attempt, retried.
// With the flag back on, the pending delivery goes through.
TEST_F(WebhookTargetTest, TheDispatcherRefusesAPrivateTargetAtDelivery) {
  LoopbackHttpServer receiver;
  restartWith(true);
  const std::string webhookId = str(createWebhook(receiver.url(), {"brand.created"}), "id");

  restartWith(false);
  createBrand("Announced");
  const auto attempts =
      waitForAttempts(webhookId, [](const std::vector<json::object>& a) { return a.size() >= 2; });
  for (const auto& a : attempts) {
    EXPECT_FALSE(flag(a, "succeeded")) << json::serialize(a);
    EXPECT_TRUE(isNull(a, "statusCode") || !a.contains("statusCode")) << json::serialize(a);
    const auto* error = a.if_contains("error");
    ASSERT_TRUE(error != nullptr && error->is_string()) << json::serialize(a);
    EXPECT_TRUE(std::string_view(error->as_string())
                    .starts_with("refused: 127.0.0.1 is a loopback address"))
        << json::serialize(a);
  }
  EXPECT_TRUE(attempts[0].at("nextAttempt").is_string()) << json::serialize(attempts[0]);
  EXPECT_EQ(receiver.count(), 0u);

  restartWith(true);
  ASSERT_TRUE(receiver.waitFor(1, std::chrono::seconds(15))) << "the retry was not delivered";
  EXPECT_FALSE(receiver.requests()[0].header("X-Offers-Event-Id").empty());
}

}  // namespace
}  // namespace offers::testing
