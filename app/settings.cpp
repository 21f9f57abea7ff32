#include "app/settings.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

namespace offers::app {
namespace {

using Show = std::function<std::string(const Config&)>;
using Apply = std::function<void(Config&, const std::string&, const std::string&)>;

using Server = http::ServerOptions;
using DynamoDb = store::dynamodb::Options;
using Client = aws::ClientOptions;
using Jobs = jobs::RunnerOptions;
using Webhooks = notify::DispatcherOptions;
using Sender = notify::SenderOptions;

// The field of a Config at the end of `path` (pointers to members, outermost first), as
// a function of a Config, const or not.
template <class... Members>
auto field(Members... path) {
  // A fold over .*: ((config.*first).*second)...
  // clang-format off
  return [=](auto& config) -> auto& { return (config .* ... .* path); };
  // clang-format on
}

// How a setting's value is shown and applied.
struct Value {
  Show show;
  Apply apply;
};

[[noreturn]] void bad(const std::string& message) {
  throw std::invalid_argument(message);
}

unsigned long parseNumber(const std::string& name, const std::string& text, unsigned long min,
                          unsigned long max) {
  unsigned long value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() || value < min ||
      value > max) {
    bad(name + ": expected a whole number from " + std::to_string(min) + " to " +
        std::to_string(max) + ", got '" + text + "'");
  }
  return value;
}

bool parseSwitch(const std::string& name, const std::string& text) {
  if (text == "1" || text == "true" || text == "yes" || text == "on") return true;
  if (text == "0" || text == "false" || text == "no" || text == "off" || text.empty()) return false;
  bad(name + ": expected on or off (true or false), got '" + text + "'");
}

void notEmpty(const std::string& name, const std::string& value) {
  if (value.empty()) bad(name + ": must not be empty");
}

void httpUrl(const std::string& name, const std::string& value) {
  if (!value.starts_with("http://") && !value.starts_with("https://")) {
    bad(name + ": an http:// or https:// URL, not '" + value + "'");
  }
}

// The field `at(config)` refers to, as a whole number from `min` to `max`.
template <class At>
Value wholeNumber(At at, unsigned long min, unsigned long max) {
  return {[at](const Config& c) { return std::to_string(at(c)); },
          [at, min, max](Config& c, const std::string& n, const std::string& v) {
            auto& target = at(c);
            target =
                static_cast<std::remove_cvref_t<decltype(target)>>(parseNumber(n, v, min, max));
          }};
}

// A whole number, or "auto" (unset: the engine decides, see main.cpp).
template <class At>
Value wholeNumberOrAuto(At at, unsigned long min, unsigned long max) {
  return {[at](const Config& c) {
            const auto& value = at(c);
            return value ? std::to_string(*value) : std::string("auto");
          },
          [at, min, max](Config& c, const std::string& n, const std::string& v) {
            auto& target = at(c);
            if (v == "auto") {
              target.reset();
            } else {
              target = static_cast<typename std::remove_cvref_t<decltype(target)>::value_type>(
                  parseNumber(n, v, min, max));
            }
          }};
}

// A duration in whole milliseconds, at most a day.
template <class At>
Value milliseconds(At at, unsigned long min) {
  return {[at](const Config& c) { return std::to_string(at(c).count()); },
          [at, min](Config& c, const std::string& n, const std::string& v) {
            at(c) = std::chrono::milliseconds(parseNumber(n, v, min, 24ul * 3600 * 1000));
          }};
}

// A switch: "--seed" alone, or on/off from its variable.
template <class At>
Value onOff(At at) {
  return {
      [at](const Config& c) { return std::string(at(c) ? "on" : "off"); },
      [at](Config& c, const std::string& n, const std::string& v) { at(c) = parseSwitch(n, v); }};
}

// Text kept as given (a std::string or an optional one), after `check`.
template <class At>
Value text(At at, void (*check)(const std::string& name, const std::string& value) = nullptr) {
  return {[at](const Config& c) {
            const auto& value = at(c);
            if constexpr (std::is_same_v<std::remove_cvref_t<decltype(value)>, std::string>) {
              return value;
            } else {
              return value.value_or("");
            }
          },
          [at, check](Config& c, const std::string& n, const std::string& v) {
            if (check != nullptr) check(n, v);
            at(c) = v;
          }};
}

// A secret is never shown, not even as a default.
Value secret(Apply apply) {
  return {[](const Config&) { return std::string(); }, std::move(apply)};
}

std::string wholeText(double value) {
  return std::to_string(static_cast<unsigned long>(value));
}

Setting row(std::string_view flag, std::string_view envVar, unsigned commands,
            std::string_view placeholder, std::string_view help, Value value) {
  return Setting{
      flag, envVar, commands, placeholder, help, std::move(value.show), std::move(value.apply)};
}

// Grouped by the commands they belong to: the order of --help and of
// docs/configuration.md.
std::vector<Setting> makeSettings() {
  std::vector<Setting> s;
  // ---- serve ----
  s.push_back(row("--host", "OFFERS_HOST", kServe, "ADDR", "IP address to listen on",
                  text(field(&Config::server, &Server::host), notEmpty)));
  s.push_back(row("--port", "OFFERS_PORT", kServe, "N",
                  "port to listen on; 0 picks a free one (logged)",
                  wholeNumber(field(&Config::server, &Server::port), 0, 65535)));
  s.push_back(row("--threads", "OFFERS_THREADS", kServe, "N",
                  "threads that serve connections; 0: one per core",
                  wholeNumber(field(&Config::server, &Server::threads), 0, 256)));
  s.push_back(row("--handler-threads", "OFFERS_HANDLER_THREADS", kServe, "N",
                  "threads that run request handlers apart from the connection threads, the "
                  "most requests handled at once; 0: on the connection's thread; auto: 0 on "
                  "the embedded engine, 32 on DynamoDB, whose handlers wait on its round trips",
                  wholeNumberOrAuto(field(&Config::handlerThreads), 0, 1024)));
  s.push_back(row("--seed", "OFFERS_SEED", kServe, "",
                  "insert the sample data where absent, never overwriting",
                  onOff(field(&Config::seed))));
  s.push_back(row("--dynamodb-lease-ms", "OFFERS_DYNAMODB_LEASE_MS", kServe | kLambda, "N",
                  "how long a job, a webhook delivery or an unfinished link stays with a "
                  "process that stopped answering before another takes over",
                  milliseconds(field(&Config::dynamodb, &DynamoDb::lease), 100)));
  s.push_back(row("--dynamodb-event-lag-ms", "OFFERS_DYNAMODB_EVENT_LAG_MS", kServe | kLambda, "N",
                  "the event feed holds back events younger than this, so that a late commit "
                  "by another process is not skipped; 0 is right for a single process",
                  milliseconds(field(&Config::dynamodb, &DynamoDb::eventLag), 0)));
  s.push_back(row("--dynamodb-index-lag-ms", "OFFERS_DYNAMODB_INDEX_LAG_MS", kServe | kLambda, "N",
                  "how far DynamoDB's indexes may trail the table: a brand delete waits this "
                  "long before it reads the brand's offers and locations from one",
                  milliseconds(field(&Config::dynamodb, &DynamoDb::indexLag), 0)));
  s.push_back(row("--api-keys-file", "OFFERS_API_KEYS_FILE", kServe | kLambda, "FILE",
                  "API keys, one key or name:key per line; re-read on SIGHUP. No keys at all: "
                  "authentication is off",
                  text(field(&Config::apiKeysFile), notEmpty)));
  s.push_back(row("", "OFFERS_API_KEYS", kServe | kLambda, "KEYS",
                  "more API keys, comma-separated, each a key or name:key",
                  secret([](Config& c, const std::string& n, const std::string& v) {
                    try {
                      c.environmentApiKeys = http::parseApiKeys(v, ',');
                    } catch (const std::invalid_argument& e) {
                      bad(n + ": " + e.what());
                    }
                  })));
  s.push_back(row("--api-keys-secret", "OFFERS_API_KEYS_SECRET", kLambda, "ID",
                  "a Secrets Manager secret (name or ARN) whose SecretString holds more API "
                  "keys, comma-separated as in OFFERS_API_KEYS; read when the function starts",
                  text(field(&Config::apiKeysSecret), notEmpty)));
  s.push_back(row("--secrets-endpoint", "OFFERS_SECRETS_ENDPOINT", kLambda, "URL",
                  "Secrets Manager's endpoint; empty: the region's public endpoint",
                  text(field(&Config::secretsEndpoint), httpUrl)));
  s.push_back(row("", "OFFERS_METRICS_KEY", kServe | kLambda, "KEY",
                  "the one key that opens /metrics (otherwise any API key does)",
                  secret([](Config& c, const std::string& n, const std::string& v) {
                    if (v.empty()) {
                      c.metricsKey.reset();
                      return;
                    }
                    try {
                      c.metricsKey = http::parseApiKeys("metrics:" + v, '\n').at(0).key;
                    } catch (const std::invalid_argument& e) {
                      // Past the "line 1: " of a one-line file.
                      const std::string_view what = e.what();
                      bad(n + ": " + std::string(what.substr(what.find(": ") + 2)));
                    }
                  })));
  s.push_back(row("--allow-unauthenticated", "OFFERS_ALLOW_UNAUTHENTICATED", kServe | kLambda, "",
                  "allow a --host beyond loopback without API keys",
                  onOff(field(&Config::allowUnauthenticated))));
  s.push_back(row("--rate-limit", "OFFERS_RATE_LIMIT", kServe, "N[/s]",
                  "requests per second per API key (per client address without keys); 0 for "
                  "none",
                  {[](const Config& c) { return wholeText(c.rateLimit.rate); },
                   [](Config& c, const std::string& n, const std::string& v) {
                     const std::string number = v.ends_with("/s") ? v.substr(0, v.size() - 2) : v;
                     c.rateLimit.rate = double(parseNumber(n, number, 0, 1000000));
                   }}));
  s.push_back(row("--burst", "OFFERS_BURST", kServe, "N", "requests a client may make at once",
                  {[](const Config& c) {
                     // 0 stands for "as many as the rate" (http::RateLimitOptions).
                     return c.rateLimit.burst == 0 ? std::string("the rate")
                                                   : wholeText(c.rateLimit.burst);
                   },
                   [](Config& c, const std::string& n, const std::string& v) {
                     c.rateLimit.burst = double(parseNumber(n, v, 1, 1000000));
                   }}));
  s.push_back(row("--header-timeout-ms", "OFFERS_HEADER_TIMEOUT_MS", kServe, "N",
                  "a request's header, then its body, must arrive within this",
                  milliseconds(field(&Config::server, &Server::headerTimeout), 1)));
  s.push_back(row("--idle-timeout-ms", "OFFERS_IDLE_TIMEOUT_MS", kServe, "N",
                  "close a connection idle this long",
                  milliseconds(field(&Config::server, &Server::idleTimeout), 1)));
  s.push_back(row("--max-connections", "OFFERS_MAX_CONNECTIONS", kServe, "N",
                  "answer 503 beyond this many open connections",
                  wholeNumber(field(&Config::server, &Server::maxConnections), 1, 1000000)));
  s.push_back(row("--max-header-bytes", "OFFERS_MAX_HEADER_BYTES", kServe, "N",
                  "431 beyond this size of request line and headers",
                  wholeNumber(field(&Config::server, &Server::headerLimit), 1024, 1024 * 1024)));
  s.push_back(
      row("--max-body-bytes", "OFFERS_MAX_BODY_BYTES", kServe, "N", "413 beyond this size of body",
          wholeNumber(field(&Config::server, &Server::bodyLimit), 0, 1024ul * 1024 * 1024)));
  s.push_back(row("--job-workers", "OFFERS_JOB_WORKERS", kServe, "N",
                  "background workers for bulk jobs",
                  wholeNumber(field(&Config::jobs, &Jobs::workers), 1, 64)));
  s.push_back(row("--job-page-size", "OFFERS_JOB_PAGE_SIZE", kServe | kLambda, "N",
                  "locations per atomic job step",
                  wholeNumber(field(&Config::jobs, &Jobs::pageSize), 1, 10000)));
  s.push_back(row("--webhook-max-attempts", "OFFERS_WEBHOOK_MAX_ATTEMPTS", kServe | kLambda, "N",
                  "attempts per webhook delivery",
                  wholeNumber(field(&Config::webhooks, &Webhooks::maxAttempts), 1, 100)));
  s.push_back(row("--webhook-retry-base-ms", "OFFERS_WEBHOOK_RETRY_BASE_MS", kServe | kLambda, "N",
                  "delay before a delivery's second attempt, doubling after (with 20% jitter, "
                  "at most an hour)",
                  milliseconds(field(&Config::webhooks, &Webhooks::retryBase), 0)));
  s.push_back(row("--webhook-timeout-ms", "OFFERS_WEBHOOK_TIMEOUT_MS", kServe | kLambda, "N",
                  "per-delivery timeout",
                  milliseconds(field(&Config::webhooks, &Webhooks::sender, &Sender::timeout), 1)));
  s.push_back(
      row("--allow-private-webhooks", "OFFERS_ALLOW_PRIVATE_WEBHOOKS", kServe | kLambda, "",
          "let webhooks target loopback, link-local and private addresses, refused "
          "by default (at registration and at every delivery)",
          onOff(field(&Config::webhooks, &Webhooks::sender, &Sender::allowPrivateTargets))));
  // ---- serve and seed: the store ----
  s.push_back(row("--store", "OFFERS_STORE", kServe | kSeed, "ENGINE",
                  "rocksdb (embedded, one process) or dynamodb (shared by many processes)",
                  {[](const Config& c) { return std::string(engineName(c.store)); },
                   [](Config& c, const std::string& n, const std::string& v) {
                     const auto engine = parseEngine(v);
                     if (!engine) bad(n + ": 'rocksdb' or 'dynamodb', not '" + v + "'");
                     c.store = *engine;
                   }}));
  s.push_back(row("--data-dir", "OFFERS_DATA_DIR", kServe | kSeed, "DIR",
                  "where the embedded store keeps its files",
                  text(field(&Config::dataDir), notEmpty)));
  s.push_back(row("--sync-writes", "OFFERS_SYNC_WRITES", kServe | kSeed, "",
                  "fsync the write-ahead log on every write: survive power loss, not only a "
                  "killed process, at a cost in write latency",
                  onOff(field(&Config::syncWrites))));
  s.push_back(row("--dynamodb-endpoint", "OFFERS_DYNAMODB_ENDPOINT", kServe | kSeed | kLambda,
                  "URL",
                  "DynamoDB's URL, e.g. https://dynamodb.eu-west-1.amazonaws.com or "
                  "http://127.0.0.1:8000; credentials from AWS_ACCESS_KEY_ID, "
                  "AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN",
                  text(field(&Config::dynamodb, &DynamoDb::client, &Client::endpoint), httpUrl)));
  s.push_back(row("--dynamodb-table", "OFFERS_DYNAMODB_TABLE", kServe | kSeed | kLambda, "NAME",
                  "the DynamoDB table",
                  text(field(&Config::dynamodb, &DynamoDb::table),
                       [](const std::string& n, const std::string& v) {
                         // DynamoDB's own rule for table names.
                         const bool ok = v.size() >= 3 && v.size() <= 255 &&
                                         v.find_first_not_of(
                                             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                             "0123456789_.-") == std::string::npos;
                         if (!ok) bad(n + ": 3 to 255 of a-z, A-Z, 0-9, '_', '-', '.'");
                       })));
  s.push_back(row("--aws-region", "AWS_REGION", kServe | kSeed | kLambda, "REGION",
                  "the region DynamoDB requests are signed for",
                  text(field(&Config::dynamodb, &DynamoDb::client, &Client::region), notEmpty)));
  s.push_back(row("--create-table", "OFFERS_CREATE_TABLE", kServe | kSeed | kLambda, "",
                  "create the DynamoDB table and its indexes when absent (pay per request)",
                  onOff(field(&Config::dynamodb, &DynamoDb::createTable))));
  // ---- seed ----
  s.push_back(row("--file", "OFFERS_SEED_FILE", kSeed, "FILE",
                  "a JSON file of brands, offers and locations to seed instead of the "
                  "built-in sample data",
                  text(field(&Config::seedFile), notEmpty)));
  // ---- link-brand ----
  s.push_back(row("--role", "OFFERS_ROLE", kLambda, "ROLE",
                  "the function this process is: api (API Gateway HTTP events), jobs (SQS "
                  "messages naming jobs), deliveries (SQS messages naming webhook "
                  "deliveries) or sweeper (a schedule)",
                  text(field(&Config::role), [](const std::string& n, const std::string& v) {
                    if (v != "api" && v != "jobs" && v != "deliveries" && v != "sweeper") {
                      bad(n + ": expected api, jobs, deliveries or sweeper, got '" + v + "'");
                    }
                  })));
  s.push_back(row("--jobs-queue-url", "OFFERS_JOBS_QUEUE_URL", kLambda, "URL",
                  "the SQS queue of jobs to run: the api function sends each new job there, "
                  "the jobs function its continuations, the sweeper the jobs whose message "
                  "was lost (required)",
                  text(field(&Config::jobsQueueUrl), httpUrl)));
  s.push_back(row("--deliveries-queue-url", "OFFERS_DELIVERIES_QUEUE_URL", kLambda, "URL",
                  "the SQS queue of webhook deliveries: the sweeper sends the due ones there, "
                  "the deliveries function sends them on (required for those two roles)",
                  text(field(&Config::deliveriesQueueUrl), httpUrl)));
  s.push_back(row("--sqs-endpoint", "OFFERS_SQS_ENDPOINT", kLambda, "URL",
                  "SQS's endpoint; empty: the region's public endpoint",
                  text(field(&Config::sqsEndpoint), httpUrl)));
  s.push_back(row("--lambda-margin-ms", "OFFERS_LAMBDA_MARGIN_MS", kLambda, "N",
                  "how long before an invocation's deadline the jobs and sweeper functions "
                  "stop starting work: a job step and a message's send must fit in it",
                  milliseconds(field(&Config::lambdaMargin), 0)));
  s.push_back(row("--server", "OFFERS_SERVER", kLinkBrand, "URL", "the server to start the job on",
                  text(field(&Config::serverUrl), notEmpty)));
  s.push_back(row("--offer", "OFFERS_OFFER", kLinkBrand, "ID",
                  "the offer whose brand's locations to link (required)",
                  text(field(&Config::offerId), notEmpty)));
  s.push_back(row("--wait", "OFFERS_WAIT", kLinkBrand, "",
                  "follow the job to its end with a progress bar; exit non-zero unless it "
                  "succeeds",
                  onOff(field(&Config::wait))));
  s.push_back(row("--api-key", "OFFERS_API_KEY", kLinkBrand, "KEY",
                  "the API key to send (Authorization: Bearer KEY); prefer the variable, "
                  "since other users of the machine can see a flag",
                  secret([](Config& c, const std::string& n, const std::string& v) {
                    notEmpty(n, v);
                    c.apiKey = v;
                  })));
  return s;
}

// `words` (each kept whole) joined by spaces and wrapped to lines of at most `width`
// characters; the first starts at column `indent`, and so is every later one indented.
std::string wrap(const std::vector<std::string>& words, std::size_t indent, std::size_t width) {
  std::string out;
  std::size_t column = indent;
  for (const auto& word : words) {
    if (column > indent && column + 1 + word.size() > width) {
      out += "\n" + std::string(indent, ' ');
      column = indent;
    }
    if (column > indent) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
  }
  return out;
}

// The words of a setting's entry in --help: its help text, its variable and its default.
std::vector<std::string> usageWords(const Setting& s) {
  std::vector<std::string> words;
  for (std::string_view rest = s.help; !rest.empty();) {
    const auto space = rest.find(' ');
    if (space != 0) words.emplace_back(rest.substr(0, space));
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  }
  if (!s.flag.empty()) {
    std::string variable = "[";
    variable += s.envVar;
    variable += ']';
    words.push_back(std::move(variable));
  }
  const std::string shown = s.shownDefault();
  // A switch is off unless given: no need to say so each time.
  if (!shown.empty() && !(s.placeholder.empty() && shown == "off")) {
    words.push_back("(default: " + shown + ")");
  }
  return words;
}

}  // namespace

