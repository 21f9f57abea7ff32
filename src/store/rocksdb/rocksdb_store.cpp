// The embedded engine's database and its entities: opening RocksDB (options, memory
// budget), the shared machinery of impl.hpp (reads, scans, pages, the outbox's sequence
// numbers), and brands, offers and locations.
#include "store/rocksdb/rocksdb_store.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_buffer_manager.h>

#include <boost/json/parse.hpp>
#include <filesystem>

#include "domain/id.hpp"
#include "store/encoding.hpp"
#include "store/messages.hpp"
#include "store/rocksdb/impl.hpp"

// ThreadSanitizer builds (clang's feature test, gcc's macro): see Impl::write.
#if defined(__SANITIZE_THREAD__)
#define OFFERS_THREAD_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define OFFERS_THREAD_SANITIZER 1
#endif
#endif

namespace offers::store::rocksdb {

using domain::Error;
using domain::ErrorCode;

// ---- status, values ----

void check(const ::rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return;
  const std::string detail = std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) throw Error(ErrorCode::internal, "the store is damaged", detail);
  throw Error(ErrorCode::unavailable, "the store is unavailable, try again", detail);
}

json::object parseObject(const ::rocksdb::Slice& bytes) {
  std::error_code ec;
  auto v = json::parse(json::string_view(bytes.data(), bytes.size()), ec);
  if (ec || !v.is_object()) {
    throw Error(ErrorCode::internal, "the store is damaged", "unparsable stored entity");
  }
  return std::move(v.get_object());
}

// ---- Impl ----

RocksDbStore::Impl::Impl(const Options& options) {
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
  it->SeekForPrev(std::string(kEventPrefix) + "~");
  if (it->Valid() && it->key().starts_with(kEventPrefix)) {
    const auto last = parseEventSuffix(it->key().ToStringView().substr(kEventPrefix.size()));
    nextSeq_ = last.value_or(0) + 1;
  }
}

RocksDbStore::Impl::~Impl() {
  if (db_) {
    db_->FlushWAL(true);
    db_->Close();
  }
}

std::uint64_t RocksDbStore::Impl::reserveSeq() {
  std::lock_guard lock(seqMutex_);
  const auto seq = nextSeq_++;
  inFlight_.insert(seq);
  return seq;
}

void RocksDbStore::Impl::releaseSeqs(const std::vector<std::uint64_t>& seqs) {
  if (seqs.empty()) return;
  std::lock_guard lock(seqMutex_);
  for (auto s : seqs) inFlight_.erase(s);
}

std::uint64_t RocksDbStore::Impl::visibleSeq() {
  std::lock_guard lock(seqMutex_);
  return visibleSeqLocked();
}

std::uint64_t RocksDbStore::Impl::visibleSeqLocked() const {
  return inFlight_.empty() ? nextSeq_ - 1 : *inFlight_.begin() - 1;
}

bool RocksDbStore::Impl::read(std::string_view key, ::rocksdb::PinnableSlice& value) {
  const auto s = db_->Get({}, db_->DefaultColumnFamily(), key, &value);
  if (s.IsNotFound()) return false;
  check(s, "get");
  return true;
}

std::optional<std::string> RocksDbStore::Impl::getString(std::string_view key) {
  ::rocksdb::PinnableSlice value;
  if (!read(key, value)) return std::nullopt;
  return value.ToString();
}

bool RocksDbStore::Impl::exists(std::string_view key) {
  ::rocksdb::PinnableSlice value;
  return read(key, value);
}

void RocksDbStore::Impl::write(::rocksdb::WriteBatch& batch) {
#if OFFERS_THREAD_SANITIZER
  // Under ThreadSanitizer only: one writer at a time. RocksDB (Debian's, not built with
  // TSan) groups concurrent writes, and the group's leader appends the other writers'
  // batches to a buffer it shares with the next leader, handed over under atomics TSan
  // cannot see; the append itself runs in std::string code instrumented in our binary,
  // so TSan reports it as a race between two of our threads. Serialising the call keeps
  // every group at one writer; our own locking around it is still checked as it runs.
  static std::mutex oneWriter;
  std::lock_guard<std::mutex> lock(oneWriter);
#endif
  check(db_->Write(write_, &batch), "write");
}

std::vector<std::pair<std::string, std::string>> RocksDbStore::Impl::scanValues(
    std::string_view prefix, const std::optional<std::string>& after, std::size_t max,
    const std::optional<std::string>& until, const ::rocksdb::Snapshot* snap, bool withValues) {
  ::rocksdb::ReadOptions ro;
  ro.snapshot = snap;
  std::unique_ptr<::rocksdb::Iterator> it(db_->NewIterator(ro));
  const std::string start = std::string(prefix) + after.value_or("");
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

std::vector<std::string> RocksDbStore::Impl::scan(std::string_view prefix,
                                                  const std::optional<std::string>& after,
                                                  std::size_t max,
                                                  const ::rocksdb::Snapshot* snap) {
  std::vector<std::string> ids;
  for (auto& row : scanValues(prefix, after, max, std::nullopt, snap, false)) {
    ids.push_back(std::move(row.first));
  }
  return ids;
}

std::int64_t RocksDbStore::Impl::countPrefix(std::string_view prefix) {
  std::unique_ptr<::rocksdb::Iterator> it(db_->NewIterator({}));
  std::int64_t n = 0;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) ++n;
  check(it->status(), "count");
  return n;
}

