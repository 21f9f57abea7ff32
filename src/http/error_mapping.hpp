// The one place where an error code becomes an HTTP status and a JSON error body.
#pragma once

#include <string>
#include <string_view>

#include "domain/error.hpp"
#include "http/message.hpp"

namespace offers::http {

unsigned httpStatus(domain::ErrorCode code);
// `text` with every byte that does not start a well-formed UTF-8 sequence replaced by
// U+FFFD, so that it can go into a JSON string.
std::string validUtf8(std::string_view text);
// {"error":{"code":"...","message":"..."}} with the matching status.
Response errorResponse(domain::ErrorCode code, std::string_view message,
                       const boost::json::object& details = {});

}  // namespace offers::http
