#include "http/codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <charconv>
#include <set>

#include "domain/error.hpp"
#include "domain/validation.hpp"

namespace offers::http {
namespace json = boost::json;
using domain::throwInvalid;

namespace {

std::string_view kindName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

// Reads the fields of one JSON object, remembering which were read, so that finish()
// can refuse the rest by name.
class FieldReader {
 public:
  FieldReader(const json::object& object, std::string prefix)
      : object_(object), prefix_(std::move(prefix)) {}

  std::string name(std::string_view field) const { return prefix_ + std::string(field); }

  std::string requiredString(std::string_view field) {
    const auto* v = take(field);
    if (!v) throwInvalid(name(field) + ": is required");
    return asString(field, *v);
  }

  // Absent or null: nullopt (on create, null means "not given").
  std::optional<std::string> optionalString(std::string_view field) {
    const auto* v = take(field);
    if (!v || v->is_null()) return std::nullopt;
    return asString(field, *v);
  }

  std::optional<std::string> optionalUuid(std::string_view field) {
    auto s = optionalString(field);
    if (!s) return std::nullopt;
    return domain::requireUuid(name(field), *s);
  }

  std::string requiredUuid(std::string_view field) {
    return domain::requireUuid(name(field), requiredString(field));
  }

  std::optional<json::object> optionalObject(std::string_view field) {
    const auto* v = take(field);
    if (!v || v->is_null()) return std::nullopt;
    return asObject(field, *v);
  }

  // For PATCH: absent (outer nullopt), null (inner nullopt), or a value.
  domain::Nullable<std::string> nullableString(std::string_view field) {
    const auto* v = take(field);
    if (!v) return std::nullopt;
    if (v->is_null()) return std::optional<std::string>{};
    return std::optional<std::string>{asString(field, *v)};
  }

  domain::Nullable<json::object> nullableObject(std::string_view field) {
    const auto* v = take(field);
    if (!v) return std::nullopt;
    if (v->is_null()) return std::optional<json::object>{};
    return std::optional<json::object>{asObject(field, *v)};
  }

  // A PATCH field that may be changed but not cleared.
  std::optional<std::string> patchString(std::string_view field) {
    const auto* v = take(field);
    if (!v) return std::nullopt;
    if (v->is_null()) throwInvalid(name(field) + ": cannot be null");
    return asString(field, *v);
  }

  // Fields the server owns: present in responses, refused in requests.
  void refuse(std::initializer_list<std::string_view> fields, std::string_view why) {
    for (auto field : fields) {
      if (take(field)) throwInvalid(name(field) + ": " + std::string(why));
    }
  }

  // The raw value of a field, marking it read (nullptr when absent).
  const json::value* take(std::string_view field) {
    read_.insert(field);
    return object_.if_contains(field);
  }

  void finish() const {
    for (const auto& kv : object_) {
      if (!read_.contains(std::string_view(kv.key()))) {
        throwInvalid(name(kv.key()) + ": unknown field");
      }
    }
  }

 private:
  std::string asString(std::string_view field, const json::value& v) const {
    if (!v.is_string()) {
      throwInvalid(name(field) + ": must be a string, not " + std::string(kindName(v)));
    }
    return std::string(v.get_string());
  }

  json::object asObject(std::string_view field, const json::value& v) const {
    if (!v.is_object()) {
      throwInvalid(name(field) + ": must be an object, not " + std::string(kindName(v)));
    }
    return v.get_object();
  }

  const json::object& object_;
  std::string prefix_;
  std::set<std::string_view> read_;
};

domain::Location readLocation(FieldReader& r) {
  domain::Location l;
  if (auto id = r.optionalUuid("id")) l.id = *id;
  l.address = r.requiredString("address");
  l.brandId = r.requiredUuid("brandId");
  l.city = r.optionalString("city");
  l.postcode = r.optionalString("postcode");
  l.countryCode = r.optionalString("countryCode");
  l.metadata = r.optionalObject("metadata");
  r.refuse({"hasOffer", "offersTotal"}, "is read-only: links move it");
  r.refuse({"created", "updated"}, "is read-only: the server sets it");
  r.finish();
  return l;
}

std::size_t parseLimit(std::string_view text) {
  std::size_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end || value < 1 || value > kMaxLimit) {
    throwInvalid("limit: must be an integer from 1 to " + std::to_string(kMaxLimit));
  }
  return value;
}

}  // namespace

json::object parseBody(std::string_view body) {
  if (body.empty()) throwInvalid("body: a JSON object is required");
  std::error_code ec;
  json::parse_options options;
  options.max_depth = 32;
  auto value = json::parse(body, ec, {}, options);
  if (ec) throwInvalid("body: malformed JSON (" + ec.message() + ")");
  if (!value.is_object()) {
    throwInvalid("body: must be a JSON object, not " + std::string(kindName(value)));
  }
  return std::move(value.get_object());
}

domain::Brand decodeBrandCreate(std::string_view body) {
  const auto obj = parseBody(body);
  FieldReader r(obj, "");
  domain::Brand b;
  if (auto id = r.optionalUuid("id")) b.id = *id;
  b.name = r.requiredString("name");
  r.refuse({"created", "updated"}, "is read-only: the server sets it");
  r.finish();
  return b;
}

domain::BrandPatch decodeBrandPatch(std::string_view body) {
  const auto obj = parseBody(body);
  FieldReader r(obj, "");
  domain::BrandPatch p;
  p.name = r.patchString("name");
  r.refuse({"id"}, "cannot be changed");
  r.refuse({"created", "updated"}, "is read-only: the server sets it");
  r.finish();
  return p;
}

