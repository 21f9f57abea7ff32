// Links on the embedded engine: link and unlink (both link keys and both counters in one
// write batch under the pair's locks), deleting a location with its links, and the lists
// that walk links.
#include "store/encoding.hpp"
#include "store/messages.hpp"
#include "store/rocksdb/impl.hpp"
#include "store/rocksdb/rocksdb_store.hpp"

namespace offers::store::rocksdb {

domain::LinkResult RocksDbStore::link(std::string_view offerId, std::string_view locationId) {
  auto& locks = impl_->locks();
  LockTable::Guard guard(locks, {locks.exclusive(offerId), locks.exclusive(locationId)});
  auto offer = impl_->require<Offer>(offerId);
  auto location = impl_->require<Location>(locationId);
  if (offer.brandId != location.brandId) throw brandMismatch(offer, location);
  if (impl_->exists(offerLocationKey(offerId, locationId))) {
    return {std::move(offer), std::move(location), false};
  }
  offer.locationsTotal += 1;
  location.offersTotal += 1;
  Tx tx(*impl_);
  tx.batch.Put(offerLocationKey(offerId, locationId), "");
  tx.batch.Put(locationOfferKey(locationId, offerId), "");
  tx.put(offer);
  tx.put(location);
  tx.event("link.created", linkEventData(offerId, locationId));
  tx.commit();
  return {std::move(offer), std::move(location), true};
}

domain::UnlinkResult RocksDbStore::unlink(std::string_view offerId, std::string_view locationId) {
  auto& locks = impl_->locks();
  LockTable::Guard guard(locks, {locks.exclusive(offerId), locks.exclusive(locationId)});
  auto offer = impl_->require<Offer>(offerId);
  auto location = impl_->require<Location>(locationId);
  if (!impl_->exists(offerLocationKey(offerId, locationId))) {
    throw notLinked(offer.id, location.id);
  }
  offer.locationsTotal -= 1;
  location.offersTotal -= 1;
  Tx tx(*impl_);
  tx.batch.Delete(offerLocationKey(offerId, locationId));
  tx.batch.Delete(locationOfferKey(locationId, offerId));
  tx.put(offer);
  tx.put(location);
  tx.event("link.deleted", linkEventData(offerId, locationId));
  tx.commit();
  return {std::move(offer), std::move(location)};
}

void RocksDbStore::deleteLocation(std::string_view id) {
  auto& locks = impl_->locks();
  const std::string location(id);
  const std::string linkPrefix = locationOffersOf(location);
  // The offers to lock are only known after reading the links; read, lock, and read
  // again under the locks: if a link appeared in between, start over with it locked too.
  for (;;) {
    auto offerIds = impl_->scan(linkPrefix, std::nullopt, SIZE_MAX);
    std::vector<LockTable::Want> wants{locks.exclusive(location)};
    for (const auto& o : offerIds) wants.push_back(locks.exclusive(o));
    LockTable::Guard guard(locks, std::move(wants));
    auto current = impl_->scan(linkPrefix, std::nullopt, SIZE_MAX);
    if (current != offerIds) continue;
    auto loc = impl_->require<Location>(id);
    Tx tx(*impl_);
    for (const auto& offerId : offerIds) {
      auto offer = impl_->require<Offer>(offerId);
      offer.locationsTotal -= 1;
      tx.put(offer);
      tx.batch.Delete(offerLocationKey(offerId, location));
      tx.batch.Delete(locationOfferKey(location, offerId));
      tx.event("link.deleted", linkEventData(offerId, location));
    }
    tx.batch.Delete(locationKey(location));
    tx.batch.Delete(brandLocationKey(loc.brandId, location));
    tx.event("location.deleted", domain::toJson(loc));
    tx.commit();
    return;
  }
}

Page<Location> RocksDbStore::listLocationsOfOffer(std::string_view offerId,
                                                  const PageRequest& page) {
  if (!impl_->exists(offerKey(offerId))) domain::throwNotFound("offer", offerId);
  return impl_->page<Location>(offerLocationsOf(offerId), page);
}

Page<Offer> RocksDbStore::listOffersOfLocation(std::string_view locationId,
                                               const PageRequest& page) {
  if (!impl_->exists(locationKey(locationId))) domain::throwNotFound("location", locationId);
  return impl_->page<Offer>(locationOffersOf(locationId), page);
}

}  // namespace offers::store::rocksdb
