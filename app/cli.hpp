// Command-line and environment configuration of the offers-api binary. A flag wins
// over its environment variable, which wins over the default.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "http/rate_limit.hpp"
#include "http/server.hpp"
#include "jobs/runner.hpp"
#include "notify/dispatcher.hpp"
#include "store/dynamodb/dynamodb_store.hpp"

namespace offers::app {

enum class Command { serve, seed, linkBrand, help, version };

struct Config {
  Command command = Command::help;
  http::ServerOptions server;
  // Which engine: "rocksdb" (embedded, --data-dir) or "dynamodb" (shared, --dynamodb-*).
  std::string store = "rocksdb";
  std::string dataDir = "./data";
  store::dynamodb::Options dynamodb;    // endpoint, table, region, lease, event lag
  bool seed = false;                    // serve: insert the sample data where absent
  bool syncWrites = false;              // fsync the write-ahead log on every write
  std::optional<std::string> seedFile;  // instead of the compiled-in sample data
  // Access: API keys from this file (reloaded on SIGHUP) and from OFFERS_API_KEYS.
  std::optional<std::string> apiKeysFile;
  bool allowUnauthenticated = false;  // listen beyond loopback without API keys
  http::RateLimitOptions rateLimit;
  jobs::RunnerOptions jobs;
  notify::DispatcherOptions webhooks;
  // link-brand
  std::string serverUrl = "http://127.0.0.1:8080";
  std::string offerId;
  bool wait = false;
};

// Throws std::invalid_argument with a message fit for the user on a bad flag or value.
Config parseCommandLine(const std::vector<std::string>& args);

std::string usage();

// 127.0.0.0/8 or ::1: only this machine can connect.
bool isLoopback(const std::string& host);

}  // namespace offers::app
