// The service's error vocabulary: a small enum and a message. Every layer throws
// domain::Error; src/http/error_mapping.cpp is the one place that turns a code into
// an HTTP status, so a new code cannot be forgotten there (-Werror=switch).
#pragma once

#include <boost/json/object.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace offers::domain {

enum class ErrorCode {
  invalid_request,
  unauthorized,
  not_found,
  method_not_allowed,
  conflict,
  payload_too_large,
  header_too_large,  // the request line and headers: 431
  brand_mismatch,
  rate_limited,
  unavailable,
  internal,  // stays last: parseJobErrorCode (domain/job.cpp) reads the codes up to it
};

// The stable, client-visible name of a code ("not_found").
std::string_view codeName(ErrorCode code);

// An error meant for the client: what() is safe to show and names the offending field
// or entity. `detail` is for the operator's log only (an engine's own status text) and
// never reaches the client.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string message, std::string detail = {})
      : std::runtime_error(std::move(message)), code_(code), detail_(std::move(detail)) {}
  ErrorCode code() const { return code_; }
  const std::string& detail() const { return detail_; }

  // Machine-readable facts for the client (the active job's id on a conflict).
  const boost::json::object& details() const { return details_; }
  Error&& withDetails(boost::json::object details) && {
    details_ = std::move(details);
    return std::move(*this);
  }

 private:
  ErrorCode code_;
  std::string detail_;
  boost::json::object details_;
};

[[noreturn]] void throwInvalid(std::string message);
[[noreturn]] void throwNotFound(std::string_view kind, std::string_view id);

}  // namespace offers::domain
