// OpenSSL's one-shot EVP_Digest and HMAC, each result copied into a std::string.
#include "support/digests.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace offers::testing {

namespace {

const EVP_MD* md(DigestAlgorithm algorithm) {
  switch (algorithm) {
    case DigestAlgorithm::sha1:
      return EVP_sha1();
    case DigestAlgorithm::sha256:
      return EVP_sha256();
    case DigestAlgorithm::sha512:
      return EVP_sha512();
  }
  throw std::logic_error("unknown digest algorithm");
}

std::string bytes(const unsigned char* data, unsigned int size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace

std::string hexOf(std::string_view raw) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (const char c : raw) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0xf]);
  }
  return out;
}

std::string sha256(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  return bytes(digest, size);
}

std::string sha256Hex(std::string_view data) {
  return hexOf(sha256(data));
}

std::string hmac(std::string_view key, std::string_view data, DigestAlgorithm algorithm) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (HMAC(md(algorithm), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest,
           &size) == nullptr) {
    throw std::runtime_error("HMAC failed");
  }
  return bytes(digest, size);
}

std::string hmacHex(std::string_view key, std::string_view data, DigestAlgorithm algorithm) {
  return hexOf(hmac(key, data, algorithm));
}

}  // namespace offers::testing
