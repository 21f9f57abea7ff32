// What an operator sees (README "Observability"): a request id on every response, one
// JSON log line per request naming its route template, /readyz, and /metrics in the
// Prometheus text format, whose counters move by exactly what the test did. The
// exposition is read with the strict parser of tests/support/prometheus.hpp, so a
// malformed line fails the test rather than a dashboard.
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/jobs_helpers.hpp"
#include "support/log_lines.hpp"
#include "support/loopback_http_server.hpp"
#include "support/prometheus.hpp"
#include "support/sample_ids.hpp"
#include "support/server_process.hpp"

namespace offers::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using namespace std::string_literals;
using Clock = std::chrono::steady_clock;

// ---- Helpers shared by the fixtures ----------------------------------------------------

bool isGeneratedRequestId(const std::string& id) {
  return id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

class ObservabilityTest : public JobServerTest {
 protected:
  ObservabilityTest() { seed_ = true; }

  std::string engine() const { return onDynamoDb() ? "dynamodb" : "rocksdb"; }

  // GET /metrics, checked for its content type and parsed.
  Exposition scrape(HttpClient* client = nullptr, const Headers& headers = {}) {
    HttpClient& c = client != nullptr ? *client : api();
    const HttpResponse r = c.request("GET", "/metrics", std::nullopt, headers);
    if (r.status != 200) throw std::runtime_error("expected 200: " + r.describe());
    EXPECT_EQ(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    lastScrape_ = r.body;
    return parseExposition(r.body);
  }

  // Scrapes until `done` holds; the last exposition either way (EXPECTed to hold).
  Exposition scrapeUntil(const std::function<bool(const Exposition&)>& done, std::string_view what,
                         std::chrono::milliseconds timeout = 10s) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      Exposition e = scrape();
      if (done(e)) return e;
      if (Clock::now() >= deadline) {
        ADD_FAILURE() << "the metrics never showed " << what << "; last scrape:\n" << lastScrape_;
        return e;
      }
      std::this_thread::sleep_for(20ms);
    }
  }

  // The log lines for which `match` holds, once there are at least `n` of them (request
  // lines are written a moment after the response); fails the test when they do not come.
  std::vector<json::object> waitForLogLines(const std::function<bool(const json::object&)>& match,
                                            std::size_t n, std::string_view what) {
    const auto deadline = Clock::now() + 10s;
    for (;;) {
      std::vector<json::object> found;
      for (auto& line : logLines(server().output())) {
        if (match(line)) found.push_back(std::move(line));
      }
      if (found.size() >= n || Clock::now() >= deadline) {
        EXPECT_GE(found.size(), n) << "log lines for " << what << "; output:\n"
                                   << server().output();
        return found;
      }
      std::this_thread::sleep_for(20ms);
    }
  }
  std::vector<json::object> requestLines(const std::string& requestId) {
    return waitForLogLines(
        [&](const json::object& l) {
          return hasString(l, "msg", "request") && hasString(l, "requestId", requestId);
        },
        1, "request " + requestId);
  }

  std::string lastScrape_;
};

// ---- Request ids ------------------------------------------------------------------------

