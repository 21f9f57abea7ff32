// The Store conformance suites on the DynamoDB engine over moto's server, a second
// DynamoDB-API implementation written independently of dynalite: where the two read the
// API differently (conditions, batch limits, return values), the engine must hold on
// both. The differences found are listed in docs/testing.md.
#include "dynamodb_engine.hpp"
#include "job_conformance.hpp"
#include "store_conformance.hpp"

namespace offers::testing {

INSTANTIATE_TYPED_TEST_SUITE_P(Moto, StoreConformance, MotoEngine);
INSTANTIATE_TYPED_TEST_SUITE_P(Moto, JobConformance, MotoEngine);

}  // namespace offers::testing

namespace offers::testing {
namespace {

// How many DynamoDB requests a second link of an already linked pair takes, on `Engine`.
template <class Engine>
std::uint64_t requestsOfARepeatedLink() {
  Engine engine;
  auto opened = engine.open();
  auto& s = dynamic_cast<store::dynamodb::DynamoDbStore&>(*opened);
  const domain::Brand b{domain::newId(), "B", 1, 1};
  s.createBrand(b);
  domain::Offer o;
  o.id = domain::newId();
  o.name = "O";
  o.brandId = b.id;
  s.createOffer(o);
  domain::Location l;
  l.id = domain::newId();
  l.address = "A";
  l.brandId = b.id;
  s.createLocations({l});
  EXPECT_TRUE(s.link(o.id, l.id).created);
  const auto before = s.requestsSent();
  const auto again = s.link(o.id, l.id);
  const auto spent = s.requestsSent() - before;
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.offer.locationsTotal, 1);
  EXPECT_EQ(again.location.offersTotal, 1);
  return spent;
}

// A refused conditional write asks for the item as it stands
// (ReturnValuesOnConditionCheckFailure ALL_OLD). moto returns it, as DynamoDB does;
// dynalite ignores the request, and the engine then reads the item itself. Both paths
// give the same answer; the first saves a request.
TEST(DynamoDbEmulators, ARefusalThatReturnsTheItemSavesTheRead) {
  const auto onDynalite = requestsOfARepeatedLink<DynamoDbEngine>();
  const auto onMoto = requestsOfARepeatedLink<MotoEngine>();
  EXPECT_EQ(onMoto + 1, onDynalite) << "moto " << onMoto << ", dynalite " << onDynalite;
}

}  // namespace
}  // namespace offers::testing
