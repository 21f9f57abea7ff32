#include "store/rocksdb/rocksdb_store.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <mutex>
#include <set>

#include "domain/entity_json.hpp"
#include "domain/error.hpp"
#include "domain/id.hpp"

namespace offers::store::rocksdb {

namespace json = boost::json;
using domain::Error;
using domain::ErrorCode;

namespace {

// Key builders; see the layout in rocksdb_store.hpp.
std::string key(std::string_view prefix, std::string_view id) {
  std::string k;
  k.reserve(prefix.size() + id.size());
  k += prefix;
  k += id;
  return k;
}
std::string key(std::string_view prefix, std::string_view a, std::string_view b) {
  std::string k;
  k.reserve(prefix.size() + a.size() + 1 + b.size());
  k += prefix;
  k += a;
  k += '/';
  k += b;
  return k;
}

constexpr std::string_view kBrand = "b/";
constexpr std::string_view kOffer = "o/";
constexpr std::string_view kLocation = "l/";
constexpr std::string_view kBrandOffer = "bo/";
constexpr std::string_view kBrandLocation = "bl/";
constexpr std::string_view kOfferLocation = "ol/";
constexpr std::string_view kLocationOffer = "lo/";
constexpr std::string_view kJob = "j/";
constexpr std::string_view kOfferJob = "oj/";
constexpr std::string_view kOfferActiveJob = "oa/";
constexpr std::string_view kActiveJob = "ja/";
constexpr std::string_view kEvent = "ev/";
constexpr std::string_view kWebhook = "wh/";
constexpr std::string_view kFanOutCheckpoint = "meta/fanout";
constexpr std::string_view kDeliveryQueue = "dq/";
constexpr std::string_view kDeliveryAttempt = "da/";

// Sequence numbers and times in keys: fixed width, so key order is numeric order.
std::string fixed(std::uint64_t n, int width = 20) {
  std::string digits = std::to_string(n);
  return std::string(std::size_t(std::max(0, width - int(digits.size()))), '0') + digits;
}

std::optional<std::uint64_t> parseFixed(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + std::uint64_t(c - '0');
  }
  return n;
}

json::object linkData(std::string_view offerId, std::string_view locationId) {
  return {{"offerId", offerId}, {"locationId", locationId}};
}

// The store seam: a RocksDB status becomes one of our codes here and nowhere else.
void check(const ::rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return;
  const std::string detail = std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) throw Error(ErrorCode::internal, "the store is damaged", detail);
  throw Error(ErrorCode::unavailable, "the store is unavailable, try again", detail);
}

template <class Entity>
std::string encode(const Entity& e) {
  return json::serialize(domain::toJson(e));
}

json::object parseObject(const ::rocksdb::Slice& bytes) {
  std::error_code ec;
  auto v = json::parse(json::string_view(bytes.data(), bytes.size()), ec);
  if (ec || !v.is_object()) {
    throw Error(ErrorCode::internal, "the store is damaged", "unparsable stored entity");
  }
  return std::move(v.get_object());
}

template <class T>
T decode(const ::rocksdb::Slice& bytes);
template <>
Brand decode<Brand>(const ::rocksdb::Slice& b) {
  return domain::brandFromJson(parseObject(b));
}
template <>
Offer decode<Offer>(const ::rocksdb::Slice& b) {
  return domain::offerFromJson(parseObject(b));
}
template <>
Location decode<Location>(const ::rocksdb::Slice& b) {
  return domain::locationFromJson(parseObject(b));
}
template <>
domain::Job decode<domain::Job>(const ::rocksdb::Slice& b) {
  return domain::jobFromJson(parseObject(b));
}
template <>
domain::Webhook decode<domain::Webhook>(const ::rocksdb::Slice& b) {
  return domain::webhookFromJson(parseObject(b));
}

template <class T>
constexpr std::string_view entityPrefix();
template <>
constexpr std::string_view entityPrefix<Brand>() {
  return kBrand;
}
template <>
constexpr std::string_view entityPrefix<Offer>() {
  return kOffer;
}
template <>
constexpr std::string_view entityPrefix<Location>() {
  return kLocation;
}
template <>
constexpr std::string_view entityPrefix<domain::Job>() {
  return kJob;
}
template <>
constexpr std::string_view entityPrefix<domain::Webhook>() {
  return kWebhook;
}

template <class T>
constexpr std::string_view entityName();
template <>
constexpr std::string_view entityName<Brand>() {
  return "brand";
}
template <>
constexpr std::string_view entityName<Offer>() {
  return "offer";
}
template <>
constexpr std::string_view entityName<Location>() {
  return "location";
}
template <>
constexpr std::string_view entityName<domain::Job>() {
  return "job";
}
template <>
constexpr std::string_view entityName<domain::Webhook>() {
  return "webhook";
}

}  // namespace

