// Page cursors (src/http/cursor.hpp): what encodeCursor issues decodes back to the same
// id; anything a client could make up instead (garbage, a cut-off cursor, another
// version, the base64 of something that is not an id) decodes to nullopt.
#include <gtest/gtest.h>

#include <string>

#include "http/cursor.hpp"

namespace offers::testing {
namespace {

using http::decodeCursor;
using http::encodeCursor;

constexpr const char* kId = "692126c8-6e72-4ad7-8a73-25fc2f1f56e4";

// base64url without padding, written independently of the code under test.
std::string base64url(std::string_view plain) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < plain.size(); i += 3) {
    const unsigned n = unsigned((unsigned char)plain[i]) << 16 |
                       unsigned((unsigned char)plain[i + 1]) << 8 | (unsigned char)plain[i + 2];
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  if (i + 1 == plain.size()) {
    const unsigned n = unsigned((unsigned char)plain[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
  } else if (i + 2 == plain.size()) {
    const unsigned n =
        unsigned((unsigned char)plain[i]) << 16 | unsigned((unsigned char)plain[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

TEST(Cursor, RoundTrips) {
  for (const char* id :
       {kId, "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-4fff-bfff-ffffffffffff",
        "d9b1d9ff-543e-47c7-895f-87f71dcad91b"}) {
    SCOPED_TRACE(id);
    EXPECT_EQ(decodeCursor(encodeCursor(id)), id);
  }
}

TEST(Cursor, IsOpaqueAndSafeInAQueryString) {
  const auto cursor = encodeCursor(kId);
  EXPECT_EQ(cursor.find(kId), std::string::npos);
  for (char c : cursor) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')
        << "character '" << c << "' in " << cursor;
  }
}

TEST(Cursor, IsTheVersionedBase64urlTheHeaderDescribes) {
  EXPECT_EQ(encodeCursor(kId), base64url(std::string("c1:") + kId));
  EXPECT_EQ(decodeCursor(base64url(std::string("c1:") + kId)), kId);
}

TEST(Cursor, RejectsGarbage) {
  for (const char* text : {"", "x", "abc", "hello", "!!!!", "====", "YWJj=",
                           "c1:"
                           "692126c8",
                           "not a cursor", "%00%00%00%00"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(decodeCursor(text), std::nullopt);
  }
  EXPECT_EQ(decodeCursor(kId), std::nullopt);  // a bare id is not a cursor
}

TEST(Cursor, RejectsStandardBase64AlphabetAndPadding) {
  // Cursors are base64url without padding; '+', '/' and '=' never appear in one.
  const std::string cursor = encodeCursor(kId);
  EXPECT_EQ(decodeCursor(cursor + "="), std::nullopt);
  EXPECT_EQ(decodeCursor(cursor.substr(0, 8) + "+" + cursor.substr(9)), std::nullopt);
  EXPECT_EQ(decodeCursor(cursor.substr(0, 8) + "/" + cursor.substr(9)), std::nullopt);
}

TEST(Cursor, RejectsTruncation) {
  const auto cursor = encodeCursor(kId);
  for (std::size_t cut = 1; cut < cursor.size(); ++cut) {
    SCOPED_TRACE(cut);
    EXPECT_EQ(decodeCursor(cursor.substr(0, cursor.size() - cut)), std::nullopt);
  }
}

TEST(Cursor, RejectsAppendedCharacters) {
  const auto cursor = encodeCursor(kId);
  for (const char* extra : {"A", "AA", "AAA", "AAAA", "QQ"}) {
    SCOPED_TRACE(extra);
    EXPECT_EQ(decodeCursor(cursor + extra), std::nullopt);
  }
}

TEST(Cursor, RejectsValidBase64OfANonUuid) {
  EXPECT_EQ(decodeCursor(encodeCursor("")), std::nullopt);
  EXPECT_EQ(decodeCursor(encodeCursor("hello")), std::nullopt);
  EXPECT_EQ(decodeCursor(encodeCursor("692126c8-6e72-4ad7-8a73-25fc2f1f56e")), std::nullopt);
  EXPECT_EQ(decodeCursor(encodeCursor("692126c8-6e72-4ad7-8a73-25fc2f1f56e4x")), std::nullopt);
  EXPECT_EQ(decodeCursor(encodeCursor("692126c8x6e72-4ad7-8a73-25fc2f1f56e4")), std::nullopt);
  EXPECT_EQ(decodeCursor(base64url(std::string("c1:") + kId + '\0')), std::nullopt);
}

TEST(Cursor, RejectsOverLongInput) {
  EXPECT_EQ(decodeCursor(std::string(129, 'A')), std::nullopt);
  EXPECT_EQ(decodeCursor(std::string(10'000, 'A')), std::nullopt);
  EXPECT_EQ(decodeCursor(encodeCursor(std::string(kId) + std::string(100, 'a'))), std::nullopt);
}

TEST(Cursor, RejectsAnotherVersion) {
  EXPECT_EQ(decodeCursor(base64url(std::string("c2:") + kId)), std::nullopt);
  EXPECT_EQ(decodeCursor(base64url(std::string("c0:") + kId)), std::nullopt);
  EXPECT_EQ(decodeCursor(base64url(std::string("C1:") + kId)), std::nullopt);
  EXPECT_EQ(decodeCursor(base64url(kId)), std::nullopt);  // unversioned
}

}  // namespace
}  // namespace offers::testing
