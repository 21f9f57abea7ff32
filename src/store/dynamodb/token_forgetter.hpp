// Takes the tokens of committed link operations out of the items' `ops` after the
// answer has gone, instead of on the request's path: a committed operation's token
// guards nothing any more (docs/dynamodb-model.md, "Guarded counters"). Tokens are
// gathered per item and taken out in rounds, one write per item for all the tokens it
// gathered meanwhile, so the many links of a hot offer share one write.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "store/dynamodb/table.hpp"

namespace offers::store::dynamodb {

class TokenForgetter {
 public:
  // Takes `tokens` out of the item at `key`; throws when the store fails.
  using Remove = std::function<void(const Key& key, const std::vector<std::string>& tokens)>;
  // Runs a round's removals, fn(0..n-1), all at once if it can.
  using Parallel = std::function<void(std::size_t n, const std::function<void(std::size_t)>& fn)>;

  // A round every `interval` while tokens wait. A removal that fails is tried again in
  // the next rounds, `attempts` in all; then its tokens stay (harmless, ~40 bytes each).
  TokenForgetter(Remove remove, Parallel parallel, std::chrono::milliseconds interval,
                 int attempts = 5);
  // A last round for what waits, then the thread stops.
  ~TokenForgetter();
  TokenForgetter(const TokenForgetter&) = delete;
  TokenForgetter& operator=(const TokenForgetter&) = delete;

  void add(const Key& key, std::string token);
  // One round now, on the calling thread; returns the writes it made.
  std::size_t flush();

 private:
  struct Entry {
    Key key;
    std::vector<std::string> tokens;
    int failures = 0;
  };
  void loop();

  Remove remove_;
  Parallel parallel_;
  const std::chrono::milliseconds interval_;
  const int attempts_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::pair<std::string, std::string>, Entry> waiting_;
  std::size_t count_ = 0;
  bool stopping_ = false;
  std::mutex flushMutex_;  // one round at a time
  std::thread thread_;     // last: started once everything above exists
};

}  // namespace offers::store::dynamodb
