// The Store's operations, listed once. Each entry names an operation of store.hpp with its
// return type, its parameters and the arguments that pass them on:
//
//   X(return type, name, (parameters), (arguments))
//
// From this list come the Operation enum, the operations' names (the `op` label of
// the store metrics) and ForwardingStore (forwarding_store.hpp), the decorator base that
// ObservedStore and the tests' FailingStore derive from. A new operation is declared in
// store.hpp, added here and implemented by each engine; ForwardingStore does not compile
// until this list and store.hpp agree.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#define OFFERS_STORE_OPERATIONS(X)                                                                 \
  X(void, ping, (), ())                                                                            \
  X(void, createBrand, (const Brand& brand), (brand))                                              \
  X(std::optional<Brand>, getBrand, (std::string_view id), (id))                                   \
  X(Brand, updateBrand,                                                                            \
    (std::string_view id, const domain::BrandPatch& patch, domain::Millis now), (id, patch, now))  \
  X(void, deleteBrand, (std::string_view id), (id))                                                \
  X(Page<Brand>, listBrands, (const PageRequest& page), (page))                                    \
  X(void, createOffer, (const Offer& offer), (offer))                                              \
  X(std::optional<Offer>, getOffer, (std::string_view id), (id))                                   \
  X(Offer, updateOffer,                                                                            \
    (std::string_view id, const domain::OfferPatch& patch, domain::Millis now), (id, patch, now))  \
  X(void, deleteOffer, (std::string_view id), (id))                                                \
  X(Page<Offer>, listOffers, (const std::optional<std::string>& brandId, const PageRequest& page), \
    (brandId, page))                                                                               \
  X(void, createLocations, (const std::vector<Location>& locations), (locations))                  \
  X(std::optional<Location>, getLocation, (std::string_view id), (id))                             \
  X(Location, updateLocation,                                                                      \
    (std::string_view id, const domain::LocationPatch& patch, domain::Millis now),                 \
    (id, patch, now))                                                                              \
  X(void, deleteLocation, (std::string_view id), (id))                                             \
  X(Page<Location>, listLocations,                                                                 \
    (const std::optional<std::string>& brandId, const PageRequest& page), (brandId, page))         \
  X(domain::LinkResult, link, (std::string_view offerId, std::string_view locationId),             \
    (offerId, locationId))                                                                         \
  X(domain::UnlinkResult, unlink, (std::string_view offerId, std::string_view locationId),         \
    (offerId, locationId))                                                                         \
  X(Page<Location>, listLocationsOfOffer, (std::string_view offerId, const PageRequest& page),     \
    (offerId, page))                                                                               \
  X(Page<Offer>, listOffersOfLocation, (std::string_view locationId, const PageRequest& page),     \
    (locationId, page))                                                                            \
  X(void, createJob, (const domain::Job& job), (job))                                              \
  X(std::optional<domain::Job>, getJob, (std::string_view id), (id))                               \
  X(Page<domain::Job>, listJobs,                                                                   \
    (const std::optional<std::string>& offerId, const PageRequest& page), (offerId, page))         \
  X(std::vector<std::string>, activeJobs, (), ())                                                  \
  X(domain::Job, cancelJob, (std::string_view id), (id))                                           \
  X(domain::Job, runJobStep, (std::string_view id, std::size_t pageSize), (id, pageSize))          \
  X(domain::Job, failJob, (std::string_view id, const domain::JobError& error), (id, error))       \
  X(std::size_t, repairAbandoned, (domain::Millis now), (now))                                     \
  X(Page<domain::Event>, listEvents, (std::optional<std::uint64_t> after, std::size_t limit),      \
    (after, limit))                                                                                \
  X(std::optional<domain::Event>, getEvent, (std::uint64_t seq), (seq))                            \
  X(void, createWebhook, (const domain::Webhook& webhook), (webhook))                              \
  X(std::optional<domain::Webhook>, getWebhook, (std::string_view id), (id))                       \
  X(Page<domain::Webhook>, listWebhooks, (const PageRequest& page), (page))                        \
  X(void, deleteWebhook, (std::string_view id), (id))                                              \
  X(std::size_t, fanOutEvents, (std::size_t maxEvents, domain::Millis now), (maxEvents, now))      \
  X(std::vector<domain::PendingDelivery>, dueDeliveries, (domain::Millis now, std::size_t limit),  \
    (now, limit))                                                                                  \
  X(void, recordAttempt,                                                                           \
    (const domain::PendingDelivery& delivery, const domain::DeliveryAttempt& attempt),             \
    (delivery, attempt))                                                                           \
  X(Page<domain::DeliveryAttempt>, listDeliveryAttempts,                                           \
    (std::string_view webhookId, const PageRequest& page), (webhookId, page))

namespace offers::store {

enum class Operation {
#define OFFERS_STORE_OPERATION_ENUM(ret, name, params, args) name,
  OFFERS_STORE_OPERATIONS(OFFERS_STORE_OPERATION_ENUM)
#undef OFFERS_STORE_OPERATION_ENUM
};

inline constexpr std::array kOperationNames = {
#define OFFERS_STORE_OPERATION_NAME(ret, name, params, args) std::string_view(#name),
    OFFERS_STORE_OPERATIONS(OFFERS_STORE_OPERATION_NAME)
#undef OFFERS_STORE_OPERATION_NAME
};

inline constexpr std::size_t kOperationCount = kOperationNames.size();

// "createBrand": the operation's name as the metrics label it.
constexpr std::string_view operationName(Operation op) {
  return kOperationNames[static_cast<std::size_t>(op)];
}

}  // namespace offers::store
