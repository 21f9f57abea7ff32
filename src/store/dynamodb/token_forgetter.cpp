#include "store/dynamodb/token_forgetter.hpp"

#include "log/log.hpp"

namespace offers::store::dynamodb {

TokenForgetter::TokenForgetter(Remove remove, Parallel parallel, std::chrono::milliseconds interval,
                               int attempts)
    : remove_(std::move(remove)),
      parallel_(std::move(parallel)),
      interval_(interval),
      attempts_(attempts),
      thread_([this] { loop(); }) {}

TokenForgetter::~TokenForgetter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  flush();
}

void TokenForgetter::add(const Key& key, std::string token) {
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    auto& entry = waiting_[{key.pk, key.sk}];
    entry.key = key;
    entry.tokens.push_back(std::move(token));
    first = count_++ == 0;
  }
  if (first) wake_.notify_one();
}

std::size_t TokenForgetter::flush() {
  std::lock_guard round(flushMutex_);
  std::vector<Entry> entries;
  {
    std::lock_guard lock(mutex_);
    for (auto& [k, entry] : waiting_) entries.push_back(std::move(entry));
    waiting_.clear();
    count_ = 0;
  }
  if (entries.empty()) return 0;
  std::vector<char> failed(entries.size(), 0);
  try {
    parallel_(entries.size(), [&](std::size_t i) {
      try {
        remove_(entries[i].key, entries[i].tokens);
      } catch (const std::exception&) {
        failed[i] = 1;
      }
    });
  } catch (const std::exception&) {
    std::fill(failed.begin(), failed.end(), 1);
  }
  std::size_t kept = 0;
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (!failed[i]) continue;
    if (++entries[i].failures >= attempts_) {
      log::warn("dynamodb: tokens left in ops after repeated failures",
                {{"pk", entries[i].key.pk}, {"tokens", std::to_string(entries[i].tokens.size())}});
      continue;
    }
    auto& entry = waiting_[{entries[i].key.pk, entries[i].key.sk}];
    entry.key = entries[i].key;
    entry.failures = std::max(entry.failures, entries[i].failures);
    for (auto& t : entries[i].tokens) entry.tokens.push_back(std::move(t));
    kept += entries[i].tokens.size();
  }
  count_ += kept;
  return entries.size();
}

void TokenForgetter::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait(lock, [this] { return stopping_ || count_ > 0; });
    if (stopping_) break;
    // Let the round gather: the tokens of the links that commit meanwhile go with it.
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    flush();
    lock.lock();
  }
}

}  // namespace offers::store::dynamodb
