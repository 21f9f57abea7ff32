// The Lambda runtime loop and the `api` function in process, against the tests' Runtime
// API server (tests/support/runtime_api_server.hpp) over a real HTTP connection: events
// in, API Gateway answers out, errors posted as the invocation's and never the loop's
// end, the trace id handed to the handler's environment, and the loop ending when the
// Runtime API goes. Over RocksDB in a temporary directory: the loop and the adapter are
// engine-independent (the functions run on DynamoDB in production).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

#include "http/api.hpp"
#include "lambda/api_gateway.hpp"
#include "lambda/runtime.hpp"
#include "service/service.hpp"
#include "store/rocksdb/rocksdb_store.hpp"
#include "support/runtime_api_server.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace offers::testing {
namespace {

namespace json = boost::json;
using std::chrono::seconds;

std::string httpApiEvent(std::string method, std::string path, std::string body = "") {
  return json::serialize(json::object{
      {"version", "2.0"},
      {"rawPath", path},
      {"rawQueryString", ""},
      {"headers", json::object{}},
      {"requestContext",
       {{"http", {{"method", method}, {"sourceIp", "192.0.2.1"}}}, {"requestId", "gw-1"}}},
      {"body", body},
      {"isBase64Encoded", false}});
}

json::object answerOf(const LambdaResult& r) {
  EXPECT_TRUE(r.ok) << r.errorType << ": " << r.body;
  return json::parse(r.body).as_object();
}

class LambdaRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (ServerTest::onDynamoDb()) {
      GTEST_SKIP() << "in process and engine-independent: runs in the integration.* variant";
    }
    store_.emplace(store::rocksdb::Options{dir_.str()});
    service_.emplace(*store_);
    api_.emplace(*service_);
    runtime_.emplace(lambda::RuntimeClient(server_->address()));
    const auto handler = lambda::httpHandler(*api_);
    loop_ = std::thread([this, handler] {
      ended_ = lambda::serveInvocations(*runtime_, [&](const lambda::Invocation& i) {
        const char* trace = std::getenv("_X_AMZN_TRACE_ID");
        {
          std::lock_guard lock(mutex_);
          traces_[i.requestId] = trace ? trace : "";
          deadlines_[i.requestId] = i.deadlineMs;
        }
        return handler(i);
      });
    });
  }

  void TearDown() override {
    server_.reset();  // the Runtime API goes: the loop ends
    if (loop_.joinable()) loop_.join();
  }

  TempDir dir_;
  std::optional<RuntimeApiServer> server_{std::in_place};
  std::optional<store::rocksdb::RocksDbStore> store_;
  std::optional<service::Service> service_;
  std::optional<http::Api> api_;
  std::optional<lambda::RuntimeClient> runtime_;
  std::thread loop_;
  std::string ended_;
  std::mutex mutex_;  // the handler runs on the loop's thread
  std::map<std::string, std::string> traces_;
  std::map<std::string, std::int64_t> deadlines_;
};

TEST_F(LambdaRuntimeTest, EventsAreAnsweredAndABadOneIsOnlyItsOwnError) {
  const auto created = server_->invoke(httpApiEvent("POST", "/v1/brands", R"({"name":"Acme"})"));
  auto r = server_->result(created, seconds(10));
  ASSERT_TRUE(r) << "no answer to the first invocation";
  auto answer = answerOf(*r);
  EXPECT_EQ(answer.at("statusCode").as_int64(), 201);
  EXPECT_EQ(answer.at("headers").as_object().at("X-Request-Id").as_string(), "gw-1");
  EXPECT_EQ(json::parse(answer.at("body").as_string()).at("name").as_string(), "Acme");

  // Not an HTTP event, and not JSON at all: each is its invocation's error.
  const auto sqs = server_->invoke(R"({"Records":[{"eventSource":"aws:sqs","body":"{}"}]})");
  r = server_->result(sqs, seconds(10));
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->errorType, "InvalidEvent");
  const auto error = json::parse(r->body).as_object();
  EXPECT_EQ(error.at("errorType").as_string(), "InvalidEvent");
  EXPECT_NE(error.at("errorMessage").as_string().find("HTTP events"), std::string::npos);
  const auto garbage = server_->invoke("{not json");
  r = server_->result(garbage, seconds(10));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->errorType, "InvalidEvent");

  // The loop goes on.
  const auto listed = server_->invoke(httpApiEvent("GET", "/v1/brands"));
  r = server_->result(listed, seconds(10));
  ASSERT_TRUE(r) << "the loop stopped after an invocation's error";
  answer = answerOf(*r);
  EXPECT_EQ(answer.at("statusCode").as_int64(), 200);
  EXPECT_NE(answer.at("body").as_string().find("Acme"), std::string::npos);
  // A bad request is the API's 400, answered: not an invocation error.
  const auto bad = server_->invoke(httpApiEvent("POST", "/v1/brands", "{nope"));
  r = server_->result(bad, seconds(10));
  ASSERT_TRUE(r);
  EXPECT_EQ(answerOf(*r).at("statusCode").as_int64(), 400);

  // Each invocation's trace id and deadline reached the handler.
  std::lock_guard lock(mutex_);
  EXPECT_EQ(traces_[created], server_->traceIdOf(created));
  EXPECT_NE(traces_[listed], traces_[created]);
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  EXPECT_GT(deadlines_[listed], now) << "the deadline is epoch milliseconds in the future";
  EXPECT_LT(deadlines_[listed], now + 60'000);
}

TEST_F(LambdaRuntimeTest, TheLoopEndsWhenTheRuntimeApiGoes) {
  server_.reset();
  loop_.join();
  EXPECT_NE(ended_.find("could not be reached"), std::string::npos) << ended_;
}

}  // namespace
}  // namespace offers::testing
