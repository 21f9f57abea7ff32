// The outbox on DynamoDB: events in kShards partitions ordered by a time-based sequence,
// the fan-out queue (events not yet turned into deliveries, a sparse index, so a late
// event is never skipped), webhooks, and deliveries leased to one dispatcher at a time.
#include <algorithm>

#include "domain/entity_json.hpp"
#include "store/dynamodb/dynamodb_store.hpp"
#include "store/dynamodb/impl.hpp"

namespace offers::store::dynamodb {

using domain::Error;
using domain::ErrorCode;

namespace {

domain::Event decodeEvent(const json::object& item) {
  return domain::eventFromJson(std::uint64_t(item.at("seq").to_number<std::uint64_t>()), item);
}

Key deliveryKey(std::string_view webhookId, std::uint64_t seq) {
  return {"WEBHOOK#" + std::string(webhookId), "DELIVERY#" + fixed(seq)};
}

// The delivery queue's sort key: due time first, so a range read finds what is due.
std::string dueKey(domain::Millis due, std::string_view webhookId, std::uint64_t seq) {
  return fixed(std::uint64_t(std::max<domain::Millis>(due, 0))) + "/" + std::string(webhookId) +
         "/" + fixed(seq);
}

std::string dueShard(std::uint64_t seq) {
  return "DUE#" + std::to_string(seq % kShards);
}

}  // namespace

Page<domain::Event> DynamoDbStore::listEvents(std::optional<std::uint64_t> afterSeq,
                                              std::size_t limit) {
  const auto horizon = impl_->visibleSeq();
  std::vector<domain::Event> merged;
  bool more = false;
  for (std::uint64_t shard = 0; shard < kShards; ++shard) {
    QuerySpec q;
    q.partition = "EVENTS#" + std::to_string(shard);
    q.from = afterSeq ? fixed(*afterSeq) + " " : fixed(0);
    q.to = fixed(horizon);
    q.limit = limit;
    auto r = impl_->table.query(q);
    more = more || r.more;
    for (const auto& item : r.items) merged.push_back(decodeEvent(item));
  }
  std::sort(merged.begin(), merged.end(),
            [](const auto& a, const auto& b) { return a.seq < b.seq; });
  more = trimToLimit(merged, limit) || more;
  return pageOf(std::move(merged), more,
                [](const domain::Event& e) { return std::to_string(e.seq); });
}

std::optional<domain::Event> DynamoDbStore::getEvent(std::uint64_t seq) {
  auto item = impl_->table.get(eventKey(seq));
  if (!item) return std::nullopt;
  return decodeEvent(*item);
}

void DynamoDbStore::createWebhook(const domain::Webhook& webhook) {
  auto item = domain::toStoredJson(webhook);
  const auto key = webhookKey(webhook.id);
  item["PK"] = key.pk;
  item["SK"] = key.sk;
  item["GSI2PK"] = "WEBHOOKS";
  item["GSI2SK"] = webhook.id;
  if (!impl_->table.put(item, {"", "attribute_not_exists(PK)", {}, {}})) {
    throw Error(ErrorCode::conflict, "webhook " + webhook.id + " already exists");
  }
}

std::optional<domain::Webhook> DynamoDbStore::getWebhook(std::string_view id) {
  auto item = impl_->table.get(webhookKey(id));
  if (!item) return std::nullopt;
  return domain::webhookFromJson(*item);
}

Page<domain::Webhook> DynamoDbStore::listWebhooks(const PageRequest& page) {
  return toPage<domain::Webhook>(impl_->table.query(listSpec(Index::gsi2, "WEBHOOKS", page)),
                                 domain::webhookFromJson);
}

void DynamoDbStore::deleteWebhook(std::string_view id) {
  if (!impl_->table.remove(webhookKey(id), {"", "attribute_exists(PK)", {}, {}})) {
    domain::throwNotFound("webhook", id);
  }
}

std::size_t DynamoDbStore::fanOutEvents(std::size_t maxEvents, domain::Millis now) {
  auto& t = impl_->table;
  std::vector<json::object> events;
  for (std::uint64_t shard = 0; shard < kShards; ++shard) {
    QuerySpec q;
    q.index = Index::gsi3;
    q.partition = "FANOUT#" + std::to_string(shard);
    q.limit = maxEvents;
    for (auto& item : t.query(q).items) events.push_back(std::move(item));
  }
  if (events.empty()) return 0;
  std::sort(events.begin(), events.end(),
            [](const auto& a, const auto& b) { return number(a, "seq") < number(b, "seq"); });
  if (events.size() > maxEvents) events.resize(maxEvents);
  std::vector<domain::Webhook> webhooks;
  for (std::optional<std::string> cursor;;) {
    auto page = listWebhooks({1000, cursor});
    webhooks.insert(webhooks.end(), page.items.begin(), page.items.end());
    if (!page.last) break;
    cursor = page.last;
  }
  impl_->parallel(events.size(), [&](std::size_t i) {
    const auto& e = events[i];
    const auto seq = std::uint64_t(e.at("seq").to_number<std::uint64_t>());
    const auto type = text(e, "type");
    for (const auto& w : webhooks) {
      if (!w.wants(type)) continue;
      const auto key = deliveryKey(w.id, seq);
      // Conditional: a second dispatcher fanning out the same event adds nothing.
      t.put({{"PK", key.pk},
             {"SK", key.sk},
             {"webhookId", w.id},
             {"eventSeq", seq},
             {"attempt", 1},
             {"due", now},
             {"GSI3PK", dueShard(seq)},
             {"GSI3SK", dueKey(now, w.id, seq)}},
            {"", "attribute_not_exists(PK)", {}, {}});
    }
    t.update(eventKey(seq), {"REMOVE GSI3PK, GSI3SK", "attribute_exists(PK)", {}, {}});
  });
  return events.size();
}

std::vector<domain::PendingDelivery> DynamoDbStore::dueDeliveries(domain::Millis now,
                                                                  std::size_t limit) {
  auto& t = impl_->table;
  std::vector<json::object> due;
  for (std::uint64_t shard = 0; shard < kShards; ++shard) {
    QuerySpec q;
    q.index = Index::gsi3;
    q.partition = "DUE#" + std::to_string(shard);
    q.to = fixed(std::uint64_t(std::max<domain::Millis>(now, 0))) + "/~";
    q.limit = limit;
    for (auto& item : t.query(q).items) due.push_back(std::move(item));
  }
  std::sort(due.begin(), due.end(),
            [](const auto& a, const auto& b) { return text(a, "GSI3SK") < text(b, "GSI3SK"); });
  std::vector<domain::PendingDelivery> out;
  const auto leased = now + impl_->options.lease.count();
  for (const auto& item : due) {
    if (out.size() >= limit) break;
    domain::PendingDelivery d;
    d.webhookId = text(item, "webhookId");
    d.eventSeq = std::uint64_t(item.at("eventSeq").to_number<std::uint64_t>());
    d.attempt = int(number(item, "attempt"));
    d.due = number(item, "due");
    // The lease: the delivery is not due again for anyone until it runs out.
    Expression claim{"SET due = :leased, GSI3SK = :sk",
                     "due = :due AND attempt = :a",
                     {},
                     {{":leased", N(leased)},
                      {":sk", S(dueKey(leased, d.webhookId, d.eventSeq))},
                      {":due", N(d.due)},
                      {":a", N(d.attempt)}}};
    if (t.update(deliveryKey(d.webhookId, d.eventSeq), claim)) out.push_back(std::move(d));
  }
  return out;
}

void DynamoDbStore::recordAttempt(const domain::PendingDelivery& d,
                                  const domain::DeliveryAttempt& attempt) {
  auto& t = impl_->table;
  auto item = domain::toJson(attempt);
  item["PK"] = "WEBHOOK#" + d.webhookId;
  item["SK"] = "ATTEMPT#" + fixed(d.eventSeq) + "/" + fixed(std::uint64_t(d.attempt), 3);
  t.put(item);
  const auto key = deliveryKey(d.webhookId, d.eventSeq);
  if (attempt.nextAttempt) {
    t.update(key, {"SET attempt = :next, due = :due, GSI3SK = :sk",
                   "attempt = :a",
                   {},
                   {{":next", N(d.attempt + 1)},
                    {":due", N(*attempt.nextAttempt)},
                    {":sk", S(dueKey(*attempt.nextAttempt, d.webhookId, d.eventSeq))},
                    {":a", N(d.attempt)}}});
  } else {
    t.remove(key, {"", "attempt = :a", {}, {{":a", N(d.attempt)}}});
  }
}

Page<domain::DeliveryAttempt> DynamoDbStore::listDeliveryAttempts(std::string_view webhookId,
                                                                  const PageRequest& page) {
  auto& t = impl_->table;
  if (!t.get(webhookKey(webhookId))) domain::throwNotFound("webhook", webhookId);
  QuerySpec q;
  q.partition = "WEBHOOK#" + std::string(webhookId);
  q.from = page.after ? after("ATTEMPT#", *page.after) : "ATTEMPT#";
  q.to = "ATTEMPT#~";
  q.limit = page.limit;
  auto r = t.query(q);
  std::vector<domain::DeliveryAttempt> attempts;
  for (const auto& item : r.items) attempts.push_back(domain::deliveryAttemptFromJson(item));
  // The cursor is the sort key after "ATTEMPT#": "<seq:20>/<attempt:3>".
  return pageOf(std::move(attempts), r.more, [&](const domain::DeliveryAttempt&) {
    return text(r.items.back(), "SK").substr(std::string_view("ATTEMPT#").size());
  });
}

}  // namespace offers::store::dynamodb
