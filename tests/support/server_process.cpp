// ServerProcess and runCommand: fork/exec of the binary under test with its output piped
// back, a reader thread that drains the pipe for the child's whole life (so the server
// never blocks on a full pipe), and reaping of every child (no zombies).
#include "support/server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace offers::testing {

namespace {

using Clock = std::chrono::steady_clock;

int decodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string errnoText(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// Forks and execs `args` (args[0] is the binary) with stdout, and stderr when
// `stderrFd` >= 0, redirected. The child dies with the thread that forked it
// (PR_SET_PDEATHSIG), so a crashed test run leaves no server behind; tests start
// servers from the main thread only. The server also reads its settings from OFFERS_*
// environment variables; those are dropped so that only the flags given here count.
pid_t spawn(const std::vector<std::string>& args, int stdoutFd, int stderrFd) {
  std::vector<char*> argv;
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::strncmp(*entry, "OFFERS_", 7) != 0) envp.push_back(*entry);
  }
  envp.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(errnoText("fork"));
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec: the parent has threads.
    if (dup2(stdoutFd, STDOUT_FILENO) < 0) _exit(127);
    if (stderrFd >= 0 && dup2(stderrFd, STDERR_FILENO) < 0) _exit(127);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    execve(argv[0], argv.data(), envp.data());
    static const char kMessage[] = "offers-api integration tests: exec failed\n";
    [[maybe_unused]] auto ignored = write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
    _exit(127);
  }
  return pid;
}

}  // namespace

ServerProcess::ServerProcess(ServerOptions options)
    : options_(std::move(options)),
      output_([](std::string_view line) { return listeningPort(line, "msg"); }) {}

ServerProcess::~ServerProcess() {
#ifdef OFFERS_TEST_CHECK_SERVER_EXIT
  // Sanitizer builds: LeakSanitizer and ThreadSanitizer report when the process exits and
  // then make its status non-zero, so the server gets a graceful stop and its verdict
  // fails the test (the report itself is on the test's stderr).
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    const int status = waitForExit(std::chrono::seconds(20));
    if (status > 0) {
      ADD_FAILURE() << "offers-api exited with status " << status
                    << " on SIGTERM at the end of the test (a sanitizer report?); stdout:\n"
                    << output();
    }
  }
#endif
  if (pid_ > 0) {
    killAndReap(pid_);
    pid_ = -1;
  }
  output_.join();
}

std::string ServerProcess::output() const {
  return output_.text();
}

void ServerProcess::start() {
  if (running()) throw std::logic_error("ServerProcess::start: already running");

  std::vector<std::string> args = {options_.binary, "serve", "--host",     host_,
                                   "--port",        "0",     "--data-dir", options_.dataDir};
  if (options_.seed) args.push_back("--seed");
  if (options_.allowPrivateWebhooks) args.push_back("--allow-private-webhooks");
  if (options_.threads > 0) {
    args.push_back("--threads");
    args.push_back(std::to_string(options_.threads));
  }
  args.insert(args.end(), options_.extraArgs.begin(), options_.extraArgs.end());
  if (const auto& dynamodb = options_.dynamodb) {
    args.insert(args.end(),
                {"--store", "dynamodb", "--dynamodb-endpoint", dynamodb->endpoint,
                 "--dynamodb-table", dynamodb->table, "--aws-region", dynamodb->region});
    if (dynamodb->createTable) args.push_back("--create-table");
    if (dynamodb->eventLagMs) {
      args.insert(args.end(), {"--dynamodb-event-lag-ms", std::to_string(*dynamodb->eventLagMs)});
    }
    if (dynamodb->indexLagMs) {
      args.insert(args.end(), {"--dynamodb-index-lag-ms", std::to_string(*dynamodb->indexLagMs)});
    }
    if (dynamodb->leaseMs) {
      args.insert(args.end(), {"--dynamodb-lease-ms", std::to_string(*dynamodb->leaseMs)});
    }
  }

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(errnoText("pipe2"));
  try {
    pid_ = spawn(args, fds[1], -1);
  } catch (...) {
    close(fds[0]);
    close(fds[1]);
    throw;
  }
  close(fds[1]);
  output_.start(fds[0]);

  const auto announced = output_.waitForPort(options_.startTimeout);
  if (announced.port != 0) {
    port_ = announced.port;
    return;
  }
  const std::string seen = output_.text();
  if (announced.closed) {
    // Its stdout closed without a "listening" line: it has exited or is about to.
    const int status = waitForExit(std::chrono::seconds(5));
    if (status < 0) kill9();
    throw std::runtime_error("offers-api exited (status " + std::to_string(status) +
                             ") before logging \"listening\"; stdout:\n" + seen);
  }
  kill9();
  throw std::runtime_error("offers-api did not log \"listening\" within " +
                           std::to_string(options_.startTimeout.count()) + " ms; stdout:\n" + seen);
}

