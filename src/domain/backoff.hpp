// Exponential backoff with jitter: the one rule for how long to wait before retrying, used
// by the AWS client (throttling, 5xx), the job workers (a step the store refused) and the
// webhook dispatcher (a failed delivery). Pure: the caller supplies the random draw, so
// tests pin every delay (tests/unit/test_backoff.cpp).
#pragma once

#include <chrono>

namespace offers::domain {

enum class Jitter {
  // Anywhere from zero to the capped delay ("full jitter"): retries from many clients
  // that failed together spread out as much as possible.
  full,
  // Within 20% either side of the capped delay, and never above `max`: the schedule a
  // webhook owner can read in the docs ("1 s, 2 s, 4 s ..., at most 1 h").
  proportional,
};

struct Backoff {
  std::chrono::milliseconds base;  // the delay before any doubling
  std::chrono::milliseconds max;   // the cap, before and after jitter
  Jitter jitter = Jitter::full;

  // The delay after `doublings` doublings of the base (0: the base itself), capped at
  // max, then jittered by `draw`, a uniform random number in [0, 1).
  std::chrono::milliseconds delay(int doublings, double draw) const;
};

// A uniform random number in [0, 1) from this thread's generator: the draw for delay().
double randomDraw();

}  // namespace offers::domain
