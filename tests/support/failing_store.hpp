// A Store decorator that fails its nth call (counting from 0) with Error(unavailable):
// either before passing it on (the call never happened) or after (it happened, but the
// caller saw a failure, as when a process dies right after a commit). Looping n over
// 0, 1, 2, ... until an operation completes untouched proves that every step of it
// either completes or resumes cleanly (the fail_count idea of Boost.Beast's tests).
#pragma once

#include <atomic>

#include "domain/error.hpp"
#include "store/forwarding_store.hpp"

namespace offers::testing {

class FailingStore final : public store::ForwardingStore {
 public:
  enum class When { before, after };

  FailingStore(store::Store& inner, long failAt, When when)
      : ForwardingStore(inner), failAt_(failAt), when_(when) {}

  long calls() const { return calls_; }
  bool failed() const { return failed_; }

 protected:
  // The one place that decides whether this call fails.
  void around(store::Operation /*op*/, const Call& call) override {
    const bool fail = calls_++ == failAt_;
    if (fail) failed_ = true;
    if (fail && when_ == When::before) injected();
    call();
    if (fail) injected();
  }

 private:
  [[noreturn]] static void injected() {
    throw domain::Error(domain::ErrorCode::unavailable, "injected failure", "injected failure");
  }

  const long failAt_;
  const When when_;
  std::atomic<long> calls_{0};
  std::atomic<bool> failed_{false};
};

}  // namespace offers::testing
