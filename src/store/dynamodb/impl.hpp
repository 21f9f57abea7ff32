// Inside the DynamoDB engine: the item keys of docs/dynamodb-model.md, entity <-> item
// conversion, guarded counters, leases, the event writer and the parallel steps (on the
// engine's one WorkerPool). Shared by the engine's parts: entities (dynamodb_store.cpp),
// location creates (dynamodb_locations.cpp), links (dynamodb_links.cpp), bulk jobs
// (dynamodb_jobs.cpp), outbox and webhooks (dynamodb_outbox.cpp).
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/entities.hpp"
#include "domain/error.hpp"
#include "domain/time.hpp"
#include "store/dynamodb/counter_batcher.hpp"
#include "store/dynamodb/dynamodb_store.hpp"
#include "store/dynamodb/table.hpp"
#include "store/dynamodb/token_forgetter.hpp"
#include "store/dynamodb/worker_pool.hpp"
#include "store/encoding.hpp"
#include "store/pages.hpp"

namespace offers::store::dynamodb {

namespace json = boost::json;

// Events, their fan-out queue and the delivery queue are spread over this many
// partitions, so that no single partition caps the service's write rate.
constexpr std::uint64_t kShards = 4;

Key brandKey(std::string_view id);
Key offerKey(std::string_view id);
Key locationKey(std::string_view id);
Key linkKey(std::string_view offerId, std::string_view locationId);
Key jobKey(std::string_view id);
Key webhookKey(std::string_view id);
Key eventKey(std::uint64_t seq);

// Offers and locations keep their counter (`locationsTotal`, `offersTotal`) in a small
// item of their own beside the entity's, so that a counter move writes a few hundred
// bytes whatever the entity's size (docs/dynamodb-model.md, "Counter items"): same `PK`,
// `SK` COUNT. The counter item also holds what guards the counter: `ops` (tokens in
// flight), `deleting` (a location being deleted), `activeJob` (an offer's job), `batch`
// (the location create that wrote it).
Key countKey(const Key& entity);
// Whether the entity item at `key` has a counter item: offers and locations do.
inline bool hasCounterItem(const Key& entity) {
  return entity.sk == "OFFER" || entity.sk == "LOCATION";
}
inline bool isCounter(const json::object& item) {
  const auto* sk = item.if_contains("SK");
  return sk && sk->is_string() && sk->as_string() == "COUNT";
}

// Entity <-> item: the entity's JSON plus its keys; an offer's or a location's counter is
// not in its item (counterItem holds it).
json::object brandItem(const domain::Brand& b);
json::object offerItem(const domain::Offer& o);
json::object locationItem(const domain::Location& l);
json::object jobItem(const domain::Job& j);
// A new offer's or location's counter item, at 0.
json::object counterItem(const Key& entity, std::string_view field);
// The entity as readers see it: its item with the counter item's attributes.
json::object withCounter(json::object entity, const json::object& counter);

// Reads an attribute of a plain item.
std::string text(const json::object& item, std::string_view name);
std::int64_t number(const json::object& item, std::string_view name);
bool hasToken(const json::object& item, std::string_view token);

// The strictly-after bound for a sort key that is `prefix + id`.
inline std::string after(std::string_view prefix, const std::string& id) {
  return std::string(prefix) + id + " ";
}

// A page of an index whose sort key is the entity id: items strictly after page.after.
inline QuerySpec listSpec(Index index, std::string partition, const PageRequest& page) {
  QuerySpec q;
  q.index = index;
  q.partition = std::move(partition);
  if (page.after) q.from = *page.after + " ";
  q.limit = page.limit;
  return q;
}

template <class T>
Page<T> toPage(const QueryResult& r, T (*decode)(const json::object&)) {
  std::vector<T> items;
  items.reserve(r.items.size());
  for (const auto& item : r.items) items.push_back(decode(item));
  return pageOf(std::move(items), r.more);
}

enum class Applied { now, before, missing };

class DynamoDbStore::Impl {
 public:
  explicit Impl(Options options);

  Options options;
  Client client;
  Table table;
  std::string owner;  // this process, as a lease holder

