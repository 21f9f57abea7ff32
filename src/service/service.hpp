// The use cases of the API, one method each: validate the input, fill in what the
// server decides (ids, timestamps), and hand the atomic part to the Store. Handlers in
// src/http/ call these and nothing below them. Ids passed in are already normalised
// (src/http checks them as it parses the path).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/entities.hpp"
#include "domain/event.hpp"
#include "domain/job.hpp"
#include "store/store.hpp"

namespace offers::service {

using domain::Brand;
using domain::BrandPatch;
using domain::DeliveryAttempt;
using domain::Event;
using domain::Job;
using domain::JobType;
using domain::LinkResult;
using domain::Location;
using domain::LocationPatch;
using domain::Offer;
using domain::OfferPatch;
using domain::Page;
using domain::PageRequest;
using domain::UnlinkResult;
using domain::Webhook;

class Service {
 public:
  explicit Service(store::Store& store) : store_(store) {}

  // Throws Error(unavailable) unless the store answers (GET /readyz).
  void checkReady() { store_.ping(); }

  // Called after a job is persisted, to wake the workers (set by whoever runs them).
  void onJobCreated(std::function<void(const Job&)> callback) { jobCreated_ = std::move(callback); }

  // Vets the host of a new webhook's URL (decoded; IPv6 without brackets) once the rest of
  // the request is valid; throws Error to refuse it. main.cpp sets notify::checkWebhookHost
  // unless --allow-private-webhooks; unset, every host is accepted. Injected rather than
  // called because it resolves names, and the domain does no I/O.
  using WebhookHostCheck = std::function<void(std::string_view host)>;
  void checkWebhookHosts(WebhookHostCheck check) { webhookHostCheck_ = std::move(check); }

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
  Page<Location> listLocations(const std::optional<std::string>& brandId, const PageRequest& page);

  LinkResult link(std::string_view offerId, std::string_view locationId);
  UnlinkResult unlink(std::string_view offerId, std::string_view locationId);
  Page<Location> listLocationsOfOffer(std::string_view offerId, const PageRequest& page);
  Page<Offer> listOffersOfLocation(std::string_view locationId, const PageRequest& page);

  // Bulk jobs: persisted (queued) before this returns; not_found for an unknown offer,
  // conflict (details.jobId) while the offer has a queued or running job.
  Job createJob(JobType type, std::string_view offerId);
  Job getJob(std::string_view id);
  Page<Job> listJobs(const std::optional<std::string>& offerId, const PageRequest& page);
  Job cancelJob(std::string_view id);

  // The event feed; `after` is a position from a previous page.
  Page<Event> listEvents(const std::optional<std::string>& after, std::size_t limit);

  // Webhooks. createWebhook generates a secret when none is given; the returned webhook
  // carries it (the only time it is shown). A valid request's host is then vetted by the
  // check set with checkWebhookHosts, if any.
  Webhook createWebhook(std::string url, std::vector<std::string> events,
                        std::optional<std::string> secret);
  Webhook getWebhook(std::string_view id);
  Page<Webhook> listWebhooks(const PageRequest& page);
  void deleteWebhook(std::string_view id);
  Page<DeliveryAttempt> listDeliveryAttempts(std::string_view webhookId, const PageRequest& page);

 private:
  store::Store& store_;
  std::function<void(const Job&)> jobCreated_;
  WebhookHostCheck webhookHostCheck_;
};

}  // namespace offers::service
