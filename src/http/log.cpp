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
  boost::json::object line{
      {"time", domain::formatTimestamp(domain::nowMillis())}, {"level", level}, {"msg", msg}};
  for (auto& kv : fields) line.insert_or_assign(kv.key(), std::move(kv.value()));
  std::string text = boost::json::serialize(line);
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
