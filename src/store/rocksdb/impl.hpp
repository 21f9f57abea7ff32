// Inside the embedded engine: the open database and what every part of the engine does
// with it (point reads, prefix scans, pages read from one snapshot, the outbox's sequence
// numbers, the stripe locks), entity <-> value conversion, RocksDB status -> our error,
// and Tx, one atomic step. Shared by the engine's parts: entities (rocksdb_store.cpp),
// links (rocksdb_links.cpp), bulk jobs (rocksdb_jobs.cpp), the outbox, webhooks and
// deliveries (rocksdb_outbox.cpp).
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/slice.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/write_batch.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/entities.hpp"
#include "domain/entity_json.hpp"
#include "domain/error.hpp"
#include "domain/job.hpp"
#include "store/pages.hpp"
#include "store/rocksdb/keys.hpp"
#include "store/rocksdb/lock_table.hpp"
#include "store/rocksdb/rocksdb_store.hpp"

namespace offers::store::rocksdb {

namespace json = boost::json;

// The store seam: a RocksDB status becomes one of our codes here and nowhere else.
void check(const ::rocksdb::Status& s, std::string_view what);

// Stored JSON: an object, or the store is damaged.
json::object parseObject(const ::rocksdb::Slice& bytes);

// What the engine needs to know of each kind of entity: its name in messages, the
// builder of its key (keys.hpp) and the reader of its stored JSON.
template <class T>
struct EntityKind {
  std::string_view name;
  std::string (*key)(std::string_view id) = nullptr;
  T (*fromJson)(const json::object&) = nullptr;
};
template <class T>
inline constexpr EntityKind<T> entityKind{};  // only the kinds below are stored
template <>
inline constexpr EntityKind<Brand> entityKind<Brand>{"brand", &brandKey, &domain::brandFromJson};
template <>
inline constexpr EntityKind<Offer> entityKind<Offer>{"offer", &offerKey, &domain::offerFromJson};
template <>
inline constexpr EntityKind<Location> entityKind<Location>{"location", &locationKey,
                                                           &domain::locationFromJson};
template <>
inline constexpr EntityKind<domain::Job> entityKind<domain::Job>{"job", &jobKey,
                                                                 &domain::jobFromJson};
template <>
inline constexpr EntityKind<domain::Webhook> entityKind<domain::Webhook>{"webhook", &webhookKey,
                                                                         &domain::webhookFromJson};

// The key of the entity of kind T with this id.
template <class T>
std::string keyOf(std::string_view id) {
  static_assert(entityKind<T>.key != nullptr, "not an entity the engine stores");
  return entityKind<T>.key(id);
}

// The entity's key and value, ready for a write batch. The stored form, where an entity
// has one, keeps what the API does not show (a job's checkpoint, a webhook's secret).
template <class T>
std::string entityKey(const T& entity) {
  return keyOf<T>(entity.id);
}
template <class T>
std::string encode(const T& entity) {
  if constexpr (requires { domain::toStoredJson(entity); }) {
    return json::serialize(domain::toStoredJson(entity));
  } else {
    return json::serialize(domain::toJson(entity));
  }
}
template <class T>
T decode(const ::rocksdb::Slice& bytes) {
  return entityKind<T>.fromJson(parseObject(bytes));
}

class RocksDbStore::Impl {
 public:
  // Throws Error(unavailable) when the database cannot be opened.
  explicit Impl(const Options& options);
  ~Impl();

  ::rocksdb::DB& db() { return *db_; }
  LockTable& locks() { return locks_; }
  std::mutex& fanOutMutex() { return fanOutMutex_; }

  // Outbox sequence numbers. A number is reserved before its write batch is written and
  // released after; readers see only events below the lowest number still in flight, so
  // an event that commits late is never skipped by a reader that has moved past it.
  std::uint64_t reserveSeq();
  void releaseSeqs(const std::vector<std::uint64_t>& seqs);
  std::uint64_t visibleSeq();

