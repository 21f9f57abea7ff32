// The Lambda functions other than `api` (src/lambda/api_gateway.hpp), put together from
// the layers below: the queue events' adapters (src/lambda/queue_events.hpp), the job
// runner, the SQS client and the store. docs/deploy-aws.md shows how they are wired on
// AWS: API Gateway -> api; the jobs queue -> jobs; a one-minute schedule -> sweeper.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "aws/sqs.hpp"
#include "domain/job.hpp"
#include "jobs/runner.hpp"
#include "lambda/runtime.hpp"
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

// The sweeper function, on a schedule: repairs what dead invocations left half-done
// (Store::repairAbandoned), sends every active job to the jobs queue (one whose worker is
// alive acknowledges it at once; one whose message was lost, or whose worker died, is
// picked up), and fans new events out to webhook deliveries; it stops starting work
// `margin` before its deadline. Answers a summary of what it did.
lambda::Handler sweeperFunction(store::Store& store, aws::SqsClient& sqs, std::string queueUrl,
                                std::chrono::milliseconds margin);

}  // namespace offers::app
