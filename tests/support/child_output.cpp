#include "support/child_output.hpp"

#include <unistd.h>

#include <array>
#include <boost/json.hpp>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <sstream>

namespace offers::testing {

unsigned short listeningPort(std::string_view line, std::string_view key) {
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(line, ec);
  if (ec || !value.is_object()) return 0;
  const auto& object = value.as_object();
  const boost::json::value* what = object.if_contains(key);
  const boost::json::value* port = object.if_contains("port");
  if (what == nullptr || !what->is_string() || what->as_string() != "listening") return 0;
  if (port == nullptr) return 0;
  std::int64_t number = 0;
  if (port->is_int64()) {
    number = port->as_int64();
  } else if (port->is_uint64() && port->as_uint64() < 65536) {
    number = static_cast<std::int64_t>(port->as_uint64());
  }
  return number > 0 && number < 65536 ? static_cast<unsigned short>(number) : 0;
}

std::optional<std::string> findOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    // An empty entry means the current directory.
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

void ChildOutput::start(int fd) {
  join();
  {
    std::lock_guard lock(mutex_);
    text_.clear();
    closed_ = false;
    port_ = 0;
  }
  reader_ = std::thread([this, fd] { read(fd); });
}

void ChildOutput::join() {
  if (reader_.joinable()) reader_.join();
}

ChildOutput::Announcement ChildOutput::waitForPort(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [this] { return port_ != 0 || closed_; });
  return {port_, closed_};
}

std::string ChildOutput::text() const {
  std::lock_guard lock(mutex_);
  return text_;
}

void ChildOutput::read(int fd) {
  std::string line;
  std::array<char, 4096> buffer;
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    std::lock_guard lock(mutex_);
    text_.append(buffer.data(), static_cast<std::size_t>(n));
    if (port_ != 0) continue;
    for (ssize_t i = 0; i < n; ++i) {
      if (buffer[i] != '\n') {
        line.push_back(buffer[i]);
        continue;
      }
      if (const unsigned short port = parser_(line); port != 0 && port_ == 0) {
        port_ = port;
        changed_.notify_all();
      }
      line.clear();
    }
  }
  close(fd);
  std::lock_guard lock(mutex_);
  closed_ = true;
  changed_.notify_all();
}

}  // namespace offers::testing
