// Shared by the bulk-job, webhook and event-feed integration tests (DESIGN.md §4 and §6):
// JobServerTest, a ServerTest whose server gets extra flags (job page size and workers,
// webhook retry timing), with the vocabulary of jobs (start one, poll it to an end with a
// deadline), paging of lists whose items carry no id (delivery attempts), and a check of
// X-Offers-Signature computed with OpenSSL directly, independent of the server's code.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/server_process.hpp"

namespace offers::testing {

// HMAC-SHA256(secret, "<t>.<body>") in lower-case hex, through OpenSSL's one-shot HMAC().
inline std::string opensslHmacSha256Hex(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest,
           &length) == nullptr) {
    throw std::runtime_error("HMAC failed");
  }
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

// Checks "t=<decimal>,v1=<64 lower-case hex>" against `secret` and `body`, and that t is
// within `skew` of this machine's clock. Written from the contract, not from the server.
inline ::testing::AssertionResult SignatureMatches(
    std::string_view header, std::string_view secret, std::string_view body,
    std::chrono::seconds skew = std::chrono::seconds(120)) {
  const auto comma = header.find(',');
  if (header.substr(0, 2) != "t=" || comma == std::string_view::npos ||
      header.substr(comma, 4) != ",v1=") {
    return ::testing::AssertionFailure() << "malformed signature header: " << header;
  }
  const std::string t(header.substr(2, comma - 2));
  if (t.empty() || t.find_first_not_of("0123456789") != std::string::npos) {
    return ::testing::AssertionFailure() << "t is not decimal: " << header;
  }
  const std::string v1(header.substr(comma + 4));
  const std::string expected = opensslHmacSha256Hex(secret, t + "." + std::string(body));
  if (v1 != expected) {
    return ::testing::AssertionFailure()
           << "v1 " << v1 << " is not HMAC-SHA256(secret, t.body) = " << expected;
  }
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const long long sent = std::stoll(t);
  if (sent < now - skew.count() || sent > now + skew.count()) {
    return ::testing::AssertionFailure() << "t=" << sent << " is far from now (" << now << ")";
  }
  return ::testing::AssertionSuccess();
}

// A loopback URL on which nothing listens: the port was bound and released, so connecting
// is refused at once.
inline std::string closedPortUrl() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t size = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    close(fd);
    throw std::runtime_error("bind failed");
  }
  close(fd);
  return "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/hook";
}

#ifdef OFFERS_API_BINARY

// A request the server must refuse, and how.
struct BadRequest {
  std::string method;
  std::string target;
  std::optional<std::string> body;
  int status;
  std::string code;
  std::string mention;  // what the error message must name
};

class JobServerTest : public ServerTest {
 protected:
  // Sends each request and expects the error it names (status, code, field).
  void expectRefused(const std::vector<BadRequest>& cases) {
    for (const BadRequest& bad : cases) {
      const HttpResponse r = api().request(bad.method, bad.target, bad.body);
      EXPECT_TRUE(IsApiError(r, bad.status, bad.code, bad.mention))
          << bad.method << " " << bad.target << " " << bad.body.value_or("");
    }
  }

  // Fast webhook retries by default; derived fixtures add or replace flags in their
  // constructors.
  std::vector<std::string> extraArgs_ = {"--webhook-retry-base-ms", "50", "--webhook-timeout-ms",
                                         "2000"};

  void SetUp() override {
    // ServerTest::startServer() keeps a server_ that already exists, so making it here with
    // the extra flags is how they reach every start, restarts included.
    ServerOptions options = serverOptions();
    options.extraArgs = extraArgs_;
    server_ = std::make_unique<ServerProcess>(std::move(options));
    startServer();
  }

  static constexpr const char* kLink = "link-brand-locations";
  static constexpr const char* kUnlinkAll = "unlink-all-locations";

  // POST /v1/jobs; requires 202 and `Location: /v1/jobs/{id}`; returns the job.
  boost::json::object startJob(const std::string& offerId, const std::string& type = kLink) {
    const HttpResponse r = api().post("/v1/jobs", {{"type", type}, {"offerId", offerId}});
    if (r.status != 202) throw std::runtime_error("expected 202: " + r.describe());
    boost::json::object job = r.object();
    const std::string location = r.header("Location");
    if (location != "/v1/jobs/" + str(job, "id")) {
      throw std::runtime_error("Location header \"" + location +
                               "\" is not the job's: " + r.describe());
    }
    return job;
  }
  boost::json::object job(const std::string& id) { return fetch("/v1/jobs/" + id); }

  static bool isTerminal(std::string_view status) {
    return status == "succeeded" || status == "failed" || status == "cancelled";
  }

