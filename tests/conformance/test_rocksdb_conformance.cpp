// The Store conformance suite on the embedded engine, on a temp directory per test.
#include "job_conformance.hpp"
#include "store/rocksdb/rocksdb_store.hpp"
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

namespace offers::testing {

// Engine-specific: --data-dir behaves like `mkdir -p`.
TEST(RocksDbStore, OpensADataDirWhoseParentsAreMissing) {
  TempDir dir;
  const auto nested = dir.path() / "a" / "b" / "data";
  {
    store::rocksdb::RocksDbStore store(store::rocksdb::Options{nested.string()});
    store.createBrand({domain::newId(), "B", 1, 1});
  }
  store::rocksdb::RocksDbStore reopened(store::rocksdb::Options{nested.string()});
  EXPECT_EQ(reopened.listBrands({10, {}}).items.size(), 1u);
}

}  // namespace offers::testing
