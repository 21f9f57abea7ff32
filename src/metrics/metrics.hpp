// Process metrics in the Prometheus text exposition format (version 0.0.4). Counters,
// gauges and histograms, each a family of series told apart by label values. A series is
// created on first use and lives as long as the process, so callers on hot paths look a
// series up once and keep the reference; updating it is a few relaxed atomic operations.
//
// Label values must come from small fixed sets (route templates, operation names, status
// codes), never from request data such as ids: every distinct value is a series kept
// forever.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace offers::metrics {

class Counter {
 public:
  void add(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void add(std::int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  void set(std::int64_t n) { value_.store(n, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

// Observations in seconds, kept as integer nanoseconds so that the sum is an atomic add.
class Histogram {
 public:
  explicit Histogram(const std::vector<double>& bounds);
  void observe(double seconds);

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  const std::vector<double>& bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // not cumulative; last is +Inf
  std::atomic<std::uint64_t> sumNanos_{0};
  std::atomic<std::uint64_t> count_{0};
};

// Latency buckets from 100 µs to 10 s: request handling on the embedded store sits at the
// low end, DynamoDB round trips and retries in the middle and top.
const std::vector<double>& latencyBuckets();

template <class Series>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> labels,
         std::vector<double> bounds = {})
      : name_(std::move(name)),
        help_(std::move(help)),
        labels_(std::move(labels)),
        bounds_(std::move(bounds)) {}

  // The series with these label values (one per label, in order), created when new.
  Series& with(std::initializer_list<std::string_view> values);

  const std::string& name() const { return name_; }
  void render(std::string& out, std::string_view type) const;

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> labels_;
  std::vector<double> bounds_;  // histograms only
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Series>> series_;
};

// The process's metrics, by name. Everything the service records is declared here, so
// /metrics lists every metric (with its HELP and TYPE) from the first scrape on.
class Registry {
 public:
  Registry();

  // HTTP front end
  Family<Counter> httpRequests;             // method, route, status
  Family<Histogram> httpDuration;           // route
  Family<Gauge> httpInFlight;               // -
  Family<Gauge> httpConnections;            // -
  Family<Counter> httpConnectionsRejected;  // -
  Family<Counter> httpRateLimited;          // -
  Family<Counter> httpUnauthorized;         // -
  // Store
  Family<Histogram> storeDuration;  // engine, op
  Family<Counter> storeErrors;      // engine, op, code
  // AWS (the DynamoDB engine; SQS)
  Family<Counter> awsRequests;  // service, operation
  // Jobs
  Family<Counter> jobs;                // status
  Family<Gauge> jobsRunning;           // -
  Family<Counter> jobLocationsLinked;  // -
  // Webhooks
  Family<Counter> webhookDeliveries;  // outcome
  // Build
  Family<Gauge> buildInfo;  // version, engine

  std::string render() const;
};

// The one registry of this process.
Registry& registry();

// Escapes a label value for the text format (backslash, double quote, newline).
std::string escapeLabelValue(std::string_view value);

}  // namespace offers::metrics
