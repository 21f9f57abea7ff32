#include "notify/dispatcher.hpp"

#include <boost/json/serialize.hpp>

#include "domain/backoff.hpp"
#include "domain/entity_json.hpp"
#include "log/log.hpp"
#include "metrics/metrics.hpp"

namespace offers::notify {

std::chrono::milliseconds retryDelay(const DispatcherOptions& options, int failedAttempt,
                                     double jitter01) {
  const domain::Backoff backoff{options.retryBase, options.retryMax, domain::Jitter::proportional};
  return backoff.delay(failedAttempt - 1, jitter01);
}

WebhookDispatcher::WebhookDispatcher(store::Store& store, DispatcherOptions options)
    : store_(store), options_(std::move(options)), sender_(options_.sender) {}

WebhookDispatcher::~WebhookDispatcher() {
  stop();
}

void WebhookDispatcher::start() {
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void WebhookDispatcher::stop() {
  stopping_ = true;
  sender_.wakeUp();
  if (thread_.joinable()) thread_.join();
}

void WebhookDispatcher::loop() {
  while (!stopping_) {
    try {
      const auto now = domain::nowMillis();
      while (store_.fanOutEvents(1000, now) == 1000 && !stopping_) {
      }
      startDue(now);
      // Wakes when a transfer ends; otherwise checks for new events and due retries
      // every 100 ms.
      for (const auto& outcome : sender_.poll(std::chrono::milliseconds(100))) finish(outcome);
    } catch (const std::exception& e) {
      log::warn("webhook dispatch failed", {{"detail", e.what()}});
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

void WebhookDispatcher::startDue(domain::Millis now) {
  if (!sender_.hasCapacity()) return;
  const auto due = store_.dueDeliveries(now, options_.sender.maxConcurrent + inFlight_.size());
  for (const auto& d : due) {
    if (!sender_.hasCapacity()) break;
    const std::string key = d.webhookId + "/" + std::to_string(d.eventSeq);
    if (inFlight_.contains(key)) continue;
    auto webhook = store_.getWebhook(d.webhookId);
    auto event = store_.getEvent(d.eventSeq);
    if (!webhook || !event) {
      // The webhook was deleted (or the event is gone): end the delivery, recorded.
      domain::DeliveryAttempt a;
      a.webhookId = d.webhookId;
      a.eventSeq = d.eventSeq;
      a.eventId = event ? event->id : "";
      a.eventType = event ? event->type : "";
      a.attempt = d.attempt;
      a.time = now;
      a.error = webhook ? "event no longer exists" : "webhook deleted";
      store_.recordAttempt(d, a);
      continue;
    }
    sender_.send({key, webhook->url, event->id, boost::json::serialize(domain::toJson(*event)),
                  webhook->secret});
    inFlight_.emplace(key, d);
    inFlightEvents_.emplace(key, std::move(*event));
  }
}

void WebhookDispatcher::finish(const DeliveryOutcome& outcome) {
  auto it = inFlight_.find(outcome.key);
  if (it == inFlight_.end()) return;
  const auto d = it->second;
  const auto& event = inFlightEvents_.at(outcome.key);
  domain::DeliveryAttempt a;
  a.webhookId = d.webhookId;
  a.eventSeq = d.eventSeq;
  a.eventId = event.id;
  a.eventType = event.type;
  a.attempt = d.attempt;
  a.time = domain::nowMillis();
  a.statusCode = outcome.status;
  a.error = outcome.error;
  a.durationMs = outcome.durationMs;
  a.succeeded = outcome.ok();
  if (!a.succeeded && d.attempt < options_.maxAttempts) {
    a.nextAttempt = a.time + retryDelay(options_, d.attempt, domain::randomDraw()).count();
  }
  try {
    store_.recordAttempt(d, a);
  } catch (const std::exception& e) {
    // Not recorded: the delivery stays pending as it was and is sent again (at least once).
    log::warn("webhook attempt not recorded", {{"detail", e.what()}});
  }
  // delivered; failed (another attempt is scheduled); gave_up (that was the last one).
  const char* result = a.succeeded ? "delivered" : a.nextAttempt ? "failed" : "gave_up";
  metrics::registry().webhookDeliveries.with({result}).add();
  log::info("delivery", {{"webhookId", d.webhookId},
                         {"eventId", event.id},
                         {"outcome", result},
                         {"attempt", d.attempt},
                         {"status", outcome.status ? boost::json::value(*outcome.status)
                                                   : boost::json::value()},
                         {"error", outcome.error}});
  inFlightEvents_.erase(outcome.key);
  inFlight_.erase(it);
}

}  // namespace offers::notify
