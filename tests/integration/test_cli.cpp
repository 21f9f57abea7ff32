// The command line: --version and --help succeed, bad flags exit 2 with a message on
// stderr instead of starting a server.
#include <string>
#include <vector>

#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace offers::testing {
namespace {

TEST(CliTest, VersionPrintsAVersionAndExitsZero) {
  const CommandResult r = runCommand(OFFERS_API_BINARY, {"--version"});
  ASSERT_FALSE(r.timedOut);
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find_first_of("0123456789"), std::string::npos) << "stdout: " << r.out;
}

TEST(CliTest, HelpExitsZero) {
  const CommandResult r = runCommand(OFFERS_API_BINARY, {"--help"});
  ASSERT_FALSE(r.timedOut);
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE((r.out + r.err).find("serve"), std::string::npos) << "help does not mention serve";
}

TEST(CliTest, BadFlagsExitTwoWithAMessage) {
  TempDir dir;
  const std::vector<std::vector<std::string>> cases = {
      {"serve", "--no-such-flag", "--port", "0", "--data-dir", dir.str()},
      {"serve", "--host", "127.0.0.1", "--port", "abc", "--data-dir", dir.str()},
      {"serve", "--host", "127.0.0.1", "--port", "70000", "--data-dir", dir.str()},
      {"serve", "--host", "127.0.0.1", "--port", "-1", "--data-dir", dir.str()},
      {"serve", "--host", "127.0.0.1", "--data-dir", dir.str(), "--port"},
      {"serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", dir.str(), "--threads", "many"},
      {"--no-such-flag"},
  };
  for (const auto& args : cases) {
    std::string shown;
    for (const auto& arg : args) shown += " " + arg;
    const CommandResult r = runCommand(OFFERS_API_BINARY, args, std::chrono::seconds(5));
    EXPECT_FALSE(r.timedOut) << "still running (serving?) with" << shown;
    EXPECT_EQ(r.exitCode, 2) << shown << "\nstdout: " << r.out << "\nstderr: " << r.err;
    EXPECT_FALSE(r.err.empty()) << "no message on stderr for" << shown;
  }
}

}  // namespace
}  // namespace offers::testing
