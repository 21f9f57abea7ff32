// Fuzzes the Lambda front end's event decoders (src/lambda/api_gateway.hpp,
// src/lambda/queue_events.hpp) with whatever JSON an invocation could carry:
//   - decodeHttpEvent refuses a malformed HTTP event only with std::invalid_argument, and
//     answers nullopt for anything that is not one; nothing else escapes it;
//   - what it accepts is a request the server could have read: a known method, an
//     origin-form target (a path starting with '/'), a request id safe to echo;
//   - the answer built for any response is an object with the four fields API Gateway
//     reads;
//   - decodeSqsEvent refuses a malformed SQS event only with std::invalid_argument, and
//     what it accepts has a message id for every record; an event is never both an SQS
//     batch and a schedule.
// Input that is not JSON is wrapped as an HTTP API event's body, so the accepted path is
// taken on every run.
#include "lambda/api_gateway.hpp"

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "check.hpp"
#include "http/request_id.hpp"
#include "lambda/queue_events.hpp"

using namespace offers;
using fuzz::fail;

namespace json = boost::json;

namespace {

void checkQueueEvents(const json::value& event) {
  std::optional<std::vector<lambda::SqsRecord>> records;
  try {
    records = lambda::decodeSqsEvent(event);
  } catch (const std::invalid_argument&) {
    return;
  } catch (const std::exception& e) {
    fail(std::string("decodeSqsEvent threw something else: ") + e.what());
  }
  if (!records) return;
  for (const auto& r : *records) {
    if (r.messageId.empty()) fail("an SQS record without a message id was accepted");
  }
  if (lambda::isScheduledEvent(event)) fail("an event taken for an SQS batch and a schedule");
}

void check(const json::value& event) {
  checkQueueEvents(event);
  std::optional<lambda::HttpEvent> decoded;
  try {
    decoded = lambda::decodeHttpEvent(event);
  } catch (const std::invalid_argument&) {
    return;
  } catch (const std::exception& e) {
    fail(std::string("decodeHttpEvent threw something else: ") + e.what());
  }
  if (!decoded) return;
  if (decoded->request.method == http::Method::unknown) fail("an unknown method was accepted");
  if (decoded->request.target.empty() || decoded->request.target[0] != '/') {
    fail("a target that is not origin-form: " + decoded->request.target);
  }
  if (!http::acceptableRequestId(decoded->requestId)) {
    fail("a request id unsafe to echo: " + decoded->requestId);
  }
  http::Response response{200, decoded->request.body, {}};
  const auto answer = lambda::encodeHttpResponse(response, decoded->requestId);
  for (const char* field : {"statusCode", "headers", "body", "isBase64Encoded"}) {
    if (!answer.contains(field)) fail(std::string("the answer has no ") + field);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  boost::system::error_code ec;
  const auto parsed = json::parse(input, ec);
  if (!ec) {
    check(parsed);
  } else {
    check(json::object{{"version", "2.0"},
                       {"rawPath", "/v1/brands"},
                       {"rawQueryString", std::string(input.substr(0, 64))},
                       {"headers", {{"x-request-id", std::string(input.substr(0, 40))}}},
                       {"requestContext", {{"http", {{"method", "POST"}}}}},
                       {"body", std::string(input)},
                       {"isBase64Encoded", size % 2 == 0}});
  }
  return 0;
}
