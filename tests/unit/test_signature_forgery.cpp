// Forged X-Offers-Signature headers against the receivers' reference check
// (notify::verifySignature): signatures made with the right secret over the wrong bytes,
// with the wrong key, in the wrong encoding, or smuggled next to a genuine one. The
// formats a parser might get wrong (fields, case, signs, lengths) are in
// test_webhook_sender.cpp ("VerifyAcceptsOnlyTheExactSignature"); here the attacker knows
// the scheme and tries to get something signed that was not. Forgeries are computed with
// OpenSSL directly, independently of the server's signing code.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "notify/webhook_sender.hpp"
#include "support/digests.hpp"

namespace offers::testing {
namespace {

using notify::verifySignature;

constexpr const char* kSecret = "whsec_forgery-test-secret";
constexpr std::int64_t kT = 1'700'000'000;
const std::string kBody = R"({"id":"evt_1","type":"job.succeeded","data":{"id":"job_1"}})";

std::string base64(const std::string& hexDigest) {
  std::string raw;
  for (std::size_t i = 0; i + 1 < hexDigest.size(); i += 2) {
    raw.push_back(static_cast<char>(std::stoi(hexDigest.substr(i, 2), nullptr, 16)));
  }
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()),
                                static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string header(std::int64_t t, const std::string& v1) {
  return "t=" + std::to_string(t) + ",v1=" + v1;
}

// The genuine signature, computed independently: the baseline every forgery departs from.
std::string genuine() {
  return header(kT, hmacHex(kSecret, std::to_string(kT) + "." + kBody));
}

TEST(SignatureForgery, TheIndependentComputationIsAccepted) {
  ASSERT_TRUE(verifySignature(genuine(), kSecret, kBody)) << genuine();
}

TEST(SignatureForgery, TheRightKeyOverTheWrongBytes) {
  const std::string t = std::to_string(kT);
  for (const std::string& signedText : std::vector<std::string>{
           kBody,                   // the body alone, without the timestamp
           t + kBody,               // no '.'
           kBody + "." + t,         // the other way round
           t + ".",                 // the timestamp alone
           t + "." + kBody + "\n",  // a newline added by a framework
           t + ". " + kBody,        // a space
           t + "." +
               R"({"data":{"id":"job_1"},"id":"evt_1","type":"job.succeeded"})",  // re-serialised
       }) {
    EXPECT_FALSE(verifySignature(header(kT, hmacHex(kSecret, signedText)), kSecret, kBody))
        << "signed: " << signedText;
  }
}

TEST(SignatureForgery, TheRightBytesUnderTheWrongKey) {
  const std::string signedText = std::to_string(kT) + "." + kBody;
  const std::string secret = kSecret;
  // (Not tried: the secret with NUL bytes appended. HMAC pads a short key with zeros, so
  // such a key is the same key; that is HMAC's definition, not a weakness of the check.)
  for (const std::string& key : std::vector<std::string>{
           std::string(),                        // no key at all
           secret.substr(0, secret.size() - 1),  // a prefix
           "whsec_",                             // the public prefix only
           sha256Hex(secret),                    // its hash
       }) {
    EXPECT_FALSE(verifySignature(header(kT, hmacHex(key, signedText)), kSecret, kBody))
        << "key of " << key.size() << " bytes";
  }
  // Not a keyed hash at all, or another hash function.
  EXPECT_FALSE(verifySignature(header(kT, sha256Hex(signedText)), kSecret, kBody));
  EXPECT_FALSE(verifySignature(header(kT, sha256Hex(secret + signedText)), kSecret, kBody));
  EXPECT_FALSE(verifySignature(header(kT, hmacHex(kSecret, signedText, DigestAlgorithm::sha1)),
                               kSecret, kBody));
  EXPECT_FALSE(verifySignature(header(kT, hmacHex(kSecret, signedText, DigestAlgorithm::sha512)),
                               kSecret, kBody));
}

TEST(SignatureForgery, TheRightDigestInAnotherShape) {
  const std::string digest = hmacHex(kSecret, std::to_string(kT) + "." + kBody);
  std::string nonHex = digest;
  nonHex[10] = 'g';
  for (const std::string& v1 : std::vector<std::string>{
           base64(digest),        // the same bytes, base64
           "0x" + digest,         // a hex prefix
           digest.substr(0, 32),  // half of it
           std::string(64, '0'),  // all zeros, the right length
           nonHex,                // the right length, not hex
           digest + digest,       // twice
       }) {
    EXPECT_FALSE(verifySignature(header(kT, v1), kSecret, kBody)) << v1;
  }
}

TEST(SignatureForgery, AGenuineSignatureSmuggledNextToAForgedOne) {
  const std::string digest = hmacHex(kSecret, std::to_string(kT) + "." + kBody);
  const std::string bogus = std::string(64, 'a');
  const std::string t = std::to_string(kT);
  for (const std::string& forged : std::vector<std::string>{
           "t=" + t + ",v1=" + bogus + ",v1=" + digest,  // several v1 values
           "t=" + t + ",v1=" + digest + ",v1=" + bogus,
           "t=1,t=" + t + ",v1=" + digest,  // two timestamps
           "t=" + t + ",t=1,v1=" + digest,
           "T=" + t + ",V1=" + digest,           // field names in another case
           "t=" + t + ";v1=" + digest,           // another separator
           "t=" + t + ",v1=" + digest + "\r\n",  // line ending kept
           "t=" + t + ",v1=" + digest + std::string(1, '\0'),
           "t=" + t + std::string(1, '\0') + ",v1=" + digest,  // NUL inside
           "t=0x" + t + ",v1=" + digest,
           "t=" + t + ".0,v1=" + digest,
       }) {
    EXPECT_FALSE(verifySignature(forged, kSecret, kBody)) << forged;
  }
}

// A timestamp is part of what is signed: moving it, even by a second, breaks the
// signature, so a receiver that rejects old timestamps also rejects replays.
TEST(SignatureForgery, ATimestampCannotBeMovedOrMovedIntoTheBody) {
  const std::string digest = hmacHex(kSecret, std::to_string(kT) + "." + kBody);
  EXPECT_FALSE(verifySignature(header(kT + 1, digest), kSecret, kBody));
  EXPECT_FALSE(verifySignature(header(kT - 300, digest), kSecret, kBody));
  // "1700000000.{...}" could also be read as t=170000000 and body "0.{...}": the digits
  // of t cannot be shifted into the body, nor the body's into t.
  EXPECT_FALSE(verifySignature(header(kT / 10, digest), kSecret, "0." + kBody));
  const std::string digitBody = "5" + kBody;
  const std::string signedDigit = hmacHex(kSecret, std::to_string(kT) + "." + digitBody);
  EXPECT_TRUE(verifySignature(header(kT, signedDigit), kSecret, digitBody));
  EXPECT_FALSE(verifySignature(header(kT * 10 + 5, signedDigit), kSecret, kBody));
}

TEST(SignatureForgery, HugeOrBinaryHeadersAreSimplyFalse) {
  const std::string digest = hmacHex(kSecret, std::to_string(kT) + "." + kBody);
  EXPECT_FALSE(verifySignature(header(kT, digest + std::string(1 << 20, 'a')), kSecret, kBody));
  EXPECT_FALSE(verifySignature("t=" + std::string(1 << 20, '9') + ",v1=" + digest, kSecret, kBody));
  std::string binary;
  for (int i = 0; i < 256; ++i) binary.push_back(static_cast<char>(i));
  EXPECT_FALSE(verifySignature(binary, kSecret, kBody));
  EXPECT_FALSE(verifySignature("t=" + std::to_string(kT) + ",v1=" + binary, kSecret, kBody));
}

}  // namespace
}  // namespace offers::testing
