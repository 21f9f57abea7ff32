// Page cursors: the opaque `start`/`last` strings of list endpoints. A cursor names the
// last item of the previous page; it is versioned ("c1:") and base64url-encoded so that
// clients treat it as opaque and a forged one is recognised (decodeCursor: nullopt).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace offers::http {

std::string encodeCursor(std::string_view id);
// The id inside a cursor made by encodeCursor, or nullopt for anything else.
std::optional<std::string> decodeCursor(std::string_view cursor);

// Cursors of lists ordered by position (events: "<seq>"; delivery attempts:
// "<seq>/<attempt>"): digits and slashes only, version "s1:".
std::string encodeSequenceCursor(std::string_view position);
std::optional<std::string> decodeSequenceCursor(std::string_view cursor);

}  // namespace offers::http
