// Reading the server's JSON log lines (one object per line on stdout) in tests.
#pragma once

#include <boost/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace offers::testing {

// The lines of `output` that are JSON objects, in order.
inline std::vector<boost::json::object> logLines(const std::string& output) {
  std::vector<boost::json::object> lines;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(line, ec);
    if (!ec && value.is_object()) lines.push_back(std::move(value.as_object()));
  }
  return lines;
}

// `line` has the string field `key` equal to `value`.
inline bool hasString(const boost::json::object& line, std::string_view key,
                      std::string_view value) {
  const boost::json::value* field = line.if_contains(key);
  return field != nullptr && field->is_string() && field->as_string() == value;
}

}  // namespace offers::testing
