// `offers-api lambda` as AWS Lambda runs a custom runtime: the built binary started with
// only the environment Lambda gives a function (as under `env -i`), its Runtime API the
// tests' server (tests/support/runtime_api_server.hpp) and its DynamoDB the test process's
// dynalite, all on loopback. The user's first calls go through API Gateway events; a bad
// configuration is an init error that names the setting, and the process exits.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <map>
#include <thread>

#include "support/emulator.hpp"
#include "support/runtime_api_server.hpp"
#include "support/server_process.hpp"

namespace offers::testing {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::string_view kKey = "k_lambda_0123456789abcdef0123456789";

// The function's process: started with exactly `env`, killed (if still running) at the end.
class FunctionProcess {
 public:
  explicit FunctionProcess(const std::map<std::string, std::string>& env) {
    std::vector<std::string> entries;
    for (const auto& [k, v] : env) entries.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : entries) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string binary = OFFERS_API_BINARY;
    std::string command = "lambda";
    char* argv[] = {binary.data(), command.data(), nullptr};
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      execve(argv[0], argv, envp.data());
      _exit(127);
    }
  }
  ~FunctionProcess() {
    if (pid_ > 0 && !status_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  // Its exit status, once it has exited (nullopt if still running after `timeout`).
  std::optional<int> exited(milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!status_ && std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      } else {
        std::this_thread::sleep_for(milliseconds(20));
      }
    }
    return status_;
  }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

std::string event(std::string method, std::string path, json::object body = {},
                  bool withKey = true) {
  json::object headers;
  if (withKey) headers["authorization"] = "Bearer " + std::string(kKey);
  return json::serialize(json::object{
      {"version", "2.0"},
      {"rawPath", path},
      {"rawQueryString", ""},
      {"headers", std::move(headers)},
      {"requestContext",
       {{"http", {{"method", method}, {"sourceIp", "192.0.2.1"}}}, {"requestId", "gw"}}},
      {"body", body.empty() ? std::string() : json::serialize(body)},
      {"isBase64Encoded", false}});
}

class LambdaFunctionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!ServerTest::onDynamoDb()) {
      GTEST_SKIP() << "the function runs on DynamoDB: runs in the integration-dynamodb.* variant";
    }
  }

  // What Lambda sets for a function, and the function's own configuration.
  std::map<std::string, std::string> lambdaEnvironment() {
    return {{"AWS_LAMBDA_RUNTIME_API", runtime_.address()},
            {"AWS_REGION", "us-east-1"},
            {"AWS_ACCESS_KEY_ID", "test"},
            {"AWS_SECRET_ACCESS_KEY", "test"},
            {"AWS_SESSION_TOKEN", "session"},
            {"AWS_LAMBDA_FUNCTION_NAME", "offers-api"},
            {"LAMBDA_TASK_ROOT", "/var/task"},
            {"OFFERS_ROLE", "api"},
            {"OFFERS_DYNAMODB_ENDPOINT", sharedDynalite().endpoint()},
            {"OFFERS_DYNAMODB_TABLE", uniqueTableName()},
            {"OFFERS_CREATE_TABLE", "on"},
            {"OFFERS_DYNAMODB_EVENT_LAG_MS", "0"},
            {"OFFERS_API_KEYS", "ops:" + std::string(kKey)}};
  }

  // Invokes the function and returns API Gateway's answer.
  json::object call(const std::string& e) {
    const auto id = runtime_.invoke(e);
    const auto r = runtime_.result(id, seconds(30));
    EXPECT_TRUE(r) << "no answer to " << e;
    if (!r) return {};
    EXPECT_TRUE(r->ok) << r->errorType << ": " << r->body;
    return json::parse(r->body).as_object();
  }

  static json::object bodyOf(const json::object& answer) {
    return json::parse(answer.at("body").as_string()).as_object();
  }

  RuntimeApiServer runtime_;
};

TEST_F(LambdaFunctionTest, TheUsersFirstCallsThroughApiGatewayEvents) {
  FunctionProcess function(lambdaEnvironment());
  auto brand = call(event("POST", "/v1/brands", {{"name", "Acme Coffee"}}));
  ASSERT_EQ(brand.at("statusCode").as_int64(), 201) << json::serialize(brand);
  const std::string brandId(bodyOf(brand).at("id").as_string());
  auto offer = call(event("POST", "/v1/offers", {{"brandId", brandId}, {"name", "5% back"}}));
  ASSERT_EQ(offer.at("statusCode").as_int64(), 201) << json::serialize(offer);
  const std::string offerId(bodyOf(offer).at("id").as_string());
  auto location =
      call(event("POST", "/v1/locations", {{"brandId", brandId}, {"address", "1 Main St"}}));
  ASSERT_EQ(location.at("statusCode").as_int64(), 201) << json::serialize(location);
  const std::string locationId(bodyOf(location).at("id").as_string());

  auto linked = call(event("POST", "/v1/offers/" + offerId + "/locations/" + locationId));
  EXPECT_EQ(linked.at("statusCode").as_int64(), 201) << json::serialize(linked);
  auto again = call(event("POST", "/v1/offers/" + offerId + "/locations/" + locationId));
  EXPECT_EQ(again.at("statusCode").as_int64(), 200) << "a repeated link is not new";

  auto read = call(event("GET", "/v1/offers/" + offerId));
  EXPECT_EQ(bodyOf(read).at("locationsTotal").as_int64(), 1);
  read = call(event("GET", "/v1/locations/" + locationId));
  EXPECT_EQ(bodyOf(read).at("hasOffer").as_bool(), true);

  // The same authentication and errors as the server.
  auto anonymous = call(event("GET", "/v1/brands", {}, false));
  EXPECT_EQ(anonymous.at("statusCode").as_int64(), 401);
  auto missing = call(event("GET", "/v1/offers/00000000-0000-4000-8000-000000000000"));
  EXPECT_EQ(missing.at("statusCode").as_int64(), 404);
  EXPECT_EQ(bodyOf(missing).at("error").as_object().at("code").as_string(), "not_found");

  // An event that is not an HTTP event is its invocation's error; the function goes on.
  const auto sqs = runtime_.invoke(R"({"Records":[{"eventSource":"aws:sqs","body":"{}"}]})");
  const auto error = runtime_.result(sqs, seconds(30));
  ASSERT_TRUE(error);
  EXPECT_FALSE(error->ok);
  EXPECT_EQ(error->errorType, "InvalidEvent");
  EXPECT_EQ(call(event("GET", "/v1/brands")).at("statusCode").as_int64(), 200);
  EXPECT_FALSE(function.exited(milliseconds(0))) << "the function exited";
}

TEST_F(LambdaFunctionTest, AMissingSettingIsAnInitErrorThatNamesIt) {
  for (const std::string unset : {"AWS_REGION", "OFFERS_ROLE", "OFFERS_API_KEYS"}) {
    RuntimeApiServer runtime;
    auto env = lambdaEnvironment();
    env["AWS_LAMBDA_RUNTIME_API"] = runtime.address();
    env.erase(unset);
    FunctionProcess function(env);
    const auto init = runtime.initError(seconds(20));
    ASSERT_TRUE(init) << "no init error without " << unset;
    EXPECT_EQ(init->errorType, "Runtime.InvalidConfiguration");
    const auto body = json::parse(init->body).as_object();
    EXPECT_NE(body.at("errorMessage").as_string().find(unset), std::string::npos)
        << "without " << unset << ": " << init->body;
    EXPECT_EQ(function.exited(seconds(10)), 2) << "without " << unset;
  }
}

}  // namespace
}  // namespace offers::testing
