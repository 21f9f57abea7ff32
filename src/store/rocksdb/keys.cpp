// The key builders and parsers of keys.hpp: the embedded engine's layout on disk.
#include "store/rocksdb/keys.hpp"

#include "store/encoding.hpp"

namespace offers::store::rocksdb {

namespace {

constexpr std::string_view kBrandOffer = "bo/";
constexpr std::string_view kBrandLocation = "bl/";
constexpr std::string_view kOfferLocation = "ol/";
constexpr std::string_view kLocationOffer = "lo/";
constexpr std::string_view kOfferJob = "oj/";
constexpr std::string_view kOfferActiveJob = "oa/";
constexpr std::string_view kDeliveryAttempt = "da/";
constexpr std::size_t kFixedWidth = 20;  // of seq and due
constexpr int kAttemptWidth = 3;

// <prefix><id>
std::string join(std::string_view prefix, std::string_view id) {
  std::string k;
  k.reserve(prefix.size() + id.size());
  k += prefix;
  k += id;
  return k;
}

// <prefix><a>/<b>; with b empty, the prefix of a's b's.
std::string join(std::string_view prefix, std::string_view a, std::string_view b) {
  std::string k;
  k.reserve(prefix.size() + a.size() + 1 + b.size());
  k += prefix;
  k += a;
  k += '/';
  k += b;
  return k;
}

std::string fixedTime(domain::Millis t) {
  return fixed(std::uint64_t(t));
}

}  // namespace

std::string brandKey(std::string_view brandId) {
  return join(kBrandPrefix, brandId);
}
std::string offerKey(std::string_view offerId) {
  return join(kOfferPrefix, offerId);
}
std::string locationKey(std::string_view locationId) {
  return join(kLocationPrefix, locationId);
}
std::string jobKey(std::string_view jobId) {
  return join(kJobPrefix, jobId);
}
std::string webhookKey(std::string_view webhookId) {
  return join(kWebhookPrefix, webhookId);
}

std::string brandOfferKey(std::string_view brandId, std::string_view offerId) {
  return join(kBrandOffer, brandId, offerId);
}
std::string brandOffersOf(std::string_view brandId) {
  return brandOfferKey(brandId, "");
}
std::string brandLocationKey(std::string_view brandId, std::string_view locationId) {
  return join(kBrandLocation, brandId, locationId);
}
std::string brandLocationsOf(std::string_view brandId) {
  return brandLocationKey(brandId, "");
}
std::string offerLocationKey(std::string_view offerId, std::string_view locationId) {
  return join(kOfferLocation, offerId, locationId);
}
std::string offerLocationsOf(std::string_view offerId) {
  return offerLocationKey(offerId, "");
}
std::string locationOfferKey(std::string_view locationId, std::string_view offerId) {
  return join(kLocationOffer, locationId, offerId);
}
std::string locationOffersOf(std::string_view locationId) {
  return locationOfferKey(locationId, "");
}
std::string offerJobKey(std::string_view offerId, std::string_view jobId) {
  return join(kOfferJob, offerId, jobId);
}
std::string offerJobsOf(std::string_view offerId) {
  return offerJobKey(offerId, "");
}

std::string offerActiveJobKey(std::string_view offerId) {
  return join(kOfferActiveJob, offerId);
}
std::string activeJobKey(std::string_view jobId) {
  return join(kActiveJobPrefix, jobId);
}

std::string eventSuffix(std::uint64_t seq) {
  return fixed(seq);
}
std::string eventKey(std::uint64_t seq) {
  return join(kEventPrefix, eventSuffix(seq));
}
std::optional<std::uint64_t> parseEventSuffix(std::string_view suffix) {
  return parseFixed(suffix);
}

std::string deliveryQueueKey(domain::Millis due, std::string_view webhookId,
                             std::uint64_t eventSeq) {
  return std::string(kDeliveryQueuePrefix) + fixedTime(due) + "/" + std::string(webhookId) + "/" +
         fixed(eventSeq);
}
std::string deliveryQueueDueBy(domain::Millis now) {
  // '~' sorts after every character of an id, so every delivery due at `now` is below.
  return fixedTime(now) + "/~";
}
std::optional<QueuedDelivery> parseDeliveryQueueSuffix(std::string_view suffix) {
  // <due:20>/<webhookId>/<seq:20>
  if (suffix.size() < 2 * kFixedWidth + 3) return std::nullopt;
  const auto dueEnd = kFixedWidth;
  const auto seqStart = suffix.size() - kFixedWidth;
  if (suffix[dueEnd] != '/' || suffix[seqStart - 1] != '/') return std::nullopt;
  const auto due = parseFixed(suffix.substr(0, kFixedWidth));
  const auto seq = parseFixed(suffix.substr(seqStart));
  if (!due || !seq) return std::nullopt;
  return QueuedDelivery{domain::Millis(*due),
                        std::string(suffix.substr(dueEnd + 1, seqStart - 1 - (dueEnd + 1))), *seq};
}

std::string deliveryAttemptKey(std::string_view webhookId, std::uint64_t eventSeq, int attempt) {
  return join(kDeliveryAttempt, webhookId,
              fixed(eventSeq) + "/" + fixed(std::uint64_t(attempt), kAttemptWidth));
}
std::string deliveryAttemptsOf(std::string_view webhookId) {
  return join(kDeliveryAttempt, webhookId, "");
}

}  // namespace offers::store::rocksdb
