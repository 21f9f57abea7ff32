// The Store conformance suites, unchanged, on the DynamoDB engine over dynalite
// (dynamodb_engine.hpp); test_dynamodb_moto_conformance.cpp runs them over moto.
#include "dynamodb_engine.hpp"
#include "job_conformance.hpp"
#include "store_conformance.hpp"

namespace offers::testing {

INSTANTIATE_TYPED_TEST_SUITE_P(DynamoDb, StoreConformance, DynamoDbEngine);
INSTANTIATE_TYPED_TEST_SUITE_P(DynamoDb, JobConformance, DynamoDbEngine);

}  // namespace offers::testing
