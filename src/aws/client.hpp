// A small client for AWS JSON-protocol services (DynamoDB; SQS shares it): one POST per operation,
// signed with SigV4 by libcurl (CURLOPT_AWS_SIGV4), over kept-alive connections from a pool of curl
// handles. It keeps two kinds of failure apart: "could not reach" (a transport error, no answer)
// and "the service said no" (ServiceError, with the short `__type`). call() retries what is
// worth retrying (throttling, 5xx, transport) with jittered exponential backoff until a
// deadline and then gives up with domain::Error(unavailable); everything else is the
// caller's to translate, at the store seam.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace offers::aws {

struct Credentials {
  std::string accessKeyId;
  std::string secretAccessKey;
  std::string sessionToken;  // optional
  // AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN.
  static Credentials fromEnvironment();
};

// Capacity units DynamoDB reported for the calls of a client (ReturnConsumedCapacity
// TOTAL): what the operations were billed, by the service's own size rules.
struct CapacityMeter {
  std::atomic<double> read{0};
  std::atomic<double> write{0};
};

// When a fault hook runs: before the request leaves, or after its answer arrived.
enum class CallPhase { before, after };

struct ClientOptions {
  std::string endpoint;  // http(s)://host[:port]
  std::string region;
  // The AWS JSON-protocol service: its SigV4 name and its X-Amz-Target prefix
  // (SQS: "sqs" and "AmazonSQS").
  std::string service = "dynamodb";
  std::string targetPrefix = "DynamoDB_20120810";
  // The protocol's version in the Content-Type: 1.0 (DynamoDB, SQS) or 1.1 (Secrets Manager).
  std::string jsonVersion = "1.0";
  Credentials credentials;
  std::chrono::milliseconds requestTimeout{5000};  // one HTTP attempt
  std::chrono::milliseconds retryDeadline{10000};  // every attempt of one call
  std::chrono::milliseconds retryBase{20};         // first backoff (full jitter, doubling)
  std::chrono::milliseconds retryMax{1000};        // backoff cap
  // Test seam (fail the nth DynamoDB call): runs around every request; an exception
  // thrown from it ends the call with that exception, not retried.
  std::function<void(std::string_view operation, CallPhase phase)> faultHook;
  // When set, DynamoDB item and query calls ask for their consumed capacity and add it
  // here (the cost benchmark's write-unit meter). Not owned.
  CapacityMeter* capacity = nullptr;
};

// DynamoDB answered with an error. `type` is the short name of `__type`
// ("ConditionalCheckFailedException").
class ServiceError : public std::runtime_error {
 public:
  ServiceError(std::string type, std::string message, long status, boost::json::object body = {})
      : std::runtime_error(type + ": " + message),
        type_(std::move(type)),
        status_(status),
        body_(std::move(body)) {}
  const std::string& type() const { return type_; }
  long status() const { return status_; }
  bool conditionFailed() const { return type_ == "ConditionalCheckFailedException"; }
  // The whole error response (a refused condition's `Item`, when asked for, is there).
  const boost::json::object& body() const { return body_; }

 private:
  std::string type_;
  long status_;
  boost::json::object body_;
};

// A deadline past which this thread's calls are not sent: a write made under a lease must
// not leave once the lease's margin is used up, or it could land after another process
// has taken the work over (docs/dynamodb-model.md, "Leases"). The deadline is a
// steady_clock time in nanoseconds since its epoch, behind a pointer so that its owner may
// move it (a job renewing its lease); the guard sets it for the scope, and a pool thread
// working for the owner sets the owner's (see DynamoDbStore::Impl::parallel).
class SendBy {
 public:
  using Deadline = std::atomic<std::int64_t>;
  explicit SendBy(const Deadline* deadline) : previous_(current_) { current_ = deadline; }
  ~SendBy() { current_ = previous_; }
  SendBy(const SendBy&) = delete;
  SendBy& operator=(const SendBy&) = delete;

  static const Deadline* current() { return current_; }
  static std::int64_t at(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  }

 private:
  const Deadline* previous_;
  static thread_local const Deadline* current_;
};

// One attempt as it went over the wire.
struct RawResponse {
  long status = 0;  // 0 when nothing came back
  std::string body;
  std::string transportError;  // set when the endpoint could not be reached
};

class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // One signed attempt, no retries: `X-Amz-Target: <targetPrefix>.<operation>`.
  RawResponse send(std::string_view operation, const std::string& body);

  // The operation's response. Throws ServiceError for a non-retryable DynamoDB error,
  // domain::Error(unavailable) when retries run out or the answer is not JSON.
  boost::json::object call(std::string_view operation, const boost::json::object& request);

  // Requests sent since construction (every attempt counts): the benchmark's cost meter.
  std::uint64_t requestsSent() const { return requests_.load(); }
  const ClientOptions& options() const { return options_; }

  // Whether an error type (DynamoDB's or SQS's) is worth retrying (throttling, transient 5xx).
  static bool retryable(std::string_view type, long status);
  // The short name of a `__type` ("com.amazonaws.dynamodb.v20120810#X" -> "X").
  static std::string shortType(std::string_view type);

 private:
  struct Handle;
  std::unique_ptr<Handle> acquire();
  void release(std::unique_ptr<Handle> handle);

  ClientOptions options_;
  std::string sigv4_;    // "aws:amz:<region>:<service>"
  std::string userpwd_;  // "<key id>:<secret>"
  std::mutex poolMutex_;
  std::vector<std::unique_ptr<Handle>> pool_;
  std::atomic<std::uint64_t> requests_{0};
};

}  // namespace offers::aws