class RocksDbStore::Impl {
 public:
  explicit Impl(const Options& options) {
    ::rocksdb::Options o;
    o.create_if_missing = true;
    o.IncreaseParallelism(2);
    o.OptimizeLevelStyleCompaction();
    // Most point reads hit the memtable (recent links and the entities they touched); a
    // whole-key bloom filter there answers "is this pair linked?" misses without walking
    // the skip list (measured in bench/: see README).
    o.memtable_whole_key_filtering = true;
    o.memtable_prefix_bloom_size_ratio = 0.05;
    // Memory stays flat whatever the data size: one 96 MiB budget (an LRU cache) holds
    // the block cache, the index and filter blocks, and the memtables, which are charged
    // to it (OptimizeLevelStyleCompaction alone allows 6 x 128 MiB of memtables).
    // Measured with bench/bulk.sh (see README).
    auto cache = ::rocksdb::NewLRUCache(96 << 20);
    o.write_buffer_size = 16 << 20;
    o.max_write_buffer_number = 4;
    o.write_buffer_manager = std::make_shared<::rocksdb::WriteBufferManager>(48 << 20, cache);
    ::rocksdb::BlockBasedTableOptions table;
    table.block_cache = cache;
    table.cache_index_and_filter_blocks = true;
    table.pin_l0_filter_and_index_blocks_in_cache = true;
    table.filter_policy.reset(::rocksdb::NewBloomFilterPolicy(10));
    o.table_factory.reset(::rocksdb::NewBlockBasedTableFactory(table));
    // Like `mkdir -p`: a fresh --data-dir may name a directory whose parents are missing.
    std::error_code ec;
    std::filesystem::create_directories(options.dataDir, ec);
    ::rocksdb::DB* raw = nullptr;
    const auto s = ::rocksdb::DB::Open(o, options.dataDir, &raw);
    if (!s.ok()) {
      throw Error(ErrorCode::unavailable,
                  "cannot open the store in " + options.dataDir + ": " + s.ToString());
    }
    db_.reset(raw);
    write_.sync = options.syncWrites;
    // The outbox continues after its last event.
    std::unique_ptr<::rocksdb::Iterator> it(db_->NewIterator({}));
    it->SeekForPrev(std::string(kEvent) + "~");
    if (it->Valid() && it->key().starts_with(kEvent)) {
      nextSeq_ = parseFixed(it->key().ToStringView().substr(kEvent.size())).value_or(0) + 1;
    }
  }

  ~Impl() {
    if (db_) {
      db_->FlushWAL(true);
      db_->Close();
    }
  }

  ::rocksdb::DB& db() { return *db_; }
  LockTable& locks() { return locks_; }

  // Outbox sequence numbers. A number is reserved before its write batch is written and
  // released after; readers see only events below the lowest number still in flight, so
  // an event that commits late is never skipped by a reader that has moved past it.
  std::uint64_t reserveSeq() {
    std::lock_guard lock(seqMutex_);
    const auto seq = nextSeq_++;
    inFlight_.insert(seq);
    return seq;
  }
  void releaseSeqs(const std::vector<std::uint64_t>& seqs) {
    if (seqs.empty()) return;
    std::lock_guard lock(seqMutex_);
    for (auto s : seqs) inFlight_.erase(s);
  }
  std::uint64_t visibleSeq() {
    std::lock_guard lock(seqMutex_);
    return visibleSeqLocked();
  }

  std::optional<std::string> getString(std::string_view k) {
    ::rocksdb::PinnableSlice value;
    const auto s = db_->Get({}, db_->DefaultColumnFamily(), k, &value);
    if (s.IsNotFound()) return std::nullopt;
    check(s, "get");
    return value.ToString();
  }

  // Keys (as suffixes after `prefix`) and values (empty unless withValues), strictly after
  // `after`, at most `max`, stopping early at a suffix above `until` when given.
  std::vector<std::pair<std::string, std::string>> scanValues(
      std::string_view prefix, const std::optional<std::string>& after, std::size_t max,
      const std::optional<std::string>& until = std::nullopt,
      const ::rocksdb::Snapshot* snap = nullptr, bool withValues = true) {
    ::rocksdb::ReadOptions ro;
    ro.snapshot = snap;
    std::unique_ptr<::rocksdb::Iterator> it(db_->NewIterator(ro));
    const std::string start = after ? key(prefix, *after) : std::string(prefix);
    std::vector<std::pair<std::string, std::string>> out;
    for (it->Seek(start); it->Valid() && out.size() < max; it->Next()) {
      const auto k = it->key();
      if (!k.starts_with(::rocksdb::Slice(prefix.data(), prefix.size()))) break;
      if (after && k == ::rocksdb::Slice(start)) continue;
      std::string suffix(k.data() + prefix.size(), k.size() - prefix.size());
      if (until && suffix > *until) break;
      out.emplace_back(std::move(suffix), withValues ? it->value().ToString() : std::string());
    }
    check(it->status(), "scan");
    return out;
  }

