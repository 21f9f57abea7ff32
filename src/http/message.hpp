// The server-independent request and response that handlers see: the Beast adapter
// (server.cpp), the tests and any later front end (a Lambda adapter) build these and
// call Api::handle, so no handler ever touches a socket.
#pragma once

#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <utility>
#include <vector>

namespace offers::http {

using Method = boost::beast::http::verb;
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  Method method = Method::get;
  std::string target;  // origin form: path and query, as received
  std::string body;
  std::string authorization;  // the Authorization header, empty when absent
  std::string remote;         // the client's address, for per-client limits and logs
};

struct Response {
  unsigned status = 200;
  std::string body;  // JSON, or empty (204)
  Headers headers;   // beyond Content-Type and Content-Length

  static Response json(unsigned status, const boost::json::value& body);
  static Response noContent();
};

// Decoded query parameters in order of appearance.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

// What the router found in the path, by template name ("offerId").
class PathParams {
 public:
  void add(std::string name, std::string value) {
    items_.emplace_back(std::move(name), std::move(value));
  }
  const std::string& at(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// A parsed request as a handler receives it.
struct Call {
  const Request& request;
  const PathParams& path;
  const QueryParams& query;
};

}  // namespace offers::http
