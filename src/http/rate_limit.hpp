// A token bucket per client (an API key's name, or the client address when
// authentication is off): `rate` requests a second on average, up to `burst` at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace offers::http {

struct RateLimitOptions {
  double rate = 0;   // requests per second; 0: no limit
  double burst = 0;  // bucket size; 0: the same as rate
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RateLimiter(RateLimitOptions options);

  bool enabled() const { return options_.rate > 0; }
  const RateLimitOptions& options() const { return options_; }

  // Takes a token from the client's bucket: 0 when the request may go ahead, otherwise
  // the whole seconds (at least 1) after which a token will be there (Retry-After).
  std::int64_t acquire(std::string_view client, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  // Buckets live in shards, each with its own lock, so that requests of different
  // clients rarely wait on each other.
  struct Hash {
    using is_transparent = void;  // look up by string_view, no copy per request
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Bucket, Hash, std::equal_to<>> buckets;
  };
  static constexpr std::size_t kShards = 16;
  // Past this many buckets in a shard, full ones are dropped: a full bucket is the same
  // as no bucket, and client addresses must not grow memory without bound.
  static constexpr std::size_t kPruneAbove = 4096;

  RateLimitOptions options_;
  Shard shards_[kShards];
};

}  // namespace offers::http
