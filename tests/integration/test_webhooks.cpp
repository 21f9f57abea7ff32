// Webhooks over HTTP to a real receiver on loopback (DESIGN.md §4 "Webhook deliveries"):
// signed deliveries (checked with the server's verifySignature and independently with
// OpenSSL), retries after a failure visible through /deliveries, subscriptions by type and
// "*", a dead or hung receiver that holds up nobody else, pending deliveries that survive
// kill -9, and the subscription resource with its bad input.
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "notify/webhook_sender.hpp"
#include "support/jobs_helpers.hpp"
#include "support/loopback_http_server.hpp"

namespace offers::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kUnknownId = "00000000-1111-4222-8333-444444444444";

json::object bodyOf(const ReceivedRequest& request) {
  return json::parse(request.body).as_object();
}

std::string typeOf(const ReceivedRequest& request) {
  return std::string(bodyOf(request).at("type").as_string());
}

// Polls the receiver until `done(requests)`; false when `timeout` passes first.
template <class Done>
bool waitUntil(const LoopbackHttpServer& receiver, Done done,
               std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done(receiver.requests())) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    receiver.waitFor(receiver.count() + 1, 20ms);
  }
}

std::multiset<std::string> typesOf(const std::vector<ReceivedRequest>& requests) {
  std::multiset<std::string> types;
  for (const auto& r : requests) types.insert(typeOf(r));
  return types;
}

class WebhookTest : public JobServerTest {
 protected:
  // The contract's checks on one delivery: a JSON POST of {id,type,created,data} whose
  // X-Offers-Event-Id is the body's id and whose signature holds under `secret`, both by
  // the server's reference check and by OpenSSL.
  void expectWellFormedDelivery(const ReceivedRequest& r, const std::string& secret) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/hook");
    EXPECT_NE(r.header("Content-Type").find("application/json"), std::string::npos)
        << r.header("Content-Type");
    const json::object body = bodyOf(r);
    EXPECT_EQ(body.size(), 4u) << r.body;
    EXPECT_TRUE(body.contains("id") && body.contains("type") && body.contains("created") &&
                body.contains("data"))
        << r.body;
    EXPECT_EQ(r.header("X-Offers-Event-Id"), str(body, "id"));
    const std::string signature = r.header("X-Offers-Signature");
    EXPECT_TRUE(notify::verifySignature(signature, secret, r.body)) << signature << "\n" << r.body;
    EXPECT_TRUE(SignatureMatches(signature, secret, r.body));
    // And the checks can fail: another secret or one changed byte is refused.
    EXPECT_FALSE(notify::verifySignature(signature, secret + "x", r.body));
    EXPECT_FALSE(SignatureMatches(signature, secret, r.body + " "));
  }
};

