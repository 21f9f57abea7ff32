// The domain's entities, the inputs that create and change them, and the results of
// linking. Plain values: no I/O here.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/time.hpp"

namespace offers::domain {

struct Brand {
  std::string id;
  std::string name;
  Millis created = 0;
  Millis updated = 0;
};

struct Offer {
  std::string id;
  std::string name;
  std::string brandId;
  std::int64_t locationsTotal = 0;  // number of locations linked; moved only by the store
  std::optional<std::string> type;
  std::optional<std::string> countryCode;
  std::optional<std::string> startDate;  // YYYY-MM-DD
  std::optional<std::string> endDate;    // YYYY-MM-DD, not before startDate
  std::optional<boost::json::object> metadata;
  Millis created = 0;
  Millis updated = 0;  // last change of the offer's own fields; links do not move it
};

struct Location {
  std::string id;
  std::string address;
  std::string brandId;
  std::int64_t offersTotal = 0;  // number of offers linked; moved only by the store
  std::optional<std::string> city;
  std::optional<std::string> postcode;
  std::optional<std::string> countryCode;
  std::optional<boost::json::object> metadata;
  Millis created = 0;
  Millis updated = 0;

  // Invariant 2 of the design: derived, never stored on its own.
  bool hasOffer() const { return offersTotal > 0; }
};

// A field of a PATCH body that may be absent (leave as is), null (clear) or a value.
template <class T>
using Nullable = std::optional<std::optional<T>>;

struct BrandPatch {
  std::optional<std::string> name;
};

struct OfferPatch {
  std::optional<std::string> name;
  Nullable<std::string> type;
  Nullable<std::string> countryCode;
  Nullable<std::string> startDate;
  Nullable<std::string> endDate;
  Nullable<boost::json::object> metadata;
};

struct LocationPatch {
  std::optional<std::string> address;
  Nullable<std::string> city;
  Nullable<std::string> postcode;
  Nullable<std::string> countryCode;
  Nullable<boost::json::object> metadata;
};

// Applies a patch to an entity and re-checks the rules that span fields (an offer's
// endDate not before its startDate). Throws Error(invalid_request) and leaves the
// entity unspecified on failure: callers apply to a copy.
void applyPatch(Brand& brand, const BrandPatch& patch, Millis now);
void applyPatch(Offer& offer, const OfferPatch& patch, Millis now);
void applyPatch(Location& location, const LocationPatch& patch, Millis now);

struct LinkResult {
  Offer offer;
  Location location;
  bool created = false;  // false: the pair was already linked and no counter moved
};

struct UnlinkResult {
  Offer offer;
  Location location;
};

// A page request over a stable order: items strictly after `after` (an entity id).
struct PageRequest {
  std::size_t limit = 100;
  std::optional<std::string> after;
};

template <class T>
struct Page {
  std::vector<T> items;
  // Id of the last item, present only when more items follow.
  std::optional<std::string> last;
};

}  // namespace offers::domain
