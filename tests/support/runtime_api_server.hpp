// A Lambda Runtime API for the tests, written from AWS's documentation of it: it hands
// queued events to a function's `next` (holding the call until one is queued, as Lambda
// does), numbers them with request ids, sends the deadline as epoch milliseconds and a
// trace id, and records what the function posts back: responses, invocation errors (with
// Lambda-Runtime-Function-Error-Type) and an init error. On loopback, an ephemeral port.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace offers::testing {

struct LambdaResult {
  bool ok = false;        // a response (else an error)
  std::string body;       // the response, or the error's JSON
  std::string errorType;  // Lambda-Runtime-Function-Error-Type, for an error
};

class RuntimeApiServer {
 public:
  RuntimeApiServer();
  // Closes every connection: a function waiting in `next` sees its call fail.
  ~RuntimeApiServer();
  RuntimeApiServer(const RuntimeApiServer&) = delete;
  RuntimeApiServer& operator=(const RuntimeApiServer&) = delete;

  // "127.0.0.1:PORT", for AWS_LAMBDA_RUNTIME_API.
  std::string address() const;

  // Queues an event; returns its request id. `budget`: the deadline, from now.
  std::string invoke(std::string event,
                     std::chrono::milliseconds budget = std::chrono::seconds(30));
  // What the function posted for the invocation, once it has (nullopt after `timeout`).
  std::optional<LambdaResult> result(const std::string& requestId,
                                     std::chrono::milliseconds timeout);
  // The init error's type and body, once posted.
  std::optional<LambdaResult> initError(std::chrono::milliseconds timeout);
  // The trace id sent with the invocation.
  std::string traceIdOf(const std::string& requestId) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace offers::testing