  // Polls GET /v1/jobs/{id} until `done(job)`; throws, quoting the last state, when
  // `timeout` passes first.
  boost::json::object waitForJob(const std::string& id,
                                 const std::function<bool(const boost::json::object&)>& done,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(30),
                                 std::string_view what = "the awaited state") {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      boost::json::object current = job(id);
      if (done(current)) return current;
      if (std::chrono::steady_clock::now() >= deadline) {
        throw std::runtime_error("job " + id + " did not reach " + std::string(what) + " within " +
                                 std::to_string(timeout.count()) +
                                 " ms; last: " + boost::json::serialize(current));
      }
      // Polling with a deadline, as a client would.
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  // The bound is for a job that never ends, not a speed target: on DynamoDB a job's last
  // page tidies its links after its counts are in, and dynalite on a loaded 2-core
  // machine has taken over 30 s for the 2,500 locations of the largest test.
  boost::json::object waitUntilFinished(
      const std::string& id, std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
    return waitForJob(
        id, [](const boost::json::object& j) { return isTerminal(str(j, "status")); }, timeout,
        "a terminal status");
  }
  // Running with at least one page done: a job caught in the middle.
  boost::json::object waitUntilUnderway(const std::string& id) {
    return waitForJob(
        id,
        [](const boost::json::object& j) {
          return isTerminal(str(j, "status")) ||
                 (str(j, "status") == "running" && num(j, "processed") > 0);
        },
        std::chrono::seconds(30), "running with processed > 0");
  }

  // Every item of a list whose items need not carry an id, page by page, checking each
  // page as listAll() does (200, count, at most `limit`, `last` only before a non-empty page).
  std::vector<boost::json::object> pageAll(const std::string& path, int limit = 1000,
                                           int* pages = nullptr) {
    std::vector<boost::json::object> all;
    std::string cursor;
    int pageCount = 0;
    for (;;) {
      std::string target = path;
      target += (path.find('?') == std::string::npos ? "?" : "&");
      target += "limit=" + std::to_string(limit);
      if (!cursor.empty()) target += "&start=" + urlEncode(cursor);
      const boost::json::object page = fetch(target);
      ++pageCount;
      const auto& items = page.at("items").as_array();
      EXPECT_EQ(num(page, "count"), static_cast<std::int64_t>(items.size())) << target;
      EXPECT_LE(items.size(), static_cast<std::size_t>(limit)) << target;
      if (!cursor.empty()) {
        EXPECT_FALSE(items.empty()) << "`last` led to an empty page " << target;
      }
      for (const auto& item : items) all.push_back(item.as_object());
      const boost::json::value* last = page.if_contains("last");
      if (last == nullptr) break;
      if (!last->is_string() || last->as_string().empty()) {
        throw std::runtime_error("`last` is not a non-empty string at " + target);
      }
      cursor = std::string(last->as_string());
      if (pageCount > 100000) throw std::runtime_error("paging never ends: " + path);
    }
    if (pages != nullptr) *pages = pageCount;
    return all;
  }

  // The event feed from its beginning.
  std::vector<boost::json::object> allEvents(int limit = 1000) {
    return listAll("/v1/events", limit);
  }

  // POST /v1/webhooks; requires 201; returns the webhook (with its secret).
  boost::json::object createWebhook(const std::string& url, std::vector<std::string> events,
                                    std::optional<std::string> secret = {}) {
    boost::json::array types;
    for (auto& type : events) types.emplace_back(type);
    boost::json::object body = {{"url", url}, {"events", types}};
    if (secret) body["secret"] = *secret;
    return create("/v1/webhooks", body);
  }
  // Polls the delivery attempts of a webhook until `done(attempts)`; throws on timeout.
  std::vector<boost::json::object> waitForAttempts(
      const std::string& webhookId,
      const std::function<bool(const std::vector<boost::json::object>&)>& done,
      std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto attempts = pageAll("/v1/webhooks/" + webhookId + "/deliveries");
      if (done(attempts)) return attempts;
      if (std::chrono::steady_clock::now() >= deadline) {
        std::string seen;
        for (const auto& a : attempts) seen += boost::json::serialize(a) + "\n";
        throw std::runtime_error("delivery attempts of " + webhookId +
                                 " did not reach the awaited state; seen:\n" + seen);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  // error.details.jobId of a 409, or "" when absent.
  static std::string detailsJobId(const HttpResponse& r) {
    try {
      const auto body = r.object();
      const auto* error = body.if_contains("error");
      if (error == nullptr || !error->is_object()) return "";
      const auto* details = error->as_object().if_contains("details");
      if (details == nullptr || !details->is_object()) return "";
      const auto* jobId = details->as_object().if_contains("jobId");
      return jobId != nullptr && jobId->is_string() ? std::string(jobId->as_string()) : "";
    } catch (const std::exception&) {
      return "";
    }
  }

  static bool isNull(const boost::json::object& o, std::string_view key) {
    const auto* field = o.if_contains(key);
    return field != nullptr && field->is_null();
  }
  static double real(const boost::json::object& o, std::string_view key) {
    const auto* field = o.if_contains(key);
    if (field == nullptr || !field->is_number()) {
      throw std::runtime_error("no number \"" + std::string(key) + "\" in " +
                               boost::json::serialize(o));
    }
    return field->to_number<double>();
  }
};

#endif  // OFFERS_API_BINARY

}  // namespace offers::testing