int ServerProcess::waitForExit(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      port_ = 0;
      output_.join();
      return decodeStatus(status);
    }
    if (r < 0 && errno != EINTR) throw std::runtime_error(errnoText("waitpid"));
    if (Clock::now() >= deadline) return -1;
    // Polling with a deadline: a child's exit has no portable wait-with-timeout.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

int ServerProcess::stop(int signal, std::chrono::milliseconds timeout) {
  if (!running()) throw std::logic_error("ServerProcess::stop: not running");
  kill(pid_, signal);
  const int status = waitForExit(timeout);
  if (status >= 0) return status;
  kill9();
  throw std::runtime_error("offers-api did not exit within " + std::to_string(timeout.count()) +
                           " ms of signal " + std::to_string(signal) + "; stdout:\n" + output());
}

std::optional<int> ServerProcess::exitedOnItsOwn() {
  if (!running()) return std::nullopt;
  const int status = waitForExit(std::chrono::milliseconds(0));
  if (status < 0) return std::nullopt;
  return status;
}

int ServerProcess::kill9() {
  if (!running()) throw std::logic_error("ServerProcess::kill9: not running");
  kill(pid_, SIGKILL);
  const int status = waitForExit(std::chrono::seconds(20));
  if (status < 0) throw std::runtime_error("offers-api survived SIGKILL for 20 s");
  return status;
}

CommandResult runCommand(const std::string& binary, const std::vector<std::string>& args,
                         std::chrono::milliseconds timeout) {
  std::vector<std::string> argv = {binary};
  argv.insert(argv.end(), args.begin(), args.end());
  int out[2];
  int err[2];
  if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error(errnoText("pipe2"));
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    throw std::runtime_error(errnoText("pipe2"));
  }
  const pid_t pid = spawn(argv, out[1], err[1]);
  close(out[1]);
  close(err[1]);

  CommandResult result;
  std::array<pollfd, 2> fds = {pollfd{out[0], POLLIN, 0}, pollfd{err[0], POLLIN, 0}};
  std::array<std::string*, 2> sinks = {&result.out, &result.err};
  int open = 2;
  const auto deadline = Clock::now() + timeout;
  while (open > 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      result.timedOut = true;
      break;
    }
    const int ready = poll(fds.data(), fds.size(), static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      std::array<char, 4096> buffer;
      const ssize_t n = read(fds[i].fd, buffer.data(), buffer.size());
      if (n > 0) {
        sinks[i]->append(buffer.data(), static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      }
    }
  }
  for (auto& fd : fds) {
    if (fd.fd >= 0) close(fd.fd);
  }
  if (result.timedOut) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exitCode = decodeStatus(status);
  return result;
}

std::string randomUuid() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  std::uniform_int_distribution<int> nibble(0, 15);
  static const char kHex[] = "0123456789abcdef";
  std::string id = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
  for (char& c : id) {
    if (c == 'x') c = kHex[nibble(engine)];
    if (c == 'y') c = kHex[8 + nibble(engine) % 4];
  }
  return id;
}

}  // namespace offers::testing
