// How both engines write the same facts into keys and events: numbers in sort keys at a
// fixed width, and the data of a link event. Written once so that the engines' keys and
// event feeds cannot drift apart.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace offers::store {

// A number zero-padded to `width` digits (wider numbers keep all theirs), so that byte
// order is numeric order: sequence numbers and times in keys.
inline std::string fixed(std::uint64_t n, int width = 20) {
  std::string digits = std::to_string(n);
  if (int(digits.size()) < width) digits.insert(0, std::size_t(width) - digits.size(), '0');
  return digits;
}

// The number fixed() wrote; nullopt for anything else (empty, too long, not digits).
inline std::optional<std::uint64_t> parseFixed(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + std::uint64_t(c - '0');
  }
  return n;
}

// The data of link.created and link.deleted events.
inline boost::json::object linkEventData(std::string_view offerId, std::string_view locationId) {
  return {{"offerId", offerId}, {"locationId", locationId}};
}

}  // namespace offers::store
