// The DynamoDB engine's table as an independent client sees it: the AWS CLI, which shares
// no code with the engine, reads the table a server wrote through the API. The single-table
// layout (keys, indexes, counters as numbers, link items at rest) is a contract with
// operators and with any other tool that reads the table; the engine's own reads cannot
// show that it holds, because they would share any mistake.
//
// Runs only in the suite's DynamoDB registration (OFFERS_TEST_STORE=dynamodb); there the
// AWS CLI is required (scripts/setup.sh installs the Debian package awscli), so its
// absence fails the test instead of skipping it.
#include <boost/json.hpp>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/server_process.hpp"

namespace offers::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class DynamoDbLayoutTest : public ServerTest {
 protected:
  void SetUp() override {
    if (!onDynamoDb()) {
      GTEST_SKIP() << "reads the DynamoDB engine's table; runs in the integration-dynamodb.* "
                      "registration (OFFERS_TEST_STORE=dynamodb)";
    }
    aws_ = findOnPath("aws").value_or("");
    env_ = findOnPath("env").value_or("");
    ASSERT_FALSE(aws_.empty()) << "the AWS CLI (aws) is not on PATH; run scripts/setup.sh, which "
                                  "installs the Debian package awscli";
    ASSERT_FALSE(env_.empty()) << "env (coreutils) is not on PATH";
    startServer();
  }

  // `aws dynamodb <args>` against this test's dynalite, its JSON output parsed. The
  // environment is set for the child alone (through env), with credentials of the form
  // dynalite accepts and nothing from the machine's own AWS configuration that could point
  // it elsewhere.
  json::object awsDynamoDb(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"-u",
                                     "AWS_PROFILE",
                                     "-u",
                                     "AWS_SESSION_TOKEN",
                                     "-u",
                                     "AWS_SECURITY_TOKEN",
                                     "AWS_ACCESS_KEY_ID=test",
                                     "AWS_SECRET_ACCESS_KEY=test",
                                     "AWS_DEFAULT_REGION=us-east-1",
                                     "AWS_PAGER=",
                                     "AWS_CONFIG_FILE=/dev/null",
                                     "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
                                     "AWS_EC2_METADATA_DISABLED=true",
                                     aws_,
                                     "dynamodb"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--endpoint-url", sharedDynalite().endpoint(), "--output", "json"});
    const CommandResult r = runCommand(env_, argv, 60s);
    std::string command = "aws dynamodb";
    for (const auto& arg : args) command += " " + arg;
    if (r.timedOut || r.exitCode != 0) {
      throw std::runtime_error(command + " failed (exit " + std::to_string(r.exitCode) +
                               (r.timedOut ? ", timed out" : "") + "):\n" + r.err + r.out);
    }
    boost::system::error_code ec;
    json::value parsed = json::parse(r.out, ec);
    if (ec || !parsed.is_object()) {
      throw std::runtime_error(command + " printed no JSON object:\n" + r.out + r.err);
    }
    return parsed.as_object();
  }

  json::object getItem(const std::string& pk, const std::string& sk) {
    const json::object key = {{"PK", {{"S", pk}}}, {"SK", {{"S", sk}}}};
    json::object out = awsDynamoDb(
        {"get-item", "--table-name", table_, "--consistent-read", "--key", json::serialize(key)});
    const auto* item = out.if_contains("Item");
    if (item == nullptr || !item->is_object()) {
      throw std::runtime_error("no item " + pk + " / " + sk + ": " + json::serialize(out));
    }
    return item->as_object();
  }

  // The item once its `ops` has gone: committed links take their tokens out after they
  // answer, in rounds a fraction of a second apart. As it stands after 10 s otherwise.
  json::object getSettledItem(const std::string& pk, const std::string& sk) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      auto item = getItem(pk, sk);
      if (!item.contains("ops") || std::chrono::steady_clock::now() > deadline) return item;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }

  // An attribute's typed value ({"S": ...} -> the string under "S"), or "" when absent.
  static std::string typed(const json::object& item, std::string_view name, std::string_view type) {
    const auto* attribute = item.if_contains(name);
    if (attribute == nullptr || !attribute->is_object()) return "";
    const auto* value = attribute->as_object().if_contains(type);
    return value != nullptr && value->is_string() ? std::string(value->as_string()) : "";
  }

  std::string aws_;
  std::string env_;
};

