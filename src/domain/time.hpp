// Timestamps: milliseconds since the Unix epoch inside the service, ISO 8601 UTC
// ("2026-11-25T22:05:34.123Z") on the wire and in the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace offers::domain {

using Millis = std::int64_t;

Millis nowMillis();
std::string formatTimestamp(Millis ms);
// Parses what formatTimestamp writes; nullopt for anything else.
std::optional<Millis> parseTimestamp(std::string_view text);

}  // namespace offers::domain
