// The embedded engine's keys: every key family of the layout (docs/architecture.md, "The
// embedded engine"), each with the one function that builds its keys and, where a key's
// parts are read back, the one that parses them. A scan (RocksDbStore::Impl::scan) walks
// a prefix and yields the rest of each key, its suffix, so the parsers take suffixes.
// The layout is on disk: changing a builder orphans existing data directories.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/time.hpp"

namespace offers::store::rocksdb {

// ---- entities: <prefix><id>, the entity's JSON ----
inline constexpr std::string_view kBrandPrefix = "b/";
inline constexpr std::string_view kOfferPrefix = "o/";
inline constexpr std::string_view kLocationPrefix = "l/";
inline constexpr std::string_view kJobPrefix = "j/";       // checkpoint included
inline constexpr std::string_view kWebhookPrefix = "wh/";  // secret included
std::string brandKey(std::string_view brandId);
std::string offerKey(std::string_view offerId);
std::string locationKey(std::string_view locationId);
std::string jobKey(std::string_view jobId);
std::string webhookKey(std::string_view webhookId);

// ---- indexes and links: <prefix><a>/<b>, empty values; the ...Of(a) prefix walks the
// b's of one a, in id order ----
std::string brandOfferKey(std::string_view brandId, std::string_view offerId);  // bo/
std::string brandOffersOf(std::string_view brandId);
std::string brandLocationKey(std::string_view brandId, std::string_view locationId);  // bl/
std::string brandLocationsOf(std::string_view brandId);
// A link is two keys, one per direction.
std::string offerLocationKey(std::string_view offerId, std::string_view locationId);  // ol/
std::string offerLocationsOf(std::string_view offerId);
std::string locationOfferKey(std::string_view locationId, std::string_view offerId);  // lo/
std::string locationOffersOf(std::string_view locationId);
std::string offerJobKey(std::string_view offerId, std::string_view jobId);  // oj/
std::string offerJobsOf(std::string_view offerId);

// ---- jobs' bookkeeping ----
// oa/<offerId>: the offer's one queued or running job (value: its id).
std::string offerActiveJobKey(std::string_view offerId);
// ja/<jobId>: the queued and running jobs the workers scan (empty value).
inline constexpr std::string_view kActiveJobPrefix = "ja/";
std::string activeJobKey(std::string_view jobId);

// ---- the outbox ----
// ev/<seq:20>: an event's JSON.
inline constexpr std::string_view kEventPrefix = "ev/";
std::string eventKey(std::uint64_t seq);
std::string eventSuffix(std::uint64_t seq);  // a scan bound
std::optional<std::uint64_t> parseEventSuffix(std::string_view suffix);

// meta/fanout: the seq of the last event turned into deliveries (value: fixed(seq)).
inline constexpr std::string_view kFanOutCheckpointKey = "meta/fanout";

// dq/<due:20>/<webhookId>/<seq:20>: a pending delivery, due first (value: its attempt).
inline constexpr std::string_view kDeliveryQueuePrefix = "dq/";
struct QueuedDelivery {
  domain::Millis due = 0;
  std::string webhookId;
  std::uint64_t eventSeq = 0;
};
std::string deliveryQueueKey(domain::Millis due, std::string_view webhookId,
                             std::uint64_t eventSeq);
// The greatest suffix of a delivery due at `now`: a scan bound.
std::string deliveryQueueDueBy(domain::Millis now);
std::optional<QueuedDelivery> parseDeliveryQueueSuffix(std::string_view suffix);

// da/<webhookId>/<seq:20>/<attempt:3>: a delivery attempt's JSON. The suffix after
// deliveryAttemptsOf(webhookId), "<seq:20>/<attempt:3>", is the list's cursor.
std::string deliveryAttemptKey(std::string_view webhookId, std::uint64_t eventSeq, int attempt);
std::string deliveryAttemptsOf(std::string_view webhookId);

}  // namespace offers::store::rocksdb
