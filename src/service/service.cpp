#include "service/service.hpp"

#include <openssl/rand.h>

#include <boost/url/parse.hpp>
#include <unordered_map>

#include "domain/error.hpp"
#include "domain/id.hpp"
#include "domain/validation.hpp"
#include "service/job_log.hpp"

namespace offers::service {

using namespace domain;  // the use cases speak the domain's language throughout

namespace {

// The entity a Store lookup found, or not_found naming it.
template <class Entity>
Entity found(std::optional<Entity> entity, std::string_view kind, std::string_view id) {
  if (!entity) throwNotFound(kind, id);
  return std::move(*entity);
}

template <class Entity>
void stamp(Entity& e, Millis now) {
  if (e.id.empty()) e.id = newId();
  e.created = now;
  e.updated = now;
}

}  // namespace

Brand Service::createBrand(Brand draft) {
  validate(draft);
  stamp(draft, nowMillis());
  store_.createBrand(draft);
  return draft;
}

Brand Service::getBrand(std::string_view id) {
  return found(store_.getBrand(id), "brand", id);
}

Brand Service::updateBrand(std::string_view id, const BrandPatch& patch) {
  return store_.updateBrand(id, patch, nowMillis());
}

void Service::deleteBrand(std::string_view id) {
  store_.deleteBrand(id);
}

Page<Brand> Service::listBrands(const PageRequest& page) {
  return store_.listBrands(page);
}

Page<Location> Service::listBrandLocations(std::string_view brandId, const PageRequest& page) {
  if (!store_.getBrand(brandId)) throwNotFound("brand", brandId);
  return store_.listLocations(std::string(brandId), page);
}

Offer Service::createOffer(Offer draft) {
  validate(draft);
  draft.locationsTotal = 0;
  stamp(draft, nowMillis());
  store_.createOffer(draft);
  return draft;
}

Offer Service::getOffer(std::string_view id) {
  return found(store_.getOffer(id), "offer", id);
}

Offer Service::updateOffer(std::string_view id, const OfferPatch& patch) {
  return store_.updateOffer(id, patch, nowMillis());
}

void Service::deleteOffer(std::string_view id) {
  store_.deleteOffer(id);
}

Page<Offer> Service::listOffers(const std::optional<std::string>& brandId,
                                const PageRequest& page) {
  return store_.listOffers(brandId, page);
}

Location Service::createLocation(Location draft) {
  validate(draft);
  draft.offersTotal = 0;
  stamp(draft, nowMillis());
  store_.createLocations({draft});
  return draft;
}

std::vector<Location> Service::createLocations(std::vector<Location> drafts) {
  if (drafts.empty() || drafts.size() > kMaxBatchLocations) {
    throwInvalid("items: must hold 1 to " + std::to_string(kMaxBatchLocations) + " locations");
  }
  const Millis now = nowMillis();
  std::unordered_map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < drafts.size(); ++i) {
    const std::string prefix = "items[" + std::to_string(i) + "].";
    validate(drafts[i], prefix);
    drafts[i].offersTotal = 0;
    stamp(drafts[i], now);
    auto [it, fresh] = seen.emplace(drafts[i].id, i);
    if (!fresh) {
      throwInvalid(prefix + "id: repeats items[" + std::to_string(it->second) + "].id");
    }
  }
  store_.createLocations(drafts);
  return drafts;
}

Location Service::getLocation(std::string_view id) {
  return found(store_.getLocation(id), "location", id);
}

Location Service::updateLocation(std::string_view id, const LocationPatch& patch) {
  return store_.updateLocation(id, patch, nowMillis());
}

void Service::deleteLocation(std::string_view id) {
  store_.deleteLocation(id);
}

Page<Location> Service::listLocations(const std::optional<std::string>& brandId,
                                      const PageRequest& page) {
  return store_.listLocations(brandId, page);
}

LinkResult Service::link(std::string_view offerId, std::string_view locationId) {
  return store_.link(offerId, locationId);
}

UnlinkResult Service::unlink(std::string_view offerId, std::string_view locationId) {
  return store_.unlink(offerId, locationId);
}

Page<Location> Service::listLocationsOfOffer(std::string_view offerId, const PageRequest& page) {
  return store_.listLocationsOfOffer(offerId, page);
}

Page<Offer> Service::listOffersOfLocation(std::string_view locationId, const PageRequest& page) {
  return store_.listOffersOfLocation(locationId, page);
}

Job Service::createJob(JobType type, std::string_view offerId) {
  const auto offer = getOffer(offerId);
  Job job;
  job.id = newId();
  job.type = type;
  job.offerId = offer.id;
  job.brandId = offer.brandId;
  job.created = nowMillis();
  store_.createJob(job);
  // Logged before whoever runs the workers hears of it, so that "queued" always comes
  // before "running".
  logJob(job, JobMoment::queued);
  if (jobCreated_) jobCreated_(job);
  return job;
}

Job Service::getJob(std::string_view id) {
  return found(store_.getJob(id), "job", id);
}

Page<Job> Service::listJobs(const std::optional<std::string>& offerId, const PageRequest& page) {
  return store_.listJobs(offerId, page);
}

Job Service::cancelJob(std::string_view id) {
  return store_.cancelJob(id);
}

Page<Event> Service::listEvents(const std::optional<std::string>& after, std::size_t limit) {
  std::optional<std::uint64_t> seq;
  if (after) {
    std::uint64_t n = 0;
    for (char c : *after) {
      if (c < '0' || c > '9' || n > (UINT64_MAX - 9) / 10)
        throwInvalid("start: not an event cursor");
      n = n * 10 + std::uint64_t(c - '0');
    }
    seq = n;
  }
  return store_.listEvents(seq, limit);
}

Webhook Service::createWebhook(std::string url, std::vector<std::string> events,
                               std::optional<std::string> secret) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) throwInvalid("url: not an absolute URL");
  const auto scheme = parsed->scheme();
  if (scheme != "http" && scheme != "https") throwInvalid("url: must be an http or https URL");
  if (parsed->encoded_host().empty()) throwInvalid("url: has no host");
  if (url.size() > 2048) throwInvalid("url: must be at most 2048 characters");
  if (events.empty()) throwInvalid("events: must name at least one event type (or \"*\")");
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i] != "*" && !isEventType(events[i])) {
      throwInvalid("events[" + std::to_string(i) + "]: unknown event type '" + events[i] + "'");
    }
  }
  if (secret) {
    if (secret->size() < 16 || secret->size() > 256) {
      throwInvalid("secret: must be 16 to 256 characters");
    }
  } else {
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof bytes) != 1) {
      throw Error(ErrorCode::internal, "could not generate a secret");
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string s = "whsec_";
    for (unsigned char b : bytes) {
      s += hex[b >> 4];
      s += hex[b & 0xF];
    }
    secret = std::move(s);
  }
  if (webhookHostCheck_) webhookHostCheck_(parsed->host_address());
  Webhook w{newId(), std::move(url), std::move(events), std::move(*secret), nowMillis()};
  store_.createWebhook(w);
  return w;
}

Webhook Service::getWebhook(std::string_view id) {
  return found(store_.getWebhook(id), "webhook", id);
}

Page<Webhook> Service::listWebhooks(const PageRequest& page) {
  return store_.listWebhooks(page);
}

void Service::deleteWebhook(std::string_view id) {
  store_.deleteWebhook(id);
}

Page<DeliveryAttempt> Service::listDeliveryAttempts(std::string_view webhookId,
                                                    const PageRequest& page) {
  return store_.listDeliveryAttempts(webhookId, page);
}

}  // namespace offers::service
