#include "domain/validation.hpp"

#include <boost/json/serialize.hpp>
#include <chrono>
#include <vector>

#include "domain/error.hpp"

namespace offers::domain {
namespace {

std::string fieldName(std::string_view prefix, std::string_view field) {
  std::string out(prefix);
  out += field;
  return out;
}

[[noreturn]] void fail(std::string_view field, std::string_view what) {
  std::string message(field);
  message += ": ";
  message += what;
  throwInvalid(std::move(message));
}

bool isHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// The code points of well-formed UTF-8 (the JSON parser has already refused bad UTF-8;
// a malformed tail is read as U+FFFD rather than trusted).
std::vector<char32_t> codePoints(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
    if (i + n > s.size()) {
      out.push_back(0xFFFD);
      break;
    }
    char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < n; ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += n;
  }
  return out;
}

// C0 and C1 control characters and DEL.
bool isControl(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

// Unicode White_Space characters that are not controls.
bool isSpace(char32_t cp) {
  return cp == 0x20 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

void checkOptionalText(std::string_view prefix, std::string_view field,
                       const std::optional<std::string>& value, std::size_t maxChars) {
  if (value) checkText(fieldName(prefix, field), *value, maxChars);
}

}  // namespace

std::optional<std::string> normalizeUuid(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  std::string out(text);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash) {
      if (out[i] != '-') return std::nullopt;
    } else {
      if (!isHex(out[i])) return std::nullopt;
      if (out[i] >= 'A' && out[i] <= 'F') out[i] = char(out[i] - 'A' + 'a');
    }
  }
  return out;
}

std::string requireUuid(std::string_view field, std::string_view text) {
  auto id = normalizeUuid(text);
  if (!id) fail(field, "must be a UUID such as 692126c8-6e72-4ad7-8a73-25fc2f1f56e4");
  return *id;
}

void checkText(std::string_view field, std::string_view value, std::size_t maxChars) {
  const auto cps = codePoints(value);
  bool onlySpace = true;
  for (char32_t cp : cps) {
    if (isControl(cp)) fail(field, "must not contain control characters");
    if (!isSpace(cp)) onlySpace = false;
  }
  if (onlySpace) fail(field, "must not be empty");
  if (cps.size() > maxChars) {
    fail(field, "must be at most " + std::to_string(maxChars) + " characters");
  }
}

void checkCountryCode(std::string_view field, std::string_view value) {
  if (value.size() != 2 || value[0] < 'A' || value[0] > 'Z' || value[1] < 'A' || value[1] > 'Z') {
    fail(field, "must be an ISO 3166-1 alpha-2 code of two upper-case letters, such as GB");
  }
}

void checkDate(std::string_view field, std::string_view value) {
  using namespace std::chrono;
  auto digits = [&](std::size_t from, std::size_t n) {
    unsigned v = 0;
    for (std::size_t i = from; i < from + n; ++i) {
      if (value[i] < '0' || value[i] > '9') return -1;
      v = v * 10 + unsigned(value[i] - '0');
    }
    return int(v);
  };
  if (value.size() == 10 && value[4] == '-' && value[7] == '-') {
    const int y = digits(0, 4), m = digits(5, 2), d = digits(8, 2);
    if (y >= 0 && m >= 0 && d >= 0 &&
        year_month_day{year{y}, month{unsigned(m)}, day{unsigned(d)}}.ok()) {
      return;
    }
  }
  fail(field, "must be a calendar date YYYY-MM-DD");
}

void checkMetadata(std::string_view field, const boost::json::object& metadata) {
  if (boost::json::serialize(metadata).size() > kMaxMetadataBytes) {
    fail(field, "must serialize to at most " + std::to_string(kMaxMetadataBytes) + " bytes");
  }
}

void validate(const Brand& brand, std::string_view prefix) {
  checkText(fieldName(prefix, "name"), brand.name, kMaxNameChars);
}

void validate(const Offer& offer, std::string_view prefix) {
  checkText(fieldName(prefix, "name"), offer.name, kMaxNameChars);
  checkOptionalText(prefix, "type", offer.type, kMaxTypeChars);
  if (offer.countryCode) checkCountryCode(fieldName(prefix, "countryCode"), *offer.countryCode);
  if (offer.startDate) checkDate(fieldName(prefix, "startDate"), *offer.startDate);
  if (offer.endDate) checkDate(fieldName(prefix, "endDate"), *offer.endDate);
  // YYYY-MM-DD strings order like the dates they name.
  if (offer.startDate && offer.endDate && *offer.endDate < *offer.startDate) {
    fail(fieldName(prefix, "endDate"), "must not be before startDate");
  }
  if (offer.metadata) checkMetadata(fieldName(prefix, "metadata"), *offer.metadata);
}

void validate(const Location& location, std::string_view prefix) {
  checkText(fieldName(prefix, "address"), location.address, kMaxAddressChars);
  checkOptionalText(prefix, "city", location.city, kMaxCityChars);
  checkOptionalText(prefix, "postcode", location.postcode, kMaxPostcodeChars);
  if (location.countryCode) {
    checkCountryCode(fieldName(prefix, "countryCode"), *location.countryCode);
  }
  if (location.metadata) checkMetadata(fieldName(prefix, "metadata"), *location.metadata);
}

namespace {
template <class T>
void assign(std::optional<T>& target, const Nullable<T>& value) {
  if (value) target = *value;
}
}  // namespace

void applyPatch(Brand& brand, const BrandPatch& patch, Millis now) {
  if (patch.name) brand.name = *patch.name;
  validate(brand);
  brand.updated = now;
}

void applyPatch(Offer& offer, const OfferPatch& patch, Millis now) {
  if (patch.name) offer.name = *patch.name;
  assign(offer.type, patch.type);
  assign(offer.countryCode, patch.countryCode);
  assign(offer.startDate, patch.startDate);
  assign(offer.endDate, patch.endDate);
  assign(offer.metadata, patch.metadata);
  validate(offer);
  offer.updated = now;
}

void applyPatch(Location& location, const LocationPatch& patch, Millis now) {
  if (patch.address) location.address = *patch.address;
  assign(location.city, patch.city);
  assign(location.postcode, patch.postcode);
  assign(location.countryCode, patch.countryCode);
  assign(location.metadata, patch.metadata);
  validate(location);
  location.updated = now;
}

}  // namespace offers::domain
