// The backoff rule of backoff.hpp, and the random draw that feeds it.
#include "domain/backoff.hpp"

#include <algorithm>
#include <cstdint>
#include <random>

namespace offers::domain {

std::chrono::milliseconds Backoff::delay(int doublings, double draw) const {
  const std::int64_t cap = std::max<std::int64_t>(0, max.count());
  const std::int64_t first = std::clamp<std::int64_t>(base.count(), 0, cap);
  // Doubling stops at the cap, so no shift can overflow.
  std::int64_t capped = first;
  for (int i = 0; i < doublings && capped > 0 && capped < cap; ++i)
    capped = std::min(cap, capped * 2);
  const double d = std::clamp(draw, 0.0, 1.0);
  switch (jitter) {
    case Jitter::full:
      // Uniform over the whole numbers 0..capped.
      return std::chrono::milliseconds(std::min(capped, std::int64_t(d * double(capped + 1))));
    case Jitter::proportional:
      return std::chrono::milliseconds(
          std::min(cap, std::int64_t(double(capped) * (0.8 + 0.4 * d))));
  }
  return std::chrono::milliseconds(capped);
}

double randomDraw() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
}

}  // namespace offers::domain
