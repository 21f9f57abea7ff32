// Striped reader/writer locks over entity ids: the embedded engine's way of making a
// read-check-write over several keys atomic with respect to other requests in this
// process (RocksDB's write batch then makes it atomic on disk). A lock set takes its
// stripes in ascending order, so two operations can never wait on each other in a cycle.
#pragma once

#include <algorithm>
#include <array>
#include <functional>
#include <shared_mutex>
#include <string_view>
#include <vector>

namespace offers::store::rocksdb {

class LockTable {
 public:
  static constexpr std::size_t kStripes = 4096;

  struct Want {
    std::size_t stripe;
    bool exclusive;
  };

  Want exclusive(std::string_view id) const { return {stripeOf(id), true}; }
  Want shared(std::string_view id) const { return {stripeOf(id), false}; }

  // Holds its stripes until destroyed.
  class Guard {
   public:
    Guard(LockTable& table, std::vector<Want> wants) : table_(table), held_(std::move(wants)) {
      std::sort(held_.begin(), held_.end(),
                [](const Want& a, const Want& b) { return a.stripe < b.stripe; });
      // One entry per stripe; exclusive wins when both were asked for.
      std::size_t out = 0;
      for (std::size_t i = 0; i < held_.size(); ++i) {
        if (out > 0 && held_[out - 1].stripe == held_[i].stripe) {
          held_[out - 1].exclusive = held_[out - 1].exclusive || held_[i].exclusive;
        } else {
          held_[out++] = held_[i];
        }
      }
      held_.resize(out);
      for (const auto& w : held_) {
        if (w.exclusive) {
          table_.stripes_[w.stripe].lock();
        } else {
          table_.stripes_[w.stripe].lock_shared();
        }
      }
    }
    ~Guard() {
      for (auto it = held_.rbegin(); it != held_.rend(); ++it) {
        if (it->exclusive) {
          table_.stripes_[it->stripe].unlock();
        } else {
          table_.stripes_[it->stripe].unlock_shared();
        }
      }
    }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    LockTable& table_;
    std::vector<Want> held_;
  };

 private:
  static std::size_t stripeOf(std::string_view id) {
    return std::hash<std::string_view>{}(id) % kStripes;
  }

  std::array<std::shared_mutex, kStripes> stripes_;
};

}  // namespace offers::store::rocksdb
