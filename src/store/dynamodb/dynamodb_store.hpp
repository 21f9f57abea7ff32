// The Store over Amazon DynamoDB (or any endpoint that speaks its API), for many
// stateless offers-api processes sharing one table. The item layout and every access
// pattern are in docs/dynamodb-model.md.
//
// Exact without TransactWriteItems: every multi-item change is a small state machine of
// single-item conditional writes. Counters move with `ADD n` guarded by an operation token
// kept in the counted item's `ops` string set while the operation is in flight (`NOT
// contains(ops, :t)`), so a retried or resumed step never counts twice; the link item
// records the state of its operation (linking / linked / unlinking), so whoever meets a
// half-done one (the client's retry, a delete of the location, the job that owns it)
// finishes it or rolls it back. Only one process works on an unfinished operation at a
// time: single links carry a lease on their link item, bulk pages run under the job's
// lease, and a holder stops writing once its lease has run low.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "aws/client.hpp"
#include "store/operations.hpp"
#include "store/store.hpp"

namespace offers::store::dynamodb {

struct Options {
  aws::ClientOptions client;  // the shared AWS client's (src/aws/): endpoint, region, keys
  std::string table = "offers";
  bool createTable = false;  // CreateTable (pay per request) when absent, then wait for it
  // Leases on jobs, deliveries and unfinished link operations: how long another process
  // waits before it takes over from one that stopped answering.
  std::chrono::milliseconds lease{15000};
  // The event feed hides events younger than this, so that an event committed late by
  // another process is not skipped by a reader that already moved past its position.
  // One process alone needs none (it tracks its own in-flight events).
  std::chrono::milliseconds eventLag{1000};
  // How far the indexes may trail the table: a brand's delete waits this long after
  // marking the brand before it reads its children from GSI1 (docs/dynamodb-model.md,
  // "Deleting a brand"). 0 suits an endpoint whose indexes are synchronous (dynalite).
  std::chrono::milliseconds indexLag{1000};
  // DynamoDB requests a bulk page or a location batch keeps in flight at once.
  unsigned parallelism = 16;
  // Threads the engine starts once and shares among all its parallel steps (the calling
  // thread of each step works too): a bound on the engine's threads however many steps
  // run at once. 0: every step runs on its calling thread alone.
  unsigned workerThreads = 16;
};

class DynamoDbStore final : public Store {
 public:
  explicit DynamoDbStore(Options options);
  ~DynamoDbStore() override;

  // Every operation of the Store (operations.hpp). Where this engine differs:
  // repairAbandoned finishes or rolls back the link operations whose lease ran out (their
  // process died); dueDeliveries also leases what it returns to this process (pushes
  // `due` forward by the lease), so that the dispatchers of several processes do not send
  // the same delivery at once.
#define OFFERS_STORE_DECLARE(ret, name, params, args) ret name params override;
  OFFERS_STORE_OPERATIONS(OFFERS_STORE_DECLARE)
#undef OFFERS_STORE_DECLARE
  void onEventsAppended(std::function<void()> listener) override;

  // DynamoDB requests sent so far (the benchmark's cost meter).
  std::uint64_t requestsSent() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace offers::store::dynamodb
