// Bulk jobs: linking every location of an offer's brand to it, or unlinking every
// location from it, page by page in the background. A job is persisted before the API
// answers 202 and advances by atomic steps (see Store::runJobStep), so a crash neither
// repeats nor loses work.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/error.hpp"
#include "domain/time.hpp"

namespace offers::domain {

enum class JobType { link_brand_locations, unlink_all_locations };
enum class JobStatus { queued, running, succeeded, failed, cancelled };

std::string_view toString(JobType type);  // "link-brand-locations"
std::string_view toString(JobStatus status);
std::optional<JobType> parseJobType(std::string_view text);
std::optional<JobStatus> parseJobStatus(std::string_view text);

inline bool isTerminal(JobStatus s) {
  return s == JobStatus::succeeded || s == JobStatus::failed || s == JobStatus::cancelled;
}

// Why a job failed: a code of the API's vocabulary (written as its name, "not_found") and
// the client-safe message.
struct JobError {
  ErrorCode code = ErrorCode::internal;
  std::string message;
};

// A stored job error's code from its name; a name this build does not know (written by a
// newer one, say) reads as internal rather than failing the whole job.
ErrorCode parseJobErrorCode(std::string_view name);

struct Job {
  std::string id;
  JobType type = JobType::link_brand_locations;
  std::string offerId;
  std::string brandId;
  JobStatus status = JobStatus::queued;
  // link-brand-locations: brand locations visited so far (an estimate of the brand's
  // size while running, exact once finished). unlink-all-locations: links visited.
  std::int64_t total = 0;
  std::int64_t processed = 0;
  std::int64_t linked = 0;         // newly linked by this job
  std::int64_t alreadyLinked = 0;  // linked before this job reached them
  std::int64_t unlinked = 0;       // unlink-all-locations only
  std::int64_t failed = 0;         // visited but not linked (for example deleted meanwhile)
  std::optional<JobError> error;
  bool cancelRequested = false;
  std::optional<std::string> checkpoint;  // id of the last location visited (internal)
  Millis created = 0;
  std::optional<Millis> started;
  std::optional<Millis> finished;

  double progress() const;
};

}  // namespace offers::domain
