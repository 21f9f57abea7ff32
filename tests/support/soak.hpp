// The crash-and-load soak (invariants 1, 2, 4, 5 and 6 of the design at once): client
// threads link and unlink pairs and bulk jobs run while the server is `kill -9`ed and
// restarted on the same data, again and again; afterwards every acknowledged change must
// be there, every counter must equal the links that exist, and every job must have ended.
// One driver, shared by the integration test (tests/integration/test_soak.cpp, short) and
// the benchmark program (bench/soak.cpp, minutes long), so both check the same things.
//
// How it knows what to expect: each (offer, location) pair belongs to exactly one client
// thread, which sends its operations one after the other, so the pair's expected state is
// the result of its last acknowledged operation (the ledger). An operation whose answer
// never came (the connection died with the server) leaves the pair uncertain; the thread
// sends it again, with backoff, until it is answered (link and unlink are idempotent), and
// the pair is certain again. While a pair is certain, every answer is predictable: 201 or
// 200 for a link, 204 or 404 for an unlink, depending on the ledger. An answer that
// contradicts the ledger (a link the ledger holds reported as new, say) means an
// acknowledged write was lost and later redone: it counts as lost, as does any pair whose
// state at the end differs from the ledger. Bulk jobs run on a brand of their own, with
// a ledger of their own (each job offer's last job), so that they do not blur the pairs'.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "support/server_process.hpp"

namespace offers::testing {

struct SoakOptions {
  // Load time, from the end of the setup to the end of the load; the kills fall in it.
  std::chrono::milliseconds duration = std::chrono::seconds(30);
  // Kills, spread over the duration at random moments (each within its own slot of
  // duration / (kills + 1), so that load runs between two of them).
  int kills = 3;
  // Longest pause between a kill and the restart (random, from 0): clients meet refused
  // connections meanwhile.
  std::chrono::milliseconds maxDowntime = std::chrono::milliseconds(300);

  int clientThreads = 8;
  int offers = 4;       // offers of the client brand, linked and unlinked one pair at a time
  int locations = 250;  // locations of the client brand: offers x locations pairs

  // Bulk jobs: one thread creates an offer of a second brand (jobLocations locations),
  // starts a link-brand-locations job for it and follows it to its end, then the next,
  // for as long as the load runs. Once jobOffers offers exist it takes them in turn and
  // reverses each one's last job (unlink-all-locations after a link job, and back), so
  // that every job has the whole brand to do. 0 disables jobs.
  int jobLocations = 1000;
  int jobOffers = 30;

  // After the last restart and the end of the load, every job must reach a terminal
  // state within this; one that does not is stuck.
  std::chrono::milliseconds jobDeadline = std::chrono::seconds(60);
  // How long a client thread keeps retrying its last operation after the load ended (the
  // server is up then); one still unanswered is reported as a problem.
  std::chrono::milliseconds drainDeadline = std::chrono::seconds(60);
  // How long a failed verification may be repeated: 0 on the embedded engine, whose state
  // is exact at once; on DynamoDB what a killed process left half-done is repaired once
  // its lease has run out, so the verification is given that long to come out exact.
  std::chrono::milliseconds settle = std::chrono::milliseconds(0);

  // Runs between each kill and the restart, with the server down. The soak test's
  // negative control deletes the store's write-ahead log here, which must make the soak
  // report lost writes: proof that its checks can fail.
  std::function<void()> afterKill;

  // Seeds the random choices (operations, pairs, kill moments); 0 picks one. Thread
  // scheduling is not reproducible, so the same seed gives a similar run, not the same.
  std::uint64_t seed = 0;

  // Progress lines (setup done, each kill and restart, verification); none when empty.
  std::function<void(std::string_view)> log;
};

struct SoakReport {
  std::uint64_t seed = 0;
  double seconds = 0;                 // the load phase, kills included
  double downSeconds = 0;             // total time the server was not listening
  std::int64_t requestsSent = 0;      // HTTP requests the load sent (clients and jobs)
  std::int64_t requestsAnswered = 0;  // ... and got an HTTP answer to, whatever its status
  int kills = 0;
  int killsDuringJob = 0;  // kills that hit while a bulk job was queued or running

  std::int64_t linksAcknowledged = 0;    // link answered 201 or 200
  std::int64_t unlinksAcknowledged = 0;  // unlink answered 204 or 404 "not linked"
  std::int64_t changes = 0;              // of those, 201 and 204: the state moved
  std::int64_t retried = 0;              // operations left uncertain (no answer, or 5xx) and resent
  std::int64_t unavailable = 0;          // 5xx answers (the DynamoDB engine's "busy; try again")

  int jobsStarted = 0;    // 202s received (or a 409 naming the job a lost 202 had created)
  int jobsFound = 0;      // jobs the server lists at the end
  int jobsSucceeded = 0;  // ... that succeeded, their counts adding up
  int unlinkJobs = 0;     // ... of which unlink-all-locations
  int jobsStuck = 0;      // ... not terminal within jobDeadline
  int jobsFailed = 0;     // ... terminal but not a clean success

  std::int64_t pairs = 0;        // client pairs, all verified
  std::int64_t pairsLinked = 0;  // linked at the end, by the ledger
  // Acknowledged writes found missing: pairs whose state contradicted the ledger during
  // the run or at the end, job offers not in the state their last job left them in, and
  // entities of the setup gone. Must be 0.
  std::int64_t lost = 0;
  // Counters and lists that disagree with each other: an offer's locationsTotal, a
  // location's offersTotal or hasOffer, against what they list; the two directions of a
  // link. Must be 0.
  std::int64_t inconsistent = 0;
  // Everything else that went wrong (an unexpected answer, an operation never answered,
  // a restart that failed), described; the first few of each kind of failure above too.
  std::vector<std::string> problems;

  std::int64_t acknowledgedWrites() const { return linksAcknowledged + unlinksAcknowledged; }
  // Lost nothing, everything exact, every job ended cleanly, nothing else went wrong.
  bool passed() const {
    return lost == 0 && inconsistent == 0 && jobsStuck == 0 && jobsFailed == 0 && problems.empty();
  }
  // The figures, one per line, for logs.
  std::string summary() const;
  // The figures as a two-column Markdown table.
  std::string markdown() const;
};

class Soak {
 public:
  // `server` must be running. The soak kills and restarts it from the thread that calls
  // run(), which must be the thread that started it: ServerProcess ties the server's
  // life to the thread that forked it (PR_SET_PDEATHSIG), so a restart from a worker
  // thread would die with that thread.
  Soak(ServerProcess& server, SoakOptions options);

  // Sets up the data, runs the load with the kills, drains, waits for the jobs and
  // verifies. Throws std::runtime_error when the setup fails (nothing to measure then);
  // every later failure is in the report. The server runs when it returns, unless a
  // restart failed.
  SoakReport run();

 private:
  ServerProcess& server_;
  SoakOptions options_;
};

}  // namespace offers::testing
