#include "app/signals.hpp"

#include <pthread.h>

#include <csignal>
#include <cstdlib>
#include <system_error>

#include "log/log.hpp"

namespace offers::app {
namespace {

sigset_t handledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

// The default action of `sig` (for SIGINT and SIGTERM: the end of the process), taken by
// this thread.
[[noreturn]] void dieOf(int sig) {
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, sig);
  std::signal(sig, SIG_DFL);
  pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
  std::raise(sig);
  std::_Exit(128 + sig);  // only if the signal's action was not the default after all
}

}  // namespace

void blockSignals() {
  const sigset_t set = handledSignals();
  if (const int rc = pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0) {
    throw std::system_error(rc, std::generic_category(), "pthread_sigmask");
  }
}

SignalThread::SignalThread(std::function<void()> onReload)
    : onReload_(std::move(onReload)), thread_([this] { run(); }) {}

SignalThread::~SignalThread() {
  // Wake the thread with a signal of its set; closing_ tells it that this one is ours.
  closing_ = true;
  if (thread_.joinable()) {
    pthread_kill(thread_.native_handle(), SIGHUP);
    thread_.join();
  }
}

SignalThread::StopRoute SignalThread::stopWith(std::function<void()> stop) {
  setStop(std::move(stop));
  return StopRoute(*this);
}

void SignalThread::setStop(std::function<void()> stop) {
  std::lock_guard lock(mutex_);
  stop_ = std::move(stop);
}

void SignalThread::run() {
  const sigset_t set = handledSignals();
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (closing_) return;
    if (sig == SIGHUP) {
      if (onReload_) onReload_();
      continue;
    }
    log::info("stopping", {{"signal", sig}});
    // Called under the lock, so that the end of a StopRoute waits for it: what `stop`
    // refers to outlives the route.
    std::lock_guard lock(mutex_);
    if (!stop_) dieOf(sig);
    stop_();
    return;
  }
}

}  // namespace offers::app
