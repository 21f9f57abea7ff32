#include "log/log.hpp"

#include <time.h>

#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>
#include <mutex>

namespace offers::log {

namespace {

std::mutex mutex;

// Now as YYYY-MM-DDTHH:MM:SS.mmmZ, the API's timestamp form. The log is a leaf that
// depends on nothing of the project's, so it formats its own clock.
std::string now() {
  const auto since = std::chrono::system_clock::now().time_since_epoch();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(since).count();
  const std::time_t seconds = ms / 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];  // room for any int fields, though a date only needs 24
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, int(ms % 1000));
  return text;
}

}  // namespace

void write(std::string_view level, std::string_view msg, boost::json::object fields,
           bool flushNow) {
  // The fixed fields first, then the caller's, serialized once (no copy of the object).
  std::string text = "{\"time\":\"" + now() +
                     "\",\"level\":" + boost::json::serialize(boost::json::string_view(level)) +
                     ",\"msg\":" + boost::json::serialize(boost::json::string_view(msg));
  if (fields.empty()) {
    text += '}';
  } else {
    text += ',';
    text += std::string_view(boost::json::serialize(fields)).substr(1);  // without its '{'
  }
  text += '\n';
  std::lock_guard lock(mutex);
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (flushNow) std::fflush(stdout);
}

void flush() {
  std::lock_guard lock(mutex);
  std::fflush(stdout);
}

}  // namespace offers::log
