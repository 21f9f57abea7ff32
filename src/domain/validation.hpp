// Value rules of the domain: ids, names, country codes, dates, metadata. Each check
// throws Error(invalid_request) with a message that starts with the field's name
// ("items[3].address: must not be empty"), so a client can tell what to fix.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "domain/entities.hpp"

namespace offers::domain {

inline constexpr std::size_t kMaxNameChars = 200;
inline constexpr std::size_t kMaxAddressChars = 500;
inline constexpr std::size_t kMaxCityChars = 200;
inline constexpr std::size_t kMaxPostcodeChars = 32;
inline constexpr std::size_t kMaxTypeChars = 64;
inline constexpr std::size_t kMaxMetadataBytes = 16 * 1024;
inline constexpr std::size_t kMaxBatchLocations = 1000;

// Canonical lower-case form of an 8-4-4-4-12 hex UUID, or nullopt.
std::optional<std::string> normalizeUuid(std::string_view text);
// normalizeUuid, or throws naming `field`.
std::string requireUuid(std::string_view field, std::string_view text);

// Text of 1..maxChars Unicode code points, not only white space, no control characters.
void checkText(std::string_view field, std::string_view value, std::size_t maxChars);
void checkCountryCode(std::string_view field, std::string_view value);
void checkDate(std::string_view field, std::string_view value);
void checkMetadata(std::string_view field, const boost::json::object& metadata);

// Whole-entity rules, applied on create and after every patch. `prefix` is prepended
// to field names ("items[3].").
void validate(const Brand& brand, std::string_view prefix = {});
void validate(const Offer& offer, std::string_view prefix = {});
void validate(const Location& location, std::string_view prefix = {});

}  // namespace offers::domain
