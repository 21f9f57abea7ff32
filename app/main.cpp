// offers-api: the command-line front end over the core library.
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli.hpp"
#include "domain/error.hpp"
#include "domain/seed.hpp"
#include "domain/service.hpp"
#include "http/api.hpp"
#include "http/log.hpp"
#include "http/server.hpp"
#include "jobs/runner.hpp"
#include "link_brand.hpp"
#include "notify/dispatcher.hpp"
#include "store/dynamodb/dynamodb_store.hpp"
#include "store/rocksdb/rocksdb_store.hpp"

namespace {

using namespace offers;

std::string seedData(const app::Config& config) {
  if (!config.seedFile) return std::string(domain::sampleData());
  std::ifstream in(*config.seedFile);
  if (!in) throw std::invalid_argument("--file: cannot read " + *config.seedFile);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void runSeed(store::Store& store, const app::Config& config) {
  const auto report = domain::seed(store, seedData(config));
  http::log::info("seeded", {{"created", report.created}, {"existing", report.existing}});
}

std::unique_ptr<store::Store> openStore(const app::Config& config) {
  if (config.store == "dynamodb")
    return std::make_unique<store::dynamodb::DynamoDbStore>(config.dynamodb);
  return std::make_unique<store::rocksdb::RocksDbStore>(
      store::rocksdb::Options{config.dataDir, config.syncWrites});
}

int serve(app::Config config) {
  const auto opened = openStore(config);
  auto& store = *opened;
  if (config.store == "dynamodb" && config.server.threads == 0) {
    // Handlers wait on DynamoDB's round trips: many more threads than cores keep the
    // cores busy (see docs/architecture.md).
    config.server.threads = std::max(32u, 8 * std::thread::hardware_concurrency());
  }
  if (config.seed) runSeed(store, config);
  domain::Service service(store);
  jobs::JobRunner runner(store, config.jobs);
  service.onJobCreated([&runner] { runner.wake(); });
  notify::WebhookDispatcher dispatcher(store, config.webhooks);
  http::Api api(service);
  http::Server server(config.server, api);
  runner.start();
  dispatcher.start();
  http::log::info("listening", {{"host", config.server.host},
                                {"port", server.port()},
                                {"store", config.store},
                                {"dataDir", config.dataDir},
                                {"version", OFFERS_VERSION}});
  server.run();
  // Requests are drained; let the background work reach a step boundary, then close the
  // store (as it goes out of scope).
  runner.stop();
  dispatcher.stop();
  http::log::info("stopped");
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
  } catch (const std::exception& e) {
    std::cerr << "offers-api: " << e.what() << "\n";
    return 1;
  }
  return 1;
}
