// What the offers-api binary was asked to do: the command and every setting, as the
// settings table (app/settings.hpp) fills them in. The defaults here are the defaults
// users see: --help and docs/configuration.md show them from a default-constructed
// Config (see test_settings.cpp).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/auth.hpp"
#include "http/rate_limit.hpp"
#include "http/server.hpp"
#include "jobs/runner.hpp"
#include "notify/dispatcher.hpp"
#include "store/dynamodb/dynamodb_store.hpp"

namespace offers::app {

enum class Command { serve, seed, linkBrand, lambda, help, version };

// The storage engine: embedded (one process, --data-dir) or shared by many processes.
enum class Engine { rocksdb, dynamodb };

// "rocksdb", "dynamodb": the name users write and logs and metrics show.
std::string_view engineName(Engine engine);
std::optional<Engine> parseEngine(std::string_view name);

struct Config {
  Command command = Command::help;
  http::ServerOptions server;
  // server.handlerThreads as given; unset ("auto"): chosen by engine when serving.
  std::optional<unsigned> handlerThreads;
  Engine store = Engine::rocksdb;
  std::string dataDir = "./data";
  store::dynamodb::Options dynamodb;    // endpoint, table, region, lease, event lag
  bool seed = false;                    // serve: insert the sample data where absent
  bool syncWrites = false;              // fsync the write-ahead log on every write
  std::optional<std::string> seedFile;  // instead of the compiled-in sample data
  // Access: API keys from this file (re-read on SIGHUP) and from OFFERS_API_KEYS.
  std::optional<std::string> apiKeysFile;
  std::vector<http::ApiKey> environmentApiKeys;
  std::optional<std::string> metricsKey;  // alone opens /metrics
  bool allowUnauthenticated = false;      // listen beyond loopback without API keys
  http::RateLimitOptions rateLimit;
  jobs::RunnerOptions jobs;
  notify::DispatcherOptions webhooks;
  // lambda: the function this process is (OFFERS_ROLE): api, jobs, deliveries or sweeper
  std::string role;
  // lambda: the queue the api function hands new jobs to and the jobs function sends its
  // continuations to (OFFERS_JOBS_QUEUE_URL), SQS's endpoint (empty: the region's), and
  // how long before an invocation's deadline the jobs and sweeper functions stop
  // starting work (a job step must fit in it, and the continuation's send).
  std::string jobsQueueUrl;
  // lambda: the queue of webhook deliveries the sweeper fills and the deliveries
  // function takes (OFFERS_DELIVERIES_QUEUE_URL)
  std::string deliveriesQueueUrl;
  std::string sqsEndpoint;
  std::chrono::milliseconds lambdaMargin{10000};
  // lambda: a Secrets Manager secret holding more API keys, and its endpoint (empty: the
  // region's)
  std::string apiKeysSecret;
  std::string secretsEndpoint;
  // link-brand
  std::string serverUrl = "http://127.0.0.1:8080";
  std::string offerId;
  bool wait = false;
  std::optional<std::string> apiKey;  // sent as `Authorization: Bearer <key>`
};

// A default-constructed Config, made once: what the settings show as their defaults.
// Out of line, since gcc 12 at -O3 takes a Config built and read in one function for
// uninitialised (-Wmaybe-uninitialized, a false positive).
const Config& defaultConfig();

}  // namespace offers::app
