#include "domain/entity_json.hpp"

#include "domain/error.hpp"

namespace offers::domain {
namespace json = boost::json;
namespace {

void putOptional(json::object& out, json::string_view key, const std::optional<std::string>& v) {
  if (v) out.emplace(key, *v);
}

void putOptional(json::object& out, json::string_view key,
                 const std::optional<json::object>& v) {
  if (v) out.emplace(key, *v);
}

const json::value& field(const json::object& in, json::string_view key) {
  const auto* v = in.if_contains(key);
  if (!v) throw Error(ErrorCode::internal, "stored entity lacks field " + std::string(key));
  return *v;
}

std::string str(const json::object& in, json::string_view key) {
  return std::string(field(in, key).as_string());
}

std::optional<std::string> optStr(const json::object& in, json::string_view key) {
  const auto* v = in.if_contains(key);
  if (!v) return std::nullopt;
  return std::string(v->as_string());
}

std::optional<json::object> optObj(const json::object& in, json::string_view key) {
  const auto* v = in.if_contains(key);
  if (!v) return std::nullopt;
  return v->as_object();
}

Millis time(const json::object& in, json::string_view key) {
  auto ms = parseTimestamp(field(in, key).as_string());
  if (!ms) throw Error(ErrorCode::internal, "stored entity has a bad timestamp");
  return *ms;
}

// as_* throw std::invalid_argument / system_error on a wrong kind: report it as
// corruption of stored data, which is what it means here.
template <class F>
auto trusted(F&& f) {
  try {
    return f();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(ErrorCode::internal, std::string("stored entity is malformed: ") + e.what());
  }
}

}  // namespace

json::object toJson(const Brand& b) {
  return {{"id", b.id},
          {"name", b.name},
          {"created", formatTimestamp(b.created)},
          {"updated", formatTimestamp(b.updated)}};
}

json::object toJson(const Offer& o) {
  json::object out{{"id", o.id}, {"name", o.name}, {"brandId", o.brandId},
                   {"locationsTotal", o.locationsTotal}};
  putOptional(out, "type", o.type);
  putOptional(out, "countryCode", o.countryCode);
  putOptional(out, "startDate", o.startDate);
  putOptional(out, "endDate", o.endDate);
  putOptional(out, "metadata", o.metadata);
  out.emplace("created", formatTimestamp(o.created));
  out.emplace("updated", formatTimestamp(o.updated));
  return out;
}

json::object toJson(const Location& l) {
  json::object out{{"id", l.id},
                   {"address", l.address},
                   {"brandId", l.brandId},
                   {"hasOffer", l.hasOffer()},
                   {"offersTotal", l.offersTotal}};
  putOptional(out, "city", l.city);
  putOptional(out, "postcode", l.postcode);
  putOptional(out, "countryCode", l.countryCode);
  putOptional(out, "metadata", l.metadata);
  out.emplace("created", formatTimestamp(l.created));
  out.emplace("updated", formatTimestamp(l.updated));
  return out;
}

Brand brandFromJson(const json::object& in) {
  return trusted([&] {
    return Brand{str(in, "id"), str(in, "name"), time(in, "created"), time(in, "updated")};
  });
}

Offer offerFromJson(const json::object& in) {
  return trusted([&] {
    Offer o;
    o.id = str(in, "id");
    o.name = str(in, "name");
    o.brandId = str(in, "brandId");
    o.locationsTotal = field(in, "locationsTotal").to_number<std::int64_t>();
    o.type = optStr(in, "type");
    o.countryCode = optStr(in, "countryCode");
    o.startDate = optStr(in, "startDate");
    o.endDate = optStr(in, "endDate");
    o.metadata = optObj(in, "metadata");
    o.created = time(in, "created");
    o.updated = time(in, "updated");
    return o;
  });
}

Location locationFromJson(const json::object& in) {
  return trusted([&] {
    Location l;
    l.id = str(in, "id");
    l.address = str(in, "address");
    l.brandId = str(in, "brandId");
    l.offersTotal = field(in, "offersTotal").to_number<std::int64_t>();
    l.city = optStr(in, "city");
    l.postcode = optStr(in, "postcode");
    l.countryCode = optStr(in, "countryCode");
    l.metadata = optObj(in, "metadata");
    l.created = time(in, "created");
    l.updated = time(in, "updated");
    return l;
  });
}

}  // namespace offers::domain
