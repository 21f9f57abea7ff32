#include "store/observed_store.hpp"

#include <chrono>

#include "domain/error.hpp"

namespace offers::store {

// One value per operation, in the order of kOpNames.
enum ObservedStore::Op : int {
  k_ping,
  k_createBrand,
  k_getBrand,
  k_updateBrand,
  k_deleteBrand,
  k_listBrands,
  k_createOffer,
  k_getOffer,
  k_updateOffer,
  k_deleteOffer,
  k_listOffers,
  k_createLocations,
  k_getLocation,
  k_updateLocation,
  k_deleteLocation,
  k_listLocations,
  k_link,
  k_unlink,
  k_listLocationsOfOffer,
  k_listOffersOfLocation,
  k_createJob,
  k_getJob,
  k_listJobs,
  k_activeJobs,
  k_cancelJob,
  k_runJobStep,
  k_failJob,
  k_repairAbandoned,
  k_listEvents,
  k_getEvent,
  k_createWebhook,
  k_getWebhook,
  k_listWebhooks,
  k_deleteWebhook,
  k_fanOutEvents,
  k_dueDeliveries,
  k_recordAttempt,
  k_listDeliveryAttempts,
};

namespace {

constexpr const char* kOpNames[] = {
    "ping",
    "createBrand",
    "getBrand",
    "updateBrand",
    "deleteBrand",
    "listBrands",
    "createOffer",
    "getOffer",
    "updateOffer",
    "deleteOffer",
    "listOffers",
    "createLocations",
    "getLocation",
    "updateLocation",
    "deleteLocation",
    "listLocations",
    "link",
    "unlink",
    "listLocationsOfOffer",
    "listOffersOfLocation",
    "createJob",
    "getJob",
    "listJobs",
    "activeJobs",
    "cancelJob",
    "runJobStep",
    "failJob",
    "repairAbandoned",
    "listEvents",
    "getEvent",
    "createWebhook",
    "getWebhook",
    "listWebhooks",
    "deleteWebhook",
    "fanOutEvents",
    "dueDeliveries",
    "recordAttempt",
    "listDeliveryAttempts",
};

}  // namespace

ObservedStore::ObservedStore(Store& inner, std::string engine)
    : inner_(inner), engine_(std::move(engine)) {
  // Every series is created up front: the hot path only updates it.
  for (const char* name : kOpNames) {
    durations_.push_back(&metrics::registry().storeDuration.with({engine_, name}));
  }
}

template <class F>
decltype(auto) ObservedStore::timed(Op op, F&& f) {
  const auto start = std::chrono::steady_clock::now();
  struct Observe {
    metrics::Histogram* histogram;
    std::chrono::steady_clock::time_point start;
    ~Observe() {
      histogram->observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
  } observe{durations_[op], start};
  try {
    return f();
  } catch (const domain::Error& e) {
    metrics::registry().storeErrors.with({engine_, kOpNames[op], domain::codeName(e.code())}).add();
    throw;
  } catch (const std::exception&) {
    metrics::registry().storeErrors.with({engine_, kOpNames[op], "internal"}).add();
    throw;
  }
}

void ObservedStore::ping() {
  return timed(k_ping, [&]() -> void { return inner_.ping(); });
}
void ObservedStore::createBrand(const Brand& brand) {
  return timed(k_createBrand, [&]() -> void { return inner_.createBrand(brand); });
}
std::optional<Brand> ObservedStore::getBrand(std::string_view id) {
  return timed(k_getBrand, [&]() -> std::optional<Brand> { return inner_.getBrand(id); });
}
Brand ObservedStore::updateBrand(std::string_view id, const domain::BrandPatch& patch,
                                 domain::Millis now) {
  return timed(k_updateBrand, [&]() -> Brand { return inner_.updateBrand(id, patch, now); });
}
void ObservedStore::deleteBrand(std::string_view id) {
  return timed(k_deleteBrand, [&]() -> void { return inner_.deleteBrand(id); });
}
Page<Brand> ObservedStore::listBrands(const PageRequest& page) {
  return timed(k_listBrands, [&]() -> Page<Brand> { return inner_.listBrands(page); });
}
void ObservedStore::createOffer(const Offer& offer) {
  return timed(k_createOffer, [&]() -> void { return inner_.createOffer(offer); });
}
std::optional<Offer> ObservedStore::getOffer(std::string_view id) {
  return timed(k_getOffer, [&]() -> std::optional<Offer> { return inner_.getOffer(id); });
}
Offer ObservedStore::updateOffer(std::string_view id, const domain::OfferPatch& patch,
                                 domain::Millis now) {
  return timed(k_updateOffer, [&]() -> Offer { return inner_.updateOffer(id, patch, now); });
}
void ObservedStore::deleteOffer(std::string_view id) {
  return timed(k_deleteOffer, [&]() -> void { return inner_.deleteOffer(id); });
}
Page<Offer> ObservedStore::listOffers(const std::optional<std::string>& brandId,
                                      const PageRequest& page) {
  return timed(k_listOffers, [&]() -> Page<Offer> { return inner_.listOffers(brandId, page); });
}
void ObservedStore::createLocations(const std::vector<Location>& locations) {
  return timed(k_createLocations, [&]() -> void { return inner_.createLocations(locations); });
}
std::optional<Location> ObservedStore::getLocation(std::string_view id) {
  return timed(k_getLocation, [&]() -> std::optional<Location> { return inner_.getLocation(id); });
}
Location ObservedStore::updateLocation(std::string_view id, const domain::LocationPatch& patch,
                                       domain::Millis now) {
  return timed(k_updateLocation,
               [&]() -> Location { return inner_.updateLocation(id, patch, now); });
}
void ObservedStore::deleteLocation(std::string_view id) {
  return timed(k_deleteLocation, [&]() -> void { return inner_.deleteLocation(id); });
}
Page<Location> ObservedStore::listLocations(const std::optional<std::string>& brandId,
                                            const PageRequest& page) {
  return timed(k_listLocations,
               [&]() -> Page<Location> { return inner_.listLocations(brandId, page); });
}
domain::LinkResult ObservedStore::link(std::string_view offerId, std::string_view locationId) {
  return timed(k_link, [&]() -> domain::LinkResult { return inner_.link(offerId, locationId); });
}
domain::UnlinkResult ObservedStore::unlink(std::string_view offerId, std::string_view locationId) {
  return timed(k_unlink,
               [&]() -> domain::UnlinkResult { return inner_.unlink(offerId, locationId); });
}
Page<Location> ObservedStore::listLocationsOfOffer(std::string_view offerId,
                                                   const PageRequest& page) {
  return timed(k_listLocationsOfOffer,
               [&]() -> Page<Location> { return inner_.listLocationsOfOffer(offerId, page); });
}
Page<Offer> ObservedStore::listOffersOfLocation(std::string_view locationId,
                                                const PageRequest& page) {
  return timed(k_listOffersOfLocation,
               [&]() -> Page<Offer> { return inner_.listOffersOfLocation(locationId, page); });
}
void ObservedStore::createJob(const domain::Job& job) {
  return timed(k_createJob, [&]() -> void { return inner_.createJob(job); });
}
std::optional<domain::Job> ObservedStore::getJob(std::string_view id) {
  return timed(k_getJob, [&]() -> std::optional<domain::Job> { return inner_.getJob(id); });
}
Page<domain::Job> ObservedStore::listJobs(const std::optional<std::string>& offerId,
                                          const PageRequest& page) {
  return timed(k_listJobs, [&]() -> Page<domain::Job> { return inner_.listJobs(offerId, page); });
}
std::vector<std::string> ObservedStore::activeJobs() {
  return timed(k_activeJobs, [&]() -> std::vector<std::string> { return inner_.activeJobs(); });
}
domain::Job ObservedStore::cancelJob(std::string_view id) {
  return timed(k_cancelJob, [&]() -> domain::Job { return inner_.cancelJob(id); });
}
domain::Job ObservedStore::runJobStep(std::string_view id, std::size_t pageSize) {
  return timed(k_runJobStep, [&]() -> domain::Job { return inner_.runJobStep(id, pageSize); });
}
domain::Job ObservedStore::failJob(std::string_view id, const domain::JobError& error) {
  return timed(k_failJob, [&]() -> domain::Job { return inner_.failJob(id, error); });
}
std::size_t ObservedStore::repairAbandoned(domain::Millis now) {
  return timed(k_repairAbandoned, [&]() -> std::size_t { return inner_.repairAbandoned(now); });
}
Page<domain::Event> ObservedStore::listEvents(std::optional<std::uint64_t> after,
                                              std::size_t limit) {
  return timed(k_listEvents,
               [&]() -> Page<domain::Event> { return inner_.listEvents(after, limit); });
}
std::optional<domain::Event> ObservedStore::getEvent(std::uint64_t seq) {
  return timed(k_getEvent, [&]() -> std::optional<domain::Event> { return inner_.getEvent(seq); });
}
void ObservedStore::createWebhook(const domain::Webhook& webhook) {
  return timed(k_createWebhook, [&]() -> void { return inner_.createWebhook(webhook); });
}
std::optional<domain::Webhook> ObservedStore::getWebhook(std::string_view id) {
  return timed(k_getWebhook,
               [&]() -> std::optional<domain::Webhook> { return inner_.getWebhook(id); });
}
Page<domain::Webhook> ObservedStore::listWebhooks(const PageRequest& page) {
  return timed(k_listWebhooks,
               [&]() -> Page<domain::Webhook> { return inner_.listWebhooks(page); });
}
void ObservedStore::deleteWebhook(std::string_view id) {
  return timed(k_deleteWebhook, [&]() -> void { return inner_.deleteWebhook(id); });
}
std::size_t ObservedStore::fanOutEvents(std::size_t maxEvents, domain::Millis now) {
  return timed(k_fanOutEvents,
               [&]() -> std::size_t { return inner_.fanOutEvents(maxEvents, now); });
}
std::vector<domain::PendingDelivery> ObservedStore::dueDeliveries(domain::Millis now,
                                                                  std::size_t limit) {
  return timed(k_dueDeliveries, [&]() -> std::vector<domain::PendingDelivery> {
    return inner_.dueDeliveries(now, limit);
  });
}
void ObservedStore::recordAttempt(const domain::PendingDelivery& delivery,
                                  const domain::DeliveryAttempt& attempt) {
  return timed(k_recordAttempt, [&]() -> void { return inner_.recordAttempt(delivery, attempt); });
}
Page<domain::DeliveryAttempt> ObservedStore::listDeliveryAttempts(std::string_view webhookId,
                                                                  const PageRequest& page) {
  return timed(k_listDeliveryAttempts, [&]() -> Page<domain::DeliveryAttempt> {
    return inner_.listDeliveryAttempts(webhookId, page);
  });
}

}  // namespace offers::store
