#include "http/request_id.hpp"

#include <cstdint>
#include <random>

namespace offers::http {

bool acceptableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '~' || c == ':' || c == '/' || c == '+' ||
                    c == '=' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string newRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char hex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int half = 0; half < 2; ++half) {
    std::uint64_t bits = rng();
    for (int i = 0; i < 16; ++i, bits >>= 4) id[half * 16 + i] = hex[bits & 15];
  }
  return id;
}

std::string chooseRequestId(std::string_view id, std::string_view fallback) {
  if (acceptableRequestId(id)) return std::string(id);
  if (acceptableRequestId(fallback)) return std::string(fallback);
  return newRequestId();
}

}  // namespace offers::http
