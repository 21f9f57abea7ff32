#include "http/error_mapping.hpp"

#include <boost/json/serialize.hpp>

namespace offers::http {

unsigned httpStatus(domain::ErrorCode code) {
  using domain::ErrorCode;
  switch (code) {
    case ErrorCode::invalid_request:
      return 400;
    case ErrorCode::unauthorized:
      return 401;
    case ErrorCode::not_found:
      return 404;
    case ErrorCode::method_not_allowed:
      return 405;
    case ErrorCode::conflict:
      return 409;
    case ErrorCode::payload_too_large:
      return 413;
    case ErrorCode::brand_mismatch:
      return 422;
    case ErrorCode::rate_limited:
      return 429;
    case ErrorCode::unavailable:
      return 503;
    case ErrorCode::internal:
      return 500;
  }
  return 500;
}

Response errorResponse(domain::ErrorCode code, std::string_view message,
                       const boost::json::object& details) {
  boost::json::object error{{"code", domain::codeName(code)}, {"message", message}};
  if (!details.empty()) error.emplace("details", details);
  return Response::json(httpStatus(code), boost::json::object{{"error", std::move(error)}});
}

Response Response::json(unsigned status, const boost::json::value& body) {
  Response r;
  r.status = status;
  r.body = boost::json::serialize(body);
  return r;
}

Response Response::noContent() {
  Response r;
  r.status = 204;
  return r;
}

const std::string& PathParams::at(std::string_view name) const {
  for (const auto& [k, v] : items_) {
    if (k == name) return v;
  }
  throw std::logic_error("route has no parameter " + std::string(name));
}

}  // namespace offers::http
