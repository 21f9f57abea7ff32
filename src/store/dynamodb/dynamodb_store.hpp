// The Store over Amazon DynamoDB (or any endpoint that speaks its API), for many
// stateless offers-api processes sharing one table. The item layout and every access
// pattern are in docs/dynamodb-model.md.
//
// Exact without TransactWriteItems: every multi-item change is a small state machine of
// single-item conditional writes. Counters move with `ADD n` guarded by an operation token
// kept in the counted item's `ops` string set while the operation is in flight (`NOT
// contains(ops, :t)`), so a retried or resumed step never counts twice; the link item
// records the state of its operation (linking / linked / unlinking), so whoever meets a
// half-done one (the client's retry, a delete of the location, the job that owns it)
// finishes it or rolls it back. Only one process works on an unfinished operation at a
// time: single links carry a lease on their link item, bulk pages run under the job's
// lease, and a holder stops writing once its lease has run low.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "aws/client.hpp"
#include "store/store.hpp"

namespace offers::store::dynamodb {

// The engine speaks to DynamoDB through the shared AWS client (src/aws/).
using aws::CallPhase;
using aws::Client;
using aws::ClientOptions;
using aws::Credentials;
using aws::ServiceError;

struct Options {
  ClientOptions client;
  std::string table = "offers";
  bool createTable = false;  // CreateTable (pay per request) when absent, then wait for it
  // Leases on jobs, deliveries and unfinished link operations: how long another process
  // waits before it takes over from one that stopped answering.
  std::chrono::milliseconds lease{15000};
  // The event feed hides events younger than this, so that an event committed late by
  // another process is not skipped by a reader that already moved past its position.
  // One process alone needs none (it tracks its own in-flight events).
  std::chrono::milliseconds eventLag{1000};
  // DynamoDB requests a bulk page or a location batch keeps in flight at once.
  unsigned parallelism = 16;
};

class DynamoDbStore final : public Store {
 public:
  explicit DynamoDbStore(Options options);
  ~DynamoDbStore() override;

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

  // Link operations whose lease ran out (their process died): finished or rolled back.
  std::size_t repairAbandoned(domain::Millis now) override;

  Page<domain::Event> listEvents(std::optional<std::uint64_t> after, std::size_t limit) override;
  std::optional<domain::Event> getEvent(std::uint64_t seq) override;

  void createWebhook(const domain::Webhook& webhook) override;
  std::optional<domain::Webhook> getWebhook(std::string_view id) override;
  Page<domain::Webhook> listWebhooks(const PageRequest& page) override;
  void deleteWebhook(std::string_view id) override;
  std::size_t fanOutEvents(std::size_t maxEvents, domain::Millis now) override;
  // Also leases what it returns to this process (pushes `due` forward by the lease), so
  // that the dispatchers of several processes do not send the same delivery at once.
  std::vector<domain::PendingDelivery> dueDeliveries(domain::Millis now,
                                                     std::size_t limit) override;
  void recordAttempt(const domain::PendingDelivery& delivery,
                     const domain::DeliveryAttempt& attempt) override;
  Page<domain::DeliveryAttempt> listDeliveryAttempts(std::string_view webhookId,
                                                     const PageRequest& page) override;

  // DynamoDB requests sent so far (the benchmark's cost meter).
  std::uint64_t requestsSent() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace offers::store::dynamodb