TEST_F(ObservabilityTest, RequestIdsAreEchoedWhenValidAndGeneratedOtherwise) {
  const HttpResponse first = api().get("/healthz");
  const HttpResponse second = api().get("/healthz");
  EXPECT_TRUE(isGeneratedRequestId(first.header("X-Request-Id"))) << first.header("X-Request-Id");
  EXPECT_TRUE(isGeneratedRequestId(second.header("X-Request-Id")));
  EXPECT_NE(first.header("X-Request-Id"), second.header("X-Request-Id"));

  for (const std::string& id :
       {std::string("a"), std::string("abc-123"), std::string("A.b_c~d:e/f+g=h-i"),
        std::string(128, 'x'), std::string("0123456789abcdef0123456789abcdef")}) {
    const HttpResponse r = api().request("GET", "/healthz", std::nullopt, {{"X-Request-Id", id}});
    EXPECT_EQ(r.header("X-Request-Id"), id);
  }
  std::set<std::string> generated;
  for (const std::string& id :
       {std::string(129, 'x'), std::string("has space"), std::string("semi;colon"),
        std::string("quote\"d"), std::string("<script>"), std::string("caf\xc3\xa9"),
        std::string("comma,separated"), std::string("percent%20")}) {
    const HttpResponse r = api().request("GET", "/healthz", std::nullopt, {{"X-Request-Id", id}});
    const std::string got = r.header("X-Request-Id");
    EXPECT_TRUE(isGeneratedRequestId(got)) << "sent \"" << id << "\", got \"" << got << "\"";
    generated.insert(got);
  }
  EXPECT_EQ(generated.size(), 8u) << "generated ids repeat";
  // An empty one is replaced too (sent raw: a client library might drop an empty header).
  RawConnection raw("127.0.0.1", server().port());
  ASSERT_TRUE(raw.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: \r\n\r\n"));
  const auto reply = raw.readResponse(5s);
  ASSERT_EQ(reply.kind, RawConnection::Reply::Kind::kResponse);
  EXPECT_TRUE(isGeneratedRequestId(reply.response.header("X-Request-Id")))
      << reply.response.header("X-Request-Id");
}

TEST_F(ObservabilityTest, EveryResponseCarriesARequestId) {
  const std::vector<std::pair<std::string, std::optional<std::string>>> requests = {
      {"/v1/offers/" + std::string(kSeededOffer), std::nullopt},  // 200
      {"/v1/offers/" + randomUuid(), std::nullopt},               // 404
      {"/v1/no-such-thing", std::nullopt},                        // 404
      {"/v1/offers/not-a-uuid", std::nullopt},                    // 400
      {"/v1/brands", std::string("{")},                           // 400
  };
  for (const auto& [target, body] : requests) {
    const HttpResponse r = api().request(body ? "POST" : "GET", target, body);
    EXPECT_TRUE(isGeneratedRequestId(r.header("X-Request-Id"))) << r.describe();
  }
  const HttpResponse notAllowed = api().request("PUT", "/v1/brands");
  EXPECT_EQ(notAllowed.status, 405);
  EXPECT_TRUE(isGeneratedRequestId(notAllowed.header("X-Request-Id")));
  // Refused before any routing: a body over the limit (from Content-Length), a header
  // over the limit, bytes that are not HTTP.
  for (const std::string& bytes : {
           "POST /v1/brands HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n"s,
           "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(17000, 'a') + "\r\n\r\n",
           "GET /healthz HTTX/1.1\r\n\r\n"s,
       }) {
    RawConnection raw("127.0.0.1", server().port());
    raw.send(bytes);
    const auto reply = raw.readResponse(5s);
    ASSERT_EQ(reply.kind, RawConnection::Reply::Kind::kResponse) << bytes.substr(0, 40);
    EXPECT_GE(reply.response.status, 400);
    EXPECT_TRUE(isGeneratedRequestId(reply.response.header("X-Request-Id")))
        << bytes.substr(0, 40) << " -> " << reply.response.describe();
  }
}

// ---- The request log --------------------------------------------------------------------

TEST_F(ObservabilityTest, OneLogLinePerRequestNamingItsRouteTemplate) {
  struct Expected {
    std::string method;
    std::string target;
    std::optional<std::string> body;
    std::string route;
    int status;
  };
  const std::string unknown = randomUuid();
  const std::vector<Expected> cases = {
      {"GET", "/v1/offers/" + std::string(kSeededOffer), {}, "/v1/offers/{offerId}", 200},
      {"GET", "/v1/offers/" + unknown, {}, "/v1/offers/{offerId}", 404},
      {"GET",
       "/v1/offers/" + std::string(kSeededOffer) + "/locations?limit=5",
       {},
       "/v1/offers/{offerId}/locations",
       200},
      {"POST", "/v1/brands", std::string("{"), "/v1/brands", 400},
      {"GET", "/healthz", {}, "/healthz", 200},
      {"GET", "/v1/no-such-thing/" + unknown, {}, "unmatched", 404},
  };
  int n = 0;
  for (const auto& c : cases) {
    const std::string requestId = "obs-test-" + std::to_string(n++) + "-" + randomUuid();
    const HttpResponse r = api().request(c.method, c.target, c.body, {{"X-Request-Id", requestId}});
    ASSERT_EQ(r.status, c.status) << r.describe();
    const auto lines = requestLines(requestId);
    ASSERT_EQ(lines.size(), 1u) << "one line per request: " << c.target;
    const json::object& line = lines[0];
    const std::string shown = json::serialize(line);
    EXPECT_TRUE(hasString(line, "level", "info")) << shown;
    EXPECT_TRUE(hasString(line, "method", c.method)) << shown;
    EXPECT_TRUE(hasString(line, "route", c.route)) << shown;
    EXPECT_TRUE(hasString(line, "remote", "127.0.0.1")) << shown;
    ASSERT_TRUE(line.contains("status") && line.at("status").is_number()) << shown;
    EXPECT_EQ(line.at("status").to_number<int>(), c.status) << shown;
    ASSERT_TRUE(line.contains("durationMs") && line.at("durationMs").is_number()) << shown;
    EXPECT_GE(line.at("durationMs").to_number<double>(), 0) << shown;
    EXPECT_LT(line.at("durationMs").to_number<double>(), 60000) << shown;
    ASSERT_TRUE(line.contains("time") && line.at("time").is_string()) << shown;
    EXPECT_TRUE(std::string_view(line.at("time").as_string()).ends_with("Z")) << shown;
    EXPECT_FALSE(line.contains("key")) << "no keys are configured: " << shown;
  }
}

TEST_F(ObservabilityTest, RequestsRefusedBeforeRoutingAreLoggedToo) {
  const std::string requestId = "too-large-" + randomUuid();
  RawConnection raw("127.0.0.1", server().port());
  ASSERT_TRUE(raw.send("POST /v1/brands HTTP/1.1\r\nHost: x\r\nX-Request-Id: " + requestId +
                       "\r\nContent-Length: 2000000\r\n\r\n"));
  const auto reply = raw.readResponse(5s);
  ASSERT_EQ(reply.kind, RawConnection::Reply::Kind::kResponse);
  ASSERT_EQ(reply.response.status, 413);
  EXPECT_EQ(reply.response.header("X-Request-Id"), requestId);
  const auto lines = requestLines(requestId);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].at("status").to_number<int>(), 413) << json::serialize(lines[0]);
}

