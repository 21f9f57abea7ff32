// The Store conformance suite on the embedded engine, on a temp directory per test.
#include "store/rocksdb/rocksdb_store.hpp"
#include "job_conformance.hpp"
#include "store_conformance.hpp"
#include "support/temp_dir.hpp"

namespace offers::testing {

struct RocksDbEngine {
  TempDir dir;
  std::unique_ptr<store::Store> open() {
    return std::make_unique<store::rocksdb::RocksDbStore>(store::rocksdb::Options{dir.str()});
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(RocksDb, StoreConformance, RocksDbEngine);
INSTANTIATE_TYPED_TEST_SUITE_P(RocksDb, JobConformance, RocksDbEngine);

}  // namespace offers::testing
