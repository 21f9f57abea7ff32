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

// The records of an SQS event, or the invocation's error.
std::vector<lambda::SqsRecord> sqsRecords(const lambda::Invocation& inv, std::string_view role) {
  std::optional<std::vector<lambda::SqsRecord>> records;
  try {
    records = lambda::decodeSqsEvent(eventOf(inv));
  } catch (const std::invalid_argument& e) {
    throw lambda::InvocationError("InvalidEvent", std::string("SQS event: ") + e.what());
  }
  if (!records) {
    throw lambda::InvocationError("InvalidEvent",
                                  "the " + std::string(role) + " function takes SQS events");
  }
  return std::move(*records);
}

// Sends the bodies to the queue in batches of ten, while time is left; how many SQS took.
std::size_t sendAll(aws::SqsClient& sqs, const std::string& queueUrl,
                    const std::vector<std::string>& bodies, Clock::time_point until) {
  std::size_t sent = 0;
  for (std::size_t from = 0; from < bodies.size() && Clock::now() < until;
       from += aws::SqsClient::kMaxBatch) {
    std::vector<aws::SqsEntry> batch;
    for (std::size_t i = from; i < std::min(bodies.size(), from + aws::SqsClient::kMaxBatch); ++i) {
      batch.push_back({std::to_string(i - from), bodies[i]});
    }
    sent += batch.size() - sqs.sendBatch(queueUrl, batch).size();
  }
  return sent;
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
    const auto records = sqsRecords(inv, "jobs");
    const auto until = stopAt(inv, margin);
    std::vector<std::string> failed;
    for (const auto& record : records) {
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

lambda::Handler deliveriesFunction(notify::WebhookDispatcher& dispatcher,
                                   std::chrono::milliseconds margin) {
  return [&dispatcher, margin](const lambda::Invocation& inv) {
    const auto records = sqsRecords(inv, "deliveries");
    std::vector<domain::PendingDelivery> deliveries;
    for (const auto& record : records) {
      if (auto d = lambda::deliveryOf(record.body)) {
        deliveries.push_back(std::move(*d));
      } else {
        log::warn("deliveries queue message dropped: not a delivery",
                  {{"messageId", record.messageId}});
      }
    }
    std::vector<std::string> failed;
    try {
      dispatcher.deliverNow(deliveries, stopAt(inv, margin));
    } catch (const std::exception& e) {
      // The store failed mid-way: every message comes again, and a delivery that was
      // recorded before the failure may be sent once more (at least once, as on the
      // server).
      log::error("deliveries failed; SQS delivers them again", {{"detail", e.what()}});
      for (const auto& record : records) failed.push_back(record.messageId);
    }
    return lambda::batchResponse(failed);
  };
}

lambda::Handler sweeperFunction(store::Store& store, aws::SqsClient& sqs, SweeperQueues queues,
                                std::chrono::milliseconds margin) {
  return [&store, &sqs, queues = std::move(queues), margin](const lambda::Invocation& inv) {
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
    std::vector<std::string> jobs;
    for (const auto& id : store.activeJobs()) jobs.push_back(lambda::jobMessage(id));
    const auto jobsEnqueued = sendAll(sqs, queues.jobs, jobs, until);
    // New events into webhook deliveries, and the deliveries due into their queue.
    std::size_t fannedOut = 0;
    while (Clock::now() < until) {
      const auto n = store.fanOutEvents(100, domain::nowMillis());
      fannedOut += n;
      if (n == 0) break;
    }
    std::size_t deliveriesEnqueued = 0;
    for (int round = 0; round < 10 && Clock::now() < until; ++round) {
      std::vector<std::string> due;
      for (const auto& d : store.dueDeliveries(domain::nowMillis(), 100)) {
        due.push_back(lambda::deliveryMessage(d));
      }
      deliveriesEnqueued += sendAll(sqs, queues.deliveries, due, until);
      if (due.size() < 100) break;
    }
    json::object summary{{"repaired", repaired},
                         {"jobsEnqueued", jobsEnqueued},
                         {"eventsFannedOut", fannedOut},
                         {"deliveriesEnqueued", deliveriesEnqueued}};
    log::info("sweep", summary);
    return json::serialize(summary);
  };
}

}  // namespace offers::app
