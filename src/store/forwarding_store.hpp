// A Store decorator base: every operation of operations.hpp is passed to an inner Store
// through one hook, around(), which a decorator overrides to act before, after or
// instead of the call (time it, count its failures, fail it on purpose). The decorators
// are then a few lines each: ObservedStore (observed_store.hpp) and the tests' FailingStore.
#pragma once

#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "store/operations.hpp"
#include "store/store.hpp"

namespace offers::store {

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(Store& inner) : inner_(inner) {}

#define OFFERS_STORE_FORWARD(ret, name, params, args)                       \
  ret name params override {                                                \
    return forward<ret>(Operation::name, [&] { return inner_.name args; }); \
  }
  OFFERS_STORE_OPERATIONS(OFFERS_STORE_FORWARD)
#undef OFFERS_STORE_FORWARD

  void onEventsAppended(std::function<void()> listener) override {
    inner_.onEventsAppended(std::move(listener));
  }

 protected:
  // The call to the inner store, as a borrowed, non-owning callable: valid only while
  // around() runs. A result is kept by the forwarding code, so around() sees none.
  class Call {
   public:
    void operator()() const { invoke_(target_); }

   private:
    friend class ForwardingStore;
    Call(void (*invoke)(void*), void* target) : invoke_(invoke), target_(target) {}
    void (*invoke_)(void*);
    void* target_;
  };

  // Runs `call` exactly once, or throws instead; the default just runs it.
  virtual void around(Operation /*op*/, const Call& call) {
    call();
  }

  Store& inner() {
    return inner_;
  }

 private:
  template <class R, class F>
  R forward(Operation op, F&& f) {
    if constexpr (std::is_void_v<R>) {
      around(op, bind(f));
    } else {
      std::optional<R> result;
      auto keep = [&] { result.emplace(f()); };
      around(op, bind(keep));
      if (!result) throw std::logic_error("a Store decorator's around() skipped the call");
      return std::move(*result);
    }
  }
  template <class F>
  static Call bind(F& f) {
    return Call([](void* target) { (*static_cast<F*>(target))(); }, &f);
  }

  Store& inner_;
};

}  // namespace offers::store
