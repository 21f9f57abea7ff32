// The embedded engine: one RocksDB database under --data-dir, write-ahead log on.
//
// Keys mirror the single-table design of the DynamoDB engine; every key family, with its
// one builder and parser, is in keys.hpp. Every operation that touches several keys takes
// the entities' stripe locks (lock_table.hpp) and writes one WriteBatch, so the links and
// both counters move together, and a crash leaves all of them or none.
#pragma once

#include <memory>
#include <string>

#include "store/operations.hpp"
#include "store/rocksdb/lock_table.hpp"
#include "store/store.hpp"

namespace rocksdb {
class DB;
}

namespace offers::store::rocksdb {

struct Options {
  std::string dataDir;
  // fsync the log on every write: survives power loss, not only a killed process.
  bool syncWrites = false;
};

class RocksDbStore final : public Store {
 public:
  // Throws domain::Error(unavailable) when the database cannot be opened (for example
  // while another process holds it).
  explicit RocksDbStore(const Options& options);
  ~RocksDbStore() override;

  // Every operation of the Store (operations.hpp). Each is atomic, so repairAbandoned
  // never finds anything to repair.
#define OFFERS_STORE_DECLARE(ret, name, params, args) ret name params override;
  OFFERS_STORE_OPERATIONS(OFFERS_STORE_DECLARE)
#undef OFFERS_STORE_DECLARE
  void onEventsAppended(std::function<void()> listener) override;

  class Impl;  // public only so that the engine's parts (impl.hpp) can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace offers::store::rocksdb