TEST_F(WebhookTest, AFailedJobSucceededDeliveryIsRetriedAndBothAreSigned) {
  LoopbackHttpServer receiver;
  receiver.respondWith([](const ReceivedRequest&, std::size_t index) {
    return ScriptedReply{.status = index == 0 ? 500 : 200};
  });
  const json::object webhook = createWebhook(receiver.url(), {"job.succeeded"});
  const std::string webhookId = str(webhook, "id");
  const std::string secret = str(webhook, "secret");
  EXPECT_TRUE(std::regex_match(secret, std::regex("whsec_[0-9a-f]{64}"))) << secret;

  const std::string brandId = createBrand("Hooked");
  const std::string offerId = str(createOffer(brandId, "Announced"), "id");
  createLocations(brandId, 25);
  const std::string jobId = str(startJob(offerId), "id");
  const json::object done = waitUntilFinished(jobId);
  ASSERT_EQ(str(done, "status"), "succeeded") << json::serialize(done);

  ASSERT_TRUE(receiver.waitFor(2, 10s)) << "deliveries received: " << receiver.count();
  const auto requests = receiver.requests();
  for (const auto& r : requests) expectWellFormedDelivery(r, secret);
  const json::object first = bodyOf(requests[0]);
  const json::object second = bodyOf(requests[1]);
  EXPECT_EQ(str(first, "id"), str(second, "id")) << "the retry is of another event";
  EXPECT_EQ(json::serialize(first), json::serialize(second)) << "the retry changed the event";
  EXPECT_EQ(str(first, "type"), "job.succeeded");
  const json::object data = first.at("data").as_object();
  EXPECT_EQ(str(data, "id"), jobId);
  EXPECT_EQ(str(data, "status"), "succeeded");
  EXPECT_EQ(num(data, "total"), 25);
  EXPECT_EQ(num(data, "linked"), 25);
  EXPECT_EQ(num(data, "alreadyLinked"), 0);
  EXPECT_EQ(json::serialize(data), json::serialize(done)) << "the event is not the final job";
  // Backoff: the retry waited about --webhook-retry-base-ms (50 ms, +-20%).
  EXPECT_GE(requests[1].arrived - requests[0].arrived, 40ms);

  // The event is the feed's job.succeeded.
  std::vector<json::object> jobEvents;
  for (const auto& event : allEvents()) {
    if (str(event, "type") == "job.succeeded") jobEvents.push_back(event);
  }
  ASSERT_EQ(jobEvents.size(), 1u);
  EXPECT_EQ(str(jobEvents[0], "id"), str(first, "id"));
  EXPECT_EQ(str(jobEvents[0], "created"), str(first, "created"));

  // The attempts, as the API shows them.
  const auto attempts = waitForAttempts(webhookId, [](const std::vector<json::object>& a) {
    return a.size() >= 2 && a[1].at("succeeded").is_bool() && a[1].at("succeeded").as_bool();
  });
  ASSERT_EQ(attempts.size(), 2u);
  for (const auto& a : attempts) {
    EXPECT_EQ(str(a, "webhookId"), webhookId);
    EXPECT_EQ(str(a, "eventId"), str(first, "id"));
    EXPECT_EQ(str(a, "eventType"), "job.succeeded");
    EXPECT_GE(num(a, "eventSeq"), 0);
    EXPECT_TRUE(a.at("time").is_string()) << json::serialize(a);
    EXPECT_GE(num(a, "durationMs"), 0);
  }
  EXPECT_EQ(num(attempts[0], "eventSeq"), num(attempts[1], "eventSeq"));
  EXPECT_EQ(num(attempts[0], "attempt"), 1);
  EXPECT_EQ(num(attempts[0], "statusCode"), 500);
  EXPECT_FALSE(flag(attempts[0], "succeeded"));
  EXPECT_TRUE(attempts[0].at("nextAttempt").is_string()) << json::serialize(attempts[0]);
  EXPECT_EQ(num(attempts[1], "attempt"), 2);
  EXPECT_EQ(num(attempts[1], "statusCode"), 200);
  EXPECT_TRUE(flag(attempts[1], "succeeded"));
  EXPECT_TRUE(isNull(attempts[1], "nextAttempt")) << json::serialize(attempts[1]);
  EXPECT_TRUE(isNull(attempts[1], "error")) << json::serialize(attempts[1]);
  // Only job.succeeded was subscribed: the brand, offer and locations were not sent.
  EXPECT_EQ(receiver.count(), 2u);
}

TEST_F(WebhookTest, StarGetsEveryTypeAndOthersOnlyWhatTheySubscribedTo) {
  LoopbackHttpServer everything;
  LoopbackHttpServer picky;
  const std::string secret = "0123456789abcdef";  // the shortest allowed
  const json::object all = createWebhook(everything.url(), {"*"}, secret);
  EXPECT_EQ(str(all, "secret"), secret);
  const json::object some = createWebhook(picky.url(), {"link.deleted", "offer.deleted"});

  const std::string brandId = createBrand("Star");
  const std::string offerId = str(createOffer(brandId, "Single link"), "id");
  const std::string locationId = str(createLocation(brandId, "One"), "id");
  ASSERT_EQ(link(offerId, locationId).status, 201);
  ASSERT_EQ(unlink(offerId, locationId).status, 204);

  const std::multiset<std::string> expected = {"brand.created", "offer.created", "location.created",
                                               "link.created", "link.deleted"};
  ASSERT_TRUE(waitUntil(everything, [&](const auto& r) { return typesOf(r) == expected; }))
      << "\"*\" received " << everything.count() << " deliveries";
  ASSERT_TRUE(picky.waitFor(1, 10s));
  for (const auto& r : everything.requests()) {
    expectWellFormedDelivery(r, secret);
    if (typeOf(r) != "link.created") continue;
    // The single link's event names both ends and nothing else.
    EXPECT_EQ(json::serialize(bodyOf(r).at("data")),
              json::serialize(json::object{{"offerId", offerId}, {"locationId", locationId}}))
        << r.body;
  }
  // The picky webhook got link.deleted and never link.created, although link.created was
  // sent to "*" before link.deleted was.
  const auto pickyRequests = picky.requests();
  ASSERT_EQ(pickyRequests.size(), 1u);
  EXPECT_EQ(typeOf(pickyRequests[0]), "link.deleted");
  expectWellFormedDelivery(pickyRequests[0], str(some, "secret"));
  for (const auto& a : pageAll("/v1/webhooks/" + str(some, "id") + "/deliveries")) {
    EXPECT_EQ(str(a, "eventType"), "link.deleted") << json::serialize(a);
  }
}

