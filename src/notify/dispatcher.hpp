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
#include <optional>
#include <thread>
#include <vector>

#include "notify/webhook_sender.hpp"
#include "store/store.hpp"

namespace offers::notify {

struct DispatcherOptions {
  int maxAttempts = 8;
  std::chrono::milliseconds retryBase{1000};  // delay after the first failure
  std::chrono::milliseconds retryMax{60 * 60 * 1000};
  // Scans of the store for new events and due deliveries: every scanInterval while there
  // is work, and no more often than that when woken; after a scan that found nothing the
  // wait doubles, up to idleScanMax. Events this process appends wake the dispatcher at
  // once (wake(), from Store::onEventsAppended), and a retry it scheduled is scanned for
  // when due; idleScanMax bounds how late it notices what other processes left (a
  // delivery whose process died, an event whose writer died before waking its own).
  std::chrono::milliseconds scanInterval{100};
  std::chrono::milliseconds idleScanMax{5000};
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
  // Events were appended: scan soon rather than at the end of an idle wait. Thread-safe.
  void wake();

  // For a caller that runs no dispatcher thread (the Lambda deliveries function): sends
  // these pending deliveries now, on the calling thread, and records each attempt as the
  // dispatcher's own loop would (retries scheduled in the store), until every one has an
  // outcome or `until` has come. One without an outcome by then stays pending in the
  // store and is sent again later (at least once). Returns how many were recorded.
  std::size_t deliverNow(const std::vector<domain::PendingDelivery>& deliveries,
                         std::chrono::steady_clock::time_point until);

 private:
  void loop();
  // Starts the due deliveries the sender has room for; returns how many it started.
  std::size_t startDue(domain::Millis now);
  // Starts one delivery (the sender has room); false when there was nothing to send: the
  // webhook or the event is gone (the delivery is ended, recorded) or it is in flight.
  bool start(const domain::PendingDelivery& d, domain::Millis now);
  // Records an outcome; returns when its retry is due (wall clock), if one was scheduled.
  std::optional<domain::Millis> finish(const DeliveryOutcome& outcome);

  store::Store& store_;
  DispatcherOptions options_;
  WebhookSender sender_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> woken_{false};
  std::thread thread_;
  // In flight, by the sender's key.
  std::map<std::string, domain::PendingDelivery> inFlight_;
  std::map<std::string, domain::Event> inFlightEvents_;
};

}  // namespace offers::notify
