// The queue-driven functions' events (src/lambda/queue_events.hpp): SQS batches and
// EventBridge's schedule, shaped as AWS documents them, told apart from each other and
// from API Gateway's events; the partial batch response; the jobs queue's message.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <stdexcept>

#include "lambda/queue_events.hpp"

namespace offers::testing {
namespace {

namespace json = boost::json;
using lambda::decodeSqsEvent;

json::object sqsRecord(std::string id, std::string body) {
  return {{"messageId", id},
          {"receiptHandle", "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a..."},
          {"body", body},
          {"attributes",
           {{"ApproximateReceiveCount", "1"},
            {"SentTimestamp", "1545082649183"},
            {"SenderId", "AIDAIENQZJOLO23YVJ4VO"},
            {"ApproximateFirstReceiveTimestamp", "1545082649185"}}},
          {"messageAttributes", json::object{}},
          {"md5OfBody", "e4e68fb7bd0e697a0ae8f1bb342846b3"},
          {"eventSource", "aws:sqs"},
          {"eventSourceARN", "arn:aws:sqs:us-east-2:123456789012:my-queue"},
          {"awsRegion", "us-east-2"}};
}

TEST(SqsEvent, TheRecordsOfABatchInOrder) {
  const json::value event = json::object{
      {"Records", json::array{sqsRecord("059f36b4-87a3-44ab-83d2-661975830a7d", "first"),
                              sqsRecord("2e1424d4-f796-459a-8184-9c92662be6da", "second")}}};
  const auto records = decodeSqsEvent(event);
  ASSERT_TRUE(records);
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].messageId, "059f36b4-87a3-44ab-83d2-661975830a7d");
  EXPECT_EQ((*records)[0].body, "first");
  EXPECT_EQ((*records)[1].body, "second");
}

TEST(SqsEvent, OtherEventsAreNotSqsEvents) {
  EXPECT_FALSE(decodeSqsEvent(json::parse(R"({"version":"2.0","rawPath":"/v1/brands"})")));
  EXPECT_FALSE(decodeSqsEvent(json::parse(R"({"source":"aws.events"})")));
  EXPECT_FALSE(decodeSqsEvent(json::parse(R"({"Records":[]})")));
  EXPECT_FALSE(decodeSqsEvent(json::parse(R"({"Records":[{"eventSource":"aws:s3"}]})")));
  EXPECT_FALSE(decodeSqsEvent(json::parse("[1,2]")));
}

TEST(SqsEvent, AMalformedRecordIsRefusedNamingIt) {
  auto broken = sqsRecord("", "x");
  const json::value event = json::object{{"Records", json::array{sqsRecord("a", "x"), broken}}};
  try {
    decodeSqsEvent(event);
    FAIL() << "accepted a record without a messageId";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("Records[1].messageId"), std::string::npos) << e.what();
  }
  auto bodiless = sqsRecord("b", "x");
  bodiless.erase("body");
  EXPECT_THROW(decodeSqsEvent(json::object{{"Records", json::array{bodiless}}}),
               std::invalid_argument);
}

TEST(SqsEvent, ThePartialBatchResponseNamesTheFailedMessages) {
  EXPECT_EQ(json::parse(lambda::batchResponse({})), json::parse(R"({"batchItemFailures":[]})"));
  EXPECT_EQ(
      json::parse(lambda::batchResponse({"a", "b"})),
      json::parse(R"({"batchItemFailures":[{"itemIdentifier":"a"},{"itemIdentifier":"b"}]})"));
}

TEST(ScheduledEvent, EventBridgesScheduleIsRecognisedAndNothingElse) {
  EXPECT_TRUE(lambda::isScheduledEvent(json::parse(
      R"({"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa","detail-type":"Scheduled Event",
          "source":"aws.events","account":"123456789012","time":"2015-10-08T16:53:06Z",
          "region":"us-east-1","resources":["arn:aws:events:us-east-1:123456789012:rule/my-rule"],
          "detail":{}})")));
  EXPECT_FALSE(lambda::isScheduledEvent(json::parse(
      R"({"detail-type":"EC2 Instance State-change Notification","source":"aws.ec2"})")));
  EXPECT_FALSE(lambda::isScheduledEvent(json::parse(R"({"Records":[]})")));
  EXPECT_FALSE(lambda::isScheduledEvent(json::parse("\"Scheduled Event\"")));
}

TEST(JobMessage, RoundTripsAndRefusesWhatIsNotOne) {
  const std::string id = "4e8c5b1a-0000-4000-8000-000000000001";
  EXPECT_EQ(lambda::jobIdOf(lambda::jobMessage(id)), id);
  EXPECT_FALSE(lambda::jobIdOf("not json"));
  EXPECT_FALSE(lambda::jobIdOf(R"({"jobId":""})"));
  EXPECT_FALSE(lambda::jobIdOf(R"({"jobId":7})"));
  EXPECT_FALSE(lambda::jobIdOf(R"(["jobId"])"));
}

TEST(DeliveryMessage, RoundTripsAndRefusesWhatIsNotOne) {
  domain::PendingDelivery d;
  d.webhookId = "4e8c5b1a-0000-4000-8000-000000000002";
  d.eventSeq = (std::uint64_t(1796688000000) << 20) | 1023;  // beyond a double's exact range
  d.attempt = 3;
  d.due = 1796688000123;
  const auto back = lambda::deliveryOf(lambda::deliveryMessage(d));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->webhookId, d.webhookId);
  EXPECT_EQ(back->eventSeq, d.eventSeq);
  EXPECT_EQ(back->attempt, 3);
  EXPECT_EQ(back->due, d.due);
  EXPECT_FALSE(lambda::deliveryOf(R"({"jobId":"x"})"));
  EXPECT_FALSE(lambda::deliveryOf(R"({"webhookId":"w","eventSeq":-1,"attempt":1,"due":0})"));
  EXPECT_FALSE(lambda::deliveryOf(R"({"webhookId":"w","eventSeq":1,"attempt":0,"due":0})"));
  EXPECT_FALSE(lambda::deliveryOf(R"({"webhookId":"","eventSeq":1,"attempt":1,"due":0})"));
  EXPECT_FALSE(lambda::deliveryOf("nonsense"));
}

}  // namespace
}  // namespace offers::testing
