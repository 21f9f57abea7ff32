// EmulatorProcess: fork/exec of the launcher's interpreter, its stdout and stderr piped
// back to a reader thread that looks for the port announcement and then keeps draining
// (so the emulator never blocks on a full pipe), and its stdin a pipe that only this
// process holds, as the launcher's lifeline.
#include "support/emulator.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/json.hpp>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string_view>
#include <vector>

#ifndef OFFERS_SOURCE_DIR
#error "OFFERS_SOURCE_DIR (the repository root) must be defined by the build"
#endif

namespace offers::testing {

namespace {

std::string errnoText(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

EmulatorProcess::EmulatorProcess(Emulator which, std::chrono::milliseconds startTimeout)
    : which_(which),
      output_(which == Emulator::dynalite ? ChildOutput::PortParser([](std::string_view line) {
        return listeningPort(line, "dynalite");
      })
                                          : ChildOutput::PortParser([](std::string_view line) {
                                              return listeningPort(line, "moto");
                                            })) {
  const char* interpreter = which == Emulator::dynalite ? "node" : "python3";
  const std::optional<std::string> program = findOnPath(interpreter);
  if (!program) {
    throw std::runtime_error(std::string(interpreter) +
                             " is not on PATH; scripts/setup.sh installs it");
  }
  const std::string launcher = std::string(OFFERS_SOURCE_DIR) +
                               (which == Emulator::dynalite ? "/tests/support/dynalite_launcher.js"
                                                            : "/tests/support/moto_launcher.py");
  std::vector<std::string> args = {*program, launcher};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  // Both pipes close on exec, so no other child of this process (an offers-api server
  // started later) holds dynalite's stdin open after the test process has gone.
  int in[2];
  int out[2];
  if (pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error(errnoText("pipe2"));
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]);
    close(in[1]);
    throw std::runtime_error(errnoText("pipe2"));
  }
  // No PR_SET_PDEATHSIG, unlike ServerProcess: the shared instance may be started from
  // any thread and must outlive it. The stdin pipe ends the emulator when the process ends.
  const pid_t pid = fork();
  if (pid < 0) {
    for (int fd : {in[0], in[1], out[0], out[1]}) close(fd);
    throw std::runtime_error(errnoText("fork"));
  }
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec: the parent has threads.
    if (dup2(in[0], STDIN_FILENO) < 0) _exit(127);
    if (dup2(out[1], STDOUT_FILENO) < 0) _exit(127);
    if (dup2(out[1], STDERR_FILENO) < 0) _exit(127);
    execve(argv[0], argv.data(), environ);
    static const char kMessage[] = "emulator: exec of its interpreter failed\n";
    [[maybe_unused]] auto ignored = write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
    _exit(127);
  }
  pid_ = pid;
  close(in[0]);
  close(out[1]);
  stdinFd_ = in[1];
  output_.start(out[0]);

  const auto announced = output_.waitForPort(startTimeout);
  if (announced.port != 0) {
    port_ = announced.port;
    return;
  }
  const bool exited = announced.closed;
  stopChild();  // the destructor does not run when the constructor throws
  throw std::runtime_error(std::string(name()) +
                           (exited ? " exited before announcing its port"
                                   : " did not announce its port within " +
                                         std::to_string(startTimeout.count()) + " ms") +
                           "; its output:\n" + output());
}

EmulatorProcess::~EmulatorProcess() {
  stopChild();
}

void useDynaliteCredentials() {
  static const bool done = [] {
    setenv("AWS_ACCESS_KEY_ID", "test", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "test", 1);
    unsetenv("AWS_SESSION_TOKEN");
    return true;
  }();
  (void)done;
}

void killAndReap(pid_t pid) {
  kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

void EmulatorProcess::stopChild() {
  if (stdinFd_ >= 0) {
    close(stdinFd_);
    stdinFd_ = -1;
  }
  if (pid_ > 0) {
    killAndReap(pid_);
    pid_ = -1;
  }
  // The pipe's write end died with the child, so the reader sees end of file.
  output_.join();
}

std::string EmulatorProcess::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::string EmulatorProcess::output() const {
  return output_.text();
}

EmulatorProcess& sharedDynalite() {
  // Started by the first test that needs it; destroyed (dynalite killed) at exit.
  static EmulatorProcess instance(Emulator::dynalite);
  return instance;
}

EmulatorProcess& sharedMoto() {
  static EmulatorProcess instance(Emulator::moto);
  return instance;
}

std::string uniqueTableName() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  static const char kHex[] = "0123456789abcdef";
  std::uniform_int_distribution<int> nibble(0, 15);
  std::string name = "offers-test-";
  for (int i = 0; i < 16; ++i) name.push_back(kHex[nibble(engine)]);
  return name;
}

aws::ClientOptions emulatorClientOptions() {
  aws::ClientOptions o;
  o.region = "us-east-1";
  o.credentials = {"test", "test", ""};
  o.retryDeadline = std::chrono::milliseconds(3000);
  return o;
}

}  // namespace offers::testing
