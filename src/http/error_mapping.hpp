// The one place where an error code becomes an HTTP status and a JSON error body.
#pragma once

#include <string_view>

#include "domain/error.hpp"
#include "http/message.hpp"

namespace offers::http {

unsigned httpStatus(domain::ErrorCode code);
// {"error":{"code":"...","message":"..."}} with the matching status.
Response errorResponse(domain::ErrorCode code, std::string_view message,
                       const boost::json::object& details = {});

}  // namespace offers::http
