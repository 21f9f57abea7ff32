// The use cases of the API, one method each: validate the input, fill in what the
// server decides (ids, timestamps), and hand the atomic part to the Store. Handlers in
// src/http/ call these and nothing below them. Ids passed in are already normalised
// (src/http checks them as it parses the path).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/entities.hpp"
#include "store/store.hpp"

namespace offers::domain {

// A fresh random (version 4) UUID in canonical lower-case form.
std::string newId();

class Service {
 public:
  explicit Service(store::Store& store) : store_(store) {}

  // `draft.id` empty: the server picks one. Counters and timestamps in drafts are ignored.
  Brand createBrand(Brand draft);
  Brand getBrand(std::string_view id);
  Brand updateBrand(std::string_view id, const BrandPatch& patch);
  void deleteBrand(std::string_view id);
  Page<Brand> listBrands(const PageRequest& page);
  Page<Location> listBrandLocations(std::string_view brandId, const PageRequest& page);

  Offer createOffer(Offer draft);
  Offer getOffer(std::string_view id);
  Offer updateOffer(std::string_view id, const OfferPatch& patch);
  void deleteOffer(std::string_view id);
  Page<Offer> listOffers(const std::optional<std::string>& brandId, const PageRequest& page);

  Location createLocation(Location draft);
  // All-or-nothing, 1..kMaxBatchLocations items; errors name the item ("items[3].address").
  std::vector<Location> createLocations(std::vector<Location> drafts);
  Location getLocation(std::string_view id);
  Location updateLocation(std::string_view id, const LocationPatch& patch);
  void deleteLocation(std::string_view id);
  Page<Location> listLocations(const std::optional<std::string>& brandId,
                               const PageRequest& page);

  LinkResult link(std::string_view offerId, std::string_view locationId);
  UnlinkResult unlink(std::string_view offerId, std::string_view locationId);
  Page<Location> listLocationsOfOffer(std::string_view offerId, const PageRequest& page);
  Page<Offer> listOffersOfLocation(std::string_view locationId, const PageRequest& page);

 private:
  store::Store& store_;
};

}  // namespace offers::domain
