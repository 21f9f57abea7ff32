#include "domain/entity_json.hpp"

#include "domain/error.hpp"

namespace offers::domain {
namespace json = boost::json;
namespace {

void putOptional(json::object& out, json::string_view key, const std::optional<std::string>& v) {
  if (v) out.emplace(key, *v);
}

void putOptional(json::object& out, json::string_view key, const std::optional<json::object>& v) {
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
  json::object out{
      {"id", o.id}, {"name", o.name}, {"brandId", o.brandId}, {"locationsTotal", o.locationsTotal}};
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

namespace {

std::int64_t num(const json::object& in, json::string_view key) {
  return field(in, key).to_number<std::int64_t>();
}

std::optional<Millis> optTime(const json::object& in, json::string_view key) {
  const auto* v = in.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  return time(in, key);
}

json::value timeOrNull(const std::optional<Millis>& t) {
  if (!t) return nullptr;
  return json::value(formatTimestamp(*t));
}

}  // namespace

json::object toJson(const Job& j) {
  json::object out{{"id", j.id},
                   {"type", toString(j.type)},
                   {"offerId", j.offerId},
                   {"brandId", j.brandId},
                   {"status", toString(j.status)},
                   {"total", j.total},
                   {"processed", j.processed}};
  if (j.type == JobType::link_brand_locations) {
    out.emplace("linked", j.linked);
    out.emplace("alreadyLinked", j.alreadyLinked);
  } else {
    out.emplace("unlinked", j.unlinked);
  }
  out.emplace("failed", j.failed);
  out.emplace("progress", j.progress());
  if (j.error) {
    out.emplace("error",
                json::object{{"code", codeName(j.error->code)}, {"message", j.error->message}});
  } else {
    out.emplace("error", nullptr);
  }
  out.emplace("cancelRequested", j.cancelRequested);
  out.emplace("created", formatTimestamp(j.created));
  out.emplace("started", timeOrNull(j.started));
  out.emplace("finished", timeOrNull(j.finished));
  return out;
}

json::object toStoredJson(const Job& j) {
  auto out = toJson(j);
  out.emplace("linked", j.linked);
  out.emplace("alreadyLinked", j.alreadyLinked);
  out.emplace("unlinked", j.unlinked);
  if (j.checkpoint) out.emplace("checkpoint", *j.checkpoint);
  return out;
}

Job jobFromJson(const json::object& in) {
  return trusted([&] {
    Job j;
    j.id = str(in, "id");
    auto type = parseJobType(field(in, "type").as_string());
    auto status = parseJobStatus(field(in, "status").as_string());
    if (!type || !status) throw Error(ErrorCode::internal, "stored job has a bad type or status");
    j.type = *type;
    j.status = *status;
    j.offerId = str(in, "offerId");
    j.brandId = str(in, "brandId");
    j.total = num(in, "total");
    j.processed = num(in, "processed");
    j.linked = num(in, "linked");
    j.alreadyLinked = num(in, "alreadyLinked");
    j.unlinked = num(in, "unlinked");
    j.failed = num(in, "failed");
    if (const auto* e = in.if_contains("error"); e && e->is_object()) {
      j.error = JobError{parseJobErrorCode(e->at("code").as_string()),
                         std::string(e->at("message").as_string())};
    }
    j.cancelRequested = field(in, "cancelRequested").as_bool();
    j.checkpoint = optStr(in, "checkpoint");
    j.created = time(in, "created");
    j.started = optTime(in, "started");
    j.finished = optTime(in, "finished");
    return j;
  });
}

json::object toJson(const Event& e) {
  return {
      {"id", e.id}, {"type", e.type}, {"created", formatTimestamp(e.created)}, {"data", e.data}};
}

Event eventFromJson(std::uint64_t seq, const json::object& in) {
  return trusted([&] {
    return Event{seq, str(in, "id"), str(in, "type"), time(in, "created"),
                 field(in, "data").as_object()};
  });
}

json::object toJson(const Webhook& w) {
  json::array events;
  for (const auto& e : w.events) events.emplace_back(e);
  return {{"id", w.id},
          {"url", w.url},
          {"events", std::move(events)},
          {"created", formatTimestamp(w.created)}};
}

json::object toStoredJson(const Webhook& w) {
  auto out = toJson(w);
  out.emplace("secret", w.secret);
  return out;
}

Webhook webhookFromJson(const json::object& in) {
  return trusted([&] {
    Webhook w;
    w.id = str(in, "id");
    w.url = str(in, "url");
    for (const auto& e : field(in, "events").as_array()) w.events.emplace_back(e.as_string());
    w.secret = str(in, "secret");
    w.created = time(in, "created");
    return w;
  });
}

json::object toJson(const DeliveryAttempt& a) {
  json::object out{{"webhookId", a.webhookId},
                   {"eventId", a.eventId},
                   {"eventType", a.eventType},
                   {"attempt", a.attempt},
                   {"time", formatTimestamp(a.time)},
                   {"statusCode", a.statusCode ? json::value(*a.statusCode) : json::value()},
                   {"error", a.error.empty() ? json::value() : json::value(a.error)},
                   {"durationMs", a.durationMs},
                   {"succeeded", a.succeeded},
                   {"nextAttempt", timeOrNull(a.nextAttempt)}};
  out.emplace("eventSeq", a.eventSeq);
  return out;
}

DeliveryAttempt deliveryAttemptFromJson(const json::object& in) {
  return trusted([&] {
    DeliveryAttempt a;
    a.webhookId = str(in, "webhookId");
    a.eventId = str(in, "eventId");
    a.eventType = str(in, "eventType");
    a.attempt = int(num(in, "attempt"));
    a.time = time(in, "time");
    if (const auto* s = in.if_contains("statusCode"); s && !s->is_null()) {
      a.statusCode = long(s->to_number<std::int64_t>());
    }
    if (const auto* e = in.if_contains("error"); e && e->is_string()) {
      a.error = std::string(e->get_string());
    }
    a.durationMs = num(in, "durationMs");
    a.succeeded = field(in, "succeeded").as_bool();
    a.nextAttempt = optTime(in, "nextAttempt");
    a.eventSeq = field(in, "eventSeq").to_number<std::uint64_t>();
    return a;
  });
}

}  // namespace offers::domain