// ---- /readyz ----------------------------------------------------------------------------

TEST_F(ObservabilityTest, ReadyzSaysReady) {
  const HttpResponse r = api().get("/readyz");
  ASSERT_EQ(r.status, 200) << r.describe();
  EXPECT_EQ(json::serialize(r.json()), R"({"status":"ready"})");
  EXPECT_TRUE(r.header("Content-Type").starts_with("application/json"));
}

// ---- /metrics ---------------------------------------------------------------------------

TEST_F(ObservabilityTest, MetricsAreWellFormedAndEveryFamilyIsDescribed) {
  // Something in every family first, as far as a request can cause it.
  ASSERT_EQ(link(kSeededOffer, kSeededLocations[0]).status, 201);
  ASSERT_EQ(api().get("/v1/offers/" + std::string(kSeededOffer)).status, 200);
  const Exposition e = scrape();

  const std::map<std::string, std::string> families = {
      {"offers_http_requests_total", "counter"},
      {"offers_http_request_duration_seconds", "histogram"},
      {"offers_http_requests_in_flight", "gauge"},
      {"offers_http_connections_open", "gauge"},
      {"offers_http_connections_rejected_total", "counter"},
      {"offers_http_rate_limited_total", "counter"},
      {"offers_http_unauthorized_total", "counter"},
      {"offers_store_operation_duration_seconds", "histogram"},
      {"offers_store_errors_total", "counter"},
      {"offers_aws_requests_total", "counter"},
      {"offers_jobs_total", "counter"},
      {"offers_jobs_running", "gauge"},
      {"offers_job_locations_linked_total", "counter"},
      {"offers_webhook_deliveries_total", "counter"},
      {"offers_build_info", "gauge"},
  };
  for (const auto& [family, type] : families) {
    EXPECT_TRUE(e.help.contains(family)) << "no # HELP for " << family;
    EXPECT_FALSE(e.help.contains(family) && e.help.at(family).empty()) << "empty HELP: " << family;
    ASSERT_TRUE(e.type.contains(family)) << "no # TYPE for " << family << "\n" << lastScrape_;
    EXPECT_EQ(e.type.at(family), type) << family;
  }
  // Every sample belongs to a described family.
  for (const auto& s : e.samples) {
    const std::string family = e.familyOf(s.name);
    EXPECT_TRUE(e.help.contains(family) && e.type.contains(family))
        << s.name << " has no HELP or TYPE";
    EXPECT_TRUE(s.name.starts_with("offers_")) << s.name;
  }
  // Histograms: cumulative buckets ending at +Inf, which equals _count.
  for (const auto& [family, type] : e.type) {
    if (type != "histogram") continue;
    std::map<Labels, std::vector<std::pair<double, double>>> buckets;  // by series: (le, count)
    for (const auto& s : e.series(family + "_bucket")) {
      Labels series = s.labels;
      ASSERT_TRUE(series.contains("le")) << family;
      const double le = std::strtod(series.at("le").c_str(), nullptr);
      series.erase("le");
      buckets[series].emplace_back(le, s.value);
    }
    for (auto& [series, counts] : buckets) {
      std::sort(counts.begin(), counts.end());
      for (std::size_t i = 1; i < counts.size(); ++i) {
        EXPECT_GE(counts[i].second, counts[i - 1].second) << family << " is not cumulative";
      }
      ASSERT_FALSE(counts.empty());
      EXPECT_TRUE(std::isinf(counts.back().first)) << family << " has no le=\"+Inf\" bucket";
      EXPECT_EQ(counts.back().second, e.value(family + "_count", series)) << family;
      EXPECT_TRUE(e.find(family + "_sum", series).has_value()) << family << " has no _sum";
    }
  }
  // The build: one series, value 1, with the version the server announced.
  const auto info = e.series("offers_build_info");
  ASSERT_EQ(info.size(), 1u) << lastScrape_;
  EXPECT_EQ(info[0].value, 1);
  EXPECT_EQ(info[0].labels.at("engine"), engine());
  std::string version;
  for (const auto& line : logLines(server().output())) {
    if (hasString(line, "msg", "listening")) version = std::string(line.at("version").as_string());
  }
  EXPECT_EQ(info[0].labels.at("version"), version);
}

