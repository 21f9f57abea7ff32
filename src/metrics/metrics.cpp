#include "metrics/metrics.hpp"

#include <charconv>
#include <cmath>
#include <type_traits>

namespace offers::metrics {
namespace {

void appendNumber(std::string& out, double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  out.append(buf, r.ptr);
}

void appendLabels(std::string& out, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, std::string_view extraName = {},
                  std::string_view extraValue = {}) {
  if (names.empty() && extraName.empty()) return;
  out += '{';
  bool first = true;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!first) out += ',';
    first = false;
    out += names[i];
    out += "=\"";
    out += escapeLabelValue(values[i]);
    out += '"';
  }
  if (!extraName.empty()) {
    if (!first) out += ',';
    out += extraName;
    out += "=\"";
    out += extraValue;
    out += '"';
  }
  out += '}';
}

}  // namespace

std::string escapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

const std::vector<double>& latencyBuckets() {
  static const std::vector<double> bounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                          0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                          1,      2.5,     5,      10};
  return bounds;
}

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), buckets_(new std::atomic<std::uint64_t>[bounds.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // a clock step backwards, or NaN
  std::size_t i = 0;
  while (i < bounds_.size() && seconds > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sumNanos_.fetch_add(static_cast<std::uint64_t>(std::llround(seconds * 1e9)),
                      std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  // Read between concurrent observations, count and the buckets may disagree by a few;
  // the exposition needs +Inf == count, so count is taken from the buckets.
  s.count = running;
  s.sum = double(sumNanos_.load(std::memory_order_relaxed)) / 1e9;
  return s;
}

template <class Series>
Series& Family<Series>::with(std::initializer_list<std::string_view> values) {
  std::vector<std::string> key(values.begin(), values.end());
  std::lock_guard lock(mutex_);
  auto it = series_.find(key);
  if (it == series_.end()) {
    std::unique_ptr<Series> created;
    if constexpr (std::is_same_v<Series, Histogram>) {
      created = std::make_unique<Histogram>(bounds_);
    } else {
      created = std::make_unique<Series>();
    }
    it = series_.emplace(std::move(key), std::move(created)).first;
  }
  return *it->second;
}

template <class Series>
void Family<Series>::render(std::string& out, std::string_view type) const {
  out += "# HELP " + name_ + " " + help_ + "\n";
  out += "# TYPE " + name_ + " ";
  out += type;
  out += '\n';
  std::lock_guard lock(mutex_);
  for (const auto& [values, series] : series_) {
    if constexpr (std::is_same_v<Series, Histogram>) {
      const auto s = series->snapshot();
      for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        out += name_ + "_bucket";
        std::string le;
        if (i < bounds_.size()) {
          appendNumber(le, bounds_[i]);
        } else {
          le = "+Inf";
        }
        appendLabels(out, labels_, values, "le", le);
        out += ' ' + std::to_string(s.cumulative[i]) + '\n';
      }
      out += name_ + "_sum";
      appendLabels(out, labels_, values);
      out += ' ';
      appendNumber(out, s.sum);
      out += '\n';
      out += name_ + "_count";
      appendLabels(out, labels_, values);
      out += ' ' + std::to_string(s.count) + '\n';
    } else {
      out += name_;
      appendLabels(out, labels_, values);
      out += ' ' + std::to_string(series->value()) + '\n';
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Registry::Registry()
    : httpRequests("offers_http_requests_total", "HTTP requests answered, by route template.",
                   {"method", "route", "status"}),
      httpDuration("offers_http_request_duration_seconds",
                   "Time from a request's last byte read to its response handed to the socket.",
                   {"route"}, latencyBuckets()),
      httpInFlight("offers_http_requests_in_flight", "Requests being handled now.", {}),
      httpConnections("offers_http_connections_open", "Client connections open now.", {}),
      httpConnectionsRejected("offers_http_connections_rejected_total",
                              "Connections answered 503 because --max-connections were open.", {}),
      httpRateLimited("offers_http_rate_limited_total",
                      "Requests refused with 429 by the per-key rate limit.", {}),
      httpUnauthorized("offers_http_unauthorized_total",
                       "Requests refused with 401: no or a wrong API key.", {}),
      storeDuration("offers_store_operation_duration_seconds",
                    "Store operations by engine and operation, failed ones included.",
                    {"engine", "op"}, latencyBuckets()),
      storeErrors("offers_store_errors_total", "Store operations that failed, by error code.",
                  {"engine", "op", "code"}),
      awsRequests("offers_aws_requests_total",
                  "Requests sent to AWS services, every attempt (retries included), by service "
                  "and operation: what the process is billed for.",
                  {"service", "operation"}),
      jobs("offers_jobs_total", "Bulk jobs this process carried to the given status.", {"status"}),
      jobsRunning("offers_jobs_running", "Bulk jobs this process is working on now.", {}),
      jobLocationsLinked("offers_job_locations_linked_total",
                         "Locations newly linked by bulk jobs, counted as their pages commit here.",
                         {}),
      webhookDeliveries(
          "offers_webhook_deliveries_total",
          "Webhook delivery attempts: delivered, failed (will retry) or gave_up (last attempt).",
          {"outcome"}),
      buildInfo("offers_build_info", "Always 1; the labels describe the running build.",
                {"version", "engine"}) {
  // Series without labels exist from the start, so a scrape shows 0 rather than nothing.
  httpInFlight.with({});
  httpConnections.with({});
  httpConnectionsRejected.with({});
  httpRateLimited.with({});
  httpUnauthorized.with({});
  jobsRunning.with({});
  jobLocationsLinked.with({});
}

std::string Registry::render() const {
  std::string out;
  out.reserve(16 * 1024);
  httpRequests.render(out, "counter");
  httpDuration.render(out, "histogram");
  httpInFlight.render(out, "gauge");
  httpConnections.render(out, "gauge");
  httpConnectionsRejected.render(out, "counter");
  httpRateLimited.render(out, "counter");
  httpUnauthorized.render(out, "counter");
  storeDuration.render(out, "histogram");
  storeErrors.render(out, "counter");
  awsRequests.render(out, "counter");
  jobs.render(out, "counter");
  jobsRunning.render(out, "gauge");
  jobLocationsLinked.render(out, "counter");
  webhookDeliveries.render(out, "counter");
  buildInfo.render(out, "gauge");
  return out;
}

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace offers::metrics
