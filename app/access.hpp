// Who may call a serving offers-api: its API keys (a file, re-read on SIGHUP, and
// OFFERS_API_KEYS), its metrics key, and the refusal to serve beyond loopback without keys.
#pragma once

#include <string>

#include "app/config.hpp"
#include "http/auth.hpp"

namespace offers::app {

// Gives `auth` the keys of `config`. Throws std::invalid_argument naming the file and line
// (never a key), or when the host is beyond loopback without keys and without
// --allow-unauthenticated.
void configureAccess(const Config& config, http::Authenticator& auth);

// The same for a Lambda function: reachable by anyone through API Gateway, so without
// keys it refuses unless OFFERS_ALLOW_UNAUTHENTICATED. Its keys also come from the Secrets
// Manager secret OFFERS_API_KEYS_SECRET names (read once, here), so that no key need be in
// the function's configuration; a secret that cannot be read or parsed is an
// std::invalid_argument naming the setting (never a key).
void configureFunctionAccess(const Config& config, http::Authenticator& auth);

// Re-reads the keys file (SIGHUP) and logs the outcome; on a bad file the keys in force
// stay.
void reloadApiKeys(const Config& config, http::Authenticator& auth);

// 127.0.0.0/8 or ::1: only this machine can connect.
bool isLoopback(const std::string& host);

}  // namespace offers::app
