// The dynalite test harness (tests/support/emulator.hpp), which the DynamoDB engine's
// tests stand on: it starts, speaks the DynamoDB API to our client, makes tables usable at
// once, hands out distinct table names, and leaves no server behind.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "aws/client.hpp"
#include "support/emulator.hpp"

namespace offers::testing {
namespace {

using namespace std::chrono_literals;
using aws::Client;
using aws::ClientOptions;
using aws::ServiceError;

ClientOptions clientFor(const std::string& endpoint) {
  ClientOptions options;
  options.endpoint = endpoint;
  options.region = "us-east-1";
  options.credentials = {"test", "test", ""};  // dynalite checks the form only
  options.retryDeadline = 2s;
  return options;
}

boost::json::object createTable(Client& client, const std::string& name) {
  return client.call(
      "CreateTable",
      {{"TableName", name},
       {"AttributeDefinitions",
        boost::json::array{{{"AttributeName", "pk"}, {"AttributeType", "S"}}}},
       {"KeySchema", boost::json::array{{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}},
       {"BillingMode", "PAY_PER_REQUEST"}});
}

std::string tableStatus(Client& client, const std::string& name) {
  const auto described = client.call("DescribeTable", {{"TableName", name}});
  return std::string(described.at("Table").at("TableStatus").as_string());
}

TEST(DynaliteTest, ServesTheDynamoDbApiWithTablesUsableAtOnce) {
  EmulatorProcess dynalite;
  ASSERT_GT(dynalite.port(), 0);
  EXPECT_EQ(dynalite.endpoint(), "http://127.0.0.1:" + std::to_string(dynalite.port()));
  Client client(clientFor(dynalite.endpoint()));
  const std::string table = uniqueTableName();

  const auto created = createTable(client, table);
  EXPECT_EQ(created.at("TableDescription").at("TableName").as_string(), table);
  // CreateTable answers CREATING even with createTableMs 0; the launcher's 0 ms makes it
  // ACTIVE by the next request, where dynalite's default would take 500 ms.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  std::string status = tableStatus(client, table);
  while (status != "ACTIVE" && std::chrono::steady_clock::now() < deadline) {
    status = tableStatus(client, table);  // a request per turn: no sleep needed
  }
  EXPECT_EQ(status, "ACTIVE");

  const boost::json::object item = {{"pk", {{"S", "brand#1"}}}, {"name", {{"S", "Starbucks"}}}};
  client.call(
      "PutItem",
      {{"TableName", table}, {"Item", item}, {"ConditionExpression", "attribute_not_exists(pk)"}});
  const auto got = client.call(
      "GetItem",
      {{"TableName", table}, {"Key", {{"pk", {{"S", "brand#1"}}}}}, {"ConsistentRead", true}});
  EXPECT_EQ(got.at("Item"), boost::json::value(item));

  // The same conditional put again: the condition fails, as DynamoDB reports it.
  try {
    client.call("PutItem", {{"TableName", table},
                            {"Item", item},
                            {"ConditionExpression", "attribute_not_exists(pk)"}});
    FAIL() << "a second attribute_not_exists put succeeded";
  } catch (const ServiceError& e) {
    EXPECT_TRUE(e.conditionFailed()) << e.what();
    EXPECT_EQ(e.status(), 400);
  }
}

TEST(DynaliteTest, NothingListensOnceItIsDestroyed) {
  auto dynalite = std::make_unique<EmulatorProcess>();
  const std::string endpoint = dynalite->endpoint();
  Client client(clientFor(endpoint));
  ASSERT_EQ(client.send("ListTables", "{}").status, 200);
  dynalite.reset();
  Client fresh(clientFor(endpoint));  // no kept-alive connection to the old server
  const auto after = fresh.send("ListTables", "{}");
  EXPECT_EQ(after.status, 0);
  EXPECT_FALSE(after.transportError.empty());
}

TEST(DynaliteTest, SharedIsOneInstancePerProcess) {
  EmulatorProcess& first = sharedDynalite();
  EmulatorProcess& second = sharedDynalite();
  EXPECT_EQ(&first, &second);
  Client client(clientFor(first.endpoint()));
  EXPECT_EQ(client.send("ListTables", "{}").status, 200);
}

TEST(DynaliteTest, UniqueTableNamesAreValidAndDistinct) {
  std::set<std::string> names;
  for (int i = 0; i < 1000; ++i) {
    const std::string name = uniqueTableName();
    // DynamoDB: 3 to 255 characters of [a-zA-Z0-9_.-].
    EXPECT_GE(name.size(), 3u);
    EXPECT_LE(name.size(), 255u);
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "0123456789_.-"),
              std::string::npos)
        << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), 1000u);
}

}  // namespace
}  // namespace offers::testing
