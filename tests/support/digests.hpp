// Digests and HMACs for tests, computed with OpenSSL directly: the independent side of
// every check of a signature the code under test makes (X-Offers-Signature, SigV4), so
// that a mistake shared by the signer and its own verifier cannot pass unnoticed.
#pragma once

#include <string>
#include <string_view>

namespace offers::testing {

enum class DigestAlgorithm { sha1, sha256, sha512 };

// Lower-case hex of raw bytes.
std::string hexOf(std::string_view raw);

// The raw SHA-256 of `data`, and its hex.
std::string sha256(std::string_view data);
std::string sha256Hex(std::string_view data);

// The raw HMAC of `data` under `key` (the SigV4 key derivation chains raw ones), and its hex.
std::string hmac(std::string_view key, std::string_view data,
                 DigestAlgorithm algorithm = DigestAlgorithm::sha256);
std::string hmacHex(std::string_view key, std::string_view data,
                    DigestAlgorithm algorithm = DigestAlgorithm::sha256);

}  // namespace offers::testing
