// A Store decorator that times every operation and counts its failures in the process
// metrics (offers_store_operation_duration_seconds, offers_store_errors_total), labelled
// with the engine and the operation. main.cpp puts it between the service and the engine,
// so the engines stay free of metrics code.
#pragma once

#include <string>

#include "metrics/metrics.hpp"
#include "store/store.hpp"

namespace offers::store {

class ObservedStore final : public Store {
 public:
  ObservedStore(Store& inner, std::string engine);

  void ping() override;
  void createBrand(const Brand& brand) override;
  std::optional<Brand> getBrand(std::string_view id) override;
  Brand updateBrand(std::string_view id, const domain::BrandPatch& patch,
                    domain::Millis now) override;
  void deleteBrand(std::string_view id) override;
  Page<Brand> listBrands(const PageRequest& page) override;
  void createOffer(const Offer& offer) override;
  std::optional<Offer> getOffer(std::string_view id) override;
  Offer updateOffer(std::string_view id, const domain::OfferPatch& patch,
                    domain::Millis now) override;
  void deleteOffer(std::string_view id) override;
  Page<Offer> listOffers(const std::optional<std::string>& brandId,
                         const PageRequest& page) override;
  void createLocations(const std::vector<Location>& locations) override;
  std::optional<Location> getLocation(std::string_view id) override;
  Location updateLocation(std::string_view id, const domain::LocationPatch& patch,
                          domain::Millis now) override;
  void deleteLocation(std::string_view id) override;
  Page<Location> listLocations(const std::optional<std::string>& brandId,
                               const PageRequest& page) override;
  domain::LinkResult link(std::string_view offerId, std::string_view locationId) override;
  domain::UnlinkResult unlink(std::string_view offerId, std::string_view locationId) override;
  Page<Location> listLocationsOfOffer(std::string_view offerId, const PageRequest& page) override;
  Page<Offer> listOffersOfLocation(std::string_view locationId, const PageRequest& page) override;
  void createJob(const domain::Job& job) override;
  std::optional<domain::Job> getJob(std::string_view id) override;
  Page<domain::Job> listJobs(const std::optional<std::string>& offerId,
                             const PageRequest& page) override;
  std::vector<std::string> activeJobs() override;
  domain::Job cancelJob(std::string_view id) override;
  domain::Job runJobStep(std::string_view id, std::size_t pageSize) override;
  domain::Job failJob(std::string_view id, const domain::JobError& error) override;
  std::size_t repairAbandoned(domain::Millis now) override;
  Page<domain::Event> listEvents(std::optional<std::uint64_t> after, std::size_t limit) override;
  std::optional<domain::Event> getEvent(std::uint64_t seq) override;
  void createWebhook(const domain::Webhook& webhook) override;
  std::optional<domain::Webhook> getWebhook(std::string_view id) override;
  Page<domain::Webhook> listWebhooks(const PageRequest& page) override;
  void deleteWebhook(std::string_view id) override;
  std::size_t fanOutEvents(std::size_t maxEvents, domain::Millis now) override;
  std::vector<domain::PendingDelivery> dueDeliveries(domain::Millis now,
                                                     std::size_t limit) override;
  void recordAttempt(const domain::PendingDelivery& delivery,
                     const domain::DeliveryAttempt& attempt) override;
  Page<domain::DeliveryAttempt> listDeliveryAttempts(std::string_view webhookId,
                                                     const PageRequest& page) override;

 private:
  enum Op : int;
  template <class F>
  decltype(auto) timed(Op op, F&& f);

  Store& inner_;
  std::string engine_;
  std::vector<metrics::Histogram*> durations_;  // by Op
};

}  // namespace offers::store
