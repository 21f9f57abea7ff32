#include "http/cursor.hpp"

#include <openssl/evp.h>

#include <algorithm>

#include "domain/validation.hpp"
#include "http/base64.hpp"

namespace offers::http {
namespace {
constexpr std::string_view kVersion = "c1:";
constexpr std::string_view kSequenceVersion = "s1:";
constexpr std::size_t kMaxCursor = 128;

std::string encodeTagged(std::string_view version, std::string_view payload);
std::optional<std::string> decodeTagged(std::string_view version, std::string_view cursor);
}  // namespace

std::string encodeCursor(std::string_view id) {
  return encodeTagged(kVersion, id);
}

std::optional<std::string> decodeCursor(std::string_view cursor) {
  auto plain = decodeTagged(kVersion, cursor);
  if (!plain) return std::nullopt;
  auto id = domain::normalizeUuid(*plain);
  if (!id || *id != *plain) return std::nullopt;
  return id;
}

std::string encodeSequenceCursor(std::string_view position) {
  return encodeTagged(kSequenceVersion, position);
}

std::optional<std::string> decodeSequenceCursor(std::string_view cursor) {
  auto plain = decodeTagged(kSequenceVersion, cursor);
  if (!plain || plain->empty() || plain->size() > 32) return std::nullopt;
  for (char c : *plain) {
    if ((c < '0' || c > '9') && c != '/') return std::nullopt;
  }
  return plain;
}

namespace {

std::string encodeTagged(std::string_view version, std::string_view payload) {
  const std::string plain = std::string(version) + std::string(payload);
  std::string out(4 * ((plain.size() + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(plain.data()), int(plain.size()));
  out.resize(std::size_t(n));
  // base64url without padding: safe in a query string as it is.
  while (!out.empty() && out.back() == '=') out.pop_back();
  std::replace(out.begin(), out.end(), '+', '-');
  std::replace(out.begin(), out.end(), '/', '_');
  return out;
}

std::optional<std::string> decodeTagged(std::string_view version, std::string_view cursor) {
  if (cursor.empty() || cursor.size() > kMaxCursor) return std::nullopt;
  std::string b64(cursor);
  for (char& c : b64) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (!std::isalnum(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
  }
  if (b64.size() % 4 == 1) return std::nullopt;
  b64.append((4 - b64.size() % 4) % 4, '=');
  const auto plain = decodeBase64(b64);
  if (!plain || !plain->starts_with(version)) return std::nullopt;
  return plain->substr(version.size());
}

}  // namespace

}  // namespace offers::http
