// The embedded engine: one RocksDB database under --data-dir, write-ahead log on.
//
// Key layout (mirrors the single-table design of the DynamoDB engine):
//   b/<brandId>               brand JSON
//   o/<offerId>               offer JSON, locationsTotal included
//   l/<locationId>            location JSON, offersTotal included
//   bo/<brandId>/<offerId>    brand -> offers index (empty value)
//   bl/<brandId>/<locationId> brand -> locations index
//   ol/<offerId>/<locationId> link, offer side
//   lo/<locationId>/<offerId> link, location side
//   j/<jobId>                 job JSON, checkpoint included
//   oj/<offerId>/<jobId>      offer -> jobs index
//   oa/<offerId>              the offer's queued or running job (at most one)
//   ja/<jobId>                queued and running jobs, for the workers
//   ev/<seq:20>               outbox event JSON
//   wh/<webhookId>            webhook JSON, secret included
//   meta/fanout               seq of the last event turned into deliveries
//   dq/<due:20>/<webhookId>/<seq:20>       pending delivery (value: attempt number)
//   da/<webhookId>/<seq:20>/<attempt:3>    delivery attempt JSON
// Every operation that touches several keys takes the entities' stripe locks
// (lock_table.hpp) and writes one WriteBatch, so the links and both counters move
// together, and a crash leaves all of them or none.
#pragma once

#include <memory>
#include <string>

#include "store/rocksdb/lock_table.hpp"
#include "store/store.hpp"

namespace rocksdb {
class DB;
}

namespace offers::store::rocksdb {

struct Options {
  std::string dataDir;
  // fsync the log on every write: survives power loss, not only a killed process.
  bool syncWrites = false;
};

class RocksDbStore final : public Store {
 public:
  // Throws domain::Error(unavailable) when the database cannot be opened (for example
  // while another process holds it).
  explicit RocksDbStore(const Options& options);
  ~RocksDbStore() override;

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

  class Impl;  // public only so that helpers in the .cpp can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace offers::store::rocksdb
