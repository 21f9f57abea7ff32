// The crash-and-load soak, short (the long one is bench/soak): clients link and unlink
// under a ledger and bulk jobs run while the server is kill -9ed and restarted three
// times; every acknowledged change must survive, every counter must equal its links, and
// every job must end. The driver and what it checks: tests/support/soak.hpp.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string>

#include "support/soak.hpp"

namespace offers::testing {
namespace {

class SoakTest : public ServerTest {
 protected:
  void SetUp() override {
    // Small job pages, so that a job spans many atomic steps and a kill is likely to
    // land in the middle of one. ServerTest::startServer() keeps a server_ that exists,
    // so making it here is how the flag reaches every restart.
    ServerOptions options = serverOptions();
    options.extraArgs = {"--job-page-size", onDynamoDb() ? "20" : "50"};
    server_ = std::make_unique<ServerProcess>(std::move(options));
    startServer();
  }
};

TEST_F(SoakTest, AcknowledgedLinksAndUnlinksSurviveKill9UnderLoad) {
  SoakOptions options;
  options.duration = std::chrono::seconds(30);
  options.kills = 3;
  std::int64_t minimumWrites = 1000;
  if (onDynamoDb()) {
    // dynalite (one Node.js thread) does a few hundred conditional writes a second and a
    // link takes 8 requests: fewer pairs and threads keep it from being the whole test.
    // A killed server's half-done links are repaired once their lease (1 s here) has run
    // out, by the client's resend or by whoever meets them: the verification may take
    // that long to come out exact.
    options.clientThreads = 4;
    options.offers = 2;
    options.locations = 40;
    options.jobLocations = 60;
    options.jobOffers = 10;
    options.settle = std::chrono::seconds(15);
    minimumWrites = 100;
  }
  options.log = [](std::string_view line) { std::cout << "[soak] " << line << std::endl; };

  const SoakReport report = Soak(server(), options).run();
  api_ = std::make_unique<HttpClient>(server().client());  // the port changed with each restart
  std::cout << report.summary();

  for (const auto& problem : report.problems) ADD_FAILURE() << problem;
  EXPECT_EQ(report.lost, 0) << "acknowledged writes lost";
  EXPECT_EQ(report.inconsistent, 0) << "counters or lists disagree";
  EXPECT_EQ(report.jobsStuck, 0);
  EXPECT_EQ(report.jobsFailed, 0);
  // Not vacuous: the kills happened under load, and jobs ran through them.
  EXPECT_EQ(report.kills, options.kills);
  EXPECT_GE(report.acknowledgedWrites(), minimumWrites);
  EXPECT_GT(report.changes, report.acknowledgedWrites() / 2);
  EXPECT_GT(report.jobsSucceeded, 0);
  EXPECT_EQ(report.jobsFound, report.jobsSucceeded);
}

// The negative control: the same soak, but RocksDB's write-ahead log (the *.log files of
// the data directory) is deleted after the kill, so the writes acknowledged since the last
// memtable flush are gone. The soak must say so; if it passed, its checks would be blind.
TEST_F(SoakTest, ReportsLostWritesWhenTheWriteAheadLogIsDeleted) {
  if (onDynamoDb()) GTEST_SKIP() << "deletes files of the embedded engine";
  SoakOptions options;
  options.duration = std::chrono::seconds(8);
  options.kills = 1;
  options.clientThreads = 4;
  options.jobOffers = 5;
  options.afterKill = [dir = dataDir_.path()] {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() == ".log") std::filesystem::remove(entry.path());
    }
  };
  const SoakReport report = Soak(server(), options).run();
  api_ = std::make_unique<HttpClient>(server().client());
  SoakReport shown = report;  // the figures and a few of the hundreds of problems
  shown.problems.resize(std::min<std::size_t>(shown.problems.size(), 3));
  std::cout << shown.summary();

  EXPECT_EQ(report.kills, 1);
  EXPECT_FALSE(report.passed());
  EXPECT_GT(report.lost, 0) << "acknowledged writes were deleted, yet none was reported lost";
}

}  // namespace
}  // namespace offers::testing