  std::int64_t countPrefix(std::string_view prefix) {
    ::rocksdb::ReadOptions ro;
    std::unique_ptr<::rocksdb::Iterator> it(db_->NewIterator(ro));
    std::int64_t n = 0;
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) ++n;
    check(it->status(), "count");
    return n;
  }

  std::mutex& fanOutMutex() { return fanOutMutex_; }

  bool exists(std::string_view k, const ::rocksdb::Snapshot* snap = nullptr) {
    ::rocksdb::ReadOptions ro;
    ro.snapshot = snap;
    ::rocksdb::PinnableSlice value;
    const auto s = db_->Get(ro, db_->DefaultColumnFamily(), k, &value);
    if (s.IsNotFound()) return false;
    check(s, "get");
    return true;
  }

  template <class T>
  std::optional<T> get(std::string_view id, const ::rocksdb::Snapshot* snap = nullptr) {
    ::rocksdb::ReadOptions ro;
    ro.snapshot = snap;
    ::rocksdb::PinnableSlice value;
    const auto s = db_->Get(ro, db_->DefaultColumnFamily(), key(entityPrefix<T>(), id), &value);
    if (s.IsNotFound()) return std::nullopt;
    check(s, "get");
    return decode<T>(value);
  }

  template <class T>
  T require(std::string_view id) {
    auto e = get<T>(id);
    if (!e) domain::throwNotFound(entityName<T>(), id);
    return std::move(*e);
  }

  void write(::rocksdb::WriteBatch& batch) { check(db_->Write(write_, &batch), "write"); }

  // Ids (the key suffixes) under `prefix`, in key order, strictly after `after`, at most
  // `max` of them.
  std::vector<std::string> scan(std::string_view prefix, const std::optional<std::string>& after,
                                std::size_t max, const ::rocksdb::Snapshot* snap) {
    std::vector<std::string> ids;
    for (auto& row : scanValues(prefix, after, max, std::nullopt, snap, false)) {
      ids.push_back(std::move(row.first));
    }
    return ids;
  }

  // A page of entities whose ids are listed under `indexPrefix` (or, for the entity
  // prefix itself, all of them), read from one snapshot so that the index and the
  // entities agree.
  template <class T>
  Page<T> page(std::string_view indexPrefix, const PageRequest& req) {
    ::rocksdb::ManagedSnapshot snapshot(db_.get());
    auto ids = scan(indexPrefix, req.after, req.limit + 1, snapshot.snapshot());
    Page<T> out;
    const bool more = ids.size() > req.limit;
    if (more) ids.resize(req.limit);
    std::vector<std::string> keys;
    keys.reserve(ids.size());
    for (const auto& id : ids) keys.push_back(key(entityPrefix<T>(), id));
    std::vector<::rocksdb::Slice> slices(keys.begin(), keys.end());
    std::vector<::rocksdb::PinnableSlice> values(keys.size());
    std::vector<::rocksdb::Status> statuses(keys.size());
    ::rocksdb::ReadOptions ro;
    ro.snapshot = snapshot.snapshot();
    db_->MultiGet(ro, db_->DefaultColumnFamily(), keys.size(), slices.data(), values.data(),
                  statuses.data());
    out.items.reserve(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
      // An index entry without its entity cannot happen (they are written together).
      if (statuses[i].IsNotFound()) {
        throw Error(ErrorCode::internal, "the store is damaged", "dangling index " + keys[i]);
      }
      check(statuses[i], "multiget");
      out.items.push_back(decode<T>(values[i]));
    }
    if (more && !ids.empty()) out.last = ids.back();
    return out;
  }

 private:
  std::uint64_t visibleSeqLocked() const {
    return inFlight_.empty() ? nextSeq_ - 1 : *inFlight_.begin() - 1;
  }

  std::unique_ptr<::rocksdb::DB> db_;
  ::rocksdb::WriteOptions write_;
  LockTable locks_;
  std::mutex seqMutex_;
  std::uint64_t nextSeq_ = 1;
  std::set<std::uint64_t> inFlight_;
  std::mutex fanOutMutex_;
};

namespace {

// One atomic step: a write batch plus the outbox events that go with it.
class Tx {
 public:
  explicit Tx(RocksDbStore::Impl& impl) : impl_(impl) {}
  ~Tx() { impl_.releaseSeqs(seqs_); }
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;

  void event(std::string_view type, json::object data) {
    const auto seq = impl_.reserveSeq();
    seqs_.push_back(seq);
    domain::Event e{seq, domain::newId(), std::string(type), domain::nowMillis(), std::move(data)};
    batch.Put(key(kEvent, fixed(seq)), json::serialize(domain::toJson(e)));
  }
  void commit() { impl_.write(batch); }

  ::rocksdb::WriteBatch batch;

 private:
  RocksDbStore::Impl& impl_;
  std::vector<std::uint64_t> seqs_;
};

}  // namespace

RocksDbStore::RocksDbStore(const Options& options) : impl_(std::make_unique<Impl>(options)) {}
RocksDbStore::~RocksDbStore() = default;

// ---- brands ----

