// A DynamoDB-API server as a child process of the test binary, the stand-in for DynamoDB
// that the DynamoDB engine's tests run against: dynalite (from npm, on Node.js; the
// default) or moto's server (Python), a second implementation written independently, so
// that the engine is not fitted to one emulator's reading of the API. One of each per
// test process (sharedDynalite(), sharedMoto()) is enough, because every test works in a
// table of its own (uniqueTableName()); starting one per test would cost far more.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "aws/client.hpp"
#include "support/child_output.hpp"

namespace offers::testing {

// Fixed AWS credentials in this process's environment, which the servers it starts
// inherit and sign their DynamoDB requests with: the emulators check their form, never their
// value, and fixed ones keep any real credentials of the machine away from the tests.
// Idempotent; call before the first child starts (setenv is not safe against a
// concurrent getenv).
void useDynaliteCredentials();

// SIGKILL and reap a child process.
void killAndReap(pid_t pid);

enum class Emulator { dynalite, moto };

class EmulatorProcess {
 public:
  // Starts `node tests/support/dynalite_launcher.js` or `python3
  // tests/support/moto_launcher.py` and returns once it has announced its port. Throws
  // std::runtime_error, quoting what it printed, when the interpreter cannot be found,
  // when it exits first (the emulator not installed: run scripts/setup.sh) or when it
  // does not announce within `startTimeout`.
  explicit EmulatorProcess(Emulator which = Emulator::dynalite,
                           std::chrono::milliseconds startTimeout = std::chrono::seconds(20));
  // Kills it (SIGKILL: its data is in memory and goes anyway) and reaps it.
  ~EmulatorProcess();
  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;

  unsigned short port() const { return port_; }
  // "http://127.0.0.1:PORT", the endpoint a DynamoDB client is given.
  std::string endpoint() const;
  // Everything it wrote to stdout and stderr so far.
  std::string output() const;
  const char* name() const { return which_ == Emulator::dynalite ? "dynalite" : "moto"; }

 private:
  void stopChild();

  Emulator which_;
  pid_t pid_ = -1;
  int stdinFd_ = -1;  // the launcher exits when this closes
  unsigned short port_ = 0;

  ChildOutput output_;
};

// The dynalite (moto) of this test process, started on first use and stopped at exit.
// Tests that share it must keep to tables of their own.
EmulatorProcess& sharedDynalite();
EmulatorProcess& sharedMoto();

// Client options for an AWS service the emulators serve (moto's SQS and Secrets
// Manager; dynalite's and moto's DynamoDB): us-east-1, the fixed test credentials, and a
// retry deadline of 3 s, so that a test meeting a dead emulator fails quickly.
aws::ClientOptions emulatorClientOptions();

// "offers-test-" and 16 random hex digits: a valid DynamoDB table name no other test
// (in this process or another one on the same emulator) will pick.
std::string uniqueTableName();

}  // namespace offers::testing
