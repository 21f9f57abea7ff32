// The shape of the "job" log line (job_log.hpp).
#include "service/job_log.hpp"

#include "log/log.hpp"

namespace offers::service {

void logJob(const domain::Job& job, JobMoment moment) {
  const auto status = moment == JobMoment::started ? domain::JobStatus::running : job.status;
  boost::json::object fields{{"jobId", job.id},
                             {"status", domain::toString(status)},
                             {"type", domain::toString(job.type)},
                             {"offerId", job.offerId}};
  switch (moment) {
    case JobMoment::queued:
      break;
    case JobMoment::started:
      fields.emplace("total", job.total);
      fields.emplace("processed", job.processed);
      break;
    case JobMoment::cancelRequested:
      fields.emplace("cancelRequested", job.cancelRequested);
      break;
    case JobMoment::ended:
      fields.emplace("total", job.total);
      fields.emplace("linked", job.linked);
      fields.emplace("alreadyLinked", job.alreadyLinked);
      fields.emplace("unlinked", job.unlinked);
      if (job.error) {
        fields.emplace("code", domain::codeName(job.error->code));
        fields.emplace("message", job.error->message);
      }
      break;
  }
  if (status == domain::JobStatus::failed) {
    log::warn("job", std::move(fields));
  } else {
    log::info("job", std::move(fields));
  }
}

}  // namespace offers::service
