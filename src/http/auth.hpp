// API keys: who may call the API. Keys come from a file (one entry per line, reloaded on
// SIGHUP) and from the OFFERS_API_KEYS environment variable (comma-separated). An entry
// is `key` or `name:key`; the name is what logs and metrics show, the key itself is never
// written anywhere. A request presents `Authorization: Bearer <key>`.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace offers::http {

struct ApiKey {
  std::string name;
  std::string key;
};

// Parses entries separated by `separator` ('\n' for a file, ',' for the environment).
// Blank entries and, in files, lines starting with '#' are skipped; whitespace around an
// entry is trimmed. A key is 16 to 256 visible ASCII characters other than ','; a name 1
// to 64 of [A-Za-z0-9_.-]; a key without a name is named "key-" + the first 8 hex digits
// of its SHA-256. Throws std::invalid_argument naming the entry ("line 3: ...") but never
// quoting the key. Names and keys must be unique.
std::vector<ApiKey> parseApiKeys(std::string_view text, char separator);

// The verdict on a request's Authorization header.
struct AuthResult {
  enum class Status { ok, missing, invalid };
  Status status = Status::missing;
  std::string name;  // the key's name when ok
};

// The keys in force, replaceable at any time (SIGHUP) while requests are checked.
class Authenticator {
 public:
  // No keys: authentication is off and every request passes (development).
  void setKeys(const std::vector<ApiKey>& keys);
  // A key that alone opens /metrics; nullopt: any API key opens it.
  void setMetricsKey(std::optional<std::string> key);

  bool enabled() const;
  // API keys or a metrics key are configured: /metrics needs one.
  bool protectsMetrics() const;
  std::size_t keyCount() const;
  // Compares against every key in constant time (SHA-256 digests, CRYPTO_memcmp), so
  // neither timing nor length tells an attacker how close a guess was.
  AuthResult check(std::string_view authorization) const;
  AuthResult checkMetrics(std::string_view authorization) const;

 private:
  struct Entry {
    std::string name;
    std::array<unsigned char, 32> digest;
  };
  struct KeySet {
    std::vector<Entry> keys;
    std::optional<Entry> metricsKey;
  };
  static AuthResult match(std::span<const Entry> entries, std::string_view authorization);
  void replace(const std::function<void(KeySet&)>& change);

  std::mutex writer_;  // one change at a time; readers never wait
  std::atomic<std::shared_ptr<const KeySet>> keys_{std::make_shared<const KeySet>()};
};

}  // namespace offers::http