void RocksDbStore::createBrand(const Brand& brand) {
  LockTable::Guard guard(impl_->locks(), {impl_->locks().exclusive(brand.id)});
  if (impl_->exists(key(kBrand, brand.id))) {
    throw Error(ErrorCode::conflict, "brand " + brand.id + " already exists");
  }
  Tx tx(*impl_);
  tx.batch.Put(key(kBrand, brand.id), encode(brand));
  tx.event("brand.created", domain::toJson(brand));
  tx.commit();
}

std::optional<Brand> RocksDbStore::getBrand(std::string_view id) {
  return impl_->get<Brand>(id);
}

Brand RocksDbStore::updateBrand(std::string_view id, const domain::BrandPatch& patch,
                                domain::Millis now) {
  LockTable::Guard guard(impl_->locks(), {impl_->locks().exclusive(id)});
  auto brand = impl_->require<Brand>(id);
  domain::applyPatch(brand, patch, now);
  Tx tx(*impl_);
  tx.batch.Put(key(kBrand, id), encode(brand));
  tx.event("brand.updated", domain::toJson(brand));
  tx.commit();
  return brand;
}

void RocksDbStore::deleteBrand(std::string_view id) {
  // Exclusive on the brand: creating an offer or a location takes it shared.
  LockTable::Guard guard(impl_->locks(), {impl_->locks().exclusive(id)});
  const auto existing = impl_->require<Brand>(id);
  const std::string brand(id);
  if (!impl_->scan(key(kBrandOffer, brand, ""), std::nullopt, 1, nullptr).empty()) {
    throw Error(ErrorCode::conflict, "brand " + brand + " still has offers; delete them first");
  }
  if (!impl_->scan(key(kBrandLocation, brand, ""), std::nullopt, 1, nullptr).empty()) {
    throw Error(ErrorCode::conflict, "brand " + brand + " still has locations; delete them first");
  }
  Tx tx(*impl_);
  tx.batch.Delete(key(kBrand, id));
  tx.event("brand.deleted", domain::toJson(existing));
  tx.commit();
}

Page<Brand> RocksDbStore::listBrands(const PageRequest& page) {
  return impl_->page<Brand>(kBrand, page);
}

// ---- offers ----

void RocksDbStore::createOffer(const Offer& offer) {
  LockTable::Guard guard(
      impl_->locks(), {impl_->locks().shared(offer.brandId), impl_->locks().exclusive(offer.id)});
  if (!impl_->exists(key(kBrand, offer.brandId))) {
    domain::throwInvalid("brandId: brand " + offer.brandId + " does not exist");
  }
  if (impl_->exists(key(kOffer, offer.id))) {
    throw Error(ErrorCode::conflict, "offer " + offer.id + " already exists");
  }
  Offer stored = offer;
  stored.locationsTotal = 0;
  Tx tx(*impl_);
  tx.batch.Put(key(kOffer, offer.id), encode(stored));
  tx.batch.Put(key(kBrandOffer, offer.brandId, offer.id), "");
  tx.event("offer.created", domain::toJson(stored));
  tx.commit();
}

std::optional<Offer> RocksDbStore::getOffer(std::string_view id) {
  return impl_->get<Offer>(id);
}

Offer RocksDbStore::updateOffer(std::string_view id, const domain::OfferPatch& patch,
                                domain::Millis now) {
  LockTable::Guard guard(impl_->locks(), {impl_->locks().exclusive(id)});
  auto offer = impl_->require<Offer>(id);
  domain::applyPatch(offer, patch, now);
  Tx tx(*impl_);
  tx.batch.Put(key(kOffer, id), encode(offer));
  tx.event("offer.updated", domain::toJson(offer));
  tx.commit();
  return offer;
}

void RocksDbStore::deleteOffer(std::string_view id) {
  LockTable::Guard guard(impl_->locks(), {impl_->locks().exclusive(id)});
  auto offer = impl_->require<Offer>(id);
  if (auto job = impl_->getString(key(kOfferActiveJob, id))) {
    throw Error(ErrorCode::conflict, "offer " + offer.id + " has a job in progress: " + *job)
        .withDetails({{"jobId", *job}});
  }
  if (offer.locationsTotal > 0) {
    throw Error(ErrorCode::conflict, "offer " + offer.id + " still has " +
                                         std::to_string(offer.locationsTotal) +
                                         " linked locations; unlink them first");
  }
  Tx tx(*impl_);
  tx.batch.Delete(key(kOffer, id));
  tx.batch.Delete(key(kBrandOffer, offer.brandId, offer.id));
  tx.event("offer.deleted", domain::toJson(offer));
  tx.commit();
}

Page<Offer> RocksDbStore::listOffers(const std::optional<std::string>& brandId,
                                     const PageRequest& page) {
  if (!brandId) return impl_->page<Offer>(kOffer, page);
  return impl_->page<Offer>(key(kBrandOffer, *brandId, ""), page);
}

// ---- locations ----