  // ---- entities with counters ----
  // An offer or a location read whole: its item with its counter item's attributes
  // (withCounter), in one strongly consistent read; nullopt unless both items are there
  // (one alone is an entity being created or deleted, which readers do not see).
  std::optional<json::object> getCounted(const Key& entity);
  // The same for many (chunked reads), keyed by `PK`; the ones not whole are left out.
  std::map<std::string, json::object> getCounted(const std::vector<Key>& entities);
  // A page of offer or location items read from an index, with their counters added; one
  // whose counter is gone (being deleted) is left out, the cursor kept.
  template <class T>
  Page<T> countedPage(const QueryResult& r, T (*decode)(const json::object&)) {
    std::vector<Key> keys;
    for (const auto& item : r.items) keys.push_back({text(item, "PK"), text(item, "SK")});
    auto whole = getCounted(keys);
    std::vector<T> items;
    for (const auto& item : r.items) {
      if (auto it = whole.find(text(item, "PK")); it != whole.end()) {
        items.push_back(decode(it->second));
      }
    }
    Page<T> out = pageOf(std::move(items), false);
    if (r.more && !r.items.empty()) out.last = text(r.items.back(), "id");
    return out;
  }

  // ---- guarded counters ----
  // ADD `delta` to the item's `field` and `token` to its `ops`, unless the token is there
  // already (the step ran before). `live`: also refuse an item being deleted. `missing`
  // when the item is gone (or being deleted).
  // `after`, when given, gets the item as the move left it (when it landed now).
  Applied applyCounter(const Key& key, std::string_view field, std::int64_t delta,
                       std::string_view token, bool live,
                       std::optional<json::object>* after = nullptr);
  // The same move for a counter item many operations of this process move at once (an
  // offer's): concurrent moves go out as one write (CounterBatcher), a lone one as
  // applyCounter sends it. Never `live`.
  Applied applyShared(const Key& key, std::string_view field, std::int64_t delta,
                      std::string_view token, std::optional<json::object>* after = nullptr);
  // Takes tokens out of `ops` once their operations have committed; the item as it is
  // now, or nullopt when it no longer exists (never created anew).
  std::optional<json::object> forgetTokens(const Key& key, const std::vector<std::string>& tokens);
  std::optional<json::object> forgetToken(const Key& key, std::string_view token) {
    return forgetTokens(key, {std::string(token)});
  }
  // The same after the answer has gone: gathered with the other tokens of the item and
  // taken out in the next round (TokenForgetter).
  void forgetLater(const Key& key, std::string token) { forgetter_.add(key, std::move(token)); }

  // ---- events ----
  // Writes one event with a fresh sequence number; returns the seq.
  std::uint64_t appendEvent(std::string_view type, json::object data,
                            std::optional<std::string> id = std::nullopt);
  // One event per element of `data`, numbered in that order, written in parallel; the
  // event ids are `ids` where given (an event written again keeps its id), else new.
  void appendEvents(std::string_view type, std::vector<json::object> data,
                    std::vector<std::string> ids = {});
  // ---- entity events (docs/dynamodb-model.md, "Entity events") ----
  // A change of a brand, an offer or a location carries its event on the entity's item,
  // in the same write (carry), until the event is in the feed (settleCarried). Whoever
  // next writes the item, or the idle workers' sweep, publishes an event left there.
  struct CarriedEvent {
    std::string id;
    std::string type;
    json::object data;
  };
  // Adds the event's attributes (and the pending-events queue key) to a PutItem item, or
  // to an UpdateItem expression's SET clause; both from carriedAttributes.
  json::object carriedAttributes(std::string_view pk, const CarriedEvent& event) const;
  void carry(json::object& item, const CarriedEvent& event) const;
  void carry(Expression& e, const Key& key, const CarriedEvent& event) const;
  // The event an item carries, if any.
  static std::optional<CarriedEvent> carried(const json::object& item);
  // Appends the carried event (its own id: a repeat is harmless), then takes it off the
  // item unless another change has replaced it meanwhile.
  void settleCarried(const Key& key, const CarriedEvent& event);
  // Deletes the item if `condition` holds, with its event (`type`, `data`); false when the
  // condition failed. A change that removes the item cannot carry its event on it: the
  // event goes first into an intent item of its own, in the same queue; then the
  // DeleteItem; then the event (after any event a dead process left on the item), and
  // the intent goes. An intent left by a dead process is published by the sweep if the
  // entity is gone by then, and dropped if it is not.
  // For an offer or a location (hasCounterItem), `condition` is on its counter item,
  // which goes first; then the entity's item.
  bool removeWithEvent(const Key& key, const Expression& condition, std::string_view type,
                       json::object data);
  // The items of a GSI3 work queue (`PENDING#...`, sorted by `<due:20>/...`) that are due
  // by `now`, up to `limit`: what each sweep of repairAbandoned reads.
  std::vector<json::object> dueIn(std::string_view queue, domain::Millis now, std::size_t limit);
  // The sweep (repairAbandoned): publishes what the queue holds past its due time.
  std::size_t sweepPendingEvents(domain::Millis now);
  // The sweep's part for location batches whose attempt died and was not retried within
  // its lease: each is finished if all its locations are in, taken back if not
  // (dynamodb_locations.cpp).
  std::size_t sweepAbandonedBatches(domain::Millis now);

