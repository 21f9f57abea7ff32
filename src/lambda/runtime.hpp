// The AWS Lambda Runtime API, as a custom runtime (provided.al2023) speaks it: the
// function's process asks for the next invocation, answers it (or reports its error), and
// asks again, for as long as Lambda keeps it. AWS publishes no C++ runtime library in
// Debian, so this loop is ours: a few HTTP calls on libcurl to the address Lambda gives in
// AWS_LAMBDA_RUNTIME_API.
//   GET  /2018-06-01/runtime/invocation/next             -> the event, and its headers
//   POST /2018-06-01/runtime/invocation/{id}/response    <- the answer
//   POST /2018-06-01/runtime/invocation/{id}/error       <- an error, its type also in
//                                                           Lambda-Runtime-Function-Error-Type
//   POST /2018-06-01/runtime/init/error                  <- bad configuration, then exit
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace offers::lambda {

struct Invocation {
  std::string requestId;        // Lambda-Runtime-Aws-Request-Id
  std::int64_t deadlineMs = 0;  // Lambda-Runtime-Deadline-Ms: epoch milliseconds
  std::string traceId;          // Lambda-Runtime-Trace-Id (also set as _X_AMZN_TRACE_ID)
  std::string functionArn;      // Lambda-Runtime-Invoked-Function-Arn
  std::string event;            // the body: the event's JSON
};

// An invocation's own failure, reported with its type ("InvalidEvent"); any other
// exception from a handler is reported as "Runtime.HandlerError".
class InvocationError : public std::runtime_error {
 public:
  InvocationError(std::string type, const std::string& message)
      : std::runtime_error(message), type_(std::move(type)) {}
  const std::string& type() const { return type_; }

 private:
  std::string type_;
};

// The invocation's deadline in epoch milliseconds from Lambda-Runtime-Deadline-Ms as sent.
// Lambda sends epoch milliseconds; some local emulators send the time left instead (a
// duration: @vercel/fun does), which no real deadline can be mistaken for (anything below
// 10^11 ms, i.e. before 1973, is taken as milliseconds from `nowMs`). Absent or not a
// number: the longest a Lambda invocation may run, 15 minutes from `nowMs`.
std::int64_t deadlineFromHeader(std::string_view value, std::int64_t nowMs);

class RuntimeClient {
 public:
  // `api`: host:port, as AWS_LAMBDA_RUNTIME_API gives it.
  explicit RuntimeClient(std::string api);

  // Waits for the next invocation (as long as it takes). Throws std::runtime_error when
  // the Runtime API cannot be reached or answers otherwise than 200.
  Invocation next();
  void respond(const std::string& requestId, const std::string& body);
  void fail(const std::string& requestId, const std::string& type, const std::string& message);
  void initError(const std::string& type, const std::string& message);

 private:
  struct Reply {
    long status = 0;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  };
  Reply call(const char* method, const std::string& path, const std::string& body,
             const std::string& errorType);

  std::string base_;  // http://host:port/2018-06-01/runtime
};

// The function's life: next, handle, answer, forever. A handler's failure is posted as the
// invocation's error and the loop goes on; no event takes the process down. Returns (with
// the reason) only when the Runtime API itself fails.
using Handler = std::function<std::string(const Invocation&)>;
std::string serveInvocations(RuntimeClient& runtime, const Handler& handler);

}  // namespace offers::lambda
