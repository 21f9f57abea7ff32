#include "store/rocksdb/rocksdb_store.hpp"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <set>

#include "domain/entity_json.hpp"
#include "domain/error.hpp"

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
Brand decode<Brand>(const ::rocksdb::Slice& b) { return domain::brandFromJson(parseObject(b)); }
template <>
Offer decode<Offer>(const ::rocksdb::Slice& b) { return domain::offerFromJson(parseObject(b)); }
template <>
Location decode<Location>(const ::rocksdb::Slice& b) {
  return domain::locationFromJson(parseObject(b));
}

template <class T>
constexpr std::string_view entityPrefix();
template <>
constexpr std::string_view entityPrefix<Brand>() { return kBrand; }
template <>
constexpr std::string_view entityPrefix<Offer>() { return kOffer; }
template <>
constexpr std::string_view entityPrefix<Location>() { return kLocation; }

template <class T>
constexpr std::string_view entityName();
template <>
constexpr std::string_view entityName<Brand>() { return "brand"; }
template <>
constexpr std::string_view entityName<Offer>() { return "offer"; }
template <>
constexpr std::string_view entityName<Location>() { return "location"; }

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
    ::rocksdb::BlockBasedTableOptions table;
    table.filter_policy.reset(::rocksdb::NewBloomFilterPolicy(10));
    o.table_factory.reset(::rocksdb::NewBlockBasedTableFactory(table));
    ::rocksdb::DB* raw = nullptr;
    const auto s = ::rocksdb::DB::Open(o, options.dataDir, &raw);
    if (!s.ok()) {
      throw Error(ErrorCode::unavailable,
                  "cannot open the store in " + options.dataDir + ": " + s.ToString());
    }
    db_.reset(raw);
    write_.sync = options.syncWrites;
  }

  ~Impl() {
    if (db_) {
      db_->FlushWAL(true);
      db_->Close();
    }
  }

  ::rocksdb::DB& db() { return *db_; }
  LockTable& locks() { return locks_; }

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
    ::rocksdb::ReadOptions ro;
    ro.snapshot = snap;
    std::unique_ptr<::rocksdb::Iterator> it(db_->NewIterator(ro));
    const std::string start = after ? key(prefix, *after) : std::string(prefix);
    std::vector<std::string> ids;
    for (it->Seek(start); it->Valid() && ids.size() < max; it->Next()) {
      const auto k = it->key();
      if (!k.starts_with(::rocksdb::Slice(prefix.data(), prefix.size()))) break;
      if (after && k == ::rocksdb::Slice(start)) continue;
      ids.emplace_back(k.data() + prefix.size(), k.size() - prefix.size());
    }
    check(it->status(), "scan");
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
  std::unique_ptr<::rocksdb::DB> db_;
  ::rocksdb::WriteOptions write_;
  LockTable locks_;
};

RocksDbStore::RocksDbStore(const Options& options) : impl_(std::make_unique<Impl>(options)) {}
RocksDbStore::~RocksDbStore() = default;

// ---- brands ----

void RocksDbStore::createBrand(const Brand& brand) {
  LockTable::Guard guard(impl_->locks(), {impl_->locks().exclusive(brand.id)});
  if (impl_->exists(key(kBrand, brand.id))) {
    throw Error(ErrorCode::conflict, "brand " + brand.id + " already exists");
  }
  ::rocksdb::WriteBatch batch;
  batch.Put(key(kBrand, brand.id), encode(brand));
  impl_->write(batch);
}

std::optional<Brand> RocksDbStore::getBrand(std::string_view id) { return impl_->get<Brand>(id); }

Brand RocksDbStore::updateBrand(std::string_view id, const domain::BrandPatch& patch,
                                domain::Millis now) {
  LockTable::Guard guard(impl_->locks(), {impl_->locks().exclusive(id)});
  auto brand = impl_->require<Brand>(id);
  domain::applyPatch(brand, patch, now);
  ::rocksdb::WriteBatch batch;
  batch.Put(key(kBrand, id), encode(brand));
  impl_->write(batch);
  return brand;
}

void RocksDbStore::deleteBrand(std::string_view id) {
  // Exclusive on the brand: creating an offer or a location takes it shared.
  LockTable::Guard guard(impl_->locks(), {impl_->locks().exclusive(id)});
  impl_->require<Brand>(id);
  const std::string brand(id);
  if (!impl_->scan(key(kBrandOffer, brand, ""), std::nullopt, 1, nullptr).empty()) {
    throw Error(ErrorCode::conflict, "brand " + brand + " still has offers; delete them first");
  }
  if (!impl_->scan(key(kBrandLocation, brand, ""), std::nullopt, 1, nullptr).empty()) {
    throw Error(ErrorCode::conflict,
                "brand " + brand + " still has locations; delete them first");
  }
  ::rocksdb::WriteBatch batch;
  batch.Delete(key(kBrand, id));
  impl_->write(batch);
}

