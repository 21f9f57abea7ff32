// dynalite, a DynamoDB-API server from npm, as a child process of the test binary: the
// stand-in for DynamoDB that the DynamoDB engine's tests run against. One dynalite per
// test process (sharedDynalite()) is enough, because every test works in a table of its
// own (uniqueTableName()); starting node per test would cost far more than a table.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "support/child_output.hpp"

namespace offers::testing {

// Fixed AWS credentials in this process's environment, which the servers it starts
// inherit and sign their DynamoDB requests with: dynalite checks their form, never their
// value, and fixed ones keep any real credentials of the machine away from the tests.
// Idempotent; call before the first child starts (setenv is not safe against a
// concurrent getenv).
void useDynaliteCredentials();

// SIGKILL and reap a child process.
void killAndReap(pid_t pid);

class DynaliteProcess {
 public:
  // Starts `node tests/support/dynalite_launcher.js` and returns once it has announced
  // its port. Throws std::runtime_error, quoting what it printed, when node cannot be
  // found, when it exits first (dynalite not installed: run scripts/setup.sh) or when it
  // does not announce within `startTimeout`.
  explicit DynaliteProcess(std::chrono::milliseconds startTimeout = std::chrono::seconds(20));
  // Kills dynalite (SIGKILL: its data is in memory and goes anyway) and reaps it.
  ~DynaliteProcess();
  DynaliteProcess(const DynaliteProcess&) = delete;
  DynaliteProcess& operator=(const DynaliteProcess&) = delete;

  unsigned short port() const { return port_; }
  // "http://127.0.0.1:PORT", the endpoint a DynamoDB client is given.
  std::string endpoint() const;
  // Everything dynalite wrote to stdout and stderr so far.
  std::string output() const;

 private:
  void stopChild();

  pid_t pid_ = -1;
  int stdinFd_ = -1;  // dynalite exits when this closes
  unsigned short port_ = 0;

  ChildOutput output_;
};

// The dynalite of this test process, started on first use and stopped at exit. Tests
// that share it must keep to tables of their own.
DynaliteProcess& sharedDynalite();

// "offers-test-" and 16 random hex digits: a valid DynamoDB table name no other test
// (in this process or another one on the same dynalite) will pick.
std::string uniqueTableName();

}  // namespace offers::testing