std::string Setting::shownDefault() const {
  return show(defaultConfig());
}

unsigned commandBit(Command command) {
  switch (command) {
    case Command::serve:
      return kServe;
    case Command::seed:
      return kSeed;
    case Command::linkBrand:
      return kLinkBrand;
    case Command::lambda:
      return kLambda;
    case Command::help:
    case Command::version:
      return 0;
  }
  return 0;
}

std::string commandNames(unsigned commands) {
  std::string out;
  for (const auto& [bit, name] :
       {std::pair{kServe, "serve"}, std::pair{kSeed, "seed"}, std::pair{kLinkBrand, "link-brand"},
        std::pair{kLambda, "lambda"}}) {
    if (!(commands & bit)) continue;
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

std::span<const Setting> settings() {
  static const std::vector<Setting> table = makeSettings();
  return table;
}

std::string usage() {
  std::string out = R"(offers-api: card-linked offers service

Usage:
  offers-api serve [OPTION...]       serve the HTTP API and run the background jobs, on
                                     the embedded store (--data-dir) or on DynamoDB
  offers-api seed [OPTION...]        insert the sample data (or --file) where absent
  offers-api link-brand --offer ID [OPTION...]
                                     link every location of the offer's brand, as a job
                                     on a running server
  offers-api lambda                  run as an AWS Lambda function (OFFERS_ROLE) over
                                     DynamoDB, configured from the environment
  offers-api --help | --version

Each option may instead come from the environment variable in brackets; a flag wins.
)";
  constexpr std::size_t kHelpColumn = 30, kWidth = 92;
  std::vector<unsigned> groups;
  for (const auto& s : settings()) {
    if (std::find(groups.begin(), groups.end(), s.commands) == groups.end()) {
      groups.push_back(s.commands);
    }
  }
  for (const unsigned group : groups) {
    std::string heading = commandNames(group);
    if (const auto comma = heading.rfind(", "); comma != std::string::npos) {
      heading.replace(comma, 2, " and ");
    }
    out += "\nOptions of " + heading + ":\n";
    for (const auto& s : settings()) {
      if (s.commands != group) continue;
      // Appended piece by piece: gcc 12 at -O3 reports a false -Wrestrict for
      // "literal" + std::string.
      std::string left = "  ";
      left += s.name();
      if (!s.flag.empty() && !s.placeholder.empty()) {
        left += ' ';
        left += s.placeholder;
      }
      if (left.size() + 2 > kHelpColumn) {
        out += left + "\n" + std::string(kHelpColumn, ' ');
      } else {
        out += left + std::string(kHelpColumn - left.size(), ' ');
      }
      out += wrap(usageWords(s), kHelpColumn, kWidth) + "\n";
    }
  }
  return out;
}

}  // namespace offers::app
