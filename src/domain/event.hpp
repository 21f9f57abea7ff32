// The outbox: every state change appends an Event in the same atomic step as the change
// itself; the event feed and webhook deliveries read it. Webhooks subscribe to event
// types; each delivery attempt is recorded.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/time.hpp"

namespace offers::domain {

struct Event {
  std::uint64_t seq = 0;  // position in the outbox: strictly increasing, gaps allowed
  std::string id;         // UUID, the X-Offers-Event-Id of its deliveries
  std::string type;       // "link.created", "job.succeeded", ...
  Millis created = 0;
  boost::json::object data;
};

// The event types a webhook may subscribe to ("*" subscribes to all).
const std::vector<std::string>& eventTypes();
bool isEventType(std::string_view type);

struct Webhook {
  std::string id;
  std::string url;
  std::vector<std::string> events;
  std::string secret;
  Millis created = 0;

  bool wants(std::string_view type) const;
};

// One attempt to deliver one event to one webhook.
struct DeliveryAttempt {
  std::string webhookId;
  std::uint64_t eventSeq = 0;
  std::string eventId;
  std::string eventType;
  int attempt = 1;
  Millis time = 0;
  std::optional<long> statusCode;  // when the receiver answered
  std::string error;               // transport failure, when it did not
  std::int64_t durationMs = 0;
  bool succeeded = false;
  std::optional<Millis> nextAttempt;  // when it will be retried; absent: no more attempts
};

// A delivery waiting for its next attempt.
struct PendingDelivery {
  std::string webhookId;
  std::uint64_t eventSeq = 0;
  int attempt = 1;  // the attempt about to be made
  Millis due = 0;
};

}  // namespace offers::domain