  // A point read: false when the key is absent.
  bool read(std::string_view key, ::rocksdb::PinnableSlice& value);
  std::optional<std::string> getString(std::string_view key);
  bool exists(std::string_view key);
  void write(::rocksdb::WriteBatch& batch);
  // Store::onEventsAppended's listener: run after a Tx with events has committed.
  std::function<void()> onEvents;

  // Keys (as suffixes after `prefix`) and values (empty unless withValues), strictly after
  // `after`, at most `max`, stopping early at a suffix above `until` when given.
  std::vector<std::pair<std::string, std::string>> scanValues(
      std::string_view prefix, const std::optional<std::string>& after, std::size_t max,
      const std::optional<std::string>& until = std::nullopt,
      const ::rocksdb::Snapshot* snap = nullptr, bool withValues = true);
  // Ids (the key suffixes) under `prefix`, in key order, strictly after `after`, at most
  // `max` of them.
  std::vector<std::string> scan(std::string_view prefix, const std::optional<std::string>& after,
                                std::size_t max, const ::rocksdb::Snapshot* snap = nullptr);
  // How many keys start with `prefix` (a key-only scan).
  std::int64_t countPrefix(std::string_view prefix);

  template <class T>
  std::optional<T> get(std::string_view id) {
    ::rocksdb::PinnableSlice value;
    if (!read(keyOf<T>(id), value)) return std::nullopt;
    return decode<T>(value);
  }

  // The entity, or not_found naming it.
  template <class T>
  T require(std::string_view id) {
    auto e = get<T>(id);
    if (!e) domain::throwNotFound(entityKind<T>.name, id);
    return std::move(*e);
  }

  // A page of entities whose ids are listed under `indexPrefix` (or, for the entity
  // prefix itself, all of them), read from one snapshot so that the index and the
  // entities agree.
  template <class T>
  Page<T> page(std::string_view indexPrefix, const PageRequest& req) {
    ::rocksdb::ManagedSnapshot snapshot(db_.get());
    auto ids = scan(indexPrefix, req.after, req.limit + 1, snapshot.snapshot());
    const bool more = trimToLimit(ids, req.limit);
    std::vector<std::string> keys;
    keys.reserve(ids.size());
    for (const auto& id : ids) keys.push_back(keyOf<T>(id));
    std::vector<T> items;
    items.reserve(keys.size());
    for (const auto& value : multiGet(keys, snapshot.snapshot())) {
      items.push_back(decode<T>(value));
    }
    return pageOf(std::move(items), more);
  }

 private:
  // The values of keys that must exist (index entries are written with their entities).
  std::vector<::rocksdb::PinnableSlice> multiGet(const std::vector<std::string>& keys,
                                                 const ::rocksdb::Snapshot* snap);
  std::uint64_t visibleSeqLocked() const;

  std::unique_ptr<::rocksdb::DB> db_;
  ::rocksdb::WriteOptions write_;
  LockTable locks_;
  std::mutex seqMutex_;
  std::uint64_t nextSeq_ = 1;
  std::set<std::uint64_t> inFlight_;
  std::mutex fanOutMutex_;
};

// One atomic step: a write batch plus the outbox events that go with it.
class Tx {
 public:
  explicit Tx(RocksDbStore::Impl& impl) : impl_(impl) {}
  ~Tx() { impl_.releaseSeqs(seqs_); }
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;

  // Writes the entity under its key.
  template <class T>
  void put(const T& entity) {
    batch.Put(entityKey(entity), encode(entity));
  }
  // Appends an event, numbered now, written with the batch.
  void event(std::string_view type, json::object data);
  // The listener runs once the events are visible to fanOutEvents: after their seqs are
  // released, not merely written (a scan between the two would skip them, and the woken
  // dispatcher would go back to an idle wait).
  void commit() {
    impl_.write(batch);
    if (seqs_.empty()) return;
    impl_.releaseSeqs(seqs_);
    seqs_.clear();
    if (impl_.onEvents) impl_.onEvents();
  }

  ::rocksdb::WriteBatch batch;

 private:
  RocksDbStore::Impl& impl_;
  std::vector<std::uint64_t> seqs_;
};

}  // namespace offers::store::rocksdb