Page<Brand> RocksDbStore::listBrands(const PageRequest& page) {
  return impl_->page<Brand>(kBrand, page);
}

// ---- offers ----

void RocksDbStore::createOffer(const Offer& offer) {
  LockTable::Guard guard(impl_->locks(), {impl_->locks().shared(offer.brandId),
                                          impl_->locks().exclusive(offer.id)});
  if (!impl_->exists(key(kBrand, offer.brandId))) {
    domain::throwInvalid("brandId: brand " + offer.brandId + " does not exist");
  }
  if (impl_->exists(key(kOffer, offer.id))) {
    throw Error(ErrorCode::conflict, "offer " + offer.id + " already exists");
  }
  Offer stored = offer;
  stored.locationsTotal = 0;
  ::rocksdb::WriteBatch batch;
  batch.Put(key(kOffer, offer.id), encode(stored));
  batch.Put(key(kBrandOffer, offer.brandId, offer.id), "");
  impl_->write(batch);
}

std::optional<Offer> RocksDbStore::getOffer(std::string_view id) { return impl_->get<Offer>(id); }

Offer RocksDbStore::updateOffer(std::string_view id, const domain::OfferPatch& patch,
                                domain::Millis now) {
  LockTable::Guard guard(impl_->locks(), {impl_->locks().exclusive(id)});
  auto offer = impl_->require<Offer>(id);
  domain::applyPatch(offer, patch, now);
  ::rocksdb::WriteBatch batch;
  batch.Put(key(kOffer, id), encode(offer));
  impl_->write(batch);
  return offer;
}

void RocksDbStore::deleteOffer(std::string_view id) {
  LockTable::Guard guard(impl_->locks(), {impl_->locks().exclusive(id)});
  auto offer = impl_->require<Offer>(id);
  if (offer.locationsTotal > 0) {
    throw Error(ErrorCode::conflict, "offer " + offer.id + " still has " +
                                         std::to_string(offer.locationsTotal) +
                                         " linked locations; unlink them first");
  }
  ::rocksdb::WriteBatch batch;
  batch.Delete(key(kOffer, id));
  batch.Delete(key(kBrandOffer, offer.brandId, offer.id));
  impl_->write(batch);
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
  ::rocksdb::WriteBatch batch;
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
    batch.Put(key(kLocation, l.id), encode(stored));
    batch.Put(key(kBrandLocation, l.brandId, l.id), "");
  }
  impl_->write(batch);
}

std::optional<Location> RocksDbStore::getLocation(std::string_view id) {
  return impl_->get<Location>(id);
}

Location RocksDbStore::updateLocation(std::string_view id, const domain::LocationPatch& patch,
                                      domain::Millis now) {
  LockTable::Guard guard(impl_->locks(), {impl_->locks().exclusive(id)});
  auto location = impl_->require<Location>(id);
  domain::applyPatch(location, patch, now);
  ::rocksdb::WriteBatch batch;
  batch.Put(key(kLocation, id), encode(location));
  impl_->write(batch);
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
    ::rocksdb::WriteBatch batch;
    for (const auto& offerId : offerIds) {
      auto offer = impl_->require<Offer>(offerId);
      offer.locationsTotal -= 1;
      batch.Put(key(kOffer, offerId), encode(offer));
      batch.Delete(key(kOfferLocation, offerId, location));
      batch.Delete(key(kLocationOffer, location, offerId));
    }
    batch.Delete(key(kLocation, location));
    batch.Delete(key(kBrandLocation, loc.brandId, location));
    impl_->write(batch);
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
  ::rocksdb::WriteBatch batch;
  batch.Put(key(kOfferLocation, offerId, locationId), "");
  batch.Put(key(kLocationOffer, locationId, offerId), "");
  batch.Put(key(kOffer, offerId), encode(offer));
  batch.Put(key(kLocation, locationId), encode(location));
  impl_->write(batch);
  return {std::move(offer), std::move(location), true};
}

domain::UnlinkResult RocksDbStore::unlink(std::string_view offerId,
                                          std::string_view locationId) {
  auto& locks = impl_->locks();
  LockTable::Guard guard(locks, {locks.exclusive(offerId), locks.exclusive(locationId)});
  auto offer = impl_->require<Offer>(offerId);
  auto location = impl_->require<Location>(locationId);
  if (!impl_->exists(key(kOfferLocation, offerId, locationId))) {
    throw Error(ErrorCode::not_found, "location " + location.id + " is not linked to offer " +
                                          offer.id);
  }
  offer.locationsTotal -= 1;
  location.offersTotal -= 1;
  ::rocksdb::WriteBatch batch;
  batch.Delete(key(kOfferLocation, offerId, locationId));
  batch.Delete(key(kLocationOffer, locationId, offerId));
  batch.Put(key(kOffer, offerId), encode(offer));
  batch.Put(key(kLocation, locationId), encode(location));
  impl_->write(batch);
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
