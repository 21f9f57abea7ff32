// X-Request-Id, as every front end (the server, the Lambda adapter) treats it: a client's
// id is kept when it is short and plain enough to log and echo safely; otherwise, or when
// there is none, the front end makes one.
#pragma once

#include <string>
#include <string_view>

namespace offers::http {

bool acceptableRequestId(std::string_view id);
// 32 random hex digits.
std::string newRequestId();
// `id` when acceptable, else `fallback` when that is, else a new one.
std::string chooseRequestId(std::string_view id, std::string_view fallback = {});

}  // namespace offers::http
