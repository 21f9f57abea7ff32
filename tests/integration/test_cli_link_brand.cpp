// `offers-api link-brand` against a server with API keys: without a key the server's 401
// is reported and the exit status is 1; with the key, from --api-key or OFFERS_API_KEY, the
// job starts (and, with --wait, succeeds).
#include <fstream>
#include <string>
#include <vector>

#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace offers::testing {
namespace {

namespace json = boost::json;

class LinkBrandCliTest : public ServerTest {
 protected:
  void SetUp() override {
    const std::string file = (keysDir_.path() / "api-keys").string();
    std::ofstream(file) << "cli:" << key_ << "\n";
    ServerOptions options = serverOptions();
    options.extraArgs = {"--api-keys-file", file};
    server_ = std::make_unique<ServerProcess>(std::move(options));
    startServer();
  }

  // POST with the key; returns the created entity's id.
  std::string createWithKey(std::string_view target, const json::object& body) {
    const HttpResponse r =
        api().request("POST", target, json::serialize(body), {{"Authorization", "Bearer " + key_}});
    if (r.status != 201) throw std::runtime_error("expected 201: " + r.describe());
    return str(r.json(), "id");
  }

  std::string newOffer() {
    const std::string brand = createWithKey("/v1/brands", {{"name", "Brand"}});
    return createWithKey("/v1/offers", {{"name", "Offer"}, {"brandId", brand}});
  }

  std::vector<std::string> linkBrand(const std::string& offer) const {
    return {"link-brand", "--server", "http://127.0.0.1:" + std::to_string(server_->port()),
            "--offer", offer};
  }

  TempDir keysDir_;
  const std::string key_ = "cli-test-key-" + randomUuid();
};

TEST_F(LinkBrandCliTest, WithoutTheKeyTheServersRefusalIsReported) {
  const CommandResult r = runCommand(OFFERS_API_BINARY, linkBrand(newOffer()));
  ASSERT_FALSE(r.timedOut);
  EXPECT_EQ(r.exitCode, 1) << "stdout: " << r.out << "\nstderr: " << r.err;
  EXPECT_NE(r.err.find("401"), std::string::npos) << r.err;
}

TEST_F(LinkBrandCliTest, TheKeyFromTheFlagIsSent) {
  auto args = linkBrand(newOffer());
  args.insert(args.end(), {"--api-key", key_, "--wait"});
  const CommandResult r = runCommand(OFFERS_API_BINARY, args, std::chrono::seconds(30));
  ASSERT_FALSE(r.timedOut);
  EXPECT_EQ(r.exitCode, 0) << "stdout: " << r.out << "\nstderr: " << r.err;
  EXPECT_NE(r.out.find("started"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("succeeded"), std::string::npos) << r.out;
}

TEST_F(LinkBrandCliTest, TheKeyFromTheEnvironmentIsSent) {
  // The test support hands its children none of this process's OFFERS_* variables; env(1)
  // sets the one under test.
  auto args = linkBrand(newOffer());
  args.insert(args.begin(), {"OFFERS_API_KEY=" + key_, OFFERS_API_BINARY});
  const CommandResult r = runCommand("/usr/bin/env", args);
  ASSERT_FALSE(r.timedOut);
  EXPECT_EQ(r.exitCode, 0) << "stdout: " << r.out << "\nstderr: " << r.err;
  EXPECT_NE(r.out.find("started"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace offers::testing
