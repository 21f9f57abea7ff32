// Structured logs: one JSON object per line on stdout
// ({"time":"...","level":"info","msg":"listening",...}), written whole under a lock so
// lines from different threads never interleave.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

namespace offers::log {

// `flush` false leaves the line in stdout's buffer for the next flush() (request lines:
// one write per request would cost a system call each); every other line is flushed at
// once.
void write(std::string_view level, std::string_view msg, boost::json::object fields = {},
           bool flush = true);
void flush();
inline void info(std::string_view msg, boost::json::object fields = {}) {
  write("info", msg, std::move(fields));
}
inline void warn(std::string_view msg, boost::json::object fields = {}) {
  write("warn", msg, std::move(fields));
}
inline void error(std::string_view msg, boost::json::object fields = {}) {
  write("error", msg, std::move(fields));
}

}  // namespace offers::log