TEST_F(DynamoDbLayoutTest, TheAwsCliSeesTheDocumentedItemsAndCounters) {
  constexpr int kLocations = 25;
  constexpr int kLinked = 17;
  const std::string brandId = createBrand("Cross-checked");
  const std::string offerId = str(createOffer(brandId, "Read twice"), "id");
  const auto locations = createLocations(brandId, kLocations);
  ASSERT_EQ(locations.size(), static_cast<std::size_t>(kLocations));
  std::set<std::string> linked;
  for (int i = 0; i < kLinked; ++i) {
    const auto& locationId = locations[static_cast<std::size_t>(i)];
    ASSERT_EQ(link(offerId, locationId).status, 201);
    linked.insert(locationId);
  }
  const std::string linkedLocation = locations[0];
  const std::string unlinkedLocation = locations[kLocations - 1];
  const std::int64_t apiTotal = num(offer(offerId), "locationsTotal");
  ASSERT_EQ(apiTotal, kLinked);

  // The table: PK/SK, three general-purpose indexes, on demand.
  {
    const json::object table =
        awsDynamoDb({"describe-table", "--table-name", table_}).at("Table").as_object();
    std::set<std::string> keySchema;
    for (const auto& k : table.at("KeySchema").as_array()) {
      keySchema.insert(str(k, "AttributeName") + ":" + str(k, "KeyType"));
    }
    EXPECT_EQ(keySchema, (std::set<std::string>{"PK:HASH", "SK:RANGE"})) << json::serialize(table);
    std::set<std::string> indexes;
    for (const auto& index : table.at("GlobalSecondaryIndexes").as_array()) {
      indexes.insert(str(index, "IndexName"));
    }
    EXPECT_EQ(indexes, (std::set<std::string>{"GSI1", "GSI2", "GSI3"})) << json::serialize(table);
    const auto* billing = table.if_contains("BillingModeSummary");
    ASSERT_NE(billing, nullptr) << json::serialize(table);
    EXPECT_EQ(str(*billing, "BillingMode"), "PAY_PER_REQUEST") << json::serialize(table);
  }

  // The offer: in its brand's offers index, without its counter, which is a number the
  // engine moved in a small item of its own (same PK, SK COUNT, in no index), so that a
  // link never rewrites the offer's item.
  {
    const json::object item = getItem("OFFER#" + offerId, "OFFER");
    EXPECT_FALSE(item.contains("locationsTotal")) << json::serialize(item);
    EXPECT_EQ(typed(item, "brandId", "S"), brandId) << json::serialize(item);
    EXPECT_EQ(typed(item, "GSI1PK", "S"), "BRAND#" + brandId + "#OFFERS") << json::serialize(item);
    EXPECT_EQ(typed(item, "name", "S"), "Read twice") << json::serialize(item);
    const json::object counter = getSettledItem("OFFER#" + offerId, "COUNT");
    EXPECT_EQ(typed(counter, "locationsTotal", "N"), std::to_string(kLinked))
        << json::serialize(counter);
    for (const char* key : {"GSI1PK", "GSI2PK", "GSI3PK", "name"}) {
      EXPECT_FALSE(counter.contains(key)) << key << ": " << json::serialize(counter);
    }
    // Finished operations take their tokens back; none may linger on the counter item
    // (within a round of the token forgetter).
    EXPECT_FALSE(counter.contains("ops")) << json::serialize(counter);
  }

  // The offer's link items: one per linked location, all at rest.
  {
    const json::object values = {{":pk", {{"S", "OFFER#" + offerId}}}, {":l", {{"S", "LINK#"}}}};
    const json::object out =
        awsDynamoDb({"query", "--table-name", table_, "--consistent-read",
                     "--key-condition-expression", "PK = :pk AND begins_with(SK, :l)",
                     "--expression-attribute-values", json::serialize(values)});
    EXPECT_EQ(num(out, "Count"), kLinked) << json::serialize(out);
    EXPECT_EQ(num(out, "Count"), apiTotal);
    std::set<std::string> seen;
    for (const auto& value : out.at("Items").as_array()) {
      const json::object& item = value.as_object();
      EXPECT_EQ(typed(item, "state", "S"), "linked") << json::serialize(item);
      EXPECT_FALSE(item.contains("op"))
          << "an operation token left behind: " << json::serialize(item);
      EXPECT_FALSE(item.contains("GSI3PK"))
          << "still queued as unfinished: " << json::serialize(item);
      EXPECT_EQ(typed(item, "SK", "S"), "LINK#" + typed(item, "locationId", "S"))
          << json::serialize(item);
      seen.insert(typed(item, "locationId", "S"));
    }
    EXPECT_EQ(seen, linked);
  }

  // A linked location: its counter stored in its counter item, hasOffer nowhere (it is
  // derived), and the link found from the location's side through GSI1.
  for (const auto& [locationId, expected] :
       {std::pair{linkedLocation, 1}, std::pair{unlinkedLocation, 0}}) {
    SCOPED_TRACE("location " + locationId);
    const json::object item = getItem("LOCATION#" + locationId, "LOCATION");
    EXPECT_FALSE(item.contains("offersTotal")) << json::serialize(item);
    EXPECT_FALSE(item.contains("hasOffer")) << json::serialize(item);
    EXPECT_EQ(typed(item, "brandId", "S"), brandId) << json::serialize(item);
    const json::object counter = getSettledItem("LOCATION#" + locationId, "COUNT");
    EXPECT_EQ(typed(counter, "offersTotal", "N"), std::to_string(expected))
        << json::serialize(counter);
    EXPECT_FALSE(counter.contains("hasOffer")) << json::serialize(counter);
    EXPECT_FALSE(counter.contains("GSI1PK")) << json::serialize(counter);
    EXPECT_FALSE(counter.contains("ops")) << json::serialize(counter);

    const json::object values = {{":p", {{"S", "LOCATION#" + locationId + "#OFFERS"}}}};
    const json::object out = awsDynamoDb(
        {"query", "--table-name", table_, "--index-name", "GSI1", "--key-condition-expression",
         "GSI1PK = :p", "--expression-attribute-values", json::serialize(values)});
    ASSERT_EQ(num(out, "Count"), expected) << json::serialize(out);
    for (const auto& value : out.at("Items").as_array()) {
      const json::object& link = value.as_object();
      EXPECT_EQ(typed(link, "PK", "S"), "OFFER#" + offerId) << json::serialize(link);
      EXPECT_EQ(typed(link, "SK", "S"), "LINK#" + locationId) << json::serialize(link);
      EXPECT_EQ(typed(link, "offerId", "S"), offerId) << json::serialize(link);
      EXPECT_EQ(typed(link, "state", "S"), "linked") << json::serialize(link);
    }
  }

  // The brand.
  {
    const json::object item = getItem("BRAND#" + brandId, "BRAND");
    EXPECT_EQ(typed(item, "id", "S"), brandId) << json::serialize(item);
    EXPECT_EQ(typed(item, "name", "S"), "Cross-checked") << json::serialize(item);
  }
}

}  // namespace
}  // namespace offers::testing
