#include "app/cli.hpp"

#include <cstdlib>
#include <stdexcept>

#include "app/settings.hpp"

namespace offers::app {
namespace {

[[noreturn]] void bad(const std::string& message) {
  throw std::invalid_argument(message);
}

// What the settings alone cannot check: the settings that must go together.
void checkCombinations(Config& config) {
  const bool usesStore = config.command == Command::serve || config.command == Command::seed;
  if (config.command == Command::lambda) {
    if (config.role.empty()) {
      bad("lambda: OFFERS_ROLE is required (api, jobs, deliveries or sweeper)");
    }
    if (config.dynamodb.client.region.empty()) bad("lambda: AWS_REGION is required");
    if (config.jobsQueueUrl.empty()) bad("lambda: OFFERS_JOBS_QUEUE_URL is required");
    if ((config.role == "sweeper" || config.role == "deliveries") &&
        config.deliveriesQueueUrl.empty()) {
      bad("lambda: OFFERS_DELIVERIES_QUEUE_URL is required for the " + config.role + " role");
    }
    if (config.dynamodb.client.endpoint.empty()) {
      // The region's public endpoint, as the AWS SDKs pick it.
      config.dynamodb.client.endpoint =
          "https://dynamodb." + config.dynamodb.client.region + ".amazonaws.com";
    }
    config.dynamodb.client.credentials = aws::Credentials::fromEnvironment();
    if (config.dynamodb.client.credentials.accessKeyId.empty() ||
        config.dynamodb.client.credentials.secretAccessKey.empty()) {
      bad("lambda: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are required (Lambda sets them "
          "from the function's role)");
    }
  }
  if (usesStore && config.store == Engine::dynamodb) {
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
}

}  // namespace

std::optional<std::string> processEnvironment(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

Config parseCommandLine(const std::vector<std::string>& args, const Environment& environment) {
  Config config;
  if (args.empty())
    bad("a command is required (serve, seed, link-brand, lambda, --help, --version)");
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
  } else if (command == "lambda") {
    config.command = Command::lambda;
    config.store = Engine::dynamodb;  // the only engine a function can share
  } else {
    bad("unknown command '" + command + "'");
  }
  const unsigned bit = commandBit(config.command);
  for (const auto& s : settings()) {
    if (!(s.commands & bit)) continue;
    if (auto value = environment(s.envVar)) s.apply(config, std::string(s.envVar), *value);
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
    for (const auto& s : settings()) {
      if (!s.flag.empty() && flag == s.flag) setting = &s;
    }
    if (!setting || !(setting->commands & bit)) {
      bad("unknown option '" + flag + "' for '" + command + "'");
    }
    if (!setting->placeholder.empty()) {
      if (!inlineValue) {
        if (i + 1 >= args.size()) bad(flag + ": needs a value");
        inlineValue = args[++i];
      }
      setting->apply(config, flag, *inlineValue);
    } else {
      setting->apply(config, flag, inlineValue.value_or("on"));
    }
  }
  checkCombinations(config);
  return config;
}

}  // namespace offers::app
