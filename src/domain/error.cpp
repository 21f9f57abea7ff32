#include "domain/error.hpp"

namespace offers::domain {

std::string_view codeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_request:
      return "invalid_request";
    case ErrorCode::unauthorized:
      return "unauthorized";
    case ErrorCode::not_found:
      return "not_found";
    case ErrorCode::method_not_allowed:
      return "method_not_allowed";
    case ErrorCode::conflict:
      return "conflict";
    case ErrorCode::payload_too_large:
      return "payload_too_large";
    case ErrorCode::header_too_large:
      return "header_too_large";
    case ErrorCode::brand_mismatch:
      return "brand_mismatch";
    case ErrorCode::rate_limited:
      return "rate_limited";
    case ErrorCode::unavailable:
      return "unavailable";
    case ErrorCode::internal:
      return "internal";
  }
  return "internal";
}

void throwInvalid(std::string message) {
  throw Error(ErrorCode::invalid_request, std::move(message));
}

void throwNotFound(std::string_view kind, std::string_view id) {
  throw Error(ErrorCode::not_found, std::string(kind) + " " + std::string(id) + " not found");
}

}  // namespace offers::domain