void RocksDbStore::createLocations(const std::vector<Location>& locations) {
  auto& locks = impl_->locks();
  std::vector<LockTable::Want> wants;
  std::set<std::string> brands;
  for (const auto& l : locations) {
    wants.push_back(locks.exclusive(l.id));
    if (brands.insert(l.brandId).second) wants.push_back(locks.shared(l.brandId));
  }
  LockTable::Guard guard(locks, std::move(wants));
  const bool single = locations.size() == 1;
  auto where = [&](std::size_t i, std::string_view field) {
    return single ? std::string(field) : "items[" + std::to_string(i) + "]." + std::string(field);
  };
  std::set<std::string> knownBrands;
  Tx tx(*impl_);
  for (std::size_t i = 0; i < locations.size(); ++i) {
    const auto& l = locations[i];
    if (!knownBrands.contains(l.brandId)) {
      if (!impl_->exists(key(kBrand, l.brandId))) {
        domain::throwInvalid(where(i, "brandId") + ": brand " + l.brandId + " does not exist");
      }
      knownBrands.insert(l.brandId);
    }
    if (impl_->exists(key(kLocation, l.id))) {
      throw Error(ErrorCode::conflict, where(i, "id") + ": location " + l.id + " already exists");
    }
    Location stored = l;
    stored.offersTotal = 0;
    tx.batch.Put(key(kLocation, l.id), encode(stored));
    tx.batch.Put(key(kBrandLocation, l.brandId, l.id), "");
    tx.event("location.created", domain::toJson(stored));
  }
  tx.commit();
}

std::optional<Location> RocksDbStore::getLocation(std::string_view id) {
  return impl_->get<Location>(id);
}

Location RocksDbStore::updateLocation(std::string_view id, const domain::LocationPatch& patch,
                                      domain::Millis now) {
  LockTable::Guard guard(impl_->locks(), {impl_->locks().exclusive(id)});
  auto location = impl_->require<Location>(id);
  domain::applyPatch(location, patch, now);
  Tx tx(*impl_);
  tx.batch.Put(key(kLocation, id), encode(location));
  tx.event("location.updated", domain::toJson(location));
  tx.commit();
  return location;
}

void RocksDbStore::deleteLocation(std::string_view id) {
  auto& locks = impl_->locks();
  const std::string location(id);
  const std::string linkPrefix = key(kLocationOffer, location, "");
  // The offers to lock are only known after reading the links; read, lock, and read
  // again under the locks: if a link appeared in between, start over with it locked too.
  for (;;) {
    auto offerIds = impl_->scan(linkPrefix, std::nullopt, SIZE_MAX, nullptr);
    std::vector<LockTable::Want> wants{locks.exclusive(location)};
    for (const auto& o : offerIds) wants.push_back(locks.exclusive(o));
    LockTable::Guard guard(locks, std::move(wants));
    auto current = impl_->scan(linkPrefix, std::nullopt, SIZE_MAX, nullptr);
    if (current != offerIds) continue;
    auto loc = impl_->require<Location>(id);
    Tx tx(*impl_);
    for (const auto& offerId : offerIds) {
      auto offer = impl_->require<Offer>(offerId);
      offer.locationsTotal -= 1;
      tx.batch.Put(key(kOffer, offerId), encode(offer));
      tx.batch.Delete(key(kOfferLocation, offerId, location));
      tx.batch.Delete(key(kLocationOffer, location, offerId));
      tx.event("link.deleted", linkData(offerId, location));
    }
    tx.batch.Delete(key(kLocation, location));
    tx.batch.Delete(key(kBrandLocation, loc.brandId, location));
    tx.event("location.deleted", domain::toJson(loc));
    tx.commit();
    return;
  }
}

Page<Location> RocksDbStore::listLocations(const std::optional<std::string>& brandId,
                                           const PageRequest& page) {
  if (!brandId) return impl_->page<Location>(kLocation, page);
  return impl_->page<Location>(key(kBrandLocation, *brandId, ""), page);
}

// ---- links ----

domain::LinkResult RocksDbStore::link(std::string_view offerId, std::string_view locationId) {
  auto& locks = impl_->locks();
  LockTable::Guard guard(locks, {locks.exclusive(offerId), locks.exclusive(locationId)});
  auto offer = impl_->require<Offer>(offerId);
  auto location = impl_->require<Location>(locationId);
  if (offer.brandId != location.brandId) {
    throw Error(ErrorCode::brand_mismatch, "location " + location.id + " belongs to brand " +
                                               location.brandId + ", offer " + offer.id +
                                               " to brand " + offer.brandId);
  }
  if (impl_->exists(key(kOfferLocation, offerId, locationId))) {
    return {std::move(offer), std::move(location), false};
  }
  offer.locationsTotal += 1;
  location.offersTotal += 1;
  Tx tx(*impl_);
  tx.batch.Put(key(kOfferLocation, offerId, locationId), "");
  tx.batch.Put(key(kLocationOffer, locationId, offerId), "");
  tx.batch.Put(key(kOffer, offerId), encode(offer));
  tx.batch.Put(key(kLocation, locationId), encode(location));
  tx.event("link.created", linkData(offerId, locationId));
  tx.commit();
  return {std::move(offer), std::move(location), true};
}

