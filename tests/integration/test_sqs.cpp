// The SQS client against moto's server (an independent implementation of SQS's JSON
// protocol), in process, each test on queues of its own: what the Lambda functions send
// and what their event source mapping (played by the tests) receives and deletes.
#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "aws/sqs.hpp"
#include "support/emulator.hpp"
#include "support/server_process.hpp"

namespace offers::testing {
namespace {

using std::chrono::seconds;

class SqsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (ServerTest::onDynamoDb()) {
      GTEST_SKIP() << "in process, engine-independent: runs in the integration.* variant";
    }
    sqs_.emplace(aws::sqsOptions(emulatorClientOptions(), sharedMoto().endpoint()));
    queue_ = sqs_->createQueue(uniqueTableName(), {{"VisibilityTimeout", "30"}});
    ASSERT_FALSE(queue_.empty());
  }

  // Everything the queue holds now (a few receives: SQS may answer with fewer).
  std::vector<aws::SqsMessage> drain(std::size_t expected) {
    std::vector<aws::SqsMessage> all;
    for (int round = 0; round < 10 && all.size() < expected; ++round) {
      for (auto& m : sqs_->receive(queue_, 10, seconds(1))) all.push_back(std::move(m));
    }
    return all;
  }

  std::optional<aws::SqsClient> sqs_;
  std::string queue_;
};

TEST_F(SqsTest, ASentMessageIsReceivedOnceAndGoneWhenDeleted) {
  const std::string body = R"({"jobId":"4e8c5b1a-0000-4000-8000-000000000001"})";
  const auto id = sqs_->send(queue_, body);
  EXPECT_FALSE(id.empty());
  auto got = sqs_->receive(queue_, 10, seconds(1));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].messageId, id);
  EXPECT_EQ(got[0].body, body);
  EXPECT_EQ(got[0].receiveCount, 1);
  EXPECT_FALSE(got[0].receiptHandle.empty());
  // Invisible while it is being worked on: not received twice.
  EXPECT_TRUE(sqs_->receive(queue_, 10, seconds(0)).empty());
  sqs_->remove(queue_, got[0].receiptHandle);
  EXPECT_TRUE(sqs_->receive(queue_, 10, seconds(0), seconds(0)).empty());
}

TEST_F(SqsTest, AMessageNotDeletedComesBackCountedAgain) {
  sqs_->send(queue_, "again");
  auto first = sqs_->receive(queue_, 1, seconds(1), seconds(0));  // visible again at once
  ASSERT_EQ(first.size(), 1u);
  auto second = sqs_->receive(queue_, 1, seconds(1));
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].messageId, first[0].messageId);
  EXPECT_EQ(second[0].receiveCount, 2);
}

TEST_F(SqsTest, ABatchSendsTenAndMoreIsRefusedBeforeAnythingIsSent) {
  std::vector<aws::SqsEntry> entries;
  for (int i = 0; i < 10; ++i) {
    const auto n = std::to_string(i);
    entries.push_back({std::string("e").append(n), std::string("message ").append(n)});
  }
  EXPECT_TRUE(sqs_->sendBatch(queue_, entries).empty());
  std::set<std::string> bodies;
  for (const auto& m : drain(10)) bodies.insert(m.body);
  EXPECT_EQ(bodies.size(), 10u);
  EXPECT_TRUE(bodies.contains("message 9"));

  entries.push_back({"e10", "one too many"});
  const auto sent = sqs_->client().requestsSent();
  EXPECT_THROW(sqs_->sendBatch(queue_, entries), std::invalid_argument);
  EXPECT_EQ(sqs_->client().requestsSent(), sent);
}

TEST_F(SqsTest, AMissingQueueIsAServiceErrorAndNotRetried) {
  const auto missing = std::string(queue_).append("-missing");
  const auto sent = sqs_->client().requestsSent();
  try {
    sqs_->send(missing, "nowhere");
    ADD_FAILURE() << "sent to a queue that does not exist";
  } catch (const aws::ServiceError& e) {
    EXPECT_EQ(e.type(), "QueueDoesNotExist") << e.what();
    EXPECT_EQ(e.status(), 400);
  }
  EXPECT_EQ(sqs_->client().requestsSent(), sent + 1);
}

}  // namespace
}  // namespace offers::testing
