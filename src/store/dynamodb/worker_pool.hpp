// A fixed set of threads that the DynamoDB engine's parallel steps share (a bulk page's
// links, a location batch's writes, a batch of events): the requests of one step go out
// at once, and however many steps run at once the engine starts no more threads than
// this. Shut down cleanly when the engine is destroyed.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace offers::store::dynamodb {

class WorkerPool {
 public:
  // `threads` helpers (0: every call runs on its caller alone).
  explicit WorkerPool(unsigned threads);
  // Stops the helpers and joins them; calls still running finish on their callers.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs fn(0..n-1) and returns once every call has returned: on the calling thread and
  // on up to `width` - 1 helpers that are free meanwhile. The caller works through the
  // indices too, so a call completes even when every helper is busy (or when fn itself
  // calls forEach). After a call throws, indices not yet started are skipped; the first
  // exception is rethrown.
  void forEach(std::size_t n, std::size_t width, const std::function<void(std::size_t)>& fn);

  std::size_t threads() const { return threads_.size(); }

 private:
  struct Batch;
  void work();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace offers::store::dynamodb
