// offers-api: the command-line front end over the core library.
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli.hpp"
#include "domain/error.hpp"
#include "service/seed.hpp"
#include "service/service.hpp"
#include "http/api.hpp"
#include "log/log.hpp"
#include "http/server.hpp"
#include "jobs/runner.hpp"
#include "link_brand.hpp"
#include "metrics/metrics.hpp"
#include "notify/address_policy.hpp"
#include "notify/dispatcher.hpp"
#include "store/dynamodb/dynamodb_store.hpp"
#include "store/observed_store.hpp"
#include "store/rocksdb/rocksdb_store.hpp"

namespace {

using namespace offers;

std::string seedData(const app::Config& config) {
  if (!config.seedFile) return std::string(service::sampleData());
  std::ifstream in(*config.seedFile);
  if (!in) throw std::invalid_argument("--file: cannot read " + *config.seedFile);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void runSeed(store::Store& store, const app::Config& config) {
  const auto report = service::seed(store, seedData(config));
  log::info("seeded", {{"created", report.created}, {"existing", report.existing}});
}

std::unique_ptr<store::Store> openStore(const app::Config& config) {
  if (config.store == "dynamodb")
    return std::make_unique<store::dynamodb::DynamoDbStore>(config.dynamodb);
  return std::make_unique<store::rocksdb::RocksDbStore>(
      store::rocksdb::Options{config.dataDir, config.syncWrites});
}

// The API keys of the file and of OFFERS_API_KEYS together. Throws std::invalid_argument
// naming the file and line (never a key).
std::vector<http::ApiKey> loadApiKeys(const app::Config& config) {
  std::vector<http::ApiKey> keys;
  if (const char* env = std::getenv("OFFERS_API_KEYS")) {
    try {
      keys = http::parseApiKeys(env, ',');
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("OFFERS_API_KEYS: ") + e.what());
    }
  }
  if (config.apiKeysFile) {
    std::ifstream in(*config.apiKeysFile);
    if (!in) throw std::invalid_argument("--api-keys-file: cannot read " + *config.apiKeysFile);
    std::stringstream text;
    text << in.rdbuf();
    try {
      const auto fromFile = http::parseApiKeys(text.str(), '\n');
      for (const auto& k : fromFile) {
        for (const auto& other : keys) {
          if (other.name == k.name || other.key == k.key) {
            throw std::invalid_argument("the key named '" + k.name +
                                        "' is also in OFFERS_API_KEYS, by name or by key");
          }
        }
      }
      keys.insert(keys.end(), fromFile.begin(), fromFile.end());
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("--api-keys-file " + *config.apiKeysFile + ": " + e.what());
    }
  }
  return keys;
}

void configureAccess(const app::Config& config, http::Authenticator& auth) {
  auth.setKeys(loadApiKeys(config));
  if (const char* key = std::getenv("OFFERS_METRICS_KEY"); key && *key) {
    try {
      auth.setMetricsKey(http::parseApiKeys(std::string("metrics:") + key, '\n').at(0).key);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("OFFERS_METRICS_KEY: ") +
                                  (std::strchr(e.what(), ':') + 2));
    }
  }
  if (!auth.enabled()) {
    if (!app::isLoopback(config.server.host) && !config.allowUnauthenticated) {
      throw std::invalid_argument("refusing to listen on " + config.server.host +
                                  " without API keys (--allow-unauthenticated to do so anyway)");
    }
    log::warn(
        "authentication is off: no API keys configured, every client that can "
        "connect may read and change everything",
        {{"host", config.server.host}});
  }
}

int serve(app::Config config) {
  http::Authenticator auth;
  configureAccess(config, auth);
  config.server.onReload = [&config, &auth] {
    try {
      auth.setKeys(loadApiKeys(config));
      log::info("api keys reloaded", {{"keys", auth.keyCount()}});
    } catch (const std::exception& e) {
      log::error("api keys reload failed", {{"detail", e.what()}, {"keys", auth.keyCount()}});
    }
  };
  http::RateLimiter limiter(config.rateLimit);
  const auto opened = openStore(config);
  // Every store operation is timed and its failures counted (/metrics).
  store::ObservedStore store(*opened, config.store);
  metrics::registry().buildInfo.with({OFFERS_VERSION, config.store}).set(1);
  if (config.store == "dynamodb" && config.server.threads == 0) {
    // Handlers wait on DynamoDB's round trips: many more threads than cores keep the
    // cores busy (see docs/architecture.md).
    config.server.threads = std::max(32u, 8 * std::thread::hardware_concurrency());
  }
  if (config.seed) runSeed(store, config);
  service::Service service(store);
  // Webhook targets must be public unless --allow-private-webhooks: checked here at
  // registration, and by the dispatcher's sender at every connection (config.webhooks).
  if (!config.webhooks.sender.allowPrivateTargets) {
    service.checkWebhookHosts(notify::checkWebhookHost);
  }
  jobs::JobRunner runner(store, config.jobs);
  service.onJobCreated([&runner](const domain::Job& job) {
    // Logged before the workers are woken, so that "queued" always comes before "running".
    log::info("job", {{"jobId", job.id},
                            {"status", domain::toString(job.status)},
                            {"type", domain::toString(job.type)},
                            {"offerId", job.offerId}});
    runner.wake();
  });
  notify::WebhookDispatcher dispatcher(store, config.webhooks);
  http::Api api(service, http::Access{&auth, &limiter});
  http::Server server(config.server, api);
  runner.start();
  dispatcher.start();
  log::info("listening", {{"host", config.server.host},
                                {"port", server.port()},
                                {"store", config.store},
                                {"dataDir", config.dataDir},
                                {"version", OFFERS_VERSION}});
  server.run();
  // Requests are drained; let the background work reach a step boundary, then close the
  // store (as it goes out of scope).
  runner.stop();
  dispatcher.stop();
  log::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  app::Config config;
  try {
    config = app::parseCommandLine(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::invalid_argument& e) {
    std::cerr << "offers-api: " << e.what() << "\n\n" << app::usage();
    return 2;
  }
  try {
    switch (config.command) {
      case app::Command::help:
        std::cout << app::usage();
        return 0;
      case app::Command::version:
        std::cout << "offers-api " << OFFERS_VERSION << "\n";
        return 0;
      case app::Command::seed: {
        runSeed(*openStore(config), config);
        return 0;
      }
      case app::Command::serve:
        return serve(config);
      case app::Command::linkBrand:
        return app::linkBrand(config);
    }
  } catch (const domain::Error& e) {
    std::cerr << "offers-api: " << e.what() << "\n";
    return 1;
  } catch (const std::invalid_argument& e) {
    // Configuration found wrong only once read (a key file, a seed file): as a bad flag.
    std::cerr << "offers-api: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "offers-api: " << e.what() << "\n";
    return 1;
  }
  return 1;
}
