#include "http/rate_limit.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

namespace offers::http {

RateLimiter::RateLimiter(RateLimitOptions options) : options_(options) {
  if (options_.burst <= 0) options_.burst = std::max(1.0, options_.rate);
}

std::int64_t RateLimiter::acquire(std::string_view client, Clock::time_point now) {
  if (!enabled()) return 0;
  Shard& shard = shards_[std::hash<std::string_view>{}(client) % kShards];
  std::lock_guard lock(shard.mutex);
  auto tokensNow = [&](const Bucket& b) {
    const double elapsed = std::chrono::duration<double>(now - b.updated).count();
    return elapsed > 0 ? std::min(options_.burst, b.tokens + elapsed * options_.rate) : b.tokens;
  };
  auto it = shard.buckets.find(client);
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= kPruneAbove) {
      std::erase_if(shard.buckets,
                    [&](const auto& entry) { return tokensNow(entry.second) >= options_.burst; });
    }
    it = shard.buckets.emplace(std::string(client), Bucket{options_.burst, now}).first;
  }
  Bucket& bucket = it->second;
  bucket.tokens = tokensNow(bucket);
  bucket.updated = std::max(bucket.updated, now);
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return 0;
  }
  const double wait = (1 - bucket.tokens) / options_.rate;
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait)));
}

}  // namespace offers::http
