#include "app/access.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "aws/secrets.hpp"
#include "log/log.hpp"

namespace offers::app {
namespace {

// The API keys of OFFERS_API_KEYS and of the file together.
std::vector<http::ApiKey> loadApiKeys(const Config& config) {
  std::vector<http::ApiKey> keys = config.environmentApiKeys;
  if (!config.apiKeysFile) return keys;
  std::ifstream in(*config.apiKeysFile);
  if (!in) throw std::invalid_argument("--api-keys-file: cannot read " + *config.apiKeysFile);
  std::stringstream text;
  text << in.rdbuf();
  try {
    const auto fromFile = http::parseApiKeys(text.str(), '\n');
    for (const auto& k : fromFile) {
      for (const auto& other : config.environmentApiKeys) {
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
  return keys;
}

}  // namespace

void configureAccess(const Config& config, http::Authenticator& auth) {
  auth.setKeys(loadApiKeys(config));
  if (config.metricsKey) auth.setMetricsKey(*config.metricsKey);
  if (auth.enabled()) return;
  if (!isLoopback(config.server.host) && !config.allowUnauthenticated) {
    throw std::invalid_argument("refusing to listen on " + config.server.host +
                                " without API keys (--allow-unauthenticated to do so anyway)");
  }
  log::warn(
      "authentication is off: no API keys configured, every client that can connect may read "
      "and change everything",
      {{"host", config.server.host}});
}

void configureFunctionAccess(const Config& config, http::Authenticator& auth) {
  auto keys = loadApiKeys(config);
  if (!config.apiKeysSecret.empty()) {
    const std::string setting = "OFFERS_API_KEYS_SECRET (" + config.apiKeysSecret + ")";
    std::string text;
    try {
      aws::Client secrets(aws::secretsOptions(config.dynamodb.client, config.secretsEndpoint));
      text = aws::secretString(secrets, config.apiKeysSecret);
    } catch (const aws::ServiceError& e) {
      throw std::invalid_argument(setting + ": Secrets Manager refused: " + e.type());
    } catch (const std::exception& e) {
      throw std::invalid_argument(setting + ": " + e.what());
    }
    try {
      const auto fromSecret = http::parseApiKeys(text, ',');
      keys.insert(keys.end(), fromSecret.begin(), fromSecret.end());
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(setting + ": " + e.what());
    }
  }
  auth.setKeys(std::move(keys));
  if (config.metricsKey) auth.setMetricsKey(*config.metricsKey);
  if (auth.enabled() || config.allowUnauthenticated) return;
  throw std::invalid_argument(
      "OFFERS_API_KEYS, OFFERS_API_KEYS_FILE or OFFERS_API_KEYS_SECRET: a function behind API "
      "Gateway is public; set API keys (or OFFERS_ALLOW_UNAUTHENTICATED=on to serve without "
      "them)");
}

void reloadApiKeys(const Config& config, http::Authenticator& auth) {
  try {
    auth.setKeys(loadApiKeys(config));
    log::info("api keys reloaded", {{"keys", auth.keyCount()}});
  } catch (const std::exception& e) {
    log::error("api keys reload failed", {{"detail", e.what()}, {"keys", auth.keyCount()}});
  }
}

bool isLoopback(const std::string& host) {
  return host == "::1" || host.rfind("127.", 0) == 0 || host == "localhost";
}

}  // namespace offers::app