TEST_F(WebhookTest, DeadAndHungReceiversDoNotDelayALiveOne) {
  const std::string deadUrl = closedPortUrl();
  LoopbackHttpServer hung;
  hung.respondWith([](const ReceivedRequest&, std::size_t) {
    return ScriptedReply{.status = 200, .delay = 30s};
  });  // > timeout
  LoopbackHttpServer live;
  const std::string deadId = str(createWebhook(deadUrl, {"*"}), "id");
  const std::string hungId = str(createWebhook(hung.url(), {"*"}), "id");
  createWebhook(live.url(), {"*"});

  constexpr int kBrands = 20;
  std::map<std::string, std::chrono::steady_clock::time_point> acknowledged;
  for (int i = 0; i < kBrands; ++i) {
    const std::string id = createBrand("Brand " + std::to_string(i));
    acknowledged[id] = std::chrono::steady_clock::now();
  }
  ASSERT_TRUE(live.waitFor(kBrands, 10s)) << "live deliveries: " << live.count();
  for (const auto& r : live.requests()) {
    const json::object body = bodyOf(r);
    ASSERT_EQ(str(body, "type"), "brand.created");
    const std::string brandId = str(body.at("data"), "id");
    ASSERT_TRUE(acknowledged.count(brandId)) << r.body;
    EXPECT_LT(r.arrived - acknowledged[brandId], 1000ms)
        << "the live receiver waited for the dead ones: brand " << brandId;
  }
  EXPECT_EQ(live.count(), static_cast<std::size_t>(kBrands)) << "a 200 was retried";

  // The dead receiver's attempts: refused, no status, retried.
  const auto dead =
      waitForAttempts(deadId, [](const std::vector<json::object>& a) { return a.size() >= 2; });
  EXPECT_TRUE(isNull(dead[0], "statusCode")) << json::serialize(dead[0]);
  EXPECT_TRUE(dead[0].at("error").is_string() && !dead[0].at("error").as_string().empty())
      << json::serialize(dead[0]);
  EXPECT_FALSE(flag(dead[0], "succeeded"));
  EXPECT_TRUE(dead[0].at("nextAttempt").is_string()) << json::serialize(dead[0]);
  // The hung receiver's first attempt times out (--webhook-timeout-ms 2000).
  const auto timedOut =
      waitForAttempts(hungId, [](const std::vector<json::object>& a) { return !a.empty(); });
  EXPECT_TRUE(isNull(timedOut[0], "statusCode")) << json::serialize(timedOut[0]);
  EXPECT_TRUE(timedOut[0].at("error").is_string()) << json::serialize(timedOut[0]);
  EXPECT_GE(num(timedOut[0], "durationMs"), 1500) << json::serialize(timedOut[0]);
  EXPECT_LT(num(timedOut[0], "durationMs"), 10000) << json::serialize(timedOut[0]);
}