domain::UnlinkResult RocksDbStore::unlink(std::string_view offerId, std::string_view locationId) {
  auto& locks = impl_->locks();
  LockTable::Guard guard(locks, {locks.exclusive(offerId), locks.exclusive(locationId)});
  auto offer = impl_->require<Offer>(offerId);
  auto location = impl_->require<Location>(locationId);
  if (!impl_->exists(key(kOfferLocation, offerId, locationId))) {
    throw Error(ErrorCode::not_found,
                "location " + location.id + " is not linked to offer " + offer.id);
  }
  offer.locationsTotal -= 1;
  location.offersTotal -= 1;
  Tx tx(*impl_);
  tx.batch.Delete(key(kOfferLocation, offerId, locationId));
  tx.batch.Delete(key(kLocationOffer, locationId, offerId));
  tx.batch.Put(key(kOffer, offerId), encode(offer));
  tx.batch.Put(key(kLocation, locationId), encode(location));
  tx.event("link.deleted", linkData(offerId, locationId));
  tx.commit();
  return {std::move(offer), std::move(location)};
}

Page<Location> RocksDbStore::listLocationsOfOffer(std::string_view offerId,
                                                  const PageRequest& page) {
  if (!impl_->exists(key(kOffer, offerId))) domain::throwNotFound("offer", offerId);
  return impl_->page<Location>(key(kOfferLocation, offerId, ""), page);
}

Page<Offer> RocksDbStore::listOffersOfLocation(std::string_view locationId,
                                               const PageRequest& page) {
  if (!impl_->exists(key(kLocation, locationId))) domain::throwNotFound("location", locationId);
  return impl_->page<Offer>(key(kLocationOffer, locationId, ""), page);
}

}  // namespace offers::store::rocksdb

