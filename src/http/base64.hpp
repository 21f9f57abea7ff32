// Standard base64 (RFC 4648, section 4, with its padding) decoded through OpenSSL, for
// every front end that meets it: page cursors (base64url, mapped to this alphabet first)
// and the bodies API Gateway hands a Lambda function.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace offers::http {

// The decoded bytes, or nullopt when `text` is not padded base64.
std::optional<std::string> decodeBase64(std::string_view text);

}  // namespace offers::http
