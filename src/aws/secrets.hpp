// AWS Secrets Manager, for the one call the Lambda functions make when they start: a
// secret's SecretString (GetSecretValue, JSON protocol 1.1, `X-Amz-Target:
// secretsmanager.GetSecretValue`), over the shared AWS client (client.hpp): signed,
// retried and timed as DynamoDB's calls are; a refusal is an aws::ServiceError
// ("ResourceNotFoundException").
#pragma once

#include <string>

#include "aws/client.hpp"

namespace offers::aws {

// ClientOptions for Secrets Manager at `endpoint` (empty: the region's public endpoint).
ClientOptions secretsOptions(ClientOptions base, const std::string& endpoint);

// The SecretString of the secret `secretId` (its name or ARN), current version. Throws
// ServiceError when Secrets Manager refuses, std::invalid_argument when the secret has
// no SecretString (a binary secret).
std::string secretString(Client& client, const std::string& secretId);

}  // namespace offers::aws
