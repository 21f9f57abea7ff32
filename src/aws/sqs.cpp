#include "aws/sqs.hpp"

#include <boost/json.hpp>
#include <stdexcept>

namespace offers::aws {

namespace json = boost::json;

namespace {

std::string text(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

ClientOptions sqsOptions(ClientOptions base, const std::string& endpoint) {
  base.service = "sqs";
  base.targetPrefix = "AmazonSQS";
  base.endpoint = endpoint.empty() ? "https://sqs." + base.region + ".amazonaws.com" : endpoint;
  return base;
}

SqsClient::SqsClient(ClientOptions options) : client_(std::move(options)) {}

std::string SqsClient::send(const std::string& queueUrl, const std::string& body,
                            std::chrono::seconds delay) {
  json::object request{{"QueueUrl", queueUrl}, {"MessageBody", body}};
  if (delay.count() > 0) request["DelaySeconds"] = delay.count();
  return text(client_.call("SendMessage", request), "MessageId");
}

std::vector<std::string> SqsClient::sendBatch(const std::string& queueUrl,
                                              const std::vector<SqsEntry>& entries) {
  if (entries.empty()) return {};
  if (entries.size() > kMaxBatch) {
    throw std::invalid_argument("SendMessageBatch takes at most 10 entries, got " +
                                std::to_string(entries.size()));
  }
  json::array list;
  for (const auto& e : entries) {
    json::object entry{{"Id", e.id}, {"MessageBody", e.body}};
    if (e.delay.count() > 0) entry["DelaySeconds"] = e.delay.count();
    list.push_back(std::move(entry));
  }
  const auto response =
      client_.call("SendMessageBatch", {{"QueueUrl", queueUrl}, {"Entries", std::move(list)}});
  std::vector<std::string> failed;
  if (const auto* f = response.if_contains("Failed"); f && f->is_array()) {
    for (const auto& entry : f->as_array()) {
      if (entry.is_object()) failed.push_back(text(entry.as_object(), "Id"));
    }
  }
  return failed;
}

std::vector<SqsMessage> SqsClient::receive(const std::string& queueUrl, int max,
                                           std::chrono::seconds wait,
                                           std::optional<std::chrono::seconds> visibility) {
  json::object request{{"QueueUrl", queueUrl},
                       {"MaxNumberOfMessages", max},
                       {"WaitTimeSeconds", wait.count()},
                       {"MessageSystemAttributeNames", json::array{"ApproximateReceiveCount"}},
                       {"AttributeNames", json::array{"ApproximateReceiveCount"}}};
  if (visibility) request["VisibilityTimeout"] = visibility->count();
  const auto response = client_.call("ReceiveMessage", request);
  std::vector<SqsMessage> out;
  const auto* messages = response.if_contains("Messages");
  if (!messages || !messages->is_array()) return out;
  for (const auto& m : messages->as_array()) {
    if (!m.is_object()) continue;
    const auto& o = m.as_object();
    SqsMessage message{text(o, "MessageId"), text(o, "ReceiptHandle"), text(o, "Body"), 0};
    if (const auto* a = o.if_contains("Attributes"); a && a->is_object()) {
      const auto count = text(a->as_object(), "ApproximateReceiveCount");
      if (!count.empty()) message.receiveCount = std::stoi(count);
    }
    out.push_back(std::move(message));
  }
  return out;
}

void SqsClient::remove(const std::string& queueUrl, const std::string& receiptHandle) {
  client_.call("DeleteMessage", {{"QueueUrl", queueUrl}, {"ReceiptHandle", receiptHandle}});
}

std::string SqsClient::createQueue(
    const std::string& name, const std::vector<std::pair<std::string, std::string>>& attributes) {
  json::object request{{"QueueName", name}};
  if (!attributes.empty()) {
    json::object a;
    for (const auto& [k, v] : attributes) a[k] = v;
    request["Attributes"] = std::move(a);
  }
  return text(client_.call("CreateQueue", request), "QueueUrl");
}

}  // namespace offers::aws
