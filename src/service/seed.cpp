#include "service/seed.hpp"

#include <boost/json/parse.hpp>

#include "domain/error.hpp"
#include "domain/validation.hpp"

namespace offers::service {

using namespace domain;  // the use cases speak the domain's language throughout
namespace json = boost::json;
namespace {

std::string text(const json::object& o, json::string_view key, const std::string& where) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string()) throwInvalid(where + "." + std::string(key) + ": must be a string");
  return std::string(v->get_string());
}

std::optional<std::string> optText(const json::object& o, json::string_view key,
                                   const std::string& where) {
  if (!o.contains(key)) return std::nullopt;
  return text(o, key, where);
}

const json::array& section(const json::object& root, json::string_view key) {
  static const json::array empty;
  const auto* v = root.if_contains(key);
  if (!v) return empty;
  if (!v->is_array()) throwInvalid("seed: " + std::string(key) + " must be an array");
  return v->get_array();
}

template <class Parse, class Exists, class Create>
void each(const json::object& root, json::string_view key, SeedReport& report, Parse parse,
          Exists exists, Create create) {
  const auto& items = section(root, key);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string where = "seed: " + std::string(key) + "[" + std::to_string(i) + "]";
    if (!items[i].is_object()) throwInvalid(where + ": must be an object");
    auto entity = parse(items[i].get_object(), where);
    entity.id = requireUuid(where + ".id", entity.id);
    validate(entity, where + ".");
    if (exists(entity.id)) {
      ++report.existing;
      continue;
    }
    entity.created = entity.updated = nowMillis();
    try {
      create(entity);
      ++report.created;
    } catch (const Error& e) {
      if (e.code() != ErrorCode::conflict) throw;
      ++report.existing;  // created concurrently: still "only where absent"
    }
  }
}

}  // namespace

SeedReport seed(store::Store& store, std::string_view data) {
  json::value root;
  try {
    root = json::parse(data);
  } catch (const std::exception& e) {
    throwInvalid(std::string("seed: malformed JSON: ") + e.what());
  }
  if (!root.is_object()) throwInvalid("seed: must be a JSON object");
  const auto& obj = root.get_object();
  SeedReport report;
  each(
      obj, "brands", report,
      [](const json::object& o, const std::string& w) {
        Brand b;
        b.id = text(o, "id", w);
        b.name = text(o, "name", w);
        return b;
      },
      [&](const std::string& id) { return store.getBrand(id).has_value(); },
      [&](const Brand& b) { store.createBrand(b); });
  each(
      obj, "offers", report,
      [](const json::object& o, const std::string& w) {
        Offer x;
        x.id = text(o, "id", w);
        x.name = text(o, "name", w);
        x.brandId = requireUuid(w + ".brandId", text(o, "brandId", w));
        x.type = optText(o, "type", w);
        x.countryCode = optText(o, "countryCode", w);
        x.startDate = optText(o, "startDate", w);
        x.endDate = optText(o, "endDate", w);
        return x;
      },
      [&](const std::string& id) { return store.getOffer(id).has_value(); },
      [&](const Offer& x) { store.createOffer(x); });
  each(
      obj, "locations", report,
      [](const json::object& o, const std::string& w) {
        Location l;
        l.id = text(o, "id", w);
        l.address = text(o, "address", w);
        l.brandId = requireUuid(w + ".brandId", text(o, "brandId", w));
        l.city = optText(o, "city", w);
        l.postcode = optText(o, "postcode", w);
        l.countryCode = optText(o, "countryCode", w);
        return l;
      },
      [&](const std::string& id) { return store.getLocation(id).has_value(); },
      [&](const Location& l) { store.createLocations({l}); });
  return report;
}

}  // namespace offers::service
