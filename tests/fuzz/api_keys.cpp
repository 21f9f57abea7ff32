// Fuzzes the API-key file and environment parser (http::parseApiKeys) and the
// Authorization check (http::Authenticator):
//   - parsing refuses only with std::invalid_argument, whose message may name an entry's
//     name but never quotes its key;
//   - every key it accepts authenticates as "Bearer <key>" under its own name, and the
//     same key with one byte changed does not;
//   - the rest of the input, used as an Authorization header, never authenticates unless
//     it is exactly "Bearer " (any case) and an accepted key.
// The first byte picks the separator: a file ('\n') or the environment form (',').
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "check.hpp"
#include "http/auth.hpp"

using namespace offers;
using fuzz::fail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const char separator = (data[0] & 1) ? ',' : '\n';
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);

  std::vector<http::ApiKey> keys;
  try {
    keys = http::parseApiKeys(text, separator);
  } catch (const std::invalid_argument& e) {
    // Messages may name an entry's name (not secret), never its key.
    const std::string message = e.what();
    std::vector<std::string_view> names, keyParts;
    for (std::size_t pos = 0; pos <= text.size();) {
      const std::size_t end = std::min(text.find(separator, pos), text.size());
      const std::string_view entry(text.data() + pos, end - pos);
      pos = end + 1;
      const auto colon = entry.find(':');
      if (colon != std::string_view::npos) names.push_back(entry.substr(0, colon));
      keyParts.push_back(colon == std::string_view::npos ? entry : entry.substr(colon + 1));
    }
    for (std::string_view key : keyParts) {
      while (!key.empty() && (key.front() == ' ' || key.front() == '\t')) key.remove_prefix(1);
      while (!key.empty() && (key.back() == ' ' || key.back() == '\t' || key.back() == '\r')) {
        key.remove_suffix(1);
      }
      // Only what could be a real key: 16 or more characters without white space.
      if (key.size() < 16 || key.find_first_of(" \t") != std::string_view::npos) continue;
      if (message.find(key) == std::string::npos) continue;
      bool alsoAName = false;
      for (auto name : names) alsoAName = alsoAName || name.find(key) != std::string_view::npos;
      if (!alsoAName) fail("a parse error quotes a key: " + message);
    }
    return 0;
  } catch (const std::exception& e) {
    fail(std::string("parseApiKeys threw something else: ") + e.what());
  }

  http::Authenticator auth;
  auth.setKeys(keys);
  for (const auto& k : keys) {
    if (k.key.size() < 16 || k.key.size() > 256 || k.name.empty()) fail("accepted a bad entry");
    const auto ok = auth.check("Bearer " + k.key);
    if (ok.status != http::AuthResult::Status::ok || ok.name != k.name) {
      fail("an accepted key does not authenticate as itself: " + k.name);
    }
    std::string changed = k.key;
    changed[changed.size() / 2] ^= 1;
    bool isOther = false;
    for (const auto& other : keys) isOther = isOther || other.key == changed;
    if (!isOther && auth.check("Bearer " + changed).status == http::AuthResult::Status::ok) {
      fail("a changed key authenticates: " + k.name);
    }
  }
  const auto verdict = auth.check(text);
  if (verdict.status == http::AuthResult::Status::ok) {
    bool exact = false;
    for (const auto& k : keys) {
      exact = exact || (text.size() == 7 + k.key.size() && text.substr(7) == k.key);
    }
    if (!exact) fail("a header that is not Bearer <key> authenticates");
  }
  return 0;
}
