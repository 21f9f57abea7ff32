#include "http/log.hpp"

#include <boost/json/serialize.hpp>
#include <cstdio>
#include <mutex>

#include "domain/time.hpp"

namespace offers::http::log {

namespace {
std::mutex mutex;
}

void write(std::string_view level, std::string_view msg, boost::json::object fields,
           bool flushNow) {
  // The fixed fields first, then the caller's, serialized once (no copy of the object).
  std::string text = "{\"time\":\"" + domain::formatTimestamp(domain::nowMillis()) +
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

}  // namespace offers::http::log
