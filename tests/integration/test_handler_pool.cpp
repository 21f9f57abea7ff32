// On DynamoDB the handlers run on a pool of their own (--handler-threads), so a store
// that is slow to answer never holds the threads that serve connections: the built
// binary over HTTP, one connection thread, its DynamoDB endpoint a loopback server that
// answers every request only after a delay.
#include <gtest/gtest.h>

#include <future>
#include <string_view>
#include <thread>

#include "support/emulator.hpp"
#include "support/loopback_http_server.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace offers::testing {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kStoreDelay{3000};

class HandlerPoolTest : public ::testing::Test {
 protected:
  HandlerPoolTest() {
    useDynaliteCredentials();  // the child inherits them; the endpoint never checks them
    // Every DynamoDB call waits kStoreDelay, then fails with an error the client does not
    // retry: the server's read of the offer is still on its way when /healthz is asked.
    slowStore_.respondWith([](const ReceivedRequest&, std::size_t) {
      return ScriptedReply{
          .status = 400,
          .delay = kStoreDelay,
          .headers = {{"Content-Type", "application/x-amz-json-1.0"}},
          .body = R"({"__type":"com.amazonaws.dynamodb.v20120810#AccessDeniedException",)"
                  R"("message":"slow on purpose"})"};
    });
  }

  void SetUp() override {
    if (!ServerTest::onDynamoDb()) {
      GTEST_SKIP() << "a behaviour of the DynamoDB engine's servers; runs in the "
                      "integration-dynamodb.* variant";
    }
  }

  std::unique_ptr<ServerProcess> start(std::vector<std::string> extra) {
    auto server = std::make_unique<ServerProcess>(ServerOptions{
        .binary = OFFERS_API_BINARY,
        .dataDir = dir_.str(),
        .threads = 1,
        .extraArgs = std::move(extra),
        .dynamodb =
            DynamoDbEngine{.endpoint = slowStore_.origin(), .table = "slow", .createTable = false},
    });
    server->start();
    return server;
  }

  // Asks for an offer (the store holds it for kStoreDelay) and, once that request has
  // reached the store, times GET /healthz on a second connection.
  milliseconds healthzWhileTheStoreIsSlow(ServerProcess& server) {
    auto pending = std::async(std::launch::async, [&server] {
      auto client = server.client();
      client.setTimeout(milliseconds(30000));
      return client.get("/v1/offers/" + std::string(kOffer)).status;
    });
    // The server's background work calls the store too: wait for the read of this offer.
    EXPECT_TRUE(storeHasSeen(kOffer)) << "the offer's read never reached the store";
    auto client = server.client();
    client.setTimeout(milliseconds(30000));
    const auto asked = Clock::now();
    const auto health = client.get("/healthz");
    const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - asked);
    EXPECT_EQ(health.status, 200) << health.describe();
    EXPECT_EQ(pending.get(), 503) << "a store that fails is 503 unavailable";
    return took;
  }

  // True once a request naming `text` has reached the store (within 5 s).
  bool storeHasSeen(std::string_view text) const {
    const auto deadline = Clock::now() + milliseconds(5000);
    while (Clock::now() < deadline) {
      for (const auto& r : slowStore_.requests()) {
        if (r.body.find(text) != std::string::npos) return true;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    return false;
  }

  static constexpr std::string_view kOffer = "3f1c7a52-8d4e-4b7a-9c61-2e5f0a9d8b10";
  TempDir dir_;
  LoopbackHttpServer slowStore_;
};

TEST_F(HandlerPoolTest, ASlowStoreDoesNotHoldTheConnectionThread) {
  auto server = start({});  // --handler-threads auto: a pool on DynamoDB
  const auto took = healthzWhileTheStoreIsSlow(*server);
  EXPECT_LT(took, kStoreDelay / 2)
      << "/healthz waited " << took.count() << " ms behind a handler waiting on DynamoDB";
}

// The control: with handlers on the connection thread, the same /healthz waits behind
// the store, so the test above can tell the two apart.
TEST_F(HandlerPoolTest, WithoutThePoolTheSameRequestWaitsBehindTheStore) {
  auto server = start({"--handler-threads", "0"});
  const auto took = healthzWhileTheStoreIsSlow(*server);
  EXPECT_GE(took, kStoreDelay / 2) << "/healthz answered in " << took.count() << " ms";
}

}  // namespace
}  // namespace offers::testing
