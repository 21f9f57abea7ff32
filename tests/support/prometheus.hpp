// The Prometheus text exposition format (version 0.0.4), parsed strictly for tests: a
// scrape of /metrics and a metrics registry's render() are read with this parser, written
// from the format's description rather than from the server's code, so that a malformed
// line fails a test rather than a dashboard. Its own test: PrometheusParser in
// tests/unit/test_metrics.cpp.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace offers::testing {

using Labels = std::map<std::string, std::string>;

struct Sample {
  std::string name;
  Labels labels;
  double value = 0;
};

struct Exposition {
  std::vector<Sample> samples;
  std::map<std::string, std::string> help;  // by family name
  std::map<std::string, std::string> type;  // by family name

  // The value of the series `name` with exactly `labels`, or nullopt when absent.
  std::optional<double> find(const std::string& name, const Labels& labels) const;
  // As find(), with an absent series counting as 0 (a counter not incremented yet).
  double value(const std::string& name, const Labels& labels = {}) const;
  // Every series of the sample name `name`, in the order of the text.
  std::vector<Sample> series(const std::string& name) const;
  // The family a sample belongs to: its own name when typed as such, or the name without
  // a histogram or summary suffix.
  std::string familyOf(const std::string& name) const;
};

// Parses the exposition; throws std::runtime_error naming the first malformed line, and
// on what the format forbids: a TYPE after the family's first sample, two TYPE lines for
// one family, a family's samples not in one group, the same series twice.
Exposition parseExposition(const std::string& text);

}  // namespace offers::testing
