#include "cli.hpp"

#include <charconv>
#include <cstdlib>
#include <stdexcept>

namespace offers::app {
namespace {

[[noreturn]] void bad(const std::string& message) {
  throw std::invalid_argument(message);
}

unsigned long parseNumber(const std::string& name, const std::string& text, unsigned long max) {
  unsigned long value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() || value > max) {
    bad(name + ": expected a whole number from 0 to " + std::to_string(max) + ", got '" + text +
        "'");
  }
  return value;
}

bool parseBool(const std::string& name, const std::string& text) {
  if (text == "1" || text == "true" || text == "yes" || text == "on") return true;
  if (text == "0" || text == "false" || text == "no" || text == "off" || text.empty()) return false;
  bad(name + ": expected true or false, got '" + text + "'");
}

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v) return std::nullopt;
  return std::string(v);
}

constexpr unsigned kServe = 1, kSeed = 2, kLinkBrand = 4;

unsigned commandBit(Command c) {
  switch (c) {
    case Command::serve:
      return kServe;
    case Command::seed:
      return kSeed;
    case Command::linkBrand:
      return kLinkBrand;
    case Command::help:
    case Command::version:
      return 0;
  }
  return 0;
}

std::chrono::milliseconds millis(const std::string& n, const std::string& v) {
  return std::chrono::milliseconds(parseNumber(n, v, 24ul * 3600 * 1000));
}

// One setting: its flag, its environment variable, the commands it belongs to, and how to
// apply a value.
struct Setting {
  const char* flag;
  const char* envVar;
  unsigned commands;
  bool takesValue;
  void (*apply)(Config&, const std::string& name, const std::string& value);
};

