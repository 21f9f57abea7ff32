// The Prometheus text exposition of counters, gauges and histograms: HELP and TYPE lines,
// label escaping, cumulative buckets ending in +Inf equal to the count. The registry's
// whole text is read with the tests' exposition parser (tests/support/prometheus.hpp),
// which is itself tested here first.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "metrics/metrics.hpp"
#include "support/prometheus.hpp"

namespace offers::testing {
namespace {

// A parser that accepts anything would make every test below pass: it must reject these.
TEST(PrometheusParser, RejectsWhatTheFormatForbids) {
  const std::string ok = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 2\n";
  ASSERT_NO_THROW(parseExposition(ok));
  EXPECT_EQ(parseExposition(ok).value("a_total", {{"x", "1"}}), 2);
  EXPECT_EQ(parseExposition("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 3\nh_count 3\n")
                .familyOf("h_count"),
            "h");
  for (const std::string& bad : std::vector<std::string>{
           ok + "a_total{x=\"1\"} 3\n",                 // the same series twice
           "a_total{x=\"1} 2\n",                        // unterminated value
           "a_total{x=1} 2\n",                          // unquoted value
           "a_total 2 x\n",                             // bad timestamp
           "a_total two\n",                             // not a number
           "a_total\n",                                 // no value
           "a_total{x=\"\\q\"} 2\n",                    // unknown escape
           "# TYPE a gauge\n# TYPE a gauge\n",          // two TYPE lines
           "a 1\n# TYPE a gauge\n",                     // TYPE after the sample
           "# TYPE a gauge\na 1\nb 1\na{x=\"y\"} 2\n",  // family split in two groups
           "# TYPE a wibble\n",                         // unknown type
           "a 1",                                       // no final newline
       }) {
    EXPECT_THROW(parseExposition(bad), std::runtime_error) << bad;
  }
}

TEST(Metrics, CounterSeriesByLabels) {
  metrics::Family<metrics::Counter> requests("t_requests_total", "Requests.", {"route", "status"});
  requests.with({"/v1/offers/{offerId}", "200"}).add(3);
  requests.with({"/v1/offers/{offerId}", "404"}).add();
  requests.with({"/v1/offers/{offerId}", "200"}).add();
  std::string out;
  requests.render(out, "counter");
  EXPECT_EQ(out,
            "# HELP t_requests_total Requests.\n"
            "# TYPE t_requests_total counter\n"
            "t_requests_total{route=\"/v1/offers/{offerId}\",status=\"200\"} 4\n"
            "t_requests_total{route=\"/v1/offers/{offerId}\",status=\"404\"} 1\n");
}

TEST(Metrics, GaugeWithoutLabels) {
  metrics::Family<metrics::Gauge> open("t_open", "Open.", {});
  open.with({}).add(5);
  open.with({}).add(-2);
  std::string out;
  open.render(out, "gauge");
  EXPECT_EQ(out, "# HELP t_open Open.\n# TYPE t_open gauge\nt_open 3\n");
}

TEST(Metrics, LabelValuesAreEscaped) {
  EXPECT_EQ(metrics::escapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  metrics::Family<metrics::Histogram> latency("t_seconds", "Latency.", {"op"}, {0.001, 0.01, 0.1});
  auto& h = latency.with({"get"});
  h.observe(0.0005);
  h.observe(0.001);  // on a bound: counted in that bucket (le)
  h.observe(0.05);
  h.observe(3);
  std::string out;
  latency.render(out, "histogram");
  EXPECT_EQ(out,
            "# HELP t_seconds Latency.\n"
            "# TYPE t_seconds histogram\n"
            "t_seconds_bucket{op=\"get\",le=\"0.001\"} 2\n"
            "t_seconds_bucket{op=\"get\",le=\"0.01\"} 2\n"
            "t_seconds_bucket{op=\"get\",le=\"0.1\"} 3\n"
            "t_seconds_bucket{op=\"get\",le=\"+Inf\"} 4\n"
            "t_seconds_sum{op=\"get\"} 3.0515\n"
            "t_seconds_count{op=\"get\"} 4\n");
}

TEST(Metrics, RegistryListsEveryMetricFromTheStart) {
  const Exposition exposition = parseExposition(metrics::registry().render());
  for (const char* name : {"offers_http_requests_total", "offers_http_request_duration_seconds",
                           "offers_http_requests_in_flight", "offers_http_connections_open",
                           "offers_store_operation_duration_seconds", "offers_store_errors_total",
                           "offers_aws_requests_total", "offers_jobs_total", "offers_jobs_running",
                           "offers_job_locations_linked_total", "offers_webhook_deliveries_total",
                           "offers_build_info"}) {
    EXPECT_TRUE(exposition.type.contains(name)) << name;
  }
}

}  // namespace
}  // namespace offers::testing