TEST_F(WebhookTest, PendingDeliveriesSurviveKill9) {
  std::atomic<bool> healthy{false};
  LoopbackHttpServer receiver;
  receiver.respondWith([&](const ReceivedRequest&, std::size_t) {
    return ScriptedReply{.status = healthy ? 200 : 503};
  });
  const json::object webhook = createWebhook(receiver.url(), {"brand.created"});
  const std::string webhookId = str(webhook, "id");
  const std::string brandId = createBrand("Survivor");

  ASSERT_TRUE(receiver.waitFor(1, 10s));
  crashAndRestart();
  healthy = true;
  const auto attempts = waitForAttempts(
      webhookId,
      [](const std::vector<json::object>& a) {
        for (const auto& attempt : a) {
          if (attempt.at("succeeded").is_bool() && attempt.at("succeeded").as_bool()) return true;
        }
        return false;
      },
      20s);
  const auto requests = receiver.requests();
  ASSERT_GE(requests.size(), 2u);
  const std::string eventId = requests[0].header("X-Offers-Event-Id");
  for (const auto& r : requests) {
    expectWellFormedDelivery(r, str(webhook, "secret"));
    EXPECT_EQ(r.header("X-Offers-Event-Id"), eventId);
    EXPECT_EQ(str(bodyOf(r).at("data"), "id"), brandId);
  }
  // Attempts numbered 1, 2, ... across the restart, the last one the success.
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    EXPECT_EQ(num(attempts[i], "attempt"), static_cast<std::int64_t>(i + 1))
        << json::serialize(attempts[i]);
    EXPECT_EQ(str(attempts[i], "eventId"), eventId);
  }
  EXPECT_TRUE(flag(attempts.back(), "succeeded"));
}

TEST_F(WebhookTest, SubscriptionsAreListedWithoutSecretsAndDeletedOnes) {
  LoopbackHttpServer kept;
  LoopbackHttpServer removed;
  const std::string longSecret(256, 's');
  const json::object a = createWebhook(kept.url(), {"brand.created", "brand.deleted"}, longSecret);
  const json::object b = createWebhook(removed.url(), {"*"});
  const json::object c = createWebhook(removed.url(), {"*"});
  EXPECT_EQ(str(a, "url"), kept.url());
  EXPECT_EQ(json::serialize(a.at("events")), R"(["brand.created","brand.deleted"])");
  EXPECT_EQ(str(a, "secret"), longSecret);
  EXPECT_TRUE(a.at("created").is_string());
  EXPECT_NE(str(b, "secret"), str(c, "secret")) << "generated secrets must differ";

  const auto listed = listAll("/v1/webhooks", 1);
  EXPECT_EQ(listed.size(), 3u);
  for (const auto& item : listed) {
    EXPECT_FALSE(item.contains("secret")) << json::serialize(item);
  }
  const json::object got = fetch("/v1/webhooks/" + str(a, "id"));
  EXPECT_FALSE(got.contains("secret")) << json::serialize(got);
  EXPECT_EQ(str(got, "url"), kept.url());
  EXPECT_EQ(str(got, "created"), str(a, "created"));

  // Deleting both "*" webhooks: they get nothing more.
  for (const auto& item : listed) {
    if (str(item, "url") == removed.url()) {
      ASSERT_EQ(api().del("/v1/webhooks/" + str(item, "id")).status, 204);
    }
  }
  const std::string bId = str(b, "id");
  EXPECT_TRUE(IsApiError(api().get("/v1/webhooks/" + bId), 404, "not_found"));
  EXPECT_TRUE(IsApiError(api().del("/v1/webhooks/" + bId), 404, "not_found"));
  EXPECT_TRUE(IsApiError(api().get("/v1/webhooks/" + bId + "/deliveries"), 404, "not_found"));
  EXPECT_EQ(listAll("/v1/webhooks").size(), 1u);

  const std::string brandId = createBrand("After the delete");
  ASSERT_TRUE(kept.waitFor(1, 10s));
  EXPECT_EQ(str(bodyOf(kept.requests()[0]).at("data"), "id"), brandId);
  EXPECT_EQ(removed.count(), 0u) << "a deleted webhook still got a delivery";
}

