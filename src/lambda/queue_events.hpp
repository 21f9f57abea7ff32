// The events the queue-driven functions take, and what they answer:
//   SQS (an event source mapping's batch): {"Records": [{"messageId", "receiptHandle",
//     "body", "eventSource": "aws:sqs", ...}]}, answered with a partial batch response,
//     {"batchItemFailures": [{"itemIdentifier": <messageId>}]}: the messages named there
//     are left on the queue (redelivered after their visibility timeout), the others are
//     deleted (the mapping needs FunctionResponseTypes: ReportBatchItemFailures);
//   EventBridge's schedule: {"source": "aws.events", "detail-type": "Scheduled Event", ...}.
// And the two queues' messages: the jobs queue's {"jobId": "<id>"}, the deliveries
// queue's pending delivery.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/event.hpp"

namespace offers::lambda {

struct SqsRecord {
  std::string messageId;
  std::string body;
};

// The records of an SQS event; nullopt when `event` is not one. Throws
// std::invalid_argument naming the field when it is one but malformed.
std::optional<std::vector<SqsRecord>> decodeSqsEvent(const boost::json::value& event);

// The partial batch response naming the messages that failed (none: all done).
std::string batchResponse(const std::vector<std::string>& failedMessageIds);

// Whether `event` is EventBridge's scheduled event.
bool isScheduledEvent(const boost::json::value& event);

// The jobs queue's message for a job, and the job a message names (nullopt when the
// body is not such a message).
std::string jobMessage(std::string_view jobId);
std::optional<std::string> jobIdOf(std::string_view body);

// The deliveries queue's message for a pending webhook delivery ({"webhookId",
// "eventSeq", "attempt", "due"}), and the delivery a message names.
std::string deliveryMessage(const domain::PendingDelivery& delivery);
std::optional<domain::PendingDelivery> deliveryOf(std::string_view body);

}  // namespace offers::lambda