const Setting kSettings[] = {
    {"--host", "OFFERS_HOST", kServe, true,
     [](Config& c, const std::string&, const std::string& v) { c.server.host = v; }},
    {"--port", "OFFERS_PORT", kServe, true,
     [](Config& c, const std::string& n, const std::string& v) {
       c.server.port = static_cast<unsigned short>(parseNumber(n, v, 65535));
     }},
    {"--data-dir", "OFFERS_DATA_DIR", kServe | kSeed, true,
     [](Config& c, const std::string& n, const std::string& v) {
       if (v.empty()) bad(n + ": must not be empty");
       c.dataDir = v;
     }},
    {"--threads", "OFFERS_THREADS", kServe, true,
     [](Config& c, const std::string& n, const std::string& v) {
       c.server.threads = static_cast<unsigned>(parseNumber(n, v, 256));
     }},
    {"--seed", "OFFERS_SEED", kServe, false,
     [](Config& c, const std::string& n, const std::string& v) { c.seed = parseBool(n, v); }},
    {"--sync-writes", "OFFERS_SYNC_WRITES", kServe | kSeed, false,
     [](Config& c, const std::string& n, const std::string& v) { c.syncWrites = parseBool(n, v); }},
    {"--job-workers", "OFFERS_JOB_WORKERS", kServe, true,
     [](Config& c, const std::string& n, const std::string& v) {
       c.jobs.workers = unsigned(parseNumber(n, v, 64));
       if (c.jobs.workers == 0) bad(n + ": at least 1");
     }},
    {"--job-page-size", "OFFERS_JOB_PAGE_SIZE", kServe, true,
     [](Config& c, const std::string& n, const std::string& v) {
       c.jobs.pageSize = parseNumber(n, v, 10000);
       if (c.jobs.pageSize == 0) bad(n + ": at least 1");
     }},
    {"--webhook-max-attempts", "OFFERS_WEBHOOK_MAX_ATTEMPTS", kServe, true,
     [](Config& c, const std::string& n, const std::string& v) {
       c.webhooks.maxAttempts = int(parseNumber(n, v, 100));
       if (c.webhooks.maxAttempts == 0) bad(n + ": at least 1");
     }},
    {"--webhook-retry-base-ms", "OFFERS_WEBHOOK_RETRY_BASE_MS", kServe, true,
     [](Config& c, const std::string& n, const std::string& v) {
       c.webhooks.retryBase = millis(n, v);
     }},
    {"--allow-private-webhooks", "OFFERS_ALLOW_PRIVATE_WEBHOOKS", kServe, false,
     [](Config& c, const std::string& n, const std::string& v) {
       c.webhooks.sender.allowPrivateTargets = parseBool(n, v);
     }},
    {"--webhook-timeout-ms", "OFFERS_WEBHOOK_TIMEOUT_MS", kServe, true,
     [](Config& c, const std::string& n, const std::string& v) {
       c.webhooks.sender.timeout = millis(n, v);
       if (c.webhooks.sender.timeout.count() == 0) bad(n + ": at least 1");
     }},
    {"--store", "OFFERS_STORE", kServe | kSeed, true,
     [](Config& c, const std::string& n, const std::string& v) {
       if (v != "rocksdb" && v != "dynamodb") bad(n + ": 'rocksdb' or 'dynamodb', not '" + v + "'");
       c.store = v;
     }},
    {"--dynamodb-endpoint", "OFFERS_DYNAMODB_ENDPOINT", kServe | kSeed, true,
     [](Config& c, const std::string& n, const std::string& v) {
       if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0) {
         bad(n + ": an http:// or https:// URL, not '" + v + "'");
       }
       c.dynamodb.client.endpoint = v;
     }},
    {"--dynamodb-table", "OFFERS_DYNAMODB_TABLE", kServe | kSeed, true,
     [](Config& c, const std::string& n, const std::string& v) {
       // DynamoDB's own rule for table names.
       const bool ok = v.size() >= 3 && v.size() <= 255 &&
                       v.find_first_not_of(
                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                           "0123456789_.-") == std::string::npos;
       if (!ok) bad(n + ": 3 to 255 of a-z, A-Z, 0-9, '_', '-', '.'");
       c.dynamodb.table = v;
     }},
    {"--aws-region", "AWS_REGION", kServe | kSeed, true,
     [](Config& c, const std::string& n, const std::string& v) {
       if (v.empty()) bad(n + ": must not be empty");
       c.dynamodb.client.region = v;
     }},
    {"--create-table", "OFFERS_CREATE_TABLE", kServe | kSeed, false,
     [](Config& c, const std::string& n, const std::string& v) {
       c.dynamodb.createTable = parseBool(n, v);
     }},
    {"--dynamodb-lease-ms", "OFFERS_DYNAMODB_LEASE_MS", kServe, true,
     [](Config& c, const std::string& n, const std::string& v) {
       c.dynamodb.lease = millis(n, v);
       if (c.dynamodb.lease.count() < 100) bad(n + ": at least 100");
     }},
    {"--dynamodb-event-lag-ms", "OFFERS_DYNAMODB_EVENT_LAG_MS", kServe, true,
     [](Config& c, const std::string& n, const std::string& v) {
       c.dynamodb.eventLag = millis(n, v);
     }},
    {"--api-keys-file", "OFFERS_API_KEYS_FILE", kServe, true,
     [](Config& c, const std::string& n, const std::string& v) {
       if (v.empty()) bad(n + ": must not be empty");
       c.apiKeysFile = v;
     }},
    {"--allow-unauthenticated", "OFFERS_ALLOW_UNAUTHENTICATED", kServe, false,
     [](Config& c, const std::string& n, const std::string& v) {
       c.allowUnauthenticated = parseBool(n, v);
     }},
    {"--rate-limit", "OFFERS_RATE_LIMIT", kServe, true,
     [](Config& c, const std::string& n, const std::string& v) {
       const std::string number = v.ends_with("/s") ? v.substr(0, v.size() - 2) : v;
       c.rateLimit.rate = double(parseNumber(n, number, 1000000));
     }},
    {"--burst", "OFFERS_BURST", kServe, true,
     [](Config& c, const std::string& n, const std::string& v) {
       c.rateLimit.burst = double(parseNumber(n, v, 1000000));
       if (c.rateLimit.burst == 0) bad(n + ": at least 1");
     }},
    {"--header-timeout-ms", "OFFERS_HEADER_TIMEOUT_MS", kServe, true,
     [](Config& c, const std::string& n, const std::string& v) {
       c.server.headerTimeout = millis(n, v);
       if (c.server.headerTimeout.count() == 0) bad(n + ": at least 1");
     }},
    {"--idle-timeout-ms", "OFFERS_IDLE_TIMEOUT_MS", kServe, true,
     [](Config& c, const std::string& n, const std::string& v) {
       c.server.idleTimeout = millis(n, v);
       if (c.server.idleTimeout.count() == 0) bad(n + ": at least 1");
     }},
    {"--max-connections", "OFFERS_MAX_CONNECTIONS", kServe, true,
     [](Config& c, const std::string& n, const std::string& v) {
       c.server.maxConnections = parseNumber(n, v, 1000000);
       if (c.server.maxConnections == 0) bad(n + ": at least 1");
     }},
    {"--max-header-bytes", "OFFERS_MAX_HEADER_BYTES", kServe, true,
     [](Config& c, const std::string& n, const std::string& v) {
       c.server.headerLimit = parseNumber(n, v, 1024 * 1024);
       if (c.server.headerLimit < 1024) bad(n + ": at least 1024");
     }},
    {"--max-body-bytes", "OFFERS_MAX_BODY_BYTES", kServe, true,
     [](Config& c, const std::string& n, const std::string& v) {
       c.server.bodyLimit = parseNumber(n, v, 1024ul * 1024 * 1024);
     }},
    {"--file", "OFFERS_SEED_FILE", kSeed, true,
     [](Config& c, const std::string&, const std::string& v) { c.seedFile = v; }},
    {"--server", "OFFERS_SERVER", kLinkBrand, true,
     [](Config& c, const std::string&, const std::string& v) { c.serverUrl = v; }},
    {"--offer", "OFFERS_OFFER", kLinkBrand, true,
     [](Config& c, const std::string&, const std::string& v) { c.offerId = v; }},
    {"--wait", "OFFERS_WAIT", kLinkBrand, false,
     [](Config& c, const std::string& n, const std::string& v) { c.wait = parseBool(n, v); }},
};

}  // namespace

