// The one backoff rule (src/domain/backoff.hpp), with the random draw pinned: doubling,
// the cap, and both kinds of jitter at their edges.
#include <gtest/gtest.h>

#include "domain/backoff.hpp"

namespace {

using offers::domain::Backoff;
using offers::domain::Jitter;
using std::chrono::milliseconds;

TEST(Backoff, FullJitterSpansZeroToTheDoubledDelay) {
  const Backoff b{milliseconds(100), milliseconds(10000), Jitter::full};
  EXPECT_EQ(b.delay(0, 0.0), milliseconds(0));
  EXPECT_EQ(b.delay(0, 0.999999), milliseconds(100));
  EXPECT_EQ(b.delay(1, 0.5), milliseconds(100));
  EXPECT_EQ(b.delay(3, 0.999999), milliseconds(800));
}

TEST(Backoff, FullJitterNeverExceedsTheCap) {
  const Backoff b{milliseconds(20), milliseconds(1000), Jitter::full};
  EXPECT_EQ(b.delay(10, 0.999999), milliseconds(1000));
  EXPECT_EQ(b.delay(1000, 0.999999), milliseconds(1000)) << "no overflow however many doublings";
  EXPECT_EQ(b.delay(1000, 0.0), milliseconds(0));
}

TEST(Backoff, ProportionalJitterStaysWithinTwentyPercent) {
  const Backoff b{milliseconds(1000), milliseconds(60 * 60 * 1000), Jitter::proportional};
  EXPECT_EQ(b.delay(0, 0.0), milliseconds(800));
  EXPECT_EQ(b.delay(0, 0.5), milliseconds(1000));
  EXPECT_EQ(b.delay(2, 0.5), milliseconds(4000));
  EXPECT_EQ(b.delay(2, 1.0), milliseconds(4800));
}

TEST(Backoff, ProportionalJitterIsAtMostTheCap) {
  // docs/configuration.md: "±20% jitter, at most 1 h".
  const Backoff b{milliseconds(1000), milliseconds(60 * 60 * 1000), Jitter::proportional};
  EXPECT_EQ(b.delay(30, 1.0), milliseconds(60 * 60 * 1000));
  EXPECT_EQ(b.delay(30, 0.0), milliseconds(48 * 60 * 1000));
}

TEST(Backoff, NegativeDoublingsMeanTheBase) {
  const Backoff b{milliseconds(1000), milliseconds(5000), Jitter::proportional};
  EXPECT_EQ(b.delay(-1, 0.5), milliseconds(1000));
}

TEST(Backoff, AZeroBaseNeverWaits) {
  const Backoff b{milliseconds(0), milliseconds(5000), Jitter::full};
  EXPECT_EQ(b.delay(5, 0.999999), milliseconds(0));
}

TEST(Backoff, DrawsAreInTheUnitInterval) {
  for (int i = 0; i < 1000; ++i) {
    const double d = offers::domain::randomDraw();
    ASSERT_GE(d, 0.0);
    ASSERT_LT(d, 1.0);
  }
}

}  // namespace