std::vector<::rocksdb::PinnableSlice> RocksDbStore::Impl::multiGet(
    const std::vector<std::string>& keys, const ::rocksdb::Snapshot* snap) {
  std::vector<::rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<::rocksdb::PinnableSlice> values(keys.size());
  std::vector<::rocksdb::Status> statuses(keys.size());
  ::rocksdb::ReadOptions ro;
  ro.snapshot = snap;
  db_->MultiGet(ro, db_->DefaultColumnFamily(), keys.size(), slices.data(), values.data(),
                statuses.data());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    // An index entry without its entity cannot happen (they are written together).
    if (statuses[i].IsNotFound()) {
      throw Error(ErrorCode::internal, "the store is damaged", "dangling index " + keys[i]);
    }
    check(statuses[i], "multiget");
  }
  return values;
}

void Tx::event(std::string_view type, json::object data) {
  const auto seq = impl_.reserveSeq();
  seqs_.push_back(seq);
  domain::Event e{seq, domain::newId(), std::string(type), domain::nowMillis(), std::move(data)};
  batch.Put(eventKey(seq), json::serialize(domain::toJson(e)));
}

// ---- the store ----

RocksDbStore::RocksDbStore(const Options& options) : impl_(std::make_unique<Impl>(options)) {}
RocksDbStore::~RocksDbStore() = default;

void RocksDbStore::onEventsAppended(std::function<void()> listener) {
  impl_->onEvents = std::move(listener);
}

void RocksDbStore::ping() {
  Store::ping();
}

std::size_t RocksDbStore::repairAbandoned(domain::Millis) {
  return 0;  // every operation is one write batch: none is ever left half-done
}

// ---- brands ----

void RocksDbStore::createBrand(const Brand& brand) {
  LockTable::Guard guard(impl_->locks(), {impl_->locks().exclusive(brand.id)});
  if (impl_->exists(brandKey(brand.id))) throw alreadyExists("brand", brand.id);
  Tx tx(*impl_);
  tx.put(brand);
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
  tx.put(brand);
  tx.event("brand.updated", domain::toJson(brand));
  tx.commit();
  return brand;
}

void RocksDbStore::deleteBrand(std::string_view id) {
  // Exclusive on the brand: creating an offer or a location takes it shared.
  LockTable::Guard guard(impl_->locks(), {impl_->locks().exclusive(id)});
  const auto existing = impl_->require<Brand>(id);
  if (!impl_->scan(brandOffersOf(id), std::nullopt, 1).empty()) {
    throw brandNotEmpty(id, "offers");
  }
  if (!impl_->scan(brandLocationsOf(id), std::nullopt, 1).empty()) {
    throw brandNotEmpty(id, "locations");
  }
  Tx tx(*impl_);
  tx.batch.Delete(brandKey(id));
  tx.event("brand.deleted", domain::toJson(existing));
  tx.commit();
}

Page<Brand> RocksDbStore::listBrands(const PageRequest& page) {
  return impl_->page<Brand>(kBrandPrefix, page);
}

// ---- offers ----

void RocksDbStore::createOffer(const Offer& offer) {
  LockTable::Guard guard(
      impl_->locks(), {impl_->locks().shared(offer.brandId), impl_->locks().exclusive(offer.id)});
  if (!impl_->exists(brandKey(offer.brandId))) throw brandMissing("brandId", offer.brandId);
  if (impl_->exists(offerKey(offer.id))) throw alreadyExists("offer", offer.id);
  Offer stored = offer;
  stored.locationsTotal = 0;
  Tx tx(*impl_);
  tx.put(stored);
  tx.batch.Put(brandOfferKey(offer.brandId, offer.id), "");
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
  tx.put(offer);
  tx.event("offer.updated", domain::toJson(offer));
  tx.commit();
  return offer;
}

void RocksDbStore::deleteOffer(std::string_view id) {
  LockTable::Guard guard(impl_->locks(), {impl_->locks().exclusive(id)});
  auto offer = impl_->require<Offer>(id);
  if (auto job = impl_->getString(offerActiveJobKey(id))) throw offerHasJob(offer.id, *job);
  if (offer.locationsTotal > 0) throw offerStillLinked(offer.id, offer.locationsTotal);
  Tx tx(*impl_);
  tx.batch.Delete(offerKey(id));
  tx.batch.Delete(brandOfferKey(offer.brandId, offer.id));
  tx.event("offer.deleted", domain::toJson(offer));
  tx.commit();
}

Page<Offer> RocksDbStore::listOffers(const std::optional<std::string>& brandId,
                                     const PageRequest& page) {
  if (!brandId) return impl_->page<Offer>(kOfferPrefix, page);
  return impl_->page<Offer>(brandOffersOf(*brandId), page);
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
  std::set<std::string> knownBrands;
  Tx tx(*impl_);
  for (std::size_t i = 0; i < locations.size(); ++i) {
    const auto& l = locations[i];
    if (!knownBrands.contains(l.brandId)) {
      if (!impl_->exists(brandKey(l.brandId))) {
        throw brandMissing(batchField(i, locations.size(), "brandId"), l.brandId);
      }
      knownBrands.insert(l.brandId);
    }
    if (impl_->exists(locationKey(l.id))) {
      throw alreadyExists("location", l.id, batchField(i, locations.size(), "id"));
    }
    Location stored = l;
    stored.offersTotal = 0;
    tx.put(stored);
    tx.batch.Put(brandLocationKey(l.brandId, l.id), "");
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
  tx.put(location);
  tx.event("location.updated", domain::toJson(location));
  tx.commit();
  return location;
}

Page<Location> RocksDbStore::listLocations(const std::optional<std::string>& brandId,
                                           const PageRequest& page) {
  if (!brandId) return impl_->page<Location>(kLocationPrefix, page);
  return impl_->page<Location>(brandLocationsOf(*brandId), page);
}

}  // namespace offers::store::rocksdb