bool isLoopback(const std::string& host) {
  return host == "::1" || host.rfind("127.", 0) == 0 || host == "localhost";
}

std::string usage() {
  return R"(offers-api: card-linked offers service

Usage:
  offers-api serve [--host 127.0.0.1] [--port 8080] [--data-dir ./data] [--seed]
                   [--threads N] [--sync-writes]
  offers-api serve --store dynamodb --dynamodb-endpoint URL --dynamodb-table NAME
                   --aws-region REGION [--create-table] [...]
  offers-api seed  [--data-dir ./data | --store dynamodb ...] [--file FILE]
  offers-api link-brand --offer ID [--server http://127.0.0.1:8080] [--wait]
  offers-api --help | --version

Options (each also read from the environment variable in brackets; a flag wins):
  --host ADDR      address to listen on [OFFERS_HOST] (default 127.0.0.1)
  --port N         port to listen on, 0 for any free one [OFFERS_PORT] (default 8080)
  --data-dir DIR   where the embedded store keeps its files [OFFERS_DATA_DIR] (default ./data)
  --seed           insert the sample data where absent, never overwriting [OFFERS_SEED]
  --threads N      HTTP worker threads, 0 for one per core [OFFERS_THREADS] (default 0)
  --sync-writes    fsync the write-ahead log on every write: survive power loss, not only
                   a killed process, at a cost in write latency [OFFERS_SYNC_WRITES]
  --store ENGINE   rocksdb (embedded, one process) or dynamodb (shared by many
                   processes) [OFFERS_STORE] (default rocksdb)
  --dynamodb-endpoint URL  e.g. https://dynamodb.eu-west-1.amazonaws.com or
                   http://127.0.0.1:8000 [OFFERS_DYNAMODB_ENDPOINT]; credentials from
                   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
  --dynamodb-table NAME    [OFFERS_DYNAMODB_TABLE] (default offers)
  --aws-region REGION      [AWS_REGION]
  --create-table   create the table and its indexes when absent (pay per request)
                   [OFFERS_CREATE_TABLE]
  --dynamodb-lease-ms N    how long a job, delivery or link operation stays with a
                   process that stopped answering [OFFERS_DYNAMODB_LEASE_MS] (default 15000)
  --dynamodb-event-lag-ms N  the event feed holds back events younger than this, so a
                   late commit of another process is not skipped; 0 for a single process
                   [OFFERS_DYNAMODB_EVENT_LAG_MS] (default 1000)
  --api-keys-file FILE  API keys, one `key` or `name:key` per line; re-read on SIGHUP
                   [OFFERS_API_KEYS_FILE]. More keys, comma-separated, in OFFERS_API_KEYS;
                   OFFERS_METRICS_KEY alone opens /metrics. No keys: authentication is off
  --allow-unauthenticated  allow a --host beyond loopback without API keys
                   [OFFERS_ALLOW_UNAUTHENTICATED]
  --rate-limit N[/s]  requests per second per API key (per client address without
                   keys); 0 for none [OFFERS_RATE_LIMIT] (default 0)
  --burst M        requests a client may make at once [OFFERS_BURST] (default: the rate)
  --header-timeout-ms N  a request's header, then its body, must arrive within this
                   [OFFERS_HEADER_TIMEOUT_MS] (default 10000)
  --idle-timeout-ms N    close a connection idle this long [OFFERS_IDLE_TIMEOUT_MS]
                   (default 60000)
  --max-connections N    answer 503 beyond this many open connections
                   [OFFERS_MAX_CONNECTIONS] (default 1024)
  --max-header-bytes N   431 beyond this [OFFERS_MAX_HEADER_BYTES] (default 16384)
  --max-body-bytes N     413 beyond this [OFFERS_MAX_BODY_BYTES] (default 1048576)
  --job-workers N  background workers for bulk jobs [OFFERS_JOB_WORKERS] (default 1)
  --job-page-size N  locations per atomic job step [OFFERS_JOB_PAGE_SIZE] (default 1000)
  --webhook-max-attempts N   attempts per delivery [OFFERS_WEBHOOK_MAX_ATTEMPTS] (default 8)
  --webhook-retry-base-ms N  delay before the 2nd attempt, doubling after
                   [OFFERS_WEBHOOK_RETRY_BASE_MS] (default 1000)
  --webhook-timeout-ms N     per-delivery timeout [OFFERS_WEBHOOK_TIMEOUT_MS] (default 5000)
  --allow-private-webhooks   let webhooks target loopback, link-local and private
                   addresses, refused by default [OFFERS_ALLOW_PRIVATE_WEBHOOKS]
  --file FILE      seed: a JSON file of brands, offers and locations instead of the
                   built-in sample data [OFFERS_SEED_FILE]
  --server URL     link-brand: the offers-api to talk to [OFFERS_SERVER]
  --offer ID       link-brand: the offer whose brand's locations to link [OFFERS_OFFER]
  --wait           link-brand: follow the job to its end with a progress bar; exit
                   non-zero unless it succeeds [OFFERS_WAIT]
)";
}

