#include "jobs/runner.hpp"

#include "domain/backoff.hpp"
#include "domain/error.hpp"
#include "domain/job.hpp"
#include "log/log.hpp"
#include "metrics/metrics.hpp"
#include "service/job_log.hpp"

namespace offers::jobs {

using domain::ErrorCode;

JobRunner::JobRunner(store::Store& store, RunnerOptions options)
    : store_(store), options_(options) {}

JobRunner::~JobRunner() {
  stop();
}

void JobRunner::start() {
  std::lock_guard lock(mutex_);
  stopping_ = false;
  for (unsigned i = 0; i < std::max(1u, options_.workers); ++i) {
    threads_.emplace_back([this] { work(); });
  }
}

void JobRunner::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void JobRunner::wake() {
  {
    std::lock_guard lock(mutex_);
    announced_ = true;
  }
  wake_.notify_one();
}

bool JobRunner::pause(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, d, [&] { return stopping_; });
  return !stopping_;
}

std::optional<std::string> JobRunner::claim() {
  std::vector<std::string> active;
  try {
    active = store_.activeJobs();
  } catch (const std::exception& e) {
    log::warn("job scan failed", {{"detail", e.what()}});
    return std::nullopt;
  }
  std::lock_guard lock(mutex_);
  for (auto& id : active) {
    if (claimed_.insert(id).second) return id;
  }
  return std::nullopt;
}

void JobRunner::work() {
  auto idleWait = options_.pollInterval;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      announced_ = false;
    }
    if (auto id = claim()) {
      run(*id);
      idleWait = options_.pollInterval;
      std::lock_guard lock(mutex_);
      claimed_.erase(*id);
      continue;
    }
    try {
      store_.repairAbandoned(domain::nowMillis());
    } catch (const std::exception& e) {
      log::warn("repair of abandoned operations failed", {{"detail", e.what()}});
    }
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, idleWait, [&] { return stopping_ || announced_; })) {
      idleWait = options_.pollInterval;
    } else {
      idleWait = std::min(idleWait * 2, options_.idlePollMax);
    }
  }
}

JobRunner::Outcome JobRunner::run(const std::string& jobId,
                                  std::optional<std::chrono::steady_clock::time_point> until) {
  const domain::Backoff backoff{options_.retryBase, options_.retryMax, domain::Jitter::full};
  int failures = 0;
  bool announcedStart = false;
  std::int64_t linkedBefore = 0;
  // offers_jobs_running counts this job from its first step until run() returns.
  struct Running {
    Running() { metrics::registry().jobsRunning.with({}).add(1); }
    ~Running() { metrics::registry().jobsRunning.with({}).add(-1); }
  };
  std::optional<Running> running;
  try {
    // Where the job stands, so that a job resumed after a restart counts only the
    // locations this process links.
    if (const auto job = store_.getJob(jobId)) linkedBefore = job->linked;
  } catch (const std::exception&) {
  }
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return Outcome::paused;
    }
    if (until && std::chrono::steady_clock::now() >= *until) return Outcome::paused;
    try {
      const auto job = store_.runJobStep(jobId, options_.pageSize);
      failures = 0;
      if (!announcedStart) {
        announcedStart = true;
        running.emplace();
        service::logJob(job, service::JobMoment::started);
      }
      // Counted as the pages commit, so a scrape shows a long job's progress.
      metrics::registry().jobLocationsLinked.with({}).add(job.linked - linkedBefore);
      linkedBefore = job.linked;
      if (domain::isTerminal(job.status)) {
        running.reset();  // no longer running before it counts as ended: no scrape sees both
        metrics::registry().jobs.with({domain::toString(job.status)}).add();
        service::logJob(job, service::JobMoment::ended);
        return Outcome::ended;
      }
    } catch (const store::JobLeased&) {
      // Another process is carrying it; it takes over here if that one stops.
      return Outcome::leased;
    } catch (const domain::Error& e) {
      if (e.code() == ErrorCode::not_found) return Outcome::ended;  // no such job
      if (e.code() == ErrorCode::unavailable && ++failures <= options_.maxRetries) {
        const auto delay = backoff.delay(failures, domain::randomDraw());
        log::warn("job step failed, retrying",
                  {{"jobId", jobId},
                   {"attempt", failures},
                   {"delayMs", delay.count()},
                   {"detail", e.detail().empty() ? e.what() : e.detail()}});
        // A wait that would pass `until` is left to whoever runs the job next.
        if (until && std::chrono::steady_clock::now() + delay >= *until) return Outcome::paused;
        if (!pause(delay)) return Outcome::paused;
        continue;
      }
      running.reset();
      return fail(jobId, domain::JobError{e.code(), e.what()}) ? Outcome::ended : Outcome::paused;
    } catch (const std::exception& e) {
      log::error("job step crashed", {{"jobId", jobId}, {"detail", e.what()}});
      running.reset();
      return fail(jobId,
                  domain::JobError{ErrorCode::internal, "the job stopped on an internal error"})
                 ? Outcome::ended
                 : Outcome::paused;
    }
  }
}

bool JobRunner::fail(const std::string& jobId, const domain::JobError& error) {
  // Recording the failure goes through the store too; retry it briefly, and if the store
  // stays down the job stays active and is picked up again later.
  for (int attempt = 0; attempt < 5; ++attempt) {
    try {
      const auto job = store_.failJob(jobId, error);
      metrics::registry().jobs.with({"failed"}).add();
      service::logJob(job, service::JobMoment::ended);
      return true;
    } catch (const std::exception& e) {
      if (!pause(options_.retryBase * (attempt + 1))) return false;
    }
  }
  return false;
}

}  // namespace offers::jobs
