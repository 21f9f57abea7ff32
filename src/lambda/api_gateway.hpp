// API Gateway's HTTP events in, the server's Request out; Api's response back as the
// answer API Gateway expects. Two payload formats, told apart by their fields:
//   2.0: HTTP APIs and Lambda function URLs (`version: "2.0"`, `rawPath`,
//        `rawQueryString`, `requestContext.http`; repeated headers comma-joined, names in
//        lower case; `cookies` apart from the headers);
//   1.0: REST APIs (`httpMethod`, `path`, decoded `multiValueQueryStringParameters`,
//        `multiValueHeaders`, `requestContext.identity.sourceIp`).
// The function behind either answers `{statusCode, headers, body, isBase64Encoded}`.
// Everything else about a request (routing, authentication, errors) is Api::handle's, as
// for the server.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "http/api.hpp"
#include "http/message.hpp"
#include "lambda/runtime.hpp"

namespace offers::lambda {

struct HttpEvent {
  http::Request request;
  // The client's X-Request-Id when acceptable, else API Gateway's requestContext.requestId,
  // else a new one (http/request_id.hpp).
  std::string requestId;
  int payloadVersion = 2;  // 1 or 2
};

// The request an HTTP event carries; nullopt when `event` is not an API Gateway HTTP
// event at all (an SQS batch, a schedule). Throws std::invalid_argument naming the field
// when it is one but malformed (a body that is not base64 though it says so, a method
// HTTP does not have).
std::optional<HttpEvent> decodeHttpEvent(const boost::json::value& event);

// The answer for API Gateway: the status, the response's headers with Content-Type (for
// a body) and X-Request-Id, and the body as text.
boost::json::object encodeHttpResponse(const http::Response& response,
                                       const std::string& requestId);

// The `api` function: each invocation's event decoded, answered by `api` (the very
// Api::handle the server uses) and encoded. An event that is not an HTTP event, or not
// JSON, is the invocation's error ("InvalidEvent"), never the process's end.
Handler httpHandler(const http::Api& api);

}  // namespace offers::lambda
