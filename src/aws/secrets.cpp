#include "aws/secrets.hpp"

#include <boost/json.hpp>
#include <stdexcept>

namespace offers::aws {

namespace json = boost::json;

ClientOptions secretsOptions(ClientOptions base, const std::string& endpoint) {
  base.service = "secretsmanager";
  base.targetPrefix = "secretsmanager";
  base.jsonVersion = "1.1";
  base.endpoint =
      endpoint.empty() ? "https://secretsmanager." + base.region + ".amazonaws.com" : endpoint;
  return base;
}

std::string secretString(Client& client, const std::string& secretId) {
  const auto r = client.call("GetSecretValue", json::object{{"SecretId", secretId}});
  const auto* value = r.if_contains("SecretString");
  if (!value || !value->is_string()) {
    throw std::invalid_argument("secret " + secretId + " has no SecretString");
  }
  return std::string(value->as_string());
}

}  // namespace offers::aws
