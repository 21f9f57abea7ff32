// The outgoing-webhook transport: signs a delivery (X-Offers-Signature) and POSTs it with
// libcurl's multi interface, one easy handle per delivery, so a slow or dead receiver never
// holds up the others. It only moves bytes and reports what happened; choosing what to send,
// retrying with backoff and recording attempts belong to the dispatcher that owns it.
// The wire format is DESIGN.md §4 "Webhook deliveries".
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace offers::notify {

struct OutgoingDelivery {
  std::string key;      // opaque to the sender, echoed back in the outcome
  std::string url;      // http or https; anything else fails without touching the network
  std::string eventId;  // X-Offers-Event-Id
  std::string body;     // the raw JSON body, sent byte for byte
  std::string secret;   // the HMAC key of X-Offers-Signature
};

struct DeliveryOutcome {
  std::string key;
  std::optional<long> status;   // the HTTP status, when a response (or its status line) arrived
  std::string error;            // transport failure (timeout, refused, DNS...), empty otherwise
  std::int64_t durationMs = 0;  // from send() to completion

  // A 2xx status and no transport failure. A 2xx whose response was then cut short (status
  // and error both set) is not ok: deliveries are at-least-once, so retrying is the safe side.
  bool ok() const;
};

struct SenderOptions {
  std::chrono::milliseconds timeout{5000};  // whole-request limit, connecting included
  std::size_t maxConcurrent = 64;
  std::string userAgent = "offers-api-webhooks";
  // False (the default; --allow-private-webhooks sets it): curl may connect only to public
  // addresses (notify/address_policy.hpp). Every address curl resolved is checked just
  // before its socket is opened, so DNS rebinding after registration gains nothing; a
  // refused one is never connected to, and the delivery fails with "refused: <address> is
  // a ... address". Proxies from the environment are then not used either: through a
  // proxy only the proxy's own address could be checked, not the target's.
  bool allowPrivateTargets = false;
};

// HMAC-SHA256 of `data` under `key`, as 64 lower-case hex digits.
std::string hmacSha256Hex(std::string_view key, std::string_view data);

// The X-Offers-Signature value:
//   "t=<unixSeconds>,v1=<lower-case hex HMAC-SHA256(secret, "<unixSeconds>.<body>")>".
std::string signatureHeader(std::string_view secret, std::int64_t unixSeconds,
                            std::string_view body);

// The reference check of an X-Offers-Signature header, for receivers and tests: true when
// `header` is exactly what signatureHeader(secret, t, body) gives for the t it carries,
// compared in constant time (CRYPTO_memcmp). False for anything malformed: missing or
// non-decimal t, another version tag than v1, upper-case or truncated hex, extra fields.
// It does not judge t's age; a receiver that wants replay protection also rejects a t too
// far from its own clock.
bool verifySignature(std::string_view header, std::string_view secret, std::string_view body);

// Runs many deliveries at once on a single thread. Every send() yields exactly one
// DeliveryOutcome from a later poll(), including deliveries that fail before reaching the
// network (a URL with another scheme, an event id that cannot be a header value).
// Redirects are not followed (a 3xx is the outcome); connections are reused between
// deliveries to the same receiver. The environment's proxy variables apply, as for curl,
// only when options.allowPrivateTargets is set.
//
// Not thread-safe: one dispatcher thread owns it, and only wakeUp() may be called from
// other threads (and not while the sender is being destroyed). Destroying the sender
// abandons the transfers in flight without outcomes; the outbox retries them.
class WebhookSender {
 public:
  explicit WebhookSender(SenderOptions options = {});
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Deliveries sent whose outcome poll() has not returned yet.
  std::size_t inFlight() const;
  // inFlight() < maxConcurrent: send() may be called.
  bool hasCapacity() const;
  // Starts the delivery and returns; never waits on the network. Precondition:
  // hasCapacity(); throws std::logic_error (and starts nothing) when it does not hold.
  void send(OutgoingDelivery delivery);
  // Drives the transfers until at least one finishes, wakeUp() is called, or `wait` has
  // passed, and returns the outcomes of those that finished (possibly none).
  std::vector<DeliveryOutcome> poll(std::chrono::milliseconds wait);
  // Thread-safe: makes a poll() in progress, or the next one, return early.
  void wakeUp();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace offers::notify
