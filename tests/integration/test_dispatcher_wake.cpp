// The webhook dispatcher backs off while idle and wakes when this process appends an
// event: in process, the dispatcher over a real store (RocksDB in a temporary directory,
// or DynamoDB on dynalite under OFFERS_TEST_STORE=dynamodb) and a real HTTP receiver on
// loopback. The store's onEventsAppended listener is wired as offers-api serve wires it.
#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "domain/id.hpp"
#include "notify/dispatcher.hpp"
#include "store/dynamodb/dynamodb_store.hpp"
#include "store/rocksdb/rocksdb_store.hpp"
#include "support/emulator.hpp"
#include "support/loopback_http_server.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace offers::testing {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

std::unique_ptr<store::Store> openStore(const TempDir& dir) {
  if (ServerTest::onDynamoDb()) {
    store::dynamodb::Options o;
    o.client.endpoint = sharedDynalite().endpoint();
    o.client.region = "us-east-1";
    o.client.credentials = {"test", "test", ""};
    o.table = uniqueTableName();
    o.createTable = true;
    o.eventLag = milliseconds(0);
    o.indexLag = milliseconds(0);
    return std::make_unique<store::dynamodb::DynamoDbStore>(o);
  }
  return std::make_unique<store::rocksdb::RocksDbStore>(store::rocksdb::Options{dir.str()});
}

// Scans at 0, 0.4, 1.2, 2.8, 6.0 and then 12.4 s (200 ms, doubling, no cap to speak of):
// an event appended at 6.2 s would wait until 12.4 s for a scan. Woken, the dispatcher
// delivers it at once.
TEST(DispatcherWake, AnIdleDispatcherDeliversAnEventOfThisProcessAtOnce) {
  TempDir dir;
  auto store = openStore(dir);
  LoopbackHttpServer receiver;
  store->createWebhook({domain::newId(), receiver.url(), {"brand.created"}, "secret", 1});
  notify::DispatcherOptions options;
  options.scanInterval = milliseconds(200);
  options.idleScanMax = milliseconds(3600 * 1000);
  options.sender.allowPrivateTargets = true;  // the receiver is on loopback
  notify::WebhookDispatcher dispatcher(*store, options);
  store->onEventsAppended([&dispatcher] { dispatcher.wake(); });
  dispatcher.start();
  std::this_thread::sleep_for(milliseconds(6200));
  ASSERT_EQ(receiver.count(), 0u);

  const auto appended = Clock::now();
  store->createBrand({domain::newId(), "Woken", 1, 1});
  // Well before the next scan it would have made on its own (6.2 s away).
  EXPECT_TRUE(receiver.waitFor(1, milliseconds(3000)))
      << "the event was not delivered within 3 s of being appended";
  const auto waited = std::chrono::duration_cast<milliseconds>(Clock::now() - appended);
  dispatcher.stop();
  store->onEventsAppended(nullptr);
  ASSERT_EQ(receiver.count(), 1u) << "after " << waited.count() << " ms";
  EXPECT_NE(receiver.requests()[0].body.find("\"Woken\""), std::string::npos);
}

}  // namespace
}  // namespace offers::testing
