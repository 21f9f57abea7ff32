// The storage seam. Operations are domain-level, so each engine implements their
// atomicity in its own way (RocksDB: locks and write batches; DynamoDB: conditional
// single-item writes). tests/conformance/ is the one suite every engine must pass.
//
// Every operation throws domain::Error: not_found, conflict, invalid_request (a
// referenced entity is missing), brand_mismatch, or unavailable when the engine
// itself fails. Engine-specific errors never cross this interface.
//
// Every change of state also appends its event to the outbox (domain/event.hpp) in the
// same atomic step: brand.*, offer.*, location.* (data: the entity; for deletes, as it
// was), link.created / link.deleted (data: offerId, locationId), and job.succeeded /
// job.failed / job.cancelled (data: the job). Bulk jobs append their job events only.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "domain/entities.hpp"
#include "domain/event.hpp"
#include "domain/job.hpp"

namespace offers::store {

using domain::Brand;
using domain::Location;
using domain::Offer;
using domain::Page;
using domain::PageRequest;

// Thrown by Store::runJobStep when another process holds the job's lease (engines that
// several processes share): the caller leaves the job to its holder. Not a failure of
// the job.
class JobLeased : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Store {
 public:
  virtual ~Store() = default;

  // Throws Error(unavailable) when the engine cannot be reached: what /readyz asks. A
  // read of a key that never exists, so it costs one round trip and changes nothing.
  virtual void ping() { getBrand("00000000-0000-4000-8000-000000000000"); }

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
  // missing brand (invalid_request) rejects the whole batch, naming the item's index;
  // an id is created once however many creates race for it. (DynamoDB: readers can see
  // a batch being written; after a crash the retry of the same batch finishes it.)
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

  // ---- Bulk jobs ----
  // createJob: not_found for an unknown offer; conflict, with the active job's id in the
  // error's details, while the offer already has a queued or running job. Durable on
  // return.
  virtual void createJob(const domain::Job& job) = 0;
  virtual std::optional<domain::Job> getJob(std::string_view id) = 0;
  // All jobs by id, or those of one offer.
  virtual Page<domain::Job> listJobs(const std::optional<std::string>& offerId,
                                     const PageRequest& page) = 0;
  // Ids of the queued and running jobs: what the workers pick up, also after a restart.
  virtual std::vector<std::string> activeJobs() = 0;
  // A queued job is cancelled at once; a running one is flagged and its next step ends
  // it; a cancelled one is returned as it is; a succeeded or failed one: conflict.
  virtual domain::Job cancelJob(std::string_view id) = 0;
  // One atomic step: the next page (at most pageSize) of the brand's locations (link
  // job) or of the offer's links (unlink job) after the job's checkpoint; writes the
  // links, both counters, the job's counts and its checkpoint together. The first step
  // marks the job running; the step that finds no more work (or a cancel request)
  // finishes it and appends its event. Repeating a step after a crash is safe: it starts
  // from the checkpoint the last completed step wrote. Returns the job after the step.
  virtual domain::Job runJobStep(std::string_view id, std::size_t pageSize) = 0;
  // Ends a job as failed with its reason (and appends job.failed); the work done so far
  // stays, consistent.
  virtual domain::Job failJob(std::string_view id, const domain::JobError& error) = 0;

  // Finishes, or rolls back, operations that a process left half-done when it died, once
  // their lease has run out; returns how many it found. Only engines whose operations are
  // not atomic have any (DynamoDB); the job workers call it while idle.
  virtual std::size_t repairAbandoned(domain::Millis /*now*/) { return 0; }

  // ---- Event outbox ----
  // Events after `after` (a seq), in order, only those whose step has completed: a
  // reader never skips an event that commits late.
  virtual Page<domain::Event> listEvents(std::optional<std::uint64_t> after, std::size_t limit) = 0;
  virtual std::optional<domain::Event> getEvent(std::uint64_t seq) = 0;
  // `listener` runs on the writing thread, after the events are stored, whenever this
  // process appends events: the webhook dispatcher wakes on it instead of waiting for its
  // next scan. Set once, before the store is shared between threads.
  virtual void onEventsAppended(std::function<void()> /*listener*/) {}

  // ---- Webhooks ----
  virtual void createWebhook(const domain::Webhook& webhook) = 0;
  virtual std::optional<domain::Webhook> getWebhook(std::string_view id) = 0;
  virtual Page<domain::Webhook> listWebhooks(const PageRequest& page) = 0;
  virtual void deleteWebhook(std::string_view id) = 0;  // not_found
  // Turns the events after the fan-out checkpoint (at most maxEvents) into pending
  // deliveries, one per webhook that wants each, due at `now`, and advances the
  // checkpoint, atomically. Returns how many events it consumed.
  virtual std::size_t fanOutEvents(std::size_t maxEvents, domain::Millis now) = 0;
  // Pending deliveries due at or before `now`, earliest first.
  virtual std::vector<domain::PendingDelivery> dueDeliveries(domain::Millis now,
                                                             std::size_t limit) = 0;
  // Records an attempt of a pending delivery and, atomically, either reschedules it
  // (attempt.nextAttempt set) or ends it.
  virtual void recordAttempt(const domain::PendingDelivery& delivery,
                             const domain::DeliveryAttempt& attempt) = 0;
  // A webhook's attempts, oldest event first; page cursors are "<seq>/<attempt>".
  virtual Page<domain::DeliveryAttempt> listDeliveryAttempts(std::string_view webhookId,
                                                             const PageRequest& page) = 0;
};

}  // namespace offers::store
