// The DynamoDB engine as the conformance suites open it: on one of the test process's
// emulators (support/emulator.hpp), a fresh table per test. "Reopen" is a new store object
// on the same table, as a restarted process would be.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "store/dynamodb/dynamodb_store.hpp"
#include "support/emulator.hpp"

namespace offers::testing {

template <Emulator kEmulator>
struct DynamoDbOn {
  // The exhaustive fault loop (a failure at every request of a bulk job, each n a fresh
  // run) would take most of an hour on moto, several times slower than dynalite per
  // request; dynalite runs it, moto skips it.
  static constexpr bool kExhaustiveFaultLoop = kEmulator == Emulator::dynalite;
  // The suites' larger tests run on a tenth of their data on moto (StoreConformance::sized).
  static constexpr std::size_t kShrink = kEmulator == Emulator::moto ? 10 : 1;

  std::string table = uniqueTableName();
  std::unique_ptr<store::Store> open() {
    auto& emulator = kEmulator == Emulator::dynalite ? sharedDynalite() : sharedMoto();
    store::dynamodb::Options options;
    options.client.endpoint = emulator.endpoint();
    options.client.region = "us-east-1";
    options.client.credentials = {"test", "test", ""};
    options.table = table;
    options.createTable = true;
    // One process: its own in-flight tracking orders the feed; no lag needed.
    options.eventLag = std::chrono::milliseconds(0);
    // Both emulators write their indexes with the table.
    options.indexLag = std::chrono::milliseconds(0);
    // Short, so a test that abandons an operation sees it taken over quickly; but a lease
    // must outlast a write by a wide margin (writes are not sent once two thirds of it
    // have passed), and moto, one Python process, answers 16 requests at once in up to
    // a second.
    options.lease = std::chrono::milliseconds(kEmulator == Emulator::dynalite ? 1500 : 6000);
    return std::make_unique<store::dynamodb::DynamoDbStore>(options);
  }
};

// Named types, so that test names say which emulator they ran on.
struct DynamoDbEngine : DynamoDbOn<Emulator::dynalite> {};
struct MotoEngine : DynamoDbOn<Emulator::moto> {};

}  // namespace offers::testing