TEST_F(WebhookTest, BadInputIsRejectedAndChangesNothing) {
  LoopbackHttpServer receiver;
  const std::string url = receiver.url();
  const json::object existing = createWebhook(url, {"*"});
  const std::string brandId = createBrand("Untouched");
  ASSERT_TRUE(receiver.waitFor(1, 10s));
  const std::string before = snapshot();
  const std::string webhooksBefore = json::serialize(fetch("/v1/webhooks"));
  const std::size_t eventsBefore = allEvents().size();

  const std::string u = "\"url\":\"" + url + "\"";
  const std::string ev = R"("events":["*"])";
  std::vector<BadRequest> cases = {
      {"POST", "/v1/webhooks", "{", 400, "invalid_request", ""},
      {"POST", "/v1/webhooks", "[]", 400, "invalid_request", ""},
      {"POST", "/v1/webhooks", "{" + ev + "}", 400, "invalid_request", "url"},
      {"POST", "/v1/webhooks", R"({"url":5,)" + ev + "}", 400, "invalid_request", "url"},
      {"POST", "/v1/webhooks", "{" + u + "}", 400, "invalid_request", "events"},
      {"POST", "/v1/webhooks", "{" + u + R"(,"events":[]})", 400, "invalid_request", "events"},
      {"POST", "/v1/webhooks", "{" + u + R"(,"events":"*"})", 400, "invalid_request", "events"},
      {"POST", "/v1/webhooks", "{" + u + R"(,"events":null})", 400, "invalid_request", "events"},
      {"POST", "/v1/webhooks", "{" + u + R"(,"events":["offer.exploded"]})", 400, "invalid_request",
       "events[0]"},
      {"POST", "/v1/webhooks", "{" + u + R"(,"events":["link.created","job.done"]})", 400,
       "invalid_request", "events[1]"},
      {"POST", "/v1/webhooks", "{" + u + R"(,"events":["link.created",7]})", 400, "invalid_request",
       "events[1]"},
      {"POST", "/v1/webhooks", "{" + u + R"(,"events":["job.*"]})", 400, "invalid_request",
       "events[0]"},
      {"POST", "/v1/webhooks", "{" + u + "," + ev + R"(,"secret":"0123456789abcde"})", 400,
       "invalid_request", "secret"},
      {"POST", "/v1/webhooks",
       "{" + u + "," + ev + R"(,"secret":")" + std::string(257, 's') + "\"}", 400,
       "invalid_request", "secret"},
      {"POST", "/v1/webhooks", "{" + u + "," + ev + R"(,"secret":12345678901234567890})", 400,
       "invalid_request", "secret"},
      {"POST", "/v1/webhooks", "{" + u + "," + ev + R"(,"active":true})", 400, "invalid_request",
       "active"},
      {"GET", "/v1/webhooks/not-a-uuid", {}, 400, "invalid_request", ""},
      {"GET", std::string("/v1/webhooks/") + kUnknownId, {}, 404, "not_found", ""},
      {"DELETE", std::string("/v1/webhooks/") + kUnknownId, {}, 404, "not_found", ""},
      {"GET", std::string("/v1/webhooks/") + kUnknownId + "/deliveries", {}, 404, "not_found", ""},
      {"GET", "/v1/webhooks?limit=0", {}, 400, "invalid_request", "limit"},
      {"GET",
       "/v1/webhooks/" + str(existing, "id") + "/deliveries?limit=1001",
       {},
       400,
       "invalid_request",
       "limit"},
      {"PATCH", "/v1/webhooks/" + str(existing, "id"), R"({"url":"http://x"})", 405,
       "method_not_allowed", ""},
  };
  for (const char* badUrl : {"ftp://127.0.0.1/hook", "file:///etc/passwd", "not a url", "",
                             "javascript:alert(1)", "127.0.0.1:8080/hook", "http://"}) {
    cases.push_back({"POST", "/v1/webhooks",
                     "{" + ev + R"(,"url":)" + json::serialize(json::value(badUrl)) + "}", 400,
                     "invalid_request", "url"});
  }
  expectRefused(cases);
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(json::serialize(fetch("/v1/webhooks")), webhooksBefore);
  EXPECT_EQ(allEvents().size(), eventsBefore) << "rejected requests appended events";
  // The existing subscription still works.
  ASSERT_EQ(api().del("/v1/brands/" + brandId).status, 204);
  ASSERT_TRUE(receiver.waitFor(2, 10s));
  EXPECT_EQ(typeOf(receiver.requests()[1]), "brand.deleted");
}

}  // namespace
}  // namespace offers::testing
