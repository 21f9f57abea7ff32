// The binary under test as a child process: ServerProcess starts `offers-api serve` on an
// ephemeral port, waits for its "listening" log line, and stops it gracefully (SIGTERM)
// or brutally (SIGKILL), restartable on the same data directory. runCommand runs the
// binary to completion (--version, bad flags). ServerTest is the GoogleTest fixture the
// integration suite builds on: one server on a fresh data dir per test, and the small
// vocabulary of API calls the tests share. With OFFERS_TEST_STORE=dynamodb in the
// environment (ctest's integration-dynamodb.* tests) the fixture's servers run on the
// DynamoDB engine, on this test process's dynalite, instead of the embedded one.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/child_output.hpp"
#include "support/emulator.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"

namespace offers::testing {

// The DynamoDB engine's settings of a server (--store dynamodb and its flags), by name.
struct DynamoDbEngine {
  std::string endpoint = {};         // --dynamodb-endpoint
  std::string table = {};            // --dynamodb-table
  std::string region = "us-east-1";  // --aws-region
  // --create-table: harmless when the table exists, so on unless a test wants it off.
  bool createTable = true;
  // --dynamodb-event-lag-ms, --dynamodb-index-lag-ms and --dynamodb-lease-ms; unset: the
  // server's defaults.
  std::optional<int> eventLagMs = {};
  std::optional<int> indexLagMs = {};
  std::optional<int> leaseMs = {};
};

// Every field has a default, so designated initializers may name only the ones they set.
struct ServerOptions {
  std::string binary = {};   // path of offers-api
  std::string dataDir = {};  // --data-dir
  bool seed = false;         // --seed
  int threads = 0;           // --threads N when > 0
  // --allow-private-webhooks: on by default, since tests register receivers on loopback;
  // tests of the refusal of such targets turn it off.
  bool allowPrivateWebhooks = true;
  std::vector<std::string> extraArgs = {};
  // The DynamoDB engine, its flags after extraArgs; unset: the default (embedded) engine.
  // Kept apart from extraArgs so that fixtures which replace extraArgs keep the engine.
  std::optional<DynamoDbEngine> dynamodb = {};
  std::chrono::milliseconds startTimeout = std::chrono::seconds(20);
};

class ServerProcess {
 public:
  explicit ServerProcess(ServerOptions options);
  // Kills the server (SIGKILL) if it still runs, and reaps it. In sanitizer builds
  // (OFFERS_TEST_CHECK_SERVER_EXIT) it first stops it with SIGTERM and fails the current
  // test when the exit status is not 0.
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts the server and returns once it has logged "listening". Throws
  // std::runtime_error, quoting its output, when it exits first or does not get there
  // within options.startTimeout. Callable again after stop() or kill9().
  void start();