Config parseCommandLine(const std::vector<std::string>& args) {
  Config config;
  if (args.empty()) bad("a command is required (serve, seed, --help, --version)");
  const std::string& command = args[0];
  if (command == "--help" || command == "-h" || command == "help") {
    config.command = Command::help;
    return config;
  }
  if (command == "--version" || command == "version") {
    config.command = Command::version;
    return config;
  }
  if (command == "serve") {
    config.command = Command::serve;
  } else if (command == "seed") {
    config.command = Command::seed;
  } else if (command == "link-brand") {
    config.command = Command::linkBrand;
  } else {
    bad("unknown command '" + command + "'");
  }
  const unsigned bit = commandBit(config.command);
  for (const auto& s : kSettings) {
    if (!(s.commands & bit)) continue;
    if (auto v = env(s.envVar)) s.apply(config, s.envVar, *v);
  }
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> inlineValue;
    if (auto eq = flag.find('='); eq != std::string::npos && flag.starts_with("--")) {
      inlineValue = flag.substr(eq + 1);
      flag.resize(eq);
    }
    if (flag == "--help" || flag == "-h") {
      config.command = Command::help;
      return config;
    }
    const Setting* setting = nullptr;
    for (const auto& s : kSettings) {
      if (flag == s.flag) setting = &s;
    }
    if (!setting || !(setting->commands & bit)) {
      bad("unknown option '" + flag + "' for '" + command + "'");
    }
    if (setting->takesValue) {
      if (!inlineValue) {
        if (i + 1 >= args.size()) bad(flag + ": needs a value");
        inlineValue = args[++i];
      }
      setting->apply(config, flag, *inlineValue);
    } else {
      setting->apply(config, flag, inlineValue.value_or("true"));
    }
  }
  if (config.store == "dynamodb" &&
      (config.command == Command::serve || config.command == Command::seed)) {
    if (config.dynamodb.client.endpoint.empty()) bad("--store dynamodb needs --dynamodb-endpoint");
    if (config.dynamodb.client.region.empty()) bad("--store dynamodb needs --aws-region");
    config.dynamodb.client.credentials = aws::Credentials::fromEnvironment();
    if (config.dynamodb.client.credentials.accessKeyId.empty() ||
        config.dynamodb.client.credentials.secretAccessKey.empty()) {
      bad("--store dynamodb needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment");
    }
  }
  if (config.command == Command::linkBrand && config.offerId.empty()) {
    bad("link-brand: --offer is required");
  }
  return config;
}

}  // namespace offers::app
