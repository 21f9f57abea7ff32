#include "lambda/queue_events.hpp"

#include <boost/json.hpp>
#include <stdexcept>

namespace offers::lambda {

namespace json = boost::json;

namespace {

const json::string* stringAt(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v && v->is_string() ? &v->as_string() : nullptr;
}

}  // namespace

std::optional<std::vector<SqsRecord>> decodeSqsEvent(const json::value& event) {
  const auto* o = event.if_object();
  if (!o) return std::nullopt;
  const auto* records = o->if_contains("Records");
  if (!records || !records->is_array() || records->as_array().empty()) return std::nullopt;
  const auto* first = records->as_array().front().if_object();
  if (!first) return std::nullopt;
  const auto* source = stringAt(*first, "eventSource");
  if (!source || *source != "aws:sqs") return std::nullopt;
  std::vector<SqsRecord> out;
  std::size_t i = 0;
  for (const auto& r : records->as_array()) {
    const auto where = "Records[" + std::to_string(i++) + "]";
    const auto* record = r.if_object();
    if (!record) throw std::invalid_argument(where + ": must be an object");
    const auto* id = stringAt(*record, "messageId");
    if (!id || id->empty()) throw std::invalid_argument(where + ".messageId: required");
    const auto* body = stringAt(*record, "body");
    if (!body) throw std::invalid_argument(where + ".body: required");
    out.push_back({std::string(*id), std::string(*body)});
  }
  return out;
}

std::string batchResponse(const std::vector<std::string>& failedMessageIds) {
  json::array failures;
  for (const auto& id : failedMessageIds) failures.push_back(json::object{{"itemIdentifier", id}});
  return json::serialize(json::object{{"batchItemFailures", std::move(failures)}});
}

bool isScheduledEvent(const json::value& event) {
  const auto* o = event.if_object();
  if (!o) return false;
  const auto* source = stringAt(*o, "source");
  const auto* type = stringAt(*o, "detail-type");
  return source && *source == "aws.events" && type && *type == "Scheduled Event";
}

std::string jobMessage(std::string_view jobId) {
  return json::serialize(json::object{{"jobId", jobId}});
}

std::optional<std::string> jobIdOf(std::string_view body) {
  boost::system::error_code ec;
  const auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto* id = stringAt(v.as_object(), "jobId");
  if (!id || id->empty()) return std::nullopt;
  return std::string(*id);
}

std::string deliveryMessage(const domain::PendingDelivery& d) {
  return json::serialize(json::object{{"webhookId", d.webhookId},
                                      {"eventSeq", d.eventSeq},
                                      {"attempt", d.attempt},
                                      {"due", d.due}});
}

std::optional<domain::PendingDelivery> deliveryOf(std::string_view body) {
  boost::system::error_code ec;
  const auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  const auto* webhook = stringAt(o, "webhookId");
  const auto* seq = o.if_contains("eventSeq");
  const auto* attempt = o.if_contains("attempt");
  const auto* due = o.if_contains("due");
  if (!webhook || webhook->empty() || !seq || !attempt || !due) return std::nullopt;
  domain::PendingDelivery d;
  d.webhookId = std::string(*webhook);
  if (seq->is_uint64()) {
    d.eventSeq = seq->as_uint64();
  } else if (seq->is_int64() && seq->as_int64() >= 0) {
    d.eventSeq = std::uint64_t(seq->as_int64());
  } else {
    return std::nullopt;
  }
  if (!attempt->is_int64() || attempt->as_int64() < 1 || attempt->as_int64() > 1000) {
    return std::nullopt;
  }
  d.attempt = int(attempt->as_int64());
  if (!due->is_int64()) return std::nullopt;
  d.due = due->as_int64();
  return d;
}

}  // namespace offers::lambda
