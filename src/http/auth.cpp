#include "http/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <boost/beast/core/string.hpp>
#include <set>
#include <stdexcept>

namespace offers::http {
namespace {

std::array<unsigned char, 32> sha256(std::string_view data) {
  std::array<unsigned char, 32> out{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
  return out;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

bool validKey(std::string_view key) {
  if (key.size() < 16 || key.size() > 256) return false;
  for (unsigned char c : key) {
    if (c <= 0x20 || c >= 0x7f || c == ',') return false;
  }
  return true;
}

bool validName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string defaultName(std::string_view key) {
  static constexpr char hex[] = "0123456789abcdef";
  const auto digest = sha256(key);
  std::string name = "key-";
  for (int i = 0; i < 4; ++i) {
    name += hex[digest[i] >> 4];
    name += hex[digest[i] & 15];
  }
  return name;
}

// The token of "Bearer <token>" (scheme case-insensitive), or nullopt when the header
// has another shape.
std::optional<std::string_view> bearerToken(std::string_view header) {
  constexpr std::string_view scheme = "bearer ";
  if (header.size() <= scheme.size() || !boost::beast::iequals(header.substr(0, 7), scheme)) {
    return std::nullopt;
  }
  return header.substr(scheme.size());
}

}  // namespace

std::vector<ApiKey> parseApiKeys(std::string_view text, char separator) {
  std::vector<ApiKey> keys;
  std::set<std::string> names;
  std::set<std::string> seen;
  const std::string unit = separator == '\n' ? "line " : "entry ";
  std::size_t number = 0;
  for (std::size_t pos = 0; pos <= text.size();) {
    const auto end = std::min(text.find(separator, pos), text.size());
    const std::string_view entry = trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++number;
    if (entry.empty() || (separator == '\n' && entry.front() == '#')) continue;
    const std::string where = unit + std::to_string(number) + ": ";
    ApiKey k;
    const auto colon = entry.find(':');
    if (colon == std::string_view::npos) {
      k.key = std::string(entry);
    } else {
      k.name = std::string(trim(entry.substr(0, colon)));
      k.key = std::string(trim(entry.substr(colon + 1)));
      if (!validName(k.name)) {
        throw std::invalid_argument(where +
                                    "the name must be 1 to 64 of A-Z, a-z, 0-9, '_', '.', '-'");
      }
    }
    if (!validKey(k.key)) {
      throw std::invalid_argument(
          where + "the key must be 16 to 256 visible ASCII characters, without spaces or ','");
    }
    if (k.name.empty()) k.name = defaultName(k.key);
    if (!names.insert(k.name).second) {
      throw std::invalid_argument(where + "the name '" + k.name + "' is used twice");
    }
    if (!seen.insert(k.key).second) {
      throw std::invalid_argument(where + "the same key is listed twice");
    }
    keys.push_back(std::move(k));
  }
  return keys;
}

void Authenticator::replace(const std::function<void(KeySet&)>& change) {
  std::lock_guard lock(writer_);
  auto next = std::make_shared<KeySet>(*keys_.load());
  change(*next);
  keys_.store(std::move(next));
}

void Authenticator::setKeys(const std::vector<ApiKey>& keys) {
  replace([&](KeySet& set) {
    set.keys.clear();
    for (const auto& k : keys) set.keys.push_back({k.name, sha256(k.key)});
  });
}

void Authenticator::setMetricsKey(std::optional<std::string> key) {
  replace([&](KeySet& set) {
    set.metricsKey.reset();
    if (key) set.metricsKey = Entry{"metrics", sha256(*key)};
  });
}

bool Authenticator::enabled() const {
  return !keys_.load()->keys.empty();
}

bool Authenticator::protectsMetrics() const {
  const auto set = keys_.load();
  return !set->keys.empty() || set->metricsKey.has_value();
}

std::size_t Authenticator::keyCount() const {
  return keys_.load()->keys.size();
}

AuthResult Authenticator::match(std::span<const Entry> entries, std::string_view authorization) {
  if (authorization.empty()) return {AuthResult::Status::missing, {}};
  const auto token = bearerToken(authorization);
  const auto digest = sha256(token.value_or(authorization));
  const Entry* found = nullptr;
  // Every entry is compared, whichever matches, so the time taken tells nothing.
  for (const Entry& e : entries) {
    if (CRYPTO_memcmp(e.digest.data(), digest.data(), digest.size()) == 0) found = &e;
  }
  if (!token || !found) return {AuthResult::Status::invalid, {}};
  return {AuthResult::Status::ok, found->name};
}

AuthResult Authenticator::check(std::string_view authorization) const {
  const auto set = keys_.load();
  return match(set->keys, authorization);
}

AuthResult Authenticator::checkMetrics(std::string_view authorization) const {
  const auto set = keys_.load();
  if (!set->metricsKey) return check(authorization);
  return match(std::span(&*set->metricsKey, 1), authorization);
}

}  // namespace offers::http
