// The "job" log line: one line per change in a bulk job's life, whoever saw the change
// (the request that queued or cancelled it, the worker that ran it). Operators follow a
// job by its id through these lines, and tests read them
// (tests/integration/test_observability.cpp), so their shape is decided here alone.
#pragma once

#include "domain/job.hpp"

namespace offers::service {

enum class JobMoment {
  queued,           // persisted, not yet picked up
  started,          // a worker ran its first step
  cancelRequested,  // a client asked for it to stop
  ended,            // succeeded, failed or cancelled
};

// Writes the line: jobId, status, type and offerId always; with them what the moment
// adds (the counts when it started or ended, the error when it failed). A failed job's
// line is a warning.
void logJob(const domain::Job& job, JobMoment moment);

}  // namespace offers::service
