// The outbox on the embedded engine: the event feed, webhooks, the fan-out of events into
// pending deliveries, and the delivery queue with its recorded attempts.
#include "store/encoding.hpp"
#include "store/pages.hpp"
#include "store/rocksdb/impl.hpp"
#include "store/rocksdb/rocksdb_store.hpp"

namespace offers::store::rocksdb {

// ---- events ----

Page<domain::Event> RocksDbStore::listEvents(std::optional<std::uint64_t> after,
                                             std::size_t limit) {
  const auto visible = impl_->visibleSeq();
  std::optional<std::string> from;
  if (after) from = eventSuffix(*after);
  auto rows = impl_->scanValues(kEventPrefix, from, limit + 1, eventSuffix(visible));
  const bool more = trimToLimit(rows, limit);
  std::vector<domain::Event> events;
  for (const auto& [suffix, value] : rows) {
    events.push_back(domain::eventFromJson(*parseEventSuffix(suffix), parseObject(value)));
  }
  return pageOf(std::move(events), more,
                [](const domain::Event& e) { return std::to_string(e.seq); });
}

std::optional<domain::Event> RocksDbStore::getEvent(std::uint64_t seq) {
  auto value = impl_->getString(eventKey(seq));
  if (!value) return std::nullopt;
  return domain::eventFromJson(seq, parseObject(*value));
}

// ---- webhooks ----

void RocksDbStore::createWebhook(const domain::Webhook& webhook) {
  ::rocksdb::WriteBatch batch;
  batch.Put(entityKey(webhook), encode(webhook));
  impl_->write(batch);
}

std::optional<domain::Webhook> RocksDbStore::getWebhook(std::string_view id) {
  return impl_->get<domain::Webhook>(id);
}

Page<domain::Webhook> RocksDbStore::listWebhooks(const PageRequest& page) {
  return impl_->page<domain::Webhook>(kWebhookPrefix, page);
}

void RocksDbStore::deleteWebhook(std::string_view id) {
  impl_->require<domain::Webhook>(id);
  ::rocksdb::WriteBatch batch;
  batch.Delete(webhookKey(id));
  impl_->write(batch);
}

// ---- deliveries ----

std::size_t RocksDbStore::fanOutEvents(std::size_t maxEvents, domain::Millis now) {
  std::lock_guard lock(impl_->fanOutMutex());
  const auto checkpoint = parseFixed(impl_->getString(kFanOutCheckpointKey).value_or("0"));
  const auto visible = impl_->visibleSeq();
  auto events = impl_->scanValues(kEventPrefix, eventSuffix(checkpoint.value_or(0)), maxEvents,
                                  eventSuffix(visible));
  if (events.empty()) return 0;
  std::vector<domain::Webhook> webhooks;
  for (const auto& [id, value] : impl_->scanValues(kWebhookPrefix, std::nullopt, SIZE_MAX)) {
    webhooks.push_back(decode<domain::Webhook>(value));
  }
  ::rocksdb::WriteBatch batch;
  for (const auto& [suffix, value] : events) {
    const auto seq = parseEventSuffix(suffix);
    if (!seq) continue;
    const auto type = parseObject(value).at("type").as_string();
    for (const auto& w : webhooks) {
      if (w.wants(type)) batch.Put(deliveryQueueKey(now, w.id, *seq), "1");
    }
  }
  // The checkpoint is the last event's suffix: its seq at fixed width.
  batch.Put(kFanOutCheckpointKey, events.back().first);
  impl_->write(batch);
  return events.size();
}

std::vector<domain::PendingDelivery> RocksDbStore::dueDeliveries(domain::Millis now,
                                                                 std::size_t limit) {
  std::vector<domain::PendingDelivery> out;
  for (const auto& [suffix, value] :
       impl_->scanValues(kDeliveryQueuePrefix, std::nullopt, limit, deliveryQueueDueBy(now))) {
    auto queued = parseDeliveryQueueSuffix(suffix);
    if (!queued) continue;
    domain::PendingDelivery d;
    d.due = queued->due;
    d.webhookId = std::move(queued->webhookId);
    d.eventSeq = queued->eventSeq;
    d.attempt = int(parseFixed(value).value_or(1));
    out.push_back(std::move(d));
  }
  return out;
}

void RocksDbStore::recordAttempt(const domain::PendingDelivery& d,
                                 const domain::DeliveryAttempt& attempt) {
  ::rocksdb::WriteBatch batch;
  batch.Delete(deliveryQueueKey(d.due, d.webhookId, d.eventSeq));
  batch.Put(deliveryAttemptKey(d.webhookId, d.eventSeq, d.attempt),
            json::serialize(domain::toJson(attempt)));
  if (attempt.nextAttempt) {
    batch.Put(deliveryQueueKey(*attempt.nextAttempt, d.webhookId, d.eventSeq),
              std::to_string(d.attempt + 1));
  }
  impl_->write(batch);
}

Page<domain::DeliveryAttempt> RocksDbStore::listDeliveryAttempts(std::string_view webhookId,
                                                                 const PageRequest& page) {
  if (!impl_->exists(webhookKey(webhookId))) domain::throwNotFound("webhook", webhookId);
  auto rows = impl_->scanValues(deliveryAttemptsOf(webhookId), page.after, page.limit + 1);
  const bool more = trimToLimit(rows, page.limit);
  std::vector<domain::DeliveryAttempt> attempts;
  for (const auto& [suffix, value] : rows) {
    attempts.push_back(domain::deliveryAttemptFromJson(parseObject(value)));
  }
  // The cursor is the key's suffix, "<seq:20>/<attempt:3>".
  return pageOf(std::move(attempts), more,
                [&](const domain::DeliveryAttempt&) { return rows.back().first; });
}

}  // namespace offers::store::rocksdb
