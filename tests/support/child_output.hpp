// A child process's stdout (and stderr, when the child merges them), read on a thread of
// its own: all of it is kept for error messages, and the first line that announces a
// port (as the parser recognises it) wakes whoever waits for it. ServerProcess and
// EmulatorProcess both start a child that says which port it listens on this way, and
// find the programs they start with findOnPath.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace offers::testing {

// The port of a JSON line {"<key>":"listening","port":N}, or 0 for any other line: how
// offers-api ("msg") and the dynalite launcher ("dynalite") announce theirs.
unsigned short listeningPort(std::string_view line, std::string_view key);

// The first executable `name` on PATH, or nullopt. Children are started with execve, which
// takes a path as given (and execvp is not async-signal-safe, so it cannot run after fork).
std::optional<std::string> findOnPath(const std::string& name);

class ChildOutput {
 public:
  // The port a line announces, or 0 when it announces none.
  using PortParser = unsigned short (*)(std::string_view line);

  explicit ChildOutput(PortParser parser) : parser_(parser) {}
  ~ChildOutput() { join(); }
  ChildOutput(const ChildOutput&) = delete;
  ChildOutput& operator=(const ChildOutput&) = delete;

  // Forgets what an earlier child said and reads `fd` (closing it at end of file).
  void start(int fd);
  // Returns once the reader has seen end of file (the child's write end is closed).
  void join();

  struct Announcement {
    unsigned short port = 0;  // 0 when none came
    bool closed = false;      // end of file came first: the child exited
  };
  // Waits up to `timeout` for the port line or for end of file.
  Announcement waitForPort(std::chrono::milliseconds timeout);

  std::string text() const;

 private:
  void read(int fd);

  PortParser parser_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::string text_;
  bool closed_ = false;
  unsigned short port_ = 0;
  std::thread reader_;
};

}  // namespace offers::testing
