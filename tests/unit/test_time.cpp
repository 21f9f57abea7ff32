// Wire timestamps (src/domain/time.hpp): ISO 8601 UTC with milliseconds, and a parser
// that takes back exactly what the formatter writes and nothing else.
#include <gtest/gtest.h>

#include "domain/time.hpp"

namespace offers::testing {
namespace {

using domain::formatTimestamp;
using domain::Millis;
using domain::parseTimestamp;

TEST(Timestamp, Epoch) {
  EXPECT_EQ(formatTimestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(parseTimestamp("1970-01-01T00:00:00.000Z"), 0);
}

TEST(Timestamp, KnownInstant) {
  EXPECT_EQ(formatTimestamp(1'700'000'000'123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(parseTimestamp("2023-11-14T22:13:20.123Z"), 1'700'000'000'123);
}

TEST(Timestamp, PadsEveryField) {
  EXPECT_EQ(formatTimestamp(5), "1970-01-01T00:00:00.005Z");
  EXPECT_EQ(formatTimestamp(3'723'045), "1970-01-01T01:02:03.045Z");
}

TEST(Timestamp, LeapDay) {
  // 2024-02-29T12:34:56.789Z
  const Millis leap = 1'709'210'096'789;
  EXPECT_EQ(formatTimestamp(leap), "2024-02-29T12:34:56.789Z");
  EXPECT_EQ(parseTimestamp("2024-02-29T12:34:56.789Z"), leap);
  EXPECT_EQ(formatTimestamp(leap + 12 * 3600 * 1000), "2024-03-01T00:34:56.789Z");
  EXPECT_EQ(parseTimestamp("2023-02-29T12:34:56.789Z"), std::nullopt);
}

TEST(Timestamp, RoundTrips) {
  for (Millis ms : {Millis{0}, Millis{1}, Millis{999}, Millis{1000}, Millis{86'399'999},
                    Millis{951'782'400'000} /* 2000-02-29 */, Millis{1'700'000'000'123},
                    Millis{4'102'444'799'999} /* 2099-12-31T23:59:59.999Z */, Millis{-1}}) {
    SCOPED_TRACE(ms);
    const auto text = formatTimestamp(ms);
    EXPECT_EQ(text.size(), 24u) << text;
    EXPECT_EQ(parseTimestamp(text), ms) << text;
  }
}

TEST(Timestamp, BeforeTheEpoch) {
  EXPECT_EQ(formatTimestamp(-1), "1969-12-31T23:59:59.999Z");
}

TEST(Timestamp, RejectsMalformedText) {
  for (const char* text : {
           "",
           "2024-02-29",
           "2024-02-29T12:34:56Z",           // no milliseconds
           "2024-02-29T12:34:56.78Z",        // two digits of milliseconds
           "2024-02-29T12:34:56.789",        // no zone
           "2024-02-29T12:34:56.789z",       // lower-case zone
           "2024-02-29T12:34:56.789+00:00",  // offset instead of Z
           "2024-02-29 12:34:56.789Z",       // space instead of T
           "2024-02-29t12:34:56.789Z",
           "2024-02-29T12:34:56.789Zx",
           "2024/02/29T12:34:56.789Z",
           "2024-13-01T00:00:00.000Z",
           "2024-00-01T00:00:00.000Z",
           "2024-04-31T00:00:00.000Z",
           "2024-01-01T24:00:00.000Z",
           "2024-01-01T23:60:00.000Z",
           "2024-01-01T23:59:60.000Z",  // no leap seconds
           "2024-01-01T00:00:00.0a0Z",
           "garbage garbage garbage!",
       }) {
    SCOPED_TRACE(text);
    EXPECT_EQ(parseTimestamp(text), std::nullopt);
  }
}

// The header: "Parses what formatTimestamp writes; nullopt for anything else".
// formatTimestamp writes digits only in its numeric fields, never a sign or a space.
TEST(Timestamp, RejectsSignsAndSpacesInNumericFields) {
  for (const char* text : {
           "2024-01-01T00:00:00.-01Z",  // negative milliseconds
           "2024-01-01T00:00:00.+01Z",
           "2024-01-01T+1:00:00.000Z",
           "2024-01-01T 1:00:00.000Z",
           "2024-01-01T00:-1:00.000Z",
           "2024- 1-01T00:00:00.000Z",
           "+024-01-01T00:00:00.000Z",
           " 024-01-01T00:00:00.000Z",
       }) {
    SCOPED_TRACE(text);
    EXPECT_EQ(parseTimestamp(text), std::nullopt);
  }
}

}  // namespace
}  // namespace offers::testing
