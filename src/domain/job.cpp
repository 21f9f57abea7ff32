#include "domain/job.hpp"

#include <algorithm>

namespace offers::domain {

std::string_view toString(JobType type) {
  switch (type) {
    case JobType::link_brand_locations:
      return "link-brand-locations";
    case JobType::unlink_all_locations:
      return "unlink-all-locations";
  }
  return "link-brand-locations";
}

std::string_view toString(JobStatus status) {
  switch (status) {
    case JobStatus::queued:
      return "queued";
    case JobStatus::running:
      return "running";
    case JobStatus::succeeded:
      return "succeeded";
    case JobStatus::failed:
      return "failed";
    case JobStatus::cancelled:
      return "cancelled";
  }
  return "queued";
}

std::optional<JobType> parseJobType(std::string_view text) {
  for (auto t : {JobType::link_brand_locations, JobType::unlink_all_locations}) {
    if (toString(t) == text) return t;
  }
  return std::nullopt;
}

std::optional<JobStatus> parseJobStatus(std::string_view text) {
  for (auto s : {JobStatus::queued, JobStatus::running, JobStatus::succeeded, JobStatus::failed,
                 JobStatus::cancelled}) {
    if (toString(s) == text) return s;
  }
  return std::nullopt;
}

ErrorCode parseJobErrorCode(std::string_view name) {
  // Every code up to internal, the enum's last.
  for (int c = 0; c <= int(ErrorCode::internal); ++c) {
    if (codeName(ErrorCode(c)) == name) return ErrorCode(c);
  }
  return ErrorCode::internal;
}

double Job::progress() const {
  if (status == JobStatus::succeeded) return 1.0;
  if (total <= 0) return 0.0;
  return std::min(1.0, double(processed) / double(total));
}

}  // namespace offers::domain
