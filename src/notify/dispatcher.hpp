// Delivers the outbox to webhooks, at least once. One thread: it turns new events into
// pending deliveries (Store::fanOutEvents), starts the deliveries that are due on the
// non-blocking sender (many in flight at once, so a slow or dead receiver holds up
// nobody else), and records each attempt, scheduling a retry with exponential backoff
// and jitter after a non-2xx answer, a timeout or a connection failure, until
// maxAttempts. All of this state is in the store, so it survives restarts. A delivery the
// sender refuses to connect (a non-public address, SenderOptions::allowPrivateTargets) is a
// failed attempt like any other, recorded with the refusal as its error.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "notify/webhook_sender.hpp"
#include "store/store.hpp"

namespace offers::notify {

struct DispatcherOptions {
  int maxAttempts = 8;
  std::chrono::milliseconds retryBase{1000};  // delay after the first failure
  std::chrono::milliseconds retryMax{60 * 60 * 1000};
  SenderOptions sender;
};

// When the attempt after `failedAttempt` failures is due: base * 2^(n-1) with +-20%
// jitter, never above retryMax (domain::Backoff, proportional jitter; `jitter01` is the
// draw).
std::chrono::milliseconds retryDelay(const DispatcherOptions& options, int failedAttempt,
                                     double jitter01);

class WebhookDispatcher {
 public:
  WebhookDispatcher(store::Store& store, DispatcherOptions options);
  ~WebhookDispatcher();
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  void start();
  // Abandons deliveries in flight: they stay pending in the store and are sent again
  // after a restart (at least once).
  void stop();

 private:
  void loop();
  void startDue(domain::Millis now);
  void finish(const DeliveryOutcome& outcome);

  store::Store& store_;
  DispatcherOptions options_;
  WebhookSender sender_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  // In flight, by the sender's key.
  std::map<std::string, domain::PendingDelivery> inFlight_;
  std::map<std::string, domain::Event> inFlightEvents_;
};

}  // namespace offers::notify
