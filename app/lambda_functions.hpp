// The Lambda functions other than `api` (src/lambda/api_gateway.hpp), put together from
// the layers below: the queue events' adapters (src/lambda/queue_events.hpp), the job
// runner, the SQS client and the store. docs/deploy-aws.md shows how they are wired on
// AWS: API Gateway -> api; the jobs queue -> jobs; the deliveries queue -> deliveries; a
// one-minute schedule -> sweeper.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "aws/sqs.hpp"
#include "domain/job.hpp"
#include "jobs/runner.hpp"
#include "lambda/runtime.hpp"
#include "notify/dispatcher.hpp"
#include "store/store.hpp"

namespace offers::app {

// The api function's hand-off: a job the API accepted (already durable in the store) is
// sent to the jobs queue. A failed send is logged and the job stays accepted: the
// sweeper sends every active job again.
std::function<void(const domain::Job&)> handJobsTo(aws::SqsClient& sqs, std::string queueUrl);

// The jobs function: an SQS batch of job messages. Each job is run (JobRunner::run) until
// `margin` before the invocation's deadline; one left unfinished is sent to the queue
// again as its continuation. A finished job, an unknown one, or one another worker holds
// is done with (acknowledged); a message whose job could not be run or continued is
// reported in the partial batch response, so SQS delivers it again. Job leases and
// resumption are the engine's: a message delivered twice runs nothing twice.
lambda::Handler jobsFunction(jobs::JobRunner& runner, aws::SqsClient& sqs, std::string queueUrl,
                             std::chrono::milliseconds margin);

// The deliveries function: an SQS batch of pending webhook deliveries, sent at once and
// each attempt recorded as the server's dispatcher records it (a failure schedules the
// next attempt in the store, which the sweeper sends again when it is due: retries
// follow the store's schedule, not SQS redelivery). A delivery without an outcome by
// `margin` before the deadline stays pending in the store; a message whose delivery the
// store would not take is reported in the partial batch response.
lambda::Handler deliveriesFunction(notify::WebhookDispatcher& dispatcher,
                                   std::chrono::milliseconds margin);

// The queues the sweeper feeds.
struct SweeperQueues {
  std::string jobs;
  std::string deliveries;
};

// The sweeper function, on a schedule: repairs what dead invocations left half-done
// (Store::repairAbandoned), sends every active job to the jobs queue (one whose worker is
// alive acknowledges it at once; one whose message was lost, or whose worker died, is
// picked up), fans new events out to webhook deliveries and sends the deliveries that are
// due to the deliveries queue (Store::dueDeliveries leases them, so that the next sweep
// does not send them again while they are being delivered); it stops starting work
// `margin` before its deadline. Answers a summary of what it did.
lambda::Handler sweeperFunction(store::Store& store, aws::SqsClient& sqs, SweeperQueues queues,
                                std::chrono::milliseconds margin);

}  // namespace offers::app
