// The storage seam. Operations are domain-level, so each engine implements their
// atomicity in its own way (RocksDB: locks and write batches; DynamoDB: conditional
// single-item writes). tests/conformance/ is the one suite every engine must pass.
//
// Every operation throws domain::Error: not_found, conflict, invalid_request (a
// referenced entity is missing), brand_mismatch, or unavailable when the engine
// itself fails. Engine-specific errors never cross this interface.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/entities.hpp"

namespace offers::store {

using domain::Brand;
using domain::Location;
using domain::Offer;
using domain::Page;
using domain::PageRequest;

class Store {
 public:
  virtual ~Store() = default;

  // Brands. createBrand: conflict when the id exists. deleteBrand: not_found, or
  // conflict while the brand still has offers or locations.
  virtual void createBrand(const Brand& brand) = 0;
  virtual std::optional<Brand> getBrand(std::string_view id) = 0;
  virtual Brand updateBrand(std::string_view id, const domain::BrandPatch& patch,
                            domain::Millis now) = 0;
  virtual void deleteBrand(std::string_view id) = 0;
  virtual Page<Brand> listBrands(const PageRequest& page) = 0;

  // Offers. createOffer: conflict when the id exists, invalid_request when its brand
  // does not. The stored locationsTotal starts at 0 whatever the argument says.
  // deleteOffer: not_found, or conflict while locations are linked.
  virtual void createOffer(const Offer& offer) = 0;
  virtual std::optional<Offer> getOffer(std::string_view id) = 0;
  virtual Offer updateOffer(std::string_view id, const domain::OfferPatch& patch,
                            domain::Millis now) = 0;
  virtual void deleteOffer(std::string_view id) = 0;
  // All offers, or those of one brand (an unknown brand gives an empty page), by id.
  virtual Page<Offer> listOffers(const std::optional<std::string>& brandId,
                                 const PageRequest& page) = 0;

  // Locations. createLocations is all-or-nothing: a duplicate id (conflict) or a
  // missing brand (invalid_request) rejects the whole batch, naming the item's index.
  // deleteLocation unlinks it from every offer in the same atomic step.
  virtual void createLocations(const std::vector<Location>& locations) = 0;
  virtual std::optional<Location> getLocation(std::string_view id) = 0;
  virtual Location updateLocation(std::string_view id, const domain::LocationPatch& patch,
                                  domain::Millis now) = 0;
  virtual void deleteLocation(std::string_view id) = 0;
  virtual Page<Location> listLocations(const std::optional<std::string>& brandId,
                                       const PageRequest& page) = 0;

  // Links. link: not_found for an unknown offer or location, brand_mismatch when their
  // brands differ; idempotent (created=false and no counter moves when already linked).
  // unlink: not_found for an unknown offer, location, or pair that is not linked.
  // Both move the link items and both counters in one atomic step.
  virtual domain::LinkResult link(std::string_view offerId, std::string_view locationId) = 0;
  virtual domain::UnlinkResult unlink(std::string_view offerId, std::string_view locationId) = 0;
  // Ordered by the other side's id; not_found when the offer/location is unknown.
  virtual Page<Location> listLocationsOfOffer(std::string_view offerId,
                                              const PageRequest& page) = 0;
  virtual Page<Offer> listOffersOfLocation(std::string_view locationId,
                                           const PageRequest& page) = 0;
};

}  // namespace offers::store