TEST_F(ObservabilityTest, CountersMoveByExactlyTheRequestsMade) {
  const std::string offer = kSeededOffer;
  const std::string unknown = randomUuid();
  const Exposition before = scrape();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(api().get("/v1/offers/" + offer).status, 200);
  for (int i = 0; i < 2; ++i) ASSERT_EQ(api().get("/v1/offers/" + unknown).status, 404);
  ASSERT_EQ(api().get("/v1/no-such-thing/" + unknown).status, 404);
  const Exposition after = scrape();

  const std::string requests = "offers_http_requests_total";
  const Labels ok = {{"method", "GET"}, {"route", "/v1/offers/{offerId}"}, {"status", "200"}};
  const Labels missing = {{"method", "GET"}, {"route", "/v1/offers/{offerId}"}, {"status", "404"}};
  const Labels unmatched = {{"method", "GET"}, {"route", "unmatched"}, {"status", "404"}};
  EXPECT_EQ(after.value(requests, ok) - before.value(requests, ok), 3) << lastScrape_;
  EXPECT_EQ(after.value(requests, missing) - before.value(requests, missing), 2);
  EXPECT_EQ(after.value(requests, unmatched) - before.value(requests, unmatched), 1);
  const std::string duration = "offers_http_request_duration_seconds";
  const Labels route = {{"route", "/v1/offers/{offerId}"}};
  EXPECT_EQ(after.value(duration + "_count", route) - before.value(duration + "_count", route), 5);
  EXPECT_GT(after.value(duration + "_sum", route), before.value(duration + "_sum", route));
  const Labels inf = {{"route", "/v1/offers/{offerId}"}, {"le", "+Inf"}};
  EXPECT_EQ(after.value(duration + "_bucket", inf), after.value(duration + "_count", route));

  // Raw ids and paths never become label values (one series per id would grow without end).
  EXPECT_EQ(lastScrape_.find(offer), std::string::npos);
  EXPECT_EQ(lastScrape_.find(unknown), std::string::npos);
  EXPECT_EQ(lastScrape_.find("no-such-thing"), std::string::npos);
  EXPECT_EQ(lastScrape_.find("/v1/offers/d9b1"), std::string::npos);
}