  // Sends `signal` and waits for the exit; returns the exit code, or 128 + the signal
  // number when a signal ended it. Throws when it has not exited within `timeout` (the
  // server is then killed).
  int stop(int signal = SIGTERM, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // SIGKILL and reap; returns as stop() does.
  int kill9();
  // The exit status when the server has exited on its own (it is then reaped), or
  // nullopt while it still runs.
  std::optional<int> exitedOnItsOwn();

  bool running() const { return pid_ > 0; }
  unsigned short port() const { return port_; }
  const std::string& host() const { return host_; }
  // Everything the server wrote to stdout since the last start().
  std::string output() const;
  HttpClient client() const { return HttpClient(host_, port_); }

 private:
  int waitForExit(std::chrono::milliseconds timeout);  // -1 when still running

  ServerOptions options_;
  std::string host_ = "127.0.0.1";
  pid_t pid_ = -1;
  unsigned short port_ = 0;

  ChildOutput output_;
};

struct CommandResult {
  int exitCode = -1;  // as ServerProcess::stop() reports it
  std::string out;
  std::string err;
  bool timedOut = false;
};

// Runs `binary args...` to completion with its stdout and stderr captured; kills it and
// sets timedOut when it runs longer than `timeout`.
CommandResult runCommand(const std::string& binary, const std::vector<std::string>& args,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A random version-4 UUID in lower case, for client-supplied ids.
std::string randomUuid();

// The fixture exists only where the binary's path is compiled in (the integration suite).
#ifdef OFFERS_API_BINARY

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { startServer(); }
  // A server that died during the test (a crash after its last answer, say) fails it.
  void TearDown() override {
    if (!server_ || !server_->running()) return;
    if (const auto status = server_->exitedOnItsOwn()) {
      ADD_FAILURE() << "offers-api exited unexpectedly with status " << *status << "; stdout:\n"
                    << server_->output();
    }
  }

  // Flags of the server this fixture starts; derived fixtures adjust seed_ or threads_.
  ServerOptions serverOptions() const {
    ServerOptions options;
    options.binary = OFFERS_API_BINARY;
    options.dataDir = dataDir_.str();
    options.seed = seed_;
    options.threads = threads_;
    if (onDynamoDb()) {
      useDynaliteCredentials();
      // The same table at every (re)start of this test, so a restart finds its data;
      // --create-table because the table is new on the first start. Event lag 0: the
      // feed tests read the events of a change right after it was acknowledged.
      options.dynamodb = DynamoDbEngine{.endpoint = sharedDynalite().endpoint(),
                                        .table = table_,
                                        .eventLagMs = 0,
                                        // dynalite writes its indexes with the table.
                                        .indexLagMs = 0,
                                        // Short, so that what a killed server left half-done
                                        // is repaired within a test's patience.
                                        .leaseMs = 1000};
    }
    return options;
  }

  // How many locations a test that needs many should make: a tenth on DynamoDB, whose
  // test double (dynalite, one Node.js thread) serves a few hundred conditional writes a
  // second; the behaviour under test does not depend on the count.
  int sized(int n) const { return onDynamoDb() ? n / 10 : n; }

 public:
  // Whether this run's servers use the DynamoDB engine (OFFERS_TEST_STORE=dynamodb). Any
  // other value than "", "rocksdb" or "dynamodb" is a mistake and throws rather than
  // quietly testing the default engine.
  static bool onDynamoDb() {
    const char* value = std::getenv("OFFERS_TEST_STORE");
    const std::string_view store = value != nullptr ? value : "";
    if (store.empty() || store == "rocksdb") return false;
    if (store == "dynamodb") return true;
    throw std::runtime_error("OFFERS_TEST_STORE=" + std::string(store) +
                             " names no engine (rocksdb or dynamodb)");
  }

 protected:
  void startServer() {
    if (!server_) server_ = std::make_unique<ServerProcess>(serverOptions());
    server_->start();
    api_ = std::make_unique<HttpClient>(server_->client());
  }
  // Kill -9 and start again on the same data dir (with the same flags).
  void crashAndRestart() {
    api_.reset();
    server_->kill9();
    startServer();
  }

  ServerProcess& server() { return *server_; }
  HttpClient& api() { return *api_; }
  HttpClient newClient() const { return server_->client(); }

  // ---- vocabulary; each throws (failing the test) when the call does not succeed ----

  // POST `body`, require 201, return the created entity.
  boost::json::object create(std::string_view target, const boost::json::object& body) {
    HttpResponse r = api().post(target, body);
    if (r.status != 201) throw std::runtime_error("expected 201: " + r.describe());
    return r.object();
  }
  std::string createBrand(std::string name = "Brand") {
    return str(create("/v1/brands", {{"name", name}}), "id");
  }
  boost::json::object createOffer(const std::string& brandId, std::string name = "Offer",
                                  boost::json::object extra = {}) {
    extra["name"] = name;
    extra["brandId"] = brandId;
    return create("/v1/offers", extra);
  }
  boost::json::object createLocation(const std::string& brandId, std::string address = "Street",
                                     boost::json::object extra = {}) {
    extra["address"] = address;
    extra["brandId"] = brandId;
    return create("/v1/locations", extra);
  }
  // `count` locations of `brandId` through the batch endpoint; returns their ids in order.
  std::vector<std::string> createLocations(const std::string& brandId, int count,
                                           const std::string& addressPrefix = "Address ") {
    std::vector<std::string> ids;
    for (int first = 0; first < count; first += 1000) {
      boost::json::array items;
      for (int i = first; i < count && i < first + 1000; ++i) {
        items.push_back(boost::json::object{{"address", addressPrefix + std::to_string(i)},
                                            {"brandId", brandId}});
      }
      const auto created = create("/v1/locations/batch", {{"items", items}});
      for (const auto& item : created.at("items").as_array()) ids.push_back(str(item, "id"));
    }
    return ids;
  }
  // GET `target`, require 200, return the body.
  boost::json::object fetch(std::string_view target) {
    HttpResponse r = api().get(target);
    if (r.status != 200) throw std::runtime_error("expected 200: " + r.describe());
    return r.object();
  }
  boost::json::object offer(const std::string& id) { return fetch("/v1/offers/" + id); }
  boost::json::object location(const std::string& id) { return fetch("/v1/locations/" + id); }

  static std::string linkPath(const std::string& offerId, const std::string& locationId) {
    return "/v1/offers/" + offerId + "/locations/" + locationId;
  }
  HttpResponse link(const std::string& offerId, const std::string& locationId) {
    return api().request("POST", linkPath(offerId, locationId));
  }
  HttpResponse unlink(const std::string& offerId, const std::string& locationId) {
    return api().del(linkPath(offerId, locationId));
  }

  // Every item of a list endpoint, page by page with `limit` (0: the server's default),
  // checking each page: 200, count == number of items, at most `limit` items, no id seen
  // twice, and `last` present exactly when another non-empty page follows.
  std::vector<boost::json::object> listAll(const std::string& path, int limit = 1000,
                                           int* pages = nullptr) {
    std::vector<boost::json::object> all;
    std::set<std::string> seen;
    std::string cursor;
    int pageCount = 0;
    bool previousHadLast = false;
    for (;;) {
      std::string target = path;
      char sep = path.find('?') == std::string::npos ? '?' : '&';
      if (limit > 0) {
        target += sep + std::string("limit=") + std::to_string(limit);
        sep = '&';
      }
      if (!cursor.empty()) target += sep + std::string("start=") + urlEncode(cursor);
      const boost::json::object page = fetch(target);
      ++pageCount;
      const auto& items = page.at("items").as_array();
      EXPECT_EQ(page.at("count").to_number<std::int64_t>(), static_cast<std::int64_t>(items.size()))
          << target;
      EXPECT_LE(items.size(), static_cast<std::size_t>(limit > 0 ? limit : 100)) << target;
      if (previousHadLast) {
        EXPECT_FALSE(items.empty()) << "`last` was given, but " << target << " is empty";
      }
      for (const auto& item : items) {
        const std::string id = str(item, "id");
        EXPECT_TRUE(seen.insert(id).second) << "id " << id << " listed twice by " << path;
        all.push_back(item.as_object());
      }
      const boost::json::value* last = page.if_contains("last");
      if (last == nullptr) break;
      if (!last->is_string() || last->as_string().empty()) {
        throw std::runtime_error("`last` is not a non-empty string at " + target);
      }
      cursor = std::string(last->as_string());
      previousHadLast = true;
      if (pageCount > 100000) throw std::runtime_error("paging never ends: " + path);
    }
    if (pages != nullptr) *pages = pageCount;
    return all;
  }
  std::vector<std::string> listIds(const std::string& path, int limit = 1000) {
    std::vector<std::string> ids;
    for (const auto& item : listAll(path, limit)) ids.push_back(str(item, "id"));
    return ids;
  }

  // Everything the store holds, as text: compared before and after bad input.
  std::string snapshot() {
    std::string out;
    for (const char* path : {"/v1/brands", "/v1/offers", "/v1/locations"}) {
      for (const auto& item : listAll(path)) out += boost::json::serialize(item) + "\n";
    }
    return out;
  }

  static std::string str(const boost::json::value& v, std::string_view key) {
    const boost::json::value* field = v.as_object().if_contains(key);
    if (field == nullptr || !field->is_string()) {
      throw std::runtime_error("no string \"" + std::string(key) + "\" in " +
                               boost::json::serialize(v));
    }
    return std::string(field->as_string());
  }
  static std::int64_t num(const boost::json::value& v, std::string_view key) {
    const boost::json::value* field = v.as_object().if_contains(key);
    if (field == nullptr || !(field->is_int64() || field->is_uint64())) {
      throw std::runtime_error("no integer \"" + std::string(key) + "\" in " +
                               boost::json::serialize(v));
    }
    return field->to_number<std::int64_t>();
  }
  static bool flag(const boost::json::value& v, std::string_view key) {
    const boost::json::value* field = v.as_object().if_contains(key);
    if (field == nullptr || !field->is_bool()) {
      throw std::runtime_error("no boolean \"" + std::string(key) + "\" in " +
                               boost::json::serialize(v));
    }
    return field->as_bool();
  }

  TempDir dataDir_;
  std::string table_ = uniqueTableName();  // on DynamoDB: this test's table
  bool seed_ = false;
  int threads_ = 0;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> api_;
};

#endif  // OFFERS_API_BINARY

}  // namespace offers::testing
