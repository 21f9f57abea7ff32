// Amazon SQS over the shared AWS client (client.hpp), in SQS's JSON protocol
// (`X-Amz-Target: AmazonSQS.<Operation>`, application/x-amz-json-1.0): what the Lambda
// functions need to hand work to each other (send, and send in batches of up to ten)
// and what their tests and tools need to play the event source mapping (create, receive,
// delete). Signed, retried and timed exactly as DynamoDB's calls are; a refusal is an
// aws::ServiceError with SQS's short error type ("QueueDoesNotExist").
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "aws/client.hpp"

namespace offers::aws {

// ClientOptions for SQS at `endpoint` (empty: the region's public endpoint).
ClientOptions sqsOptions(ClientOptions base, const std::string& endpoint);

struct SqsMessage {
  std::string messageId;
  std::string receiptHandle;
  std::string body;
  int receiveCount = 0;  // ApproximateReceiveCount: 1 on the first delivery
};

// One entry of a batch send; `id` is the caller's, unique within the batch.
struct SqsEntry {
  std::string id;
  std::string body;
  std::chrono::seconds delay{0};
};

class SqsClient {
 public:
  explicit SqsClient(ClientOptions options);

  // The MessageId SQS gave it. `delay`: 0 to 900 s.
  std::string send(const std::string& queueUrl, const std::string& body,
                   std::chrono::seconds delay = std::chrono::seconds(0));
  // Up to 10 entries (more: std::invalid_argument). Returns the ids of the entries SQS
  // refused; the others were sent.
  std::vector<std::string> sendBatch(const std::string& queueUrl,
                                     const std::vector<SqsEntry>& entries);
  // Up to `max` (1-10) messages, waiting up to `wait` (0-20 s) for the first.
  std::vector<SqsMessage> receive(const std::string& queueUrl, int max = 10,
                                  std::chrono::seconds wait = std::chrono::seconds(0),
                                  std::optional<std::chrono::seconds> visibility = std::nullopt);
  void remove(const std::string& queueUrl, const std::string& receiptHandle);
  // The queue's URL, creating it if absent (attributes as SQS names them, e.g.
  // {"VisibilityTimeout", "30"}).
  std::string createQueue(const std::string& name,
                          const std::vector<std::pair<std::string, std::string>>& attributes = {});

  Client& client() { return client_; }

  static constexpr std::size_t kMaxBatch = 10;

 private:
  Client client_;
};

}  // namespace offers::aws
