// Bulk jobs on the embedded engine: creating, listing and cancelling them, and
// runJobStep, one page of links (or unlinks) with both counters, the job's counts and its
// checkpoint in one write batch under the locks of the offer and the page's locations.
#include <algorithm>

#include "store/messages.hpp"
#include "store/rocksdb/impl.hpp"
#include "store/rocksdb/rocksdb_store.hpp"

namespace offers::store::rocksdb {

using domain::Job;
using domain::JobStatus;
using domain::JobType;

namespace {

// Ends a job in `tx`: terminal status, no longer active, its event (the caller then
// writes the job).
void finishJob(Tx& tx, Job& job, JobStatus status, domain::Millis now) {
  job.status = status;
  job.finished = now;
  if (status == JobStatus::succeeded) job.total = job.processed;
  tx.batch.Delete(offerActiveJobKey(job.offerId));
  tx.batch.Delete(activeJobKey(job.id));
  tx.event("job." + std::string(domain::toString(status)), domain::toJson(job));
}

// The keys a job's pages walk: the brand's locations, or the offer's links.
std::string pagePrefix(const Job& job) {
  return job.type == JobType::link_brand_locations ? brandLocationsOf(job.brandId)
                                                   : offerLocationsOf(job.offerId);
}

}  // namespace

void RocksDbStore::createJob(const Job& job) {
  LockTable::Guard guard(impl_->locks(), {impl_->locks().exclusive(job.offerId)});
  impl_->require<Offer>(job.offerId);
  if (auto active = impl_->getString(offerActiveJobKey(job.offerId))) {
    throw jobInProgress(job.offerId, *active);
  }
  if (impl_->exists(jobKey(job.id))) throw alreadyExists("job", job.id);
  Tx tx(*impl_);
  tx.put(job);
  tx.batch.Put(offerJobKey(job.offerId, job.id), "");
  tx.batch.Put(offerActiveJobKey(job.offerId), job.id);
  tx.batch.Put(activeJobKey(job.id), "");
  tx.commit();
}

std::optional<Job> RocksDbStore::getJob(std::string_view id) {
  return impl_->get<Job>(id);
}

Page<Job> RocksDbStore::listJobs(const std::optional<std::string>& offerId,
                                 const PageRequest& page) {
  if (!offerId) return impl_->page<Job>(kJobPrefix, page);
  return impl_->page<Job>(offerJobsOf(*offerId), page);
}

std::vector<std::string> RocksDbStore::activeJobs() {
  return impl_->scan(kActiveJobPrefix, std::nullopt, SIZE_MAX);
}

Job RocksDbStore::cancelJob(std::string_view id) {
  const auto offerId = impl_->require<Job>(id).offerId;
  LockTable::Guard guard(impl_->locks(), {impl_->locks().exclusive(offerId)});
  auto job = impl_->require<Job>(id);
  switch (job.status) {
    case JobStatus::cancelled:
      return job;
    case JobStatus::succeeded:
    case JobStatus::failed:
      throw jobAlreadyEnded(job.id, job.status);
    case JobStatus::queued: {
      Tx tx(*impl_);
      finishJob(tx, job, JobStatus::cancelled, domain::nowMillis());
      tx.put(job);
      tx.commit();
      return job;
    }
    case JobStatus::running: {
      job.cancelRequested = true;
      Tx tx(*impl_);
      tx.put(job);
      tx.commit();
      return job;
    }
  }
  return job;
}

Job RocksDbStore::runJobStep(std::string_view id, std::size_t pageSize) {
  auto& locks = impl_->locks();
  for (;;) {
    const auto before = impl_->require<Job>(id);
    if (domain::isTerminal(before.status)) return before;
    const bool linking = before.type == JobType::link_brand_locations;
    const auto stepStart = domain::nowMillis();
    const std::string prefix = pagePrefix(before);
    // The first step sizes the job, outside the locks (a key-only scan).
    std::optional<std::int64_t> estimate;
    if (before.status == JobStatus::queued) estimate = impl_->countPrefix(prefix);
    const auto ids = impl_->scan(prefix, before.checkpoint, pageSize);

    std::vector<LockTable::Want> wants{locks.exclusive(before.offerId)};
    for (const auto& l : ids) wants.push_back(locks.exclusive(l));
    LockTable::Guard guard(locks, std::move(wants));
    auto job = impl_->require<Job>(id);
    // Someone else moved the job between the read and the locks: read the page again.
    if (job.checkpoint != before.checkpoint || job.status != before.status) continue;

    const auto now = domain::nowMillis();
    Tx tx(*impl_);
    if (job.status == JobStatus::queued) {
      job.status = JobStatus::running;
      job.started = stepStart;
      job.total = estimate.value_or(0);
    }
    auto offer = impl_->get<Offer>(job.offerId);
    if (job.cancelRequested || !offer) {
      if (!offer) {
        const auto gone = offerGone(job.offerId);
        job.error = domain::JobError{gone.code(), gone.what()};
      }
      finishJob(tx, job, offer ? JobStatus::cancelled : JobStatus::failed, now);
      tx.put(job);
      tx.commit();
      return job;
    }

    std::int64_t delta = 0;
    for (const auto& locationId : ids) {
      auto location = impl_->get<Location>(locationId);
      if (!location) continue;  // deleted before we locked it: not visited
      const auto linkKey = offerLocationKey(job.offerId, locationId);
      const bool linked = impl_->exists(linkKey);  // under the locks: current
      if (linking) {
        ++job.processed;
        if (linked) {
          ++job.alreadyLinked;
          continue;
        }
        tx.batch.Put(linkKey, "");
        tx.batch.Put(locationOfferKey(locationId, job.offerId), "");
        location->offersTotal += 1;
        ++job.linked;
        ++delta;
      } else {
        if (!linked) continue;  // unlinked by someone else since the page was read
        ++job.processed;
        tx.batch.Delete(linkKey);
        tx.batch.Delete(locationOfferKey(locationId, job.offerId));
        location->offersTotal -= 1;
        ++job.unlinked;
        --delta;
      }
      tx.put(*location);
    }
    if (delta != 0) {
      offer->locationsTotal += delta;
      tx.put(*offer);
    }
    if (!ids.empty()) job.checkpoint = ids.back();
    job.total = std::max(job.total, job.processed);
    if (ids.size() < pageSize) finishJob(tx, job, JobStatus::succeeded, now);
    tx.put(job);
    tx.commit();
    return job;
  }
}

Job RocksDbStore::failJob(std::string_view id, const domain::JobError& error) {
  const auto offerId = impl_->require<Job>(id).offerId;
  LockTable::Guard guard(impl_->locks(), {impl_->locks().exclusive(offerId)});
  auto job = impl_->require<Job>(id);
  if (domain::isTerminal(job.status)) return job;
  job.error = error;
  Tx tx(*impl_);
  finishJob(tx, job, JobStatus::failed, domain::nowMillis());
  tx.put(job);
  tx.commit();
  return job;
}

}  // namespace offers::store::rocksdb
