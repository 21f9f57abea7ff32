#include "app/lambda_functions.hpp"

#include <boost/json.hpp>
#include <stdexcept>

#include "domain/time.hpp"
#include "lambda/queue_events.hpp"
#include "log/log.hpp"

namespace offers::app {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

// The invocation's event as JSON, or its error.
json::value eventOf(const lambda::Invocation& invocation) {
  boost::system::error_code ec;
  auto event = json::parse(invocation.event, ec);
  if (ec) throw lambda::InvocationError("InvalidEvent", "the event is not JSON");
  return event;
}

// When to stop starting work: `margin` before the invocation's deadline (epoch ms).
Clock::time_point stopAt(const lambda::Invocation& invocation, std::chrono::milliseconds margin) {
  const auto left = std::chrono::milliseconds(invocation.deadlineMs - domain::nowMillis());
  return Clock::now() + std::max(std::chrono::milliseconds(0), left - margin);
}

}  // namespace

std::function<void(const domain::Job&)> handJobsTo(aws::SqsClient& sqs, std::string queueUrl) {
  return [&sqs, queueUrl = std::move(queueUrl)](const domain::Job& job) {
    try {
      sqs.send(queueUrl, lambda::jobMessage(job.id));
    } catch (const std::exception& e) {
      log::warn("job not handed to the jobs queue; the sweeper sends it",
                {{"jobId", job.id}, {"detail", e.what()}});
    }
  };
}

lambda::Handler jobsFunction(jobs::JobRunner& runner, aws::SqsClient& sqs, std::string queueUrl,
                             std::chrono::milliseconds margin) {
  return [&runner, &sqs, queueUrl = std::move(queueUrl), margin](const lambda::Invocation& inv) {
    std::optional<std::vector<lambda::SqsRecord>> records;
    try {
      records = lambda::decodeSqsEvent(eventOf(inv));
    } catch (const std::invalid_argument& e) {
      throw lambda::InvocationError("InvalidEvent", std::string("SQS event: ") + e.what());
    }
    if (!records) {
      throw lambda::InvocationError("InvalidEvent", "the jobs function takes SQS events");
    }
    const auto until = stopAt(inv, margin);
    std::vector<std::string> failed;
    for (const auto& record : *records) {
      const auto jobId = lambda::jobIdOf(record.body);
      if (!jobId) {
        // It can never be run: acknowledged, so that it does not come back forever.
        log::warn("jobs queue message dropped: not a job message",
                  {{"messageId", record.messageId}});
        continue;
      }
      try {
        if (runner.run(*jobId, until) == jobs::JobRunner::Outcome::paused) {
          sqs.send(queueUrl, lambda::jobMessage(*jobId));
          log::info("job continued in a new message", {{"jobId", *jobId}});
        }
      } catch (const std::exception& e) {
        log::error("job message failed; SQS delivers it again",
                   {{"jobId", *jobId}, {"messageId", record.messageId}, {"detail", e.what()}});
        failed.push_back(record.messageId);
      }
    }
    return lambda::batchResponse(failed);
  };
}

lambda::Handler sweeperFunction(store::Store& store, aws::SqsClient& sqs, std::string queueUrl,
                                std::chrono::milliseconds margin) {
  return [&store, &sqs, queueUrl = std::move(queueUrl), margin](const lambda::Invocation& inv) {
    if (!lambda::isScheduledEvent(eventOf(inv))) {
      throw lambda::InvocationError("InvalidEvent",
                                    "the sweeper function takes EventBridge scheduled events");
    }
    const auto until = stopAt(inv, margin);
    // What dead invocations left half-done, a few rounds while there is more.
    std::size_t repaired = 0;
    for (int round = 0; round < 10 && Clock::now() < until; ++round) {
      const auto n = store.repairAbandoned(domain::nowMillis());
      repaired += n;
      if (n == 0) break;
    }
    // Every active job into the queue: a live worker's message is acknowledged at once
    // (the job is leased), a lost one's starts it again.
    std::size_t enqueued = 0;
    std::vector<aws::SqsEntry> batch;
    auto flush = [&] {
      if (batch.empty()) return;
      const auto refused = sqs.sendBatch(queueUrl, batch);
      enqueued += batch.size() - refused.size();
      batch.clear();
    };
    for (const auto& id : store.activeJobs()) {
      if (Clock::now() >= until) break;
      batch.push_back({std::to_string(batch.size()), lambda::jobMessage(id)});
      if (batch.size() == aws::SqsClient::kMaxBatch) flush();
    }
    flush();
    // New events into webhook deliveries.
    std::size_t fannedOut = 0;
    while (Clock::now() < until) {
      const auto n = store.fanOutEvents(100, domain::nowMillis());
      fannedOut += n;
      if (n == 0) break;
    }
    json::object summary{
        {"repaired", repaired}, {"jobsEnqueued", enqueued}, {"eventsFannedOut", fannedOut}};
    log::info("sweep", summary);
    return json::serialize(summary);
  };
}

}  // namespace offers::app