TEST_F(ObservabilityTest, StoreOperationsAreTimedByEngineAndOperation) {
  const Labels link = {{"engine", engine()}, {"op", "link"}};
  const std::string name = "offers_store_operation_duration_seconds";
  const Exposition before = scrape();
  ASSERT_EQ(this->link(kSeededOffer, kSeededLocations[1]).status, 201);
  const Exposition after = scrape();
  EXPECT_EQ(after.value(name + "_count", link) - before.value(name + "_count", link), 1)
      << lastScrape_;
  Labels inf = link;
  inf["le"] = "+Inf";
  EXPECT_EQ(after.value(name + "_bucket", inf), after.value(name + "_count", link));
  for (const auto& s : after.series(name + "_count")) {
    EXPECT_EQ(s.labels.at("engine"), engine());
    EXPECT_EQ(s.labels.size(), 2u) << "labels beyond engine and op";
  }
  for (const auto& s : after.series("offers_store_errors_total")) {
    EXPECT_TRUE(s.labels.contains("engine") && s.labels.contains("op") && s.labels.contains("code"))
        << lastScrape_;
  }
}

TEST_F(ObservabilityTest, ConnectionGaugeFollowsOpenConnections) {
  const std::string open = "offers_http_connections_open";
  const double base = scrape().value(open);
  EXPECT_GE(base, 1) << "the scraping connection is open";
  {
    std::vector<std::unique_ptr<RawConnection>> extra;
    for (int i = 0; i < 3; ++i) {
      extra.push_back(std::make_unique<RawConnection>("127.0.0.1", server().port()));
    }
    scrapeUntil([&](const Exposition& e) { return e.value(open) == base + 3; },
                "three more open connections");
  }
  scrapeUntil([&](const Exposition& e) { return e.value(open) == base; },
              "the connections closed again");
  // Only the scrape itself is in flight while it is answered.
  const double inFlight = scrape().value("offers_http_requests_in_flight");
  EXPECT_GE(inFlight, 0);
  EXPECT_LE(inFlight, 1);
}

TEST_F(ObservabilityTest, ABulkJobShowsInTheMetricsAndTheLog) {
  const int locations = 30;
  const std::string brandId = createBrand("Metered");
  const std::string offerId = str(createOffer(brandId, "Metered offer"), "id");
  createLocations(brandId, locations);
  const Exposition before = scrape();
  const std::string succeeded = "offers_jobs_total";
  const Labels status = {{"status", "succeeded"}};
  const std::string linked = "offers_job_locations_linked_total";

  const std::string jobId = str(startJob(offerId), "id");
  const json::object done = waitUntilFinished(jobId);
  ASSERT_EQ(str(done, "status"), "succeeded") << json::serialize(done);

  const Exposition after = scrapeUntil(
      [&](const Exposition& e) {
        return e.value(succeeded, status) - before.value(succeeded, status) >= 1 &&
               e.value(linked) - before.value(linked) >= locations;
      },
      "the job's success");
  EXPECT_EQ(after.value(succeeded, status) - before.value(succeeded, status), 1);
  EXPECT_EQ(after.value(linked) - before.value(linked), locations);
  EXPECT_EQ(after.value("offers_jobs_running"), 0);

  // A line per state change: queued, running, succeeded.
  const auto lines = waitForLogLines(
      [&](const json::object& l) {
        return hasString(l, "msg", "job") && hasString(l, "jobId", jobId);
      },
      3, "job " + jobId);
  // The workers' lines, in order ("queued" comes from the request's thread and is not
  // ordered against them when a worker's poll finds the job first).
  std::vector<std::string> statuses;
  for (const auto& line : lines) {
    if (const auto* s = line.if_contains("status"); s != nullptr && s->is_string()) {
      if (s->as_string() != "queued") statuses.emplace_back(s->as_string());
    }
  }
  ASSERT_FALSE(statuses.empty());
  EXPECT_EQ(statuses.back(), "succeeded") << json::serialize(json::value_from(statuses));
  EXPECT_NE(std::find(statuses.begin(), statuses.end(), "running"), statuses.end())
      << json::serialize(json::value_from(statuses));
}

