// Fuzzes the page cursors (src/http/cursor.hpp), which clients send back as `start`:
//   - decoding any text never fails other than with nullopt, and what it accepts is a
//     payload of the right kind that encodes and decodes back to itself;
//   - decode(encode(x)) == x for every valid payload x (a UUID, or a position of digits and
//     slashes), and nullopt for anything else.
// The first 16 bytes also make a UUID, so the valid path is taken on every run.
#include "http/cursor.hpp"

#include <algorithm>
#include <boost/uuid/uuid.hpp>
#include <boost/uuid/uuid_io.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "check.hpp"
#include "domain/validation.hpp"

using namespace offers;
using fuzz::fail;

namespace {

bool isPosition(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '/'; });
}

void checkId(const std::string& id) {
  const auto back = http::decodeCursor(http::encodeCursor(id));
  if (domain::normalizeUuid(id) == id) {
    if (back != id) fail("a UUID cursor does not decode back to its id: " + id);
  } else if (back) {
    fail("a cursor of a non-UUID decodes: " + *back);
  }
}

void checkPosition(const std::string& position) {
  const auto back = http::decodeSequenceCursor(http::encodeSequenceCursor(position));
  if (position.empty() || !isPosition(position)) {
    if (back) fail("a sequence cursor of a non-position decodes: " + *back);
  } else if (position.size() <= 32 && back != position) {
    // Positions are "<seq>" or "<seq>/<attempt>" of 20-digit numbers at most.
    fail("a sequence cursor does not decode back to its position: " + position);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);

  if (const auto id = http::decodeCursor(input)) {
    if (domain::normalizeUuid(*id) != *id) fail("decodeCursor accepted a non-UUID: " + *id);
    checkId(*id);
  }
  if (const auto position = http::decodeSequenceCursor(input)) {
    if (position->empty() || !isPosition(*position)) {
      fail("decodeSequenceCursor accepted a non-position: " + *position);
    }
    checkPosition(*position);
  }

  checkId(input);
  checkPosition(input);
  if (size >= 16) {
    boost::uuids::uuid uuid;
    std::memcpy(uuid.data, data, 16);
    checkId(boost::uuids::to_string(uuid));
  }
  return 0;
}
