// The integration suite's HTTP side: a small synchronous HTTP/1.1 keep-alive client
// (HttpClient), a raw socket for bytes that are not a well-formed request
// (RawConnection), and a GoogleTest predicate for the API's error bodies (IsApiError).
// Every network operation has a deadline, so a hung server fails a test instead of
// hanging the suite.
#pragma once

#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace offers::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case

  // The body parsed as JSON; throws std::runtime_error (quoting the body) when it is not.
  boost::json::value json() const;
  // The body as a JSON object; throws when it is not one.
  boost::json::object object() const;
  // A header's value, or "" when absent. `name` in any case.
  std::string header(std::string_view name) const;
  // "POST /v1/offers -> 400 {...}"-style text for failure messages.
  std::string describe() const;

  std::string request;  // "METHOD target" of the request that produced this response
};

// One keep-alive connection, opened lazily and reopened when the server closed it
// between two requests. Not thread-safe: give each thread its own client.
class HttpClient {
 public:
  HttpClient(std::string host, unsigned short port);
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  // Sends one request and reads its response. Throws std::runtime_error on a transport
  // failure or when the deadline passes. A request that fails because a reused
  // connection turned out to be closed by the server is retried once on a fresh one.
  HttpResponse request(std::string_view method, std::string_view target,
                       std::optional<std::string> body = {}, Headers extraHeaders = {});

  HttpResponse get(std::string_view target) { return request("GET", target); }
  HttpResponse del(std::string_view target) { return request("DELETE", target); }
  HttpResponse post(std::string_view target, const boost::json::object& body);
  HttpResponse patch(std::string_view target, const boost::json::object& body);
  // A body sent byte for byte, for malformed JSON and non-object bodies.
  HttpResponse postRaw(std::string_view target, std::string body) {
    return request("POST", target, std::move(body));
  }
  HttpResponse patchRaw(std::string_view target, std::string body) {
    return request("PATCH", target, std::move(body));
  }

  void setTimeout(std::chrono::milliseconds timeout);
  // How many TCP connections this client has opened so far (keep-alive checks).
  int connectionsOpened() const;
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A plain TCP connection for arbitrary bytes: requests that are not HTTP, headers
// announcing a body that is never sent, requests cut off half-way.
class RawConnection {
 public:
  RawConnection(const std::string& host, unsigned short port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Writes all of `bytes`; false when the server has already closed the connection.
  bool send(std::string_view bytes);

  struct Reply {
    enum class Kind { kResponse, kClosed, kTimeout };
    Kind kind = Kind::kTimeout;
    HttpResponse response;  // when kind == kResponse
  };
  // Reads one HTTP response; kClosed when the server closed (or reset) the connection
  // before a complete response, kTimeout when it did neither within `timeout`.
  Reply readResponse(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Like readResponse, except that when nothing at all arrives within `timeout` it
  // returns kTimeout and leaves the connection open: a test can go on sending on it (a
  // client trickling a request) or keep waiting for the server to close it (timeouts).
  Reply waitForReply(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes everything but RFC 3986 unreserved characters, for query values
// such as cursors.
std::string urlEncode(std::string_view text);

// Passes when `response` is the API's error reply: the status, a JSON body
// {"error":{"code":code,"message":...}} whose message contains `mention` (when given),
// and a Content-Type of application/json.
::testing::AssertionResult IsApiError(const HttpResponse& response, int status,
                                      std::string_view code, std::string_view mention = {});

}  // namespace offers::testing
