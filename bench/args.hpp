// Command-line values shared by the benchmark programs: a whole number >= 1, and a
// comma-separated list of them ("8,16,32"). A bad value calls `usage` with the problem,
// which does not return.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

namespace bench {

template <class Usage>
std::size_t positive(const std::string& flag, const std::string& value, Usage&& usage) {
  char* end = nullptr;
  const auto n = std::strtoull(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || n == 0) usage(flag + ": a whole number >= 1");
  return n;
}

template <class Usage>
std::vector<unsigned> positives(const std::string& flag, const std::string& value, Usage&& usage) {
  std::vector<unsigned> out;
  for (std::size_t from = 0; from <= value.size();) {
    const auto comma = std::min(value.find(',', from), value.size());
    out.push_back(unsigned(positive(flag, value.substr(from, comma - from), usage)));
    from = comma + 1;
  }
  return out;
}

}  // namespace bench
