#include "support/child_output.hpp"

#include <unistd.h>

#include <array>
#include <cerrno>

namespace offers::testing {

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