  // Store::onEventsAppended's listener: run after appendEvent(s) stored its events.
  std::function<void()> onEvents;
  // The highest seq a reader may see now (see Options::eventLag).
  std::uint64_t visibleSeq();

  // ---- brands ----
  // After a child (offer, location) of the brand was written: true if the brand stands,
  // false if it is gone. Waits while a delete has it marked (docs/dynamodb-model.md,
  // "Deleting a brand"), and lifts a mark whose delete stopped before it ran out.
  bool brandStands(const std::string& brandId);

  // ---- jobs (dynamodb_jobs.cpp) ----
  // The offer's activeJob names a job that has ended (its holder stopped between the
  // job's last write and the offer's): clear it. False while the job is still active.
  bool releaseFinishedJob(std::string_view offerId, const std::string& jobId);

  // ---- links (dynamodb_links.cpp) ----
  // What a link or unlink has read of its pair: the entities' items and the counter items
  // as its moves left them (ALL_NEW); what is missing is read after the commit.
  struct Counted {
    std::optional<json::object> offer;
    std::optional<json::object> location;
    std::optional<json::object> offerCounter;
    std::optional<json::object> locationCounter;
  };
  domain::LinkResult finishLink(const std::string& offerId, const std::string& locationId,
                                const std::string& token,
                                std::chrono::steady_clock::time_point leaseStart,
                                Counted counted = {});
  domain::UnlinkResult finishUnlink(const std::string& offerId, const std::string& locationId,
                                    const std::string& token,
                                    std::chrono::steady_clock::time_point leaseStart);
  // Undoes a link's +1 on `field` of the item, if its token shows it landed.
  void takeBack(const Key& key, std::string_view field, const std::string& token);
  // After a link or unlink has committed: its token queued to come out of both counter
  // items (forgetLater), and the two entities as its counter moves left them (what
  // `counted` lacks is read); not_found if one has gone.
  std::pair<domain::Offer, domain::Location> afterCommit(const std::string& offerId,
                                                         const std::string& locationId,
                                                         const std::string& token,
                                                         const Counted& counted);
  // Brings a link item that is mid-operation to rest: waits for its live owner, takes
  // over from a dead one, finishes a bulk page's leftovers.
  void settle(const json::object& link);
  // The send-by deadline (aws::SendBy) of writes under a lease taken or last renewed at
  // `start`: two thirds into it, the last third left for a write already sent to land.
  // Past it the client refuses to send (503), so no write lands after a successor took over.
  std::int64_t fenceAt(std::chrono::steady_clock::time_point start) const {
    return aws::SendBy::at(start + options.lease * 2 / 3);
  }
  domain::Millis leaseUntil() const;
  // A single link or unlink that failed gives its link item's lease back (if the item is
  // still its own), so that a retry need not wait for the lease to run out. Best effort:
  // if this fails too, the lease runs out as it would have.
  void giveBackLease(std::string_view offerId, std::string_view locationId,
                     const std::string& token) noexcept;

  // Runs fn(0..n-1) with up to options.parallelism calls at once, on the calling thread
  // and the engine's pool; rethrows the first failure once all have stopped.
  void parallel(std::size_t n, const std::function<void(std::size_t)>& fn);

 private:
  std::uint64_t reserveSeq();  // the next sequence number, held in flight
  void releaseSeq(std::uint64_t seq);
  bool putEvent(const domain::Event& event);  // false: the number was taken

  std::mutex seqMutex_;
  std::uint64_t lastSeq_ = 0;
  std::uint64_t seqSalt_ = 0;
  std::multiset<std::uint64_t> inFlight_;
  CounterBatcher batcher_;
  // Destroyed first, while everything its threads could touch still exists.
  WorkerPool pool_;
  // Before the pool: its last round runs on the pool.
  TokenForgetter forgetter_;
};

}  // namespace offers::store::dynamodb