class DeliveryMetricsTest : public ObservabilityTest {
 protected:
  DeliveryMetricsTest() { extraArgs_.insert(extraArgs_.end(), {"--webhook-max-attempts", "2"}); }
};

TEST_F(DeliveryMetricsTest, DeliveriesAreCountedByOutcomeAndLogged) {
  // A webhook gets the events recorded from about its creation on, so the seeded data's
  // events may reach these receivers too: the counts are checked against what the
  // receivers saw, and the log against the one event this test makes.
  LoopbackHttpServer good;
  LoopbackHttpServer bad;
  bad.respondWith([](const ReceivedRequest&, std::size_t) { return ScriptedReply{.status = 500}; });
  const std::string name = "offers_webhook_deliveries_total";
  const Exposition before = scrape();
  const std::string goodHook = str(createWebhook(good.url(), {"brand.created"}), "id");
  const std::string badHook = str(createWebhook(bad.url(), {"brand.created"}), "id");
  createBrand("Announced");
  const auto announced = [](const ReceivedRequest& r) {
    return r.body.find("Announced") != std::string::npos;
  };
  const auto count = [&](const LoopbackHttpServer& receiver) {
    const auto requests = receiver.requests();
    return std::count_if(requests.begin(), requests.end(), announced);
  };
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while ((count(good) < 1 || count(bad) < 2) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(count(good), 1);
  ASSERT_EQ(count(bad), 2) << "both attempts";

  const auto delta = [&](const Exposition& e, const std::string& outcome) {
    return e.value(name, {{"outcome", outcome}}) - before.value(name, {{"outcome", outcome}});
  };
  // Every event the bad receiver saw failed once and was then given up.
  const auto badEvents = [&] {
    std::set<std::string> ids;
    for (const auto& r : bad.requests()) ids.insert(r.header("X-Offers-Event-Id"));
    return double(ids.size());
  };
  const Exposition after = scrapeUntil(
      [&](const Exposition& e) {
        return delta(e, "delivered") == double(good.requests().size()) &&
               delta(e, "gave_up") == badEvents() && delta(e, "failed") == badEvents();
      },
      "every delivery counted by outcome");
  EXPECT_EQ(delta(after, "delivered"), double(good.requests().size()));
  EXPECT_EQ(delta(after, "gave_up"), badEvents());
  EXPECT_EQ(delta(after, "failed"), badEvents());

  std::string eventId;
  for (const auto& r : good.requests()) {
    if (announced(r)) eventId = r.header("X-Offers-Event-Id");
  }
  const auto delivered = waitForLogLines(
      [&](const json::object& l) {
        return hasString(l, "msg", "delivery") && hasString(l, "webhookId", goodHook) &&
               hasString(l, "eventId", eventId);
      },
      1, "the delivery of " + eventId + " to " + goodHook);
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_TRUE(hasString(delivered[0], "outcome", "delivered")) << json::serialize(delivered[0]);
  const auto gaveUp = waitForLogLines(
      [&](const json::object& l) {
        return hasString(l, "msg", "delivery") && hasString(l, "webhookId", badHook) &&
               hasString(l, "eventId", eventId) && hasString(l, "outcome", "gave_up");
      },
      1, "giving up on " + badHook);
  EXPECT_EQ(gaveUp.size(), 1u);
}

// ---- Metrics of refusals: 401, 429, connections over the limit -----------------------------

// These exercise the HTTP layer only, the same whatever the engine: embedded-engine pass.
class RefusalMetricsTest : public ObservabilityTest {
 protected:
  void SetUp() override {
    if (onDynamoDb()) GTEST_SKIP() << "HTTP-layer counters do not depend on the engine";
    ObservabilityTest::SetUp();
  }
};

class UnauthorizedMetricsTest : public RefusalMetricsTest {
 protected:
  UnauthorizedMetricsTest() {
    std::ofstream((keysDir_.path() / "keys").string()) << "alice:" << alice_ << "\n";
    extraArgs_.insert(extraArgs_.end(), {"--api-keys-file", (keysDir_.path() / "keys").string()});
  }
  Headers alice() const { return {{"Authorization", "Bearer " + alice_}}; }

  TempDir keysDir_;
  const std::string alice_ = "alice-observability-key-0123";
};

TEST_F(UnauthorizedMetricsTest, RefusedRequestsAreCountedAndLoggedWithoutAKeyName) {
  const std::string name = "offers_http_unauthorized_total";
  const double before = scrape(nullptr, alice()).value(name);
  const std::string requestId = "refused-" + randomUuid();
  const HttpResponse noKey =
      api().request("GET", "/v1/offers", std::nullopt, {{"X-Request-Id", requestId}});
  EXPECT_EQ(noKey.status, 401);
  EXPECT_EQ(noKey.header("X-Request-Id"), requestId);
  const HttpResponse wrongKey = api().request("GET", "/v1/no-such-thing", std::nullopt,
                                              {{"Authorization", "Bearer wrong-key-0123456789"}});
  EXPECT_EQ(wrongKey.status, 401);
  EXPECT_TRUE(isGeneratedRequestId(wrongKey.header("X-Request-Id")));
  EXPECT_EQ(api().request("GET", "/metrics").status, 401);
  EXPECT_EQ(scrape(nullptr, alice()).value(name) - before, 3) << lastScrape_;

  const auto refused = requestLines(requestId);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].at("status").to_number<int>(), 401);
  EXPECT_FALSE(refused[0].contains("key")) << json::serialize(refused[0]);

  const std::string allowedId = "allowed-" + randomUuid();
  Headers headers = alice();
  headers.emplace_back("X-Request-Id", allowedId);
  ASSERT_EQ(api().request("GET", "/v1/offers", std::nullopt, headers).status, 200);
  const auto allowed = requestLines(allowedId);
  ASSERT_EQ(allowed.size(), 1u);
  EXPECT_TRUE(hasString(allowed[0], "key", "alice")) << json::serialize(allowed[0]);
}

