// Concurrent guarded counter moves on one item, sent as one write (docs/dynamodb-model.md,
// "An offer linked at more than 1,000 writes a second"): the links and unlinks of a hot
// offer in this process queue on its counter item; the first without a leader takes every
// move queued at that moment and sends them as one UpdateItem (ADD the sum and every
// token, if none of the tokens is there yet; for a lone move, the very write it would
// have sent), then hands the lead to the first move that queued while that write was in
// flight. So one write to the item is in flight at a time from this process, carrying
// every move that arrived meanwhile. A move whose group's write was refused or failed is
// made by its own caller as before (its token makes a repeat harmless), so a group
// changes how many writes the item takes, never what they count.
#pragma once

#include <algorithm>
#include <array>
#include <boost/json/object.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace offers::store::dynamodb {

class CounterBatcher {
 public:
  struct Move {
    std::int64_t delta = 0;
    std::string token;
    std::int64_t sendBy = INT64_MAX;           // aws::SendBy's deadline of the caller (none: max)
    std::optional<boost::json::object> after;  // the item as the group's write left it
    bool done = false;                         // guarded by the stripe's mutex
    bool lead = false;                         // likewise
    bool applied = false;                      // the group's write carried it
  };
  // Sends the group's one write (every move's delta and token, under the earliest of
  // their send-by deadlines); the item as it left it, or nullopt when refused. May throw.
  using Send = std::function<std::optional<boost::json::object>(const std::vector<Move*>&,
                                                                std::int64_t sendBy)>;

  // True when `move` went out with its group (move.after holds the item); false when the
  // caller must make it alone.
  bool submit(const std::string& item, Move& move, const Send& send) {
    auto& stripe = stripes_[std::hash<std::string_view>{}(item) % kStripes];
    std::unique_lock lock(stripe.mutex);
    auto& queue = stripe.queues[item];
    queue.waiting.push_back(&move);
    if (!queue.leading) {
      queue.leading = true;
      move.lead = true;
    }
    stripe.changed.wait(lock, [&] { return move.done || move.lead; });
    if (move.done) return move.applied;
    std::vector<Move*> group;
    while (!queue.waiting.empty() && group.size() < kMaxGroup) {
      group.push_back(queue.waiting.front());
      queue.waiting.pop_front();
    }
    lock.unlock();
    std::int64_t sendBy = INT64_MAX;
    for (const auto* m : group) sendBy = std::min(sendBy, m->sendBy);
    try {
      if (auto item = send(group, sendBy)) {
        for (auto* m : group) {
          m->applied = true;
          m->after = *item;
        }
      }
    } catch (...) {
      // Every move is made alone by its caller: the group's write may have landed, and
      // each token then shows its move as made.
    }
    lock.lock();
    for (auto* m : group) m->done = true;
    auto& after = stripe.queues[item];
    if (after.waiting.empty()) {
      stripe.queues.erase(item);
    } else {
      after.waiting.front()->lead = true;
    }
    stripe.changed.notify_all();
    return move.applied;
  }

 private:
  // A group's condition names every token; DynamoDB allows 4 KB of expression.
  static constexpr std::size_t kMaxGroup = 50;
  static constexpr std::size_t kStripes = 64;
  struct Queue {
    std::deque<Move*> waiting;
    bool leading = false;
  };
  struct Stripe {
    std::mutex mutex;
    std::condition_variable changed;
    std::unordered_map<std::string, Queue> queues;
  };
  std::array<Stripe, kStripes> stripes_;
};

}  // namespace offers::store::dynamodb
