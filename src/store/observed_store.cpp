#include "store/observed_store.hpp"

#include <chrono>

#include "domain/error.hpp"

namespace offers::store {

ObservedStore::ObservedStore(Store& inner, std::string engine)
    : ForwardingStore(inner), engine_(std::move(engine)) {
  // Every series is created up front: the hot path only updates it.
  for (std::size_t op = 0; op < kOperationCount; ++op) {
    durations_[op] = &metrics::registry().storeDuration.with({engine_, kOperationNames[op]});
  }
}

void ObservedStore::around(Operation op, const Call& call) {
  const auto start = std::chrono::steady_clock::now();
  struct Observe {
    metrics::Histogram* histogram;
    std::chrono::steady_clock::time_point start;
    ~Observe() {
      histogram->observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
  } observe{durations_[static_cast<std::size_t>(op)], start};
  const auto failed = [&](std::string_view code) {
    metrics::registry().storeErrors.with({engine_, operationName(op), code}).add();
  };
  try {
    call();
  } catch (const domain::Error& e) {
    failed(domain::codeName(e.code()));
    throw;
  } catch (const std::exception&) {
    failed("internal");
    throw;
  }
}

}  // namespace offers::store
