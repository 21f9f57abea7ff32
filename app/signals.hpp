// Signals are the application's: SIGINT, SIGTERM and SIGHUP are blocked in every thread
// (blockSignals, first thing in main, so every thread started later inherits the mask),
// and one thread of their own takes them with sigwait, outside any signal handler.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

namespace offers::app {

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread and in every thread it starts
// from then on. Call before any thread exists.
void blockSignals();

// The thread that takes the blocked signals. SIGHUP calls onReload. SIGINT or SIGTERM logs
// "stopping" with the signal's number and calls the stop function (see stopWith), once, and
// the thread ends (a second signal then waits, blocked, as the process winds down). Without
// a stop function a stop signal ends the process as an unhandled one would: start-up may
// wait long on an unreachable store, and has nothing that needs a clean end (every
// acknowledged write is already in the store's log).
class SignalThread {
 public:
  explicit SignalThread(std::function<void()> onReload);
  ~SignalThread();
  SignalThread(const SignalThread&) = delete;
  SignalThread& operator=(const SignalThread&) = delete;

  // Stop signals call the stop function while this lives.
  class StopRoute {
   public:
    explicit StopRoute(SignalThread& thread) : thread_(thread) {}
    ~StopRoute() { thread_.setStop(nullptr); }
    StopRoute(const StopRoute&) = delete;
    StopRoute& operator=(const StopRoute&) = delete;

   private:
    SignalThread& thread_;
  };
  // From now until the returned route ends, a stop signal calls `stop` (Server::stop,
  // which is safe before run()).
  [[nodiscard]] StopRoute stopWith(std::function<void()> stop);

 private:
  void run();
  void setStop(std::function<void()> stop);

  std::function<void()> onReload_;
  std::mutex mutex_;
  std::function<void()> stop_;  // guarded by mutex_
  std::atomic<bool> closing_{false};
  std::thread thread_;
};

}  // namespace offers::app
