// The crash-and-load soak, long form: the same driver as the integration test
// (tests/support/soak.hpp), run for minutes with many kills against offers-api on the
// embedded engine (or on DynamoDB, with dynalite as the endpoint). bench/soak.sh runs it
// and writes the figures to bench/results/soak-latest.md.
//
//   soak [--binary PATH] [--data-dir DIR] [--duration S] [--kills N] [--clients N]
//        [--offers N] [--locations N] [--job-locations N] [--job-offers N]
//        [--job-page-size N] [--server-threads N] [--max-downtime-ms N] [--job-deadline S]
//        [--store rocksdb|dynamodb] [--seed N] [--report FILE]
//
// Exit status: 0 when nothing was lost and everything is exact, 1 when not, 2 when it
// could not run (bad flag, the server or dynalite did not start, the setup failed).
#include "support/soak.hpp"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "support/emulator.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace {

using offers::testing::ServerOptions;
using offers::testing::ServerProcess;
using offers::testing::Soak;
using offers::testing::SoakOptions;
using offers::testing::SoakReport;

struct Settings {
  std::string binary = OFFERS_API_DEFAULT_BINARY;
  std::string dataDir;  // empty: a temporary directory, removed at the end
  std::string store = "rocksdb";
  std::string report;
  int serverThreads = 0;
  int jobPageSize = 100;
  SoakOptions soak;
};

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "soak: " << problem
            << "\nusage: soak [--binary PATH] [--data-dir DIR] [--duration S] [--kills N]"
               " [--clients N] [--offers N] [--locations N] [--job-locations N]"
               " [--job-offers N] [--job-page-size N] [--server-threads N]"
               " [--max-downtime-ms N] [--job-deadline S] [--store rocksdb|dynamodb]"
               " [--seed N] [--report FILE]\n";
  std::exit(2);
}

long long number(const std::string& flag, const std::string& text, long long min) {
  std::size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || value < min) {
    usage(flag + " wants a whole number >= " + std::to_string(min) + ", got '" + text + "'");
  }
  return value;
}

Settings parse(int argc, char** argv) {
  Settings s;
  // Larger than the test's: minutes, a dozen kills, 8,000 pairs, 5,000-location jobs.
  s.soak.duration = std::chrono::seconds(180);
  s.soak.kills = 12;
  s.soak.offers = 8;
  s.soak.locations = 1000;
  s.soak.jobLocations = 5000;
  s.soak.jobOffers = 40;
  s.soak.jobDeadline = std::chrono::seconds(120);
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") usage("the crash-and-load soak");
    if (i + 1 >= argc) usage(flag + " wants a value");
    const std::string value = argv[++i];
    if (flag == "--binary") {
      s.binary = value;
    } else if (flag == "--data-dir") {
      s.dataDir = value;
    } else if (flag == "--store") {
      if (value != "rocksdb" && value != "dynamodb") usage("--store is rocksdb or dynamodb");
      s.store = value;
    } else if (flag == "--report") {
      s.report = value;
    } else if (flag == "--duration") {
      s.soak.duration = std::chrono::seconds(number(flag, value, 1));
    } else if (flag == "--kills") {
      s.soak.kills = static_cast<int>(number(flag, value, 0));
    } else if (flag == "--clients") {
      s.soak.clientThreads = static_cast<int>(number(flag, value, 1));
    } else if (flag == "--offers") {
      s.soak.offers = static_cast<int>(number(flag, value, 1));
    } else if (flag == "--locations") {
      s.soak.locations = static_cast<int>(number(flag, value, 1));
    } else if (flag == "--job-locations") {
      s.soak.jobLocations = static_cast<int>(number(flag, value, 0));
    } else if (flag == "--job-offers") {
      s.soak.jobOffers = static_cast<int>(number(flag, value, 0));
    } else if (flag == "--job-page-size") {
      s.jobPageSize = static_cast<int>(number(flag, value, 1));
    } else if (flag == "--server-threads") {
      s.serverThreads = static_cast<int>(number(flag, value, 0));
    } else if (flag == "--max-downtime-ms") {
      s.soak.maxDowntime = std::chrono::milliseconds(number(flag, value, 0));
    } else if (flag == "--job-deadline") {
      s.soak.jobDeadline = std::chrono::seconds(number(flag, value, 1));
    } else if (flag == "--seed") {
      s.soak.seed = static_cast<std::uint64_t>(number(flag, value, 0));
    } else {
      usage("unknown flag " + flag);
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings = parse(argc, argv);
  std::unique_ptr<offers::testing::TempDir> temp;
  if (settings.dataDir.empty()) {
    temp = std::make_unique<offers::testing::TempDir>();
    settings.dataDir = temp->str();
  }
  std::unique_ptr<offers::testing::EmulatorProcess> dynalite;
  try {
    ServerOptions server;
    server.binary = settings.binary;
    server.dataDir = settings.dataDir + "/data";
    server.threads = settings.serverThreads;
    server.extraArgs = {"--job-page-size", std::to_string(settings.jobPageSize)};
    if (settings.store == "dynamodb") {
      dynalite = std::make_unique<offers::testing::EmulatorProcess>();
      // dynalite checks the form of credentials, never their value; fixed ones keep any
      // real ones of the machine out of the run.
      setenv("AWS_ACCESS_KEY_ID", "soak", 1);
      setenv("AWS_SECRET_ACCESS_KEY", "soak", 1);
      unsetenv("AWS_SESSION_TOKEN");
      // A short lease, so that what a killed server left half-done is taken over soon.
      server.dynamodb = offers::testing::DynamoDbEngine{
          .endpoint = dynalite->endpoint(),
          .table = offers::testing::uniqueTableName(),
          .leaseMs = 1000,
      };
      settings.soak.settle = std::chrono::seconds(15);
    }
    ServerProcess process(server);
    process.start();

    const auto started = std::chrono::steady_clock::now();
    settings.soak.log = [started](std::string_view line) {
      const double at =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::cerr << "[soak " << static_cast<long long>(at) << "s] " << line << std::endl;
    };
    const SoakReport report = Soak(process, settings.soak).run();
    if (process.running()) process.stop();

    std::cout << report.summary();
    if (!settings.report.empty()) {
      std::ofstream out(settings.report);
      out << "Store: " << settings.store << "; " << settings.soak.clientThreads
          << " client threads over " << settings.soak.offers << " offers x "
          << settings.soak.locations << " locations; bulk jobs over " << settings.soak.jobLocations
          << " locations (--job-page-size " << settings.jobPageSize << ", up to "
          << settings.soak.jobOffers << " offers); " << settings.soak.kills << " kills in "
          << settings.soak.duration.count() / 1000 << " s; seed " << report.seed << ".\n\n"
          << report.markdown() << "\nResult: **" << (report.passed() ? "PASS" : "FAIL")
          << "** (nothing lost, every counter exact, every job ended cleanly).\n";
      if (!report.problems.empty()) out << "\nProblems:\n\n";
      for (const auto& problem : report.problems) out << "- " << problem << "\n";
      if (!out) {
        std::cerr << "soak: cannot write " << settings.report << "\n";
        return 2;
      }
    }
    return report.passed() ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "soak: " << e.what() << "\n";
    return 2;
  }
}
