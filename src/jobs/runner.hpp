// Background workers that carry bulk jobs to their end, off the request threads. Each
// worker claims one active job at a time and calls Store::runJobStep until the job is
// finished; the store makes every step atomic, so a worker (or the whole process) may
// stop between any two steps and the job resumes from its checkpoint later. Transient
// store errors (unavailable) are retried with exponential backoff and jitter; anything
// else, or a transient error that outlasts the retries, ends the job as failed. While
// idle, workers also have the store repair operations a dead process left half-done
// (Store::repairAbandoned).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/store.hpp"

namespace offers::jobs {

struct RunnerOptions {
  unsigned workers = 1;
  std::size_t pageSize = 1000;
  // An idle worker rescans for jobs nobody announced (another process's, or one whose
  // process died) and repairs abandoned operations after pollInterval, then after twice
  // as long each time it finds nothing, up to idlePollMax (below); a job or a wake()
  // resets it.
  std::chrono::milliseconds pollInterval{1000};
  int maxRetries = 10;
  std::chrono::milliseconds retryBase{100};
  std::chrono::milliseconds retryMax{10000};
  std::chrono::milliseconds idlePollMax{10000};
};

class JobRunner {
 public:
  JobRunner(store::Store& store, RunnerOptions options);
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  void start();
  // Lets each worker finish the step it is in, then joins them. Unfinished jobs stay
  // queued/running in the store and resume at the next start.
  void stop();
  // A job was created: wake an idle worker now rather than at the next poll.
  void wake();

  // How run() left a job.
  enum class Outcome {
    ended,   // terminal (or no such job): nothing more to do
    leased,  // another process holds it, and carries it on
    paused,  // unfinished: stop() or `until` came first, or its failure could not be
             // recorded; it stays active for whoever runs it next
  };
  // Carries one job to its end (or until stop(), or until `until` when given: no step
  // starts after it) on the calling thread, with the same retries as the workers. The
  // workers use it, and the Lambda jobs function (with its invocation's deadline); tests
  // call it directly.
  Outcome run(const std::string& jobId,
              std::optional<std::chrono::steady_clock::time_point> until = std::nullopt);

 private:
  void work();
  std::optional<std::string> claim();
  // Sleeps up to `d`, returning early (false) when stopping.
  bool pause(std::chrono::milliseconds d);
  // Records the job's failure; false when the store would not take it.
  bool fail(const std::string& jobId, const domain::JobError& error);

  store::Store& store_;
  RunnerOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool announced_ = false;
  std::set<std::string> claimed_;
  std::vector<std::thread> threads_;
};

}  // namespace offers::jobs
