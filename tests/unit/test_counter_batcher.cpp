// CounterBatcher (src/store/dynamodb/counter_batcher.hpp): concurrent moves of one item go
// out together, under the earliest send-by deadline among them; a lone move goes out as
// it is; a refused or failed group leaves every move to its caller.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "store/dynamodb/counter_batcher.hpp"

namespace offers::testing {
namespace {

using store::dynamodb::CounterBatcher;
namespace json = boost::json;

TEST(CounterBatcher, ALoneMoveIsSentAsItIs) {
  CounterBatcher batcher;
  CounterBatcher::Move move;
  move.delta = 1;
  move.token = "t";
  move.sendBy = 42;
  std::vector<std::size_t> sizes;
  std::int64_t seenSendBy = 0;
  const bool applied = batcher.submit(
      "item", move, [&](const std::vector<CounterBatcher::Move*>& group, std::int64_t by) {
        sizes.push_back(group.size());
        seenSendBy = by;
        return std::optional<json::object>(json::object{{"n", 1}});
      });
  EXPECT_TRUE(applied);
  EXPECT_EQ(sizes, std::vector<std::size_t>{1});
  EXPECT_EQ(seenSendBy, 42);
  ASSERT_TRUE(move.after);
  EXPECT_EQ(move.after->at("n").as_int64(), 1);
}

TEST(CounterBatcher, MovesArrivingWhileAWriteIsInFlightGoOutTogether) {
  CounterBatcher batcher;
  std::mutex m;
  std::vector<std::size_t> sizes;
  std::size_t sentLater = 0;  // groups sent by a deadline other than their earliest
  std::int64_t total = 0;
  auto send = [&](const std::vector<CounterBatcher::Move*>& group, std::int64_t by) {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));  // a write in flight
    std::lock_guard lock(m);
    sizes.push_back(group.size());
    std::int64_t earliest = INT64_MAX;
    for (const auto* move : group) {
      total += move->delta;
      earliest = std::min(earliest, move->sendBy);
    }
    if (by != earliest) ++sentLater;
    return std::optional<json::object>(json::object{{"total", total}});
  };
  constexpr int kMoves = 20;
  std::atomic<int> applied{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kMoves; ++i) {
    threads.emplace_back([&, i] {
      CounterBatcher::Move move;
      move.delta = 1;
      move.token = "t";
      move.token += std::to_string(i);
      move.sendBy = 1000 + (i * 7) % kMoves;  // not in arrival order
      if (batcher.submit("offer", move, send) && move.after) ++applied;
    });
    if (i == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the first leads
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(applied.load(), kMoves);
  EXPECT_EQ(total, kMoves) << "every move counted once";
  EXPECT_LT(sizes.size(), std::size_t(kMoves)) << "no group formed";
  std::size_t sum = 0;
  for (auto s : sizes) sum += s;
  EXPECT_EQ(sum, std::size_t(kMoves));
  // Each group went out under the earliest deadline among its moves.
  EXPECT_EQ(sentLater, 0u);
}

TEST(CounterBatcher, ARefusedOrFailedGroupLeavesEveryMoveToItsCaller) {
  for (const bool throws : {false, true}) {
    CounterBatcher batcher;
    std::atomic<int> alone{0};
    auto send = [&](const std::vector<CounterBatcher::Move*>&, std::int64_t) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (throws) throw std::runtime_error("timed out");
      return std::optional<json::object>();  // refused
    };
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&, i] {
        CounterBatcher::Move move;
        move.delta = -1;
        move.token = "u";
        move.token += std::to_string(i);
        if (!batcher.submit("offer", move, send)) ++alone;
        EXPECT_FALSE(move.after);
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(alone.load(), 8) << (throws ? "failed" : "refused");
  }
}

}  // namespace
}  // namespace offers::testing