domain::Offer decodeOfferCreate(std::string_view body) {
  const auto obj = parseBody(body);
  FieldReader r(obj, "");
  domain::Offer o;
  if (auto id = r.optionalUuid("id")) o.id = *id;
  o.name = r.requiredString("name");
  o.brandId = r.requiredUuid("brandId");
  o.type = r.optionalString("type");
  o.countryCode = r.optionalString("countryCode");
  o.startDate = r.optionalString("startDate");
  o.endDate = r.optionalString("endDate");
  o.metadata = r.optionalObject("metadata");
  r.refuse({"locationsTotal"}, "is read-only: links move it");
  r.refuse({"created", "updated"}, "is read-only: the server sets it");
  r.finish();
  return o;
}

domain::OfferPatch decodeOfferPatch(std::string_view body) {
  const auto obj = parseBody(body);
  FieldReader r(obj, "");
  domain::OfferPatch p;
  p.name = r.patchString("name");
  p.type = r.nullableString("type");
  p.countryCode = r.nullableString("countryCode");
  p.startDate = r.nullableString("startDate");
  p.endDate = r.nullableString("endDate");
  p.metadata = r.nullableObject("metadata");
  r.refuse({"id", "brandId"}, "cannot be changed");
  r.refuse({"locationsTotal"}, "is read-only: links move it");
  r.refuse({"created", "updated"}, "is read-only: the server sets it");
  r.finish();
  return p;
}

domain::Location decodeLocationCreate(std::string_view body) {
  const auto obj = parseBody(body);
  FieldReader r(obj, "");
  return readLocation(r);
}

std::vector<domain::Location> decodeLocationBatch(std::string_view body) {
  const auto obj = parseBody(body);
  FieldReader r(obj, "");
  const auto* items = r.take("items");
  r.finish();
  if (!items) throwInvalid("items: is required");
  if (!items->is_array()) {
    throwInvalid("items: must be an array, not " + std::string(kindName(*items)));
  }
  const auto& array = items->get_array();
  if (array.empty() || array.size() > domain::kMaxBatchLocations) {
    throwInvalid("items: must hold 1 to " + std::to_string(domain::kMaxBatchLocations) +
                 " locations, not " + std::to_string(array.size()));
  }
  std::vector<domain::Location> out;
  out.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string prefix = "items[" + std::to_string(i) + "]";
    if (!array[i].is_object()) {
      throwInvalid(prefix + ": must be an object, not " + std::string(kindName(array[i])));
    }
    FieldReader item(array[i].get_object(), prefix + ".");
    out.push_back(readLocation(item));
  }
  return out;
}

domain::LocationPatch decodeLocationPatch(std::string_view body) {
  const auto obj = parseBody(body);
  FieldReader r(obj, "");
  domain::LocationPatch p;
  p.address = r.patchString("address");
  p.city = r.nullableString("city");
  p.postcode = r.nullableString("postcode");
  p.countryCode = r.nullableString("countryCode");
  p.metadata = r.nullableObject("metadata");
  r.refuse({"id", "brandId"}, "cannot be changed");
  r.refuse({"hasOffer", "offersTotal"}, "is read-only: links move it");
  r.refuse({"created", "updated"}, "is read-only: the server sets it");
  r.finish();
  return p;
}

ListQuery decodeListQuery(const QueryParams& query, bool allowBrandFilter) {
  return decodeListQuery(query, ListOptions{allowBrandFilter ? "brandId" : ""});
}

ListQuery decodeListQuery(const QueryParams& query, const ListOptions& options) {
  ListQuery out;
  out.page.limit = kDefaultLimit;
  std::set<std::string_view> seen;
  for (const auto& [k, v] : query) {
    if (!seen.insert(k).second) throwInvalid(k + ": given more than once");
    if (k == "limit") {
      out.page.limit = parseLimit(v);
    } else if (k == "start") {
      out.page.after = options.sequenceCursor ? decodeSequenceCursor(v) : decodeCursor(v);
      if (!out.page.after) throwInvalid("start: not a cursor this server issued");
    } else if (!options.filter.empty() && k == options.filter) {
      out.brandId = domain::requireUuid(k, v);
    } else {
      throwInvalid(k + ": unknown query parameter");
    }
  }
  return out;
}

JobRequest decodeJobCreate(std::string_view body) {
  const auto obj = parseBody(body);
  FieldReader r(obj, "");
  const auto typeName = r.requiredString("type");
  auto type = domain::parseJobType(typeName);
  if (!type) {
    throwInvalid("type: unknown job type '" + typeName +
                 "'; one of link-brand-locations, unlink-all-locations");
  }
  JobRequest out{*type, r.requiredUuid("offerId")};
  r.finish();
  return out;
}

WebhookRequest decodeWebhookCreate(std::string_view body) {
  const auto obj = parseBody(body);
  FieldReader r(obj, "");
  WebhookRequest out;
  out.url = r.requiredString("url");
  const auto* events = r.take("events");
  if (!events) throwInvalid("events: is required");
  if (!events->is_array()) {
    throwInvalid("events: must be an array, not " + std::string(kindName(*events)));
  }
  for (std::size_t i = 0; i < events->get_array().size(); ++i) {
    const auto& e = events->get_array()[i];
    if (!e.is_string()) throwInvalid("events[" + std::to_string(i) + "]: must be a string");
    out.events.emplace_back(e.get_string());
  }
  out.secret = r.optionalString("secret");
  r.finish();
  return out;
}

}  // namespace offers::http
