// The Secrets Manager call the Lambda api function makes when it starts (src/aws/secrets.hpp),
// in process against moto's server (an independent implementation of the service's JSON
// 1.1 protocol), each test on a secret of its own.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "aws/secrets.hpp"
#include "support/emulator.hpp"
#include "support/server_process.hpp"

namespace offers::testing {
namespace {

namespace json = boost::json;

class SecretsManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (ServerTest::onDynamoDb()) {
      GTEST_SKIP() << "in process, engine-independent: runs in the integration.* variant";
    }
    client_.emplace(aws::secretsOptions(emulatorClientOptions(), sharedMoto().endpoint()));
  }

  std::optional<aws::Client> client_;
};

TEST_F(SecretsManagerTest, TheSecretStringOfASecretByNameAndByArn) {
  const auto name = "offers-api-keys-" + uniqueTableName();
  const std::string keys = "ops:k_0123456789abcdef0123456789abcdef,ci:k_fedcba9876543210fedcba98";
  const auto created =
      client_->call("CreateSecret", json::object{{"Name", name}, {"SecretString", keys}});
  EXPECT_EQ(aws::secretString(*client_, name), keys);
  EXPECT_EQ(aws::secretString(*client_, std::string(created.at("ARN").as_string())), keys);
}

TEST_F(SecretsManagerTest, AMissingSecretIsRefusedAsNotFound) {
  try {
    aws::secretString(*client_, "offers-api-keys-" + uniqueTableName());
    FAIL() << "a missing secret was read";
  } catch (const aws::ServiceError& e) {
    EXPECT_EQ(e.type(), "ResourceNotFoundException");
  }
}

TEST_F(SecretsManagerTest, ABinarySecretHasNoStringToRead) {
  const auto name = "offers-api-keys-" + uniqueTableName();
  client_->call("CreateSecret", json::object{{"Name", name}, {"SecretBinary", "AAEC"}});
  EXPECT_THROW(aws::secretString(*client_, name), std::invalid_argument);
}

}  // namespace
}  // namespace offers::testing