// ---- jobs ----
namespace offers::store::rocksdb {

using domain::Job;
using domain::JobStatus;
using domain::JobType;

namespace {

// Ends a job in `tx`: terminal status, no longer active, its event.
void finishJob(Tx& tx, Job& job, JobStatus status, domain::Millis now) {
  job.status = status;
  job.finished = now;
  if (status == JobStatus::succeeded) job.total = job.processed;
  tx.batch.Delete(key(kOfferActiveJob, job.offerId));
  tx.batch.Delete(key(kActiveJob, job.id));
  tx.event("job." + std::string(domain::toString(status)), domain::toJson(job));
}

std::string encodeJob(const Job& job) {
  return json::serialize(domain::toStoredJson(job));
}

}  // namespace

void RocksDbStore::createJob(const Job& job) {
  LockTable::Guard guard(impl_->locks(), {impl_->locks().exclusive(job.offerId)});
  impl_->require<Offer>(job.offerId);
  if (auto active = impl_->getString(key(kOfferActiveJob, job.offerId))) {
    throw Error(ErrorCode::conflict,
                "offer " + job.offerId + " already has a job in progress: " + *active)
        .withDetails({{"jobId", *active}});
  }
  if (impl_->exists(key(kJob, job.id))) {
    throw Error(ErrorCode::conflict, "job " + job.id + " already exists");
  }
  Tx tx(*impl_);
  tx.batch.Put(key(kJob, job.id), encodeJob(job));
  tx.batch.Put(key(kOfferJob, job.offerId, job.id), "");
  tx.batch.Put(key(kOfferActiveJob, job.offerId), job.id);
  tx.batch.Put(key(kActiveJob, job.id), "");
  tx.commit();
}

std::optional<Job> RocksDbStore::getJob(std::string_view id) {
  return impl_->get<Job>(id);
}

Page<Job> RocksDbStore::listJobs(const std::optional<std::string>& offerId,
                                 const PageRequest& page) {
  if (!offerId) return impl_->page<Job>(kJob, page);
  return impl_->page<Job>(key(kOfferJob, *offerId, ""), page);
}

std::vector<std::string> RocksDbStore::activeJobs() {
  return impl_->scan(kActiveJob, std::nullopt, SIZE_MAX, nullptr);
}

Job RocksDbStore::cancelJob(std::string_view id) {
  const auto offerId = impl_->require<Job>(id).offerId;
  LockTable::Guard guard(impl_->locks(), {impl_->locks().exclusive(offerId)});
  auto job = impl_->require<Job>(id);
  switch (job.status) {
    case JobStatus::cancelled:
      return job;
    case JobStatus::succeeded:
    case JobStatus::failed:
      throw Error(ErrorCode::conflict,
                  "job " + job.id + " has already " + std::string(domain::toString(job.status)));
    case JobStatus::queued: {
      Tx tx(*impl_);
      finishJob(tx, job, JobStatus::cancelled, domain::nowMillis());
      tx.batch.Put(key(kJob, job.id), encodeJob(job));
      tx.commit();
      return job;
    }
    case JobStatus::running: {
      job.cancelRequested = true;
      Tx tx(*impl_);
      tx.batch.Put(key(kJob, job.id), encodeJob(job));
      tx.commit();
      return job;
    }
  }
  return job;
}

Job RocksDbStore::runJobStep(std::string_view id, std::size_t pageSize) {
  auto& locks = impl_->locks();
  for (;;) {
    const auto before = impl_->require<Job>(id);
    if (domain::isTerminal(before.status)) return before;
    const bool linking = before.type == JobType::link_brand_locations;
    const auto stepStart = domain::nowMillis();
    // The first step sizes the job, outside the locks (a key-only scan).
    std::optional<std::int64_t> estimate;
    if (before.status == JobStatus::queued) {
      if (linking) {
        estimate = impl_->countPrefix(key(kBrandLocation, before.brandId, ""));
      } else {
        estimate = impl_->countPrefix(key(kOfferLocation, before.offerId, ""));
      }
    }
    const std::string pagePrefix =
        linking ? key(kBrandLocation, before.brandId, "") : key(kOfferLocation, before.offerId, "");
    const auto ids = impl_->scan(pagePrefix, before.checkpoint, pageSize, nullptr);

    std::vector<LockTable::Want> wants{locks.exclusive(before.offerId)};
    for (const auto& l : ids) wants.push_back(locks.exclusive(l));
    LockTable::Guard guard(locks, std::move(wants));
    auto job = impl_->require<Job>(id);
    // Someone else moved the job between the read and the locks: read the page again.
    if (job.checkpoint != before.checkpoint || job.status != before.status) continue;

    const auto now = domain::nowMillis();
    Tx tx(*impl_);
    if (job.status == JobStatus::queued) {
      job.status = JobStatus::running;
      job.started = stepStart;
      job.total = estimate.value_or(0);
    }
    auto offer = impl_->get<Offer>(job.offerId);
    if (job.cancelRequested || !offer) {
      if (!offer) {
        job.error = domain::JobError{"not_found", "offer " + job.offerId + " no longer exists"};
      }
      finishJob(tx, job, offer ? JobStatus::cancelled : JobStatus::failed, now);
      tx.batch.Put(key(kJob, job.id), encodeJob(job));
      tx.commit();
      return job;
    }

    std::int64_t delta = 0;
    for (const auto& locationId : ids) {
      auto location = impl_->get<Location>(locationId);
      if (!location) continue;  // deleted before we locked it: not visited
      const auto linkKey = key(kOfferLocation, job.offerId, locationId);
      const bool linked = impl_->exists(linkKey);  // under the locks: current
      if (linking) {
        ++job.processed;
        if (linked) {
          ++job.alreadyLinked;
          continue;
        }
        tx.batch.Put(linkKey, "");
        tx.batch.Put(key(kLocationOffer, locationId, job.offerId), "");
        location->offersTotal += 1;
        ++job.linked;
        ++delta;
      } else {
        if (!linked) continue;  // unlinked by someone else since the page was read
        ++job.processed;
        tx.batch.Delete(linkKey);
        tx.batch.Delete(key(kLocationOffer, locationId, job.offerId));
        location->offersTotal -= 1;
        ++job.unlinked;
        --delta;
      }
      tx.batch.Put(key(kLocation, locationId), encode(*location));
    }
    if (delta != 0) {
      offer->locationsTotal += delta;
      tx.batch.Put(key(kOffer, offer->id), encode(*offer));
    }
    if (!ids.empty()) job.checkpoint = ids.back();
    job.total = std::max(job.total, job.processed);
    if (ids.size() < pageSize) finishJob(tx, job, JobStatus::succeeded, now);
    tx.batch.Put(key(kJob, job.id), encodeJob(job));
    tx.commit();
    return job;
  }
}

Job RocksDbStore::failJob(std::string_view id, const domain::JobError& error) {
  const auto offerId = impl_->require<Job>(id).offerId;
  LockTable::Guard guard(impl_->locks(), {impl_->locks().exclusive(offerId)});
  auto job = impl_->require<Job>(id);
  if (domain::isTerminal(job.status)) return job;
  job.error = error;
  Tx tx(*impl_);
  finishJob(tx, job, JobStatus::failed, domain::nowMillis());
  tx.batch.Put(key(kJob, job.id), encodeJob(job));
  tx.commit();
  return job;
}

// ---- outbox ----

Page<domain::Event> RocksDbStore::listEvents(std::optional<std::uint64_t> after,
                                             std::size_t limit) {
  const auto visible = impl_->visibleSeq();
  std::optional<std::string> from;
  if (after) from = fixed(*after);
  auto rows = impl_->scanValues(kEvent, from, limit + 1, fixed(visible));
  Page<domain::Event> out;
  const bool more = rows.size() > limit;
  if (more) rows.resize(limit);
  for (const auto& [suffix, value] : rows) {
    out.items.push_back(domain::eventFromJson(*parseFixed(suffix), parseObject(value)));
  }
  if (more && !out.items.empty()) out.last = std::to_string(out.items.back().seq);
  return out;
}

std::optional<domain::Event> RocksDbStore::getEvent(std::uint64_t seq) {
  auto value = impl_->getString(key(kEvent, fixed(seq)));
  if (!value) return std::nullopt;
  return domain::eventFromJson(seq, parseObject(*value));
}

// ---- webhooks ----

void RocksDbStore::createWebhook(const domain::Webhook& webhook) {
  ::rocksdb::WriteBatch batch;
  batch.Put(key(kWebhook, webhook.id), json::serialize(domain::toStoredJson(webhook)));
  impl_->write(batch);
}

std::optional<domain::Webhook> RocksDbStore::getWebhook(std::string_view id) {
  return impl_->get<domain::Webhook>(id);
}

Page<domain::Webhook> RocksDbStore::listWebhooks(const PageRequest& page) {
  return impl_->page<domain::Webhook>(kWebhook, page);
}

void RocksDbStore::deleteWebhook(std::string_view id) {
  impl_->require<domain::Webhook>(id);
  ::rocksdb::WriteBatch batch;
  batch.Delete(key(kWebhook, id));
  impl_->write(batch);
}

std::size_t RocksDbStore::fanOutEvents(std::size_t maxEvents, domain::Millis now) {
  std::lock_guard lock(impl_->fanOutMutex());
  const auto checkpoint = parseFixed(impl_->getString(kFanOutCheckpoint).value_or("0"));
  const auto visible = impl_->visibleSeq();
  auto events = impl_->scanValues(kEvent, fixed(checkpoint.value_or(0)), maxEvents, fixed(visible));
  if (events.empty()) return 0;
  std::vector<domain::Webhook> webhooks;
  for (const auto& [id, value] : impl_->scanValues(kWebhook, std::nullopt, SIZE_MAX)) {
    webhooks.push_back(domain::webhookFromJson(parseObject(value)));
  }
  ::rocksdb::WriteBatch batch;
  for (const auto& [seq, value] : events) {
    const auto type = parseObject(value).at("type").as_string();
    for (const auto& w : webhooks) {
      if (!w.wants(type)) continue;
      batch.Put(std::string(kDeliveryQueue) + fixed(std::uint64_t(now)) + "/" + w.id + "/" + seq,
                "1");
    }
  }
  batch.Put(kFanOutCheckpoint, events.back().first);
  impl_->write(batch);
  return events.size();
}

std::vector<domain::PendingDelivery> RocksDbStore::dueDeliveries(domain::Millis now,
                                                                 std::size_t limit) {
  std::vector<domain::PendingDelivery> out;
  // Suffix: <due:20>/<webhookId:36>/<seq:20>; anything due later sorts after `until`.
  const std::string until = fixed(std::uint64_t(now)) + "/~";
  for (const auto& [suffix, value] :
       impl_->scanValues(kDeliveryQueue, std::nullopt, limit, until)) {
    if (suffix.size() != 20 + 1 + 36 + 1 + 20) continue;
    domain::PendingDelivery d;
    d.due = domain::Millis(*parseFixed(suffix.substr(0, 20)));
    d.webhookId = suffix.substr(21, 36);
    d.eventSeq = *parseFixed(suffix.substr(58, 20));
    d.attempt = int(parseFixed(value).value_or(1));
    out.push_back(std::move(d));
  }
  return out;
}

void RocksDbStore::recordAttempt(const domain::PendingDelivery& d,
                                 const domain::DeliveryAttempt& attempt) {
  const std::string tail = "/" + d.webhookId + "/" + fixed(d.eventSeq);
  ::rocksdb::WriteBatch batch;
  batch.Delete(std::string(kDeliveryQueue) + fixed(std::uint64_t(d.due)) + tail);
  batch.Put(std::string(kDeliveryAttempt) + d.webhookId + "/" + fixed(d.eventSeq) + "/" +
                fixed(std::uint64_t(d.attempt), 3),
            json::serialize(domain::toJson(attempt)));
  if (attempt.nextAttempt) {
    batch.Put(std::string(kDeliveryQueue) + fixed(std::uint64_t(*attempt.nextAttempt)) + tail,
              std::to_string(d.attempt + 1));
  }
  impl_->write(batch);
}

Page<domain::DeliveryAttempt> RocksDbStore::listDeliveryAttempts(std::string_view webhookId,
                                                                 const PageRequest& page) {
  if (!impl_->exists(key(kWebhook, webhookId))) domain::throwNotFound("webhook", webhookId);
  auto rows = impl_->scanValues(key(kDeliveryAttempt, webhookId, ""), page.after, page.limit + 1);
  Page<domain::DeliveryAttempt> out;
  const bool more = rows.size() > page.limit;
  if (more) rows.resize(page.limit);
  for (const auto& [suffix, value] : rows) {
    out.items.push_back(domain::deliveryAttemptFromJson(parseObject(value)));
  }
  if (more && !rows.empty()) out.last = rows.back().first;
  return out;
}

}  // namespace offers::store::rocksdb
