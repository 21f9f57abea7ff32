// Lambda-Runtime-Deadline-Ms as the runtime loop reads it (src/lambda/runtime.hpp):
// Lambda's epoch milliseconds taken as they are, an emulator's time left (a duration)
// recognised, and a missing or broken header given Lambda's longest timeout.
#include <gtest/gtest.h>

#include "lambda/runtime.hpp"

namespace offers::testing {
namespace {

using lambda::deadlineFromHeader;

constexpr std::int64_t kNow = 1796688000000;  // 2026-12-07, epoch milliseconds

TEST(RuntimeDeadline, EpochMillisecondsAreTheDeadline) {
  EXPECT_EQ(deadlineFromHeader("1796688030000", kNow), 1796688030000);
  // Already past: kept, so that a function stops at once.
  EXPECT_EQ(deadlineFromHeader("1796687990000", kNow), 1796687990000);
}

TEST(RuntimeDeadline, ADurationIsTakenAsTheTimeLeft) {
  EXPECT_EQ(deadlineFromHeader("30000", kNow), kNow + 30000);
  EXPECT_EQ(deadlineFromHeader("0", kNow), kNow);
}

TEST(RuntimeDeadline, AMissingOrBrokenHeaderGivesFifteenMinutes) {
  for (const char* value : {"", "soon", "12x", "-5", "99999999999999999999999"}) {
    EXPECT_EQ(deadlineFromHeader(value, kNow), kNow + 15 * 60 * 1000) << value;
  }
}

}  // namespace
}  // namespace offers::testing
