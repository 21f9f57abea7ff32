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

void WebhookDispatcher::wake() {
  woken_ = true;
  sender_.wakeUp();
}

void WebhookDispatcher::loop() {
  using Clock = std::chrono::steady_clock;
  using std::chrono::milliseconds;
  auto wait = options_.scanInterval;
  auto lastScan = Clock::now();
  auto nextScan = lastScan;
  // Brings the next scan forward to `t`, but not closer than scanInterval to the last.
  auto scanBy = [&](Clock::time_point t) {
    nextScan = std::min(nextScan, std::max(t, lastScan + options_.scanInterval));
  };
  while (!stopping_) {
    try {
      if (Clock::now() >= nextScan) {
        woken_ = false;
        const auto now = domain::nowMillis();
        std::size_t found = 0;
        for (std::size_t n = 1000; n == 1000 && !stopping_;) {
          n = store_.fanOutEvents(1000, now);
          found += n;
        }
        found += startDue(now);
        lastScan = Clock::now();
        const bool busy = found > 0 || !inFlight_.empty();
        wait = busy ? options_.scanInterval : std::min(wait * 2, options_.idleScanMax);
        nextScan = lastScan + wait;
      }
      // Returns when a transfer ends, wake() is called, or the next scan is due.
      const auto untilScan = std::max(
          milliseconds(0), std::chrono::duration_cast<milliseconds>(nextScan - Clock::now()));
      for (const auto& outcome : sender_.poll(untilScan)) {
        const auto retryAt = finish(outcome);
        // Room for another delivery, or a retry to schedule a scan for.
        scanBy(retryAt ? Clock::now() + milliseconds(*retryAt - domain::nowMillis())
                       : Clock::now());
      }
      if (woken_) scanBy(Clock::now());
    } catch (const std::exception& e) {
      log::warn("webhook dispatch failed", {{"detail", e.what()}});
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      nextScan = Clock::now();
    }
  }
}

std::size_t WebhookDispatcher::startDue(domain::Millis now) {
  if (!sender_.hasCapacity()) return 0;
  std::size_t started = 0;
  const auto due = store_.dueDeliveries(now, options_.sender.maxConcurrent + inFlight_.size());
  for (const auto& d : due) {
    if (!sender_.hasCapacity()) break;
    started += start(d, now) ? 1 : 0;
  }
  return started;
}

bool WebhookDispatcher::start(const domain::PendingDelivery& d, domain::Millis now) {
  const std::string key = d.webhookId + "/" + std::to_string(d.eventSeq);
  if (inFlight_.contains(key)) return false;
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
    return false;
  }
  sender_.send({key, webhook->url, event->id, boost::json::serialize(domain::toJson(*event)),
                webhook->secret});
  inFlight_.emplace(key, d);
  inFlightEvents_.emplace(key, std::move(*event));
  return true;
}

std::size_t WebhookDispatcher::deliverNow(const std::vector<domain::PendingDelivery>& deliveries,
                                          std::chrono::steady_clock::time_point until) {
  using Clock = std::chrono::steady_clock;
  std::size_t recorded = 0;
  auto collect = [&](std::chrono::milliseconds wait) {
    for (const auto& outcome : sender_.poll(wait)) {
      finish(outcome);
      ++recorded;
    }
  };
  auto left = [&] {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()));
  };
  for (const auto& d : deliveries) {
    while (!sender_.hasCapacity() && Clock::now() < until) collect(left());
    if (Clock::now() >= until) break;
    if (!start(d, domain::nowMillis())) ++recorded;  // ended without a send, or in flight
  }
  while (!inFlight_.empty() && Clock::now() < until) collect(left());
  return recorded;
}

std::optional<domain::Millis> WebhookDispatcher::finish(const DeliveryOutcome& outcome) {
  auto it = inFlight_.find(outcome.key);
  if (it == inFlight_.end()) return std::nullopt;
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
  return a.nextAttempt;
}

}  // namespace offers::notify
