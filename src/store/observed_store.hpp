// A Store decorator that times every operation and counts its failures in the process
// metrics (offers_store_operation_duration_seconds, offers_store_errors_total), labelled
// with the engine and the operation. The application puts it between the service and the
// engine, so the engines stay free of metrics code.
#pragma once

#include <array>
#include <string>

#include "metrics/metrics.hpp"
#include "store/forwarding_store.hpp"

namespace offers::store {

class ObservedStore final : public ForwardingStore {
 public:
  ObservedStore(Store& inner, std::string engine);

 protected:
  void around(Operation op, const Call& call) override;

 private:
  std::string engine_;
  std::array<metrics::Histogram*, kOperationCount> durations_{};  // by Operation
};

}  // namespace offers::store
