// offers-api: the command-line front end over the core library.
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/access.hpp"
#include "app/cli.hpp"
#include "app/lambda_functions.hpp"
#include "app/link_brand.hpp"
#include "app/settings.hpp"
#include "app/signals.hpp"
#include "aws/sqs.hpp"
#include "domain/error.hpp"
#include "http/api.hpp"
#include "http/server.hpp"
#include "jobs/runner.hpp"
#include "lambda/api_gateway.hpp"
#include "lambda/runtime.hpp"
#include "log/log.hpp"
#include "metrics/metrics.hpp"
#include "notify/address_policy.hpp"
#include "notify/dispatcher.hpp"
#include "service/seed.hpp"
#include "service/service.hpp"
#include "store/dynamodb/dynamodb_store.hpp"
#include "store/observed_store.hpp"
#ifndef OFFERS_NO_EMBEDDED_ENGINE
#include "store/rocksdb/rocksdb_store.hpp"
#endif

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
  switch (config.store) {
    case app::Engine::dynamodb:
      return std::make_unique<store::dynamodb::DynamoDbStore>(config.dynamodb);
    case app::Engine::rocksdb:
      break;
  }
#ifdef OFFERS_NO_EMBEDDED_ENGINE
  throw std::invalid_argument(
      "--store rocksdb: this binary was built without the embedded engine; use --store dynamodb");
#else
  return std::make_unique<store::rocksdb::RocksDbStore>(
      store::rocksdb::Options{config.dataDir, config.syncWrites});
#endif
}

// Signals are blocked in every thread (main); the signal thread takes them.
int serve(app::Config config) {
  http::Authenticator auth;
  app::configureAccess(config, auth);
  app::SignalThread signals([&config, &auth] { app::reloadApiKeys(config, auth); });
  http::RateLimiter limiter(config.rateLimit);
  const auto opened = openStore(config);
  const std::string engine(app::engineName(config.store));
  // Every store operation is timed and its failures counted (/metrics).
  store::ObservedStore store(*opened, engine);
  metrics::registry().buildInfo.with({OFFERS_VERSION, engine}).set(1);
  // Handlers on DynamoDB wait on its round trips: they run on a pool of their own, so the
  // connection threads (one per core) stay free (docs/architecture.md, "Threads").
  config.server.handlerThreads =
      config.handlerThreads.value_or(config.store == app::Engine::dynamodb ? 32 : 0);
  if (config.seed) runSeed(store, config);
  service::Service service(store);
  // Webhook targets must be public unless --allow-private-webhooks: checked here at
  // registration, and by the dispatcher's sender at every connection (config.webhooks).
  if (!config.webhooks.sender.allowPrivateTargets) {
    service.checkWebhookHosts(notify::checkWebhookHost);
  }
  jobs::JobRunner runner(store, config.jobs);
  service.onJobCreated([&runner](const domain::Job&) {
    // The service has logged the job as queued already, so "queued" comes before "running".
    runner.wake();
  });
  notify::WebhookDispatcher dispatcher(store, config.webhooks);
  // Set before any thread writes, cleared after they have all stopped.
  store.onEventsAppended([&dispatcher] { dispatcher.wake(); });
  http::Api api(service, http::Access{&auth, &limiter});
  http::Server server(config.server, api);
  const auto stopRoute = signals.stopWith([&server] { server.stop(); });
  runner.start();
  dispatcher.start();
  log::info("listening", {{"host", config.server.host},
                          {"port", server.port()},
                          {"store", engine},
                          {"dataDir", config.dataDir},
                          {"version", OFFERS_VERSION}});
  server.run();
  // Requests are drained; let the background work reach a step boundary, then close the
  // store (as it goes out of scope).
  runner.stop();
  dispatcher.stop();
  store.onEventsAppended(nullptr);
  log::info("stopped");
  return 0;
}

// AWS_LAMBDA_RUNTIME_API, which Lambda sets for a custom runtime; empty when absent.
std::string runtimeApi() {
  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  return api ? std::string(api) : std::string();
}

// The process as an AWS Lambda function (docs/architecture.md, src/lambda/): its
// configuration from the environment, checked before the first invocation (an init
// error otherwise), then the Runtime API loop until Lambda ends it. The role picks the
// handler: api (API Gateway), jobs (the jobs queue), deliveries (the deliveries queue),
// sweeper (a schedule).
int runLambda(const app::Config& config) {
  const auto api = runtimeApi();
  if (api.empty()) {
    std::cerr << "offers-api lambda: AWS_LAMBDA_RUNTIME_API is not set (run by AWS Lambda, or "
                 "by a Runtime API emulator)\n";
    return 2;
  }
  lambda::RuntimeClient runtime(api);
  std::unique_ptr<store::Store> opened;
  http::Authenticator auth;
  std::optional<aws::SqsClient> sqs;
  try {
    if (config.role == "api") app::configureFunctionAccess(config, auth);
    opened = openStore(config);
    // SQS signed with the function's credentials, in its region.
    sqs.emplace(aws::sqsOptions(config.dynamodb.client, config.sqsEndpoint));
  } catch (const std::exception& e) {
    runtime.initError("Runtime.InvalidConfiguration", e.what());
    std::cerr << "offers-api lambda: " << e.what() << "\n";
    return 2;
  }
  store::ObservedStore store(*opened, "dynamodb");
  service::Service service(store);
  // Webhook targets must be public unless OFFERS_ALLOW_PRIVATE_WEBHOOKS, as for serve.
  if (!config.webhooks.sender.allowPrivateTargets) {
    service.checkWebhookHosts(notify::checkWebhookHost);
  }
  // No rate limiter: on Lambda each instance would count alone; API Gateway throttles.
  http::Api httpApi(service, http::Access{&auth, nullptr});
  jobs::JobRunner runner(store, config.jobs);
  // Never started: the deliveries function drives it (deliverNow).
  notify::WebhookDispatcher dispatcher(store, config.webhooks);
  lambda::Handler handler;
  if (config.role == "jobs") {
    handler = app::jobsFunction(runner, *sqs, config.jobsQueueUrl, config.lambdaMargin);
  } else if (config.role == "deliveries") {
    handler = app::deliveriesFunction(dispatcher, config.lambdaMargin);
  } else if (config.role == "sweeper") {
    handler = app::sweeperFunction(store, *sqs, {config.jobsQueueUrl, config.deliveriesQueueUrl},
                                   config.lambdaMargin);
  } else {
    service.onJobCreated(app::handJobsTo(*sqs, config.jobsQueueUrl));
    handler = lambda::httpHandler(httpApi);
  }
  log::info("lambda ready", {{"role", config.role}, {"version", OFFERS_VERSION}});
  const auto why = lambda::serveInvocations(runtime, handler);
  log::error("lambda runtime loop ended", {{"detail", why}});
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  app::Config config;
  try {
    config = app::parseCommandLine(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::invalid_argument& e) {
    std::cerr << "offers-api: " << e.what()
              << "\n(offers-api --help lists the commands and settings)\n";
    // A function's bad configuration is also Lambda's to report: an init error.
    if (argc > 1 && std::string_view(argv[1]) == "lambda" && !runtimeApi().empty()) {
      try {
        lambda::RuntimeClient(runtimeApi()).initError("Runtime.InvalidConfiguration", e.what());
      } catch (const std::exception&) {
      }
    }
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
        // Before any thread starts, so that every thread inherits the mask.
        app::blockSignals();
        return serve(config);
      case app::Command::linkBrand:
        return app::linkBrand(config);
      case app::Command::lambda:
        return runLambda(config);
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
