// Fuzzes the reference check of X-Offers-Signature (notify::verifySignature): it accepts
// the header signatureHeader() makes for a secret, a time and a body, and refuses every
// other header for them. The input gives the secret, t >= 0 and the body, then an edit of
// the valid header (replace [pos, pos + len) by the remaining bytes), which covers
// truncation, extension, other digits of t, upper-case hex, extra fields and so on. An
// edited header that differs from the valid one must be refused: accepting it would need
// an HMAC-SHA256 collision.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "check.hpp"
#include "notify/webhook_sender.hpp"

using namespace offers;
using fuzz::fail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string secret = in.ConsumeRandomLengthString(300);
  // The header format has no sign: times before 1970 are not a sender's to make.
  const auto t =
      in.ConsumeIntegralInRange<std::int64_t>(0, std::numeric_limits<std::int64_t>::max());
  const std::string body = in.ConsumeRandomLengthString(4096);

  const std::string valid = notify::signatureHeader(secret, t, body);
  if (!notify::verifySignature(valid, secret, body)) fail("refuses its own header: " + valid);

  const auto pos = in.ConsumeIntegralInRange<std::size_t>(0, valid.size());
  const auto len = in.ConsumeIntegralInRange<std::size_t>(0, valid.size() - pos);
  std::string edited = valid;
  edited.replace(pos, len, in.ConsumeRemainingBytesAsString());
  if (edited != valid && notify::verifySignature(edited, secret, body)) {
    fail("accepts a header that is not the signature: " + edited + " (valid: " + valid + ")");
  }
  return 0;
}