class RateLimitedMetricsTest : public RefusalMetricsTest {
 protected:
  RateLimitedMetricsTest() {
    extraArgs_.insert(extraArgs_.end(), {"--rate-limit", "1", "--burst", "2"});
  }
};

TEST_F(RateLimitedMetricsTest, Each429IsCounted) {
  const std::string name = "offers_http_rate_limited_total";
  const double before = scrape().value(name);  // scrapes are never limited
  int limited = 0;
  for (int i = 0; i < 8; ++i) {
    const HttpResponse r = api().get("/v1/brands");
    if (r.status == 429) {
      ++limited;
      EXPECT_TRUE(isGeneratedRequestId(r.header("X-Request-Id")));
    }
  }
  ASSERT_GT(limited, 0);
  EXPECT_EQ(scrape().value(name) - before, limited) << lastScrape_;
  const Labels series = {{"method", "GET"}, {"route", "/v1/brands"}, {"status", "429"}};
  EXPECT_EQ(scrape().value("offers_http_requests_total", series), limited) << lastScrape_;
}

class RejectedConnectionMetricsTest : public RefusalMetricsTest {
 protected:
  RejectedConnectionMetricsTest() {
    extraArgs_.insert(extraArgs_.end(), {"--max-connections", "4"});
  }
};

TEST_F(RejectedConnectionMetricsTest, ConnectionsOverTheLimitAreCounted) {
  const std::string name = "offers_http_connections_rejected_total";
  const double before = scrape().value(name);  // api() holds connection 1 of 4
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<RawConnection>("127.0.0.1", server().port()));
    ASSERT_TRUE(held.back()->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(held.back()->readResponse(5s).response.status, 200);
  }
  for (int i = 0; i < 2; ++i) {
    RawConnection over("127.0.0.1", server().port());
    auto reply = over.waitForReply(2s);
    if (reply.kind == RawConnection::Reply::Kind::kTimeout) {
      over.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      reply = over.readResponse(5s);
    }
    ASSERT_EQ(reply.kind, RawConnection::Reply::Kind::kResponse);
    EXPECT_EQ(reply.response.status, 503);
  }
  const Exposition e = scrape();
  EXPECT_EQ(e.value(name) - before, 2) << lastScrape_;
  EXPECT_EQ(e.value("offers_http_connections_open"), 4) << lastScrape_;
}

}  // namespace
}  // namespace offers::testing
