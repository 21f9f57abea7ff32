// The DynamoDB engine's fixed thread pool (worker_pool.hpp).
#include "store/dynamodb/worker_pool.hpp"

#include <atomic>
#include <exception>
#include <memory>

namespace offers::store::dynamodb {

// One forEach call. Shared with the helpers it asked for: a helper that starts after the
// call has returned finds no index left and touches nothing else.
struct WorkerPool::Batch {
  std::size_t n = 0;
  const std::function<void(std::size_t)>* fn = nullptr;  // valid while indices remain
  std::atomic<std::size_t> next{0};
  std::mutex mutex;
  std::condition_variable done;
  std::size_t finished = 0;  // indices taken and run (or skipped)
  std::exception_ptr failure;

  // Takes indices until none are left.
  void run() {
    for (;;) {
      const auto i = next.fetch_add(1);
      if (i >= n) return;
      bool skip;
      {
        std::lock_guard lock(mutex);
        skip = failure != nullptr;
      }
      std::exception_ptr thrown;
      if (!skip) {
        try {
          (*fn)(i);
        } catch (...) {
          thrown = std::current_exception();
        }
      }
      std::lock_guard lock(mutex);
      if (thrown && !failure) failure = thrown;
      if (++finished == n) done.notify_all();
    }
  }
};

WorkerPool::WorkerPool(unsigned threads) {
  threads_.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

void WorkerPool::work() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

void WorkerPool::forEach(std::size_t n, std::size_t width,
                         const std::function<void(std::size_t)>& fn) {
  if (n == 0) return;
  const std::size_t helpers =
      std::min({n, std::max<std::size_t>(width, 1), threads_.size() + 1}) - 1;
  if (helpers == 0) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  auto batch = std::make_shared<Batch>();
  batch->n = n;
  batch->fn = &fn;
  {
    std::lock_guard lock(mutex_);
    for (std::size_t h = 0; h < helpers; ++h) queue_.emplace_back([batch] { batch->run(); });
  }
  if (helpers == 1) {
    wake_.notify_one();
  } else {
    wake_.notify_all();
  }
  batch->run();
  std::unique_lock lock(batch->mutex);
  batch->done.wait(lock, [&] { return batch->finished == n; });
  if (batch->failure) std::rethrow_exception(batch->failure);
}

}  // namespace offers::store::dynamodb
