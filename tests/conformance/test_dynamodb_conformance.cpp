// The Store conformance suite, unchanged, on the DynamoDB engine: one dynalite per test
// process (in memory, ephemeral port), a fresh table per test. "Reopen" is a new store
// object on the same table, as a restarted process would be.
#include "job_conformance.hpp"
#include "store/dynamodb/dynamodb_store.hpp"
#include "store_conformance.hpp"
#include "support/dynalite.hpp"

namespace offers::testing {

struct DynamoDbEngine {
  std::string table = uniqueTableName();
  std::unique_ptr<store::Store> open() {
    store::dynamodb::Options options;
    options.client.endpoint = sharedDynalite().endpoint();
    options.client.region = "us-east-1";
    options.client.credentials = {"test", "test", ""};
    options.table = table;
    options.createTable = true;
    // One process: its own in-flight tracking orders the feed; no lag needed.
    options.eventLag = std::chrono::milliseconds(0);
    options.indexLag = std::chrono::milliseconds(0);  // dynalite's indexes are synchronous
    // Short, so a test that abandons an operation sees it taken over quickly.
    options.lease = std::chrono::milliseconds(1500);
    return std::make_unique<store::dynamodb::DynamoDbStore>(options);
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(DynamoDb, StoreConformance, DynamoDbEngine);
INSTANTIATE_TYPED_TEST_SUITE_P(DynamoDb, JobConformance, DynamoDbEngine);

}  // namespace offers::testing
