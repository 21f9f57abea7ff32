// `offers-api lambda` as AWS Lambda runs a custom runtime: the Lambda zip's `bootstrap`
// (the release build's zip, unpacked; elsewhere the built binary) started with only the
// environment Lambda gives a function (as under `env -i`), its Runtime API the
// tests' server (tests/support/runtime_api_server.hpp), its DynamoDB the test process's
// dynalite and its SQS the test process's moto, all on loopback. The user's first calls go
// through API Gateway events; a bad configuration is an init error that names the
// setting, and the process exits. Jobs go from `POST /v1/jobs` (the api function) through
// the jobs queue to the jobs function, whose event source mapping the tests play: they
// receive from the queue, invoke the function with an SQS event, and delete what its
// partial batch response does not name.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <map>
#include <thread>

#include "aws/secrets.hpp"
#include "aws/sqs.hpp"
#include "support/emulator.hpp"
#include "support/jobs_helpers.hpp"
#include "support/loopback_http_server.hpp"
#include "support/runtime_api_server.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace offers::testing {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::string_view kKey = "k_lambda_0123456789abcdef0123456789";

// Where the function's code is, as LAMBDA_TASK_ROOT: the Lambda zip unpacked (once per
// test process), as Lambda unpacks it; empty where no zip is built (the sanitizer builds).
std::string taskRoot() {
#ifdef OFFERS_LAMBDA_ZIP
  static TempDir root;
  static const bool unpacked = [] {
    const std::string unzip = findOnPath("unzip").value_or("");
    if (unzip.empty()) return false;
    const std::string command =
        "'" + unzip + "' -q '" + std::string(OFFERS_LAMBDA_ZIP) + "' -d '" + root.str() + "'";
    return std::system(command.c_str()) == 0;
  }();
  if (!unpacked) throw std::runtime_error("cannot unpack " + std::string(OFFERS_LAMBDA_ZIP));
  return root.str();
#else
  return "";
#endif
}

// The function's process: started with exactly `env`, killed (if still running) at the end.
// From the zip, Lambda's way: `bootstrap`, which runs the binary as `offers-api lambda`.
class FunctionProcess {
 public:
  explicit FunctionProcess(std::map<std::string, std::string> env) {
    const auto root = taskRoot();
    std::vector<std::string> args = {OFFERS_API_BINARY, "lambda"};
    if (!root.empty()) {
      args = {root + "/bootstrap"};
      env["LAMBDA_TASK_ROOT"] = root;
    }
    std::vector<std::string> entries;
    for (const auto& [k, v] : env) entries.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : entries) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      execve(argv[0], argv.data(), envp.data());
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
    sqs_.emplace(aws::sqsOptions(emulatorClientOptions(), sharedMoto().endpoint()));
    queue_ = sqs_->createQueue(uniqueTableName(), {{"VisibilityTimeout", "30"}});
    deliveriesQueue_ = sqs_->createQueue(uniqueTableName(), {{"VisibilityTimeout", "30"}});
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
            {"OFFERS_DYNAMODB_TABLE", table_},
            {"OFFERS_JOBS_QUEUE_URL", queue_},
            {"OFFERS_DELIVERIES_QUEUE_URL", deliveriesQueue_},
            {"OFFERS_SQS_ENDPOINT", sharedMoto().endpoint()},
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
  std::string table_ = uniqueTableName();  // every function of a test shares it
  std::optional<aws::SqsClient> sqs_;
  std::string queue_;  // the jobs queue
  std::string deliveriesQueue_;
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
  for (const std::string unset :
       {"AWS_REGION", "OFFERS_ROLE", "OFFERS_API_KEYS", "OFFERS_JOBS_QUEUE_URL"}) {
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

// API keys from Secrets Manager (moto's), none in the function's configuration.
TEST_F(LambdaFunctionTest, ApiKeysFromASecretAndAMissingSecretIsAnInitError) {
  aws::Client secrets(aws::secretsOptions(emulatorClientOptions(), sharedMoto().endpoint()));
  const auto name = "offers-api-keys-" + uniqueTableName();
  secrets.call("CreateSecret",
               json::object{{"Name", name}, {"SecretString", "ops:" + std::string(kKey)}});
  auto env = lambdaEnvironment();
  env.erase("OFFERS_API_KEYS");
  env["OFFERS_API_KEYS_SECRET"] = name;
  env["OFFERS_SECRETS_ENDPOINT"] = sharedMoto().endpoint();
  {
    FunctionProcess function(env);
    EXPECT_EQ(call(event("GET", "/v1/brands", {}, false)).at("statusCode").as_int64(), 401);
    EXPECT_EQ(call(event("GET", "/v1/brands")).at("statusCode").as_int64(), 200);
  }
  RuntimeApiServer runtime;
  env["AWS_LAMBDA_RUNTIME_API"] = runtime.address();
  env["OFFERS_API_KEYS_SECRET"] = name + "-missing";
  FunctionProcess function(env);
  const auto init = runtime.initError(seconds(20));
  ASSERT_TRUE(init) << "no init error for a missing secret";
  EXPECT_EQ(init->errorType, "Runtime.InvalidConfiguration");
  EXPECT_NE(init->body.find("OFFERS_API_KEYS_SECRET"), std::string::npos) << init->body;
  EXPECT_NE(init->body.find("ResourceNotFoundException"), std::string::npos) << init->body;
  EXPECT_EQ(function.exited(seconds(10)), 2);
}

// The jobs and sweeper functions beside the api function, each on a Runtime API of its
// own, all on one table and one jobs queue.
class LambdaJobsTest : public LambdaFunctionTest {
 protected:
  std::map<std::string, std::string> functionEnvironment(const std::string& role,
                                                         RuntimeApiServer& runtime) {
    auto env = lambdaEnvironment();
    env["AWS_LAMBDA_RUNTIME_API"] = runtime.address();
    env["OFFERS_ROLE"] = role;
    // Small pages and a short stop before the deadline, so that a job of a thousand
    // locations takes several steps and, with short invocations, several invocations.
    env["OFFERS_JOB_PAGE_SIZE"] = "100";
    env["OFFERS_LAMBDA_MARGIN_MS"] = "1000";
    return env;
  }

  // A brand with an offer and `n` locations, made through the api function; the offer's id.
  std::string offerWithLocations(int n) {
    auto brand = call(event("POST", "/v1/brands", {{"name", "Queued"}}));
    const std::string brandId(bodyOf(brand).at("id").as_string());
    auto offer = call(event("POST", "/v1/offers", {{"brandId", brandId}, {"name", "All of them"}}));
    const std::string offerId(bodyOf(offer).at("id").as_string());
    for (int first = 0; first < n; first += 1000) {
      json::array items;
      for (int i = first; i < std::min(n, first + 1000); ++i) {
        items.push_back(
            json::object{{"brandId", brandId}, {"address", std::to_string(i) + " Queue Street"}});
      }
      auto batch = call(event("POST", "/v1/locations/batch", {{"items", std::move(items)}}));
      EXPECT_EQ(batch.at("statusCode").as_int64(), 201) << json::serialize(batch);
    }
    return offerId;
  }

  std::string startJob(const std::string& offerId) {
    auto job =
        call(event("POST", "/v1/jobs", {{"type", "link-brand-locations"}, {"offerId", offerId}}));
    EXPECT_EQ(job.at("statusCode").as_int64(), 202) << json::serialize(job);
    return std::string(bodyOf(job).at("id").as_string());
  }

  json::object job(const std::string& id) { return bodyOf(call(event("GET", "/v1/jobs/" + id))); }

  // An SQS event of one message, as the event source mapping sends it.
  static std::string sqsEvent(const aws::SqsMessage& m) {
    json::object record{
        {"messageId", m.messageId},
        {"receiptHandle", m.receiptHandle},
        {"body", m.body},
        {"attributes", {{"ApproximateReceiveCount", std::to_string(m.receiveCount)}}},
        {"messageAttributes", json::object{}},
        {"eventSource", "aws:sqs"},
        {"eventSourceARN", "arn:aws:sqs:us-east-1:000000000000:jobs"},
        {"awsRegion", "us-east-1"}};
    return json::serialize(json::object{{"Records", json::array{std::move(record)}}});
  }

  // The event source mapping, once: receives a message, invokes the function on
  // `runtime` with it (the invocation's deadline `budget` away), and deletes it unless
  // the partial batch response names it. False when the queue had nothing.
  bool deliverOne(RuntimeApiServer& runtime, milliseconds budget) {
    return deliverOne(runtime, budget, queue_);
  }
  bool deliverOne(RuntimeApiServer& runtime, milliseconds budget, const std::string& queue) {
    auto messages = sqs_->receive(queue, 1, seconds(1));
    if (messages.empty()) return false;
    const auto& m = messages.front();
    const auto id = runtime.invoke(sqsEvent(m), budget);
    const auto r = runtime.result(id, budget + seconds(60));
    EXPECT_TRUE(r) << "the jobs function did not answer";
    if (!r) return true;
    EXPECT_TRUE(r->ok) << r->errorType << ": " << r->body;
    bool failed = false;
    for (const auto& f : json::parse(r->body).at("batchItemFailures").as_array()) {
      failed = failed || f.at("itemIdentifier").as_string() == m.messageId;
    }
    if (!failed) sqs_->remove(queue, m.receiptHandle);
    ++invocations_;
    return true;
  }

  // Invokes the sweeper with EventBridge's scheduled event; its summary.
  json::object sweep(RuntimeApiServer& runtime) {
    const auto id = runtime.invoke(
        R"({"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa","detail-type":"Scheduled Event",)"
        R"("source":"aws.events","account":"123456789012","time":"2026-12-07T00:00:00Z",)"
        R"("region":"us-east-1","resources":["arn:aws:events:us-east-1:123456789012:rule/sweep"],)"
        R"("detail":{}})",
        seconds(30));
    const auto r = runtime.result(id, seconds(60));
    EXPECT_TRUE(r && r->ok) << (r ? r->errorType + ": " + r->body : "no answer");
    return r && r->ok ? json::parse(r->body).as_object() : json::object{};
  }

  // Plays the mapping (and, when the queue is empty, the schedule) until the job ends.
  json::object runToTheEnd(const std::string& jobId, RuntimeApiServer& jobs,
                           RuntimeApiServer* sweeper, milliseconds budget) {
    const auto deadline = std::chrono::steady_clock::now() + seconds(120);
    for (;;) {
      auto j = job(jobId);
      const std::string status(j.at("status").as_string());
      if (status != "queued" && status != "running") return j;
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "the job did not end: " << json::serialize(j);
        return j;
      }
      if (!deliverOne(jobs, budget) && sweeper) sweep(*sweeper);
    }
  }

  int invocations_ = 0;
};

TEST_F(LambdaJobsTest, AJobGoesFromPostThroughTheQueueToSucceededInSeveralInvocations) {
  RuntimeApiServer jobsRuntime;
  FunctionProcess api(lambdaEnvironment());
  FunctionProcess jobs(functionEnvironment("jobs", jobsRuntime));
  constexpr int kLocations = 1200;
  const auto offerId = offerWithLocations(kLocations);
  const auto jobId = startJob(offerId);
  // 2.5 s per invocation, 1 s of it the margin: a few pages each, then a continuation.
  const auto ended = runToTheEnd(jobId, jobsRuntime, nullptr, milliseconds(2500));
  EXPECT_EQ(ended.at("status").as_string(), "succeeded") << json::serialize(ended);
  EXPECT_EQ(ended.at("linked").as_int64(), kLocations);
  EXPECT_GE(invocations_, 2) << "no continuation: the job fit in one invocation";
  EXPECT_EQ(bodyOf(call(event("GET", "/v1/offers/" + offerId))).at("locationsTotal").as_int64(),
            kLocations);
  // Done with: nothing left on the queue.
  EXPECT_TRUE(sqs_->receive(queue_, 10, seconds(1)).empty());
  EXPECT_FALSE(jobs.exited(milliseconds(0)));
}

// An invocation whose deadline leaves less than the margin runs no step: the job goes back
// to the queue untouched, as its continuation, and the message is done with.
TEST_F(LambdaJobsTest, AnInvocationPastItsMarginRunsNothingAndContinuesTheJob) {
  RuntimeApiServer jobsRuntime;
  FunctionProcess api(lambdaEnvironment());
  FunctionProcess jobs(functionEnvironment("jobs", jobsRuntime));
  const auto offerId = offerWithLocations(20);
  const auto jobId = startJob(offerId);
  // 500 ms left, the margin 1 s.
  ASSERT_TRUE(deliverOne(jobsRuntime, milliseconds(500)));
  EXPECT_EQ(job(jobId).at("status").as_string(), "queued");
  auto next = sqs_->receive(queue_, 10, seconds(2));
  ASSERT_EQ(next.size(), 1u) << "no continuation";
  EXPECT_EQ(json::parse(next[0].body).at("jobId").as_string(), jobId);
  sqs_->remove(queue_, next[0].receiptHandle);
}

TEST_F(LambdaJobsTest, AJobWhoseMessageWasLostIsSentAgainByTheSweeper) {
  RuntimeApiServer jobsRuntime;
  RuntimeApiServer sweeperRuntime;
  FunctionProcess api(lambdaEnvironment());
  FunctionProcess jobs(functionEnvironment("jobs", jobsRuntime));
  FunctionProcess sweeper(functionEnvironment("sweeper", sweeperRuntime));
  const auto offerId = offerWithLocations(150);
  const auto jobId = startJob(offerId);
  // The api function's message is lost.
  auto lost = sqs_->receive(queue_, 10, seconds(2));
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(json::parse(lost[0].body).at("jobId").as_string(), jobId);
  sqs_->remove(queue_, lost[0].receiptHandle);
  EXPECT_FALSE(deliverOne(jobsRuntime, seconds(10)));
  const auto summary = sweep(sweeperRuntime);
  EXPECT_EQ(summary.at("jobsEnqueued").as_int64(), 1) << json::serialize(summary);
  const auto ended = runToTheEnd(jobId, jobsRuntime, nullptr, seconds(20));
  EXPECT_EQ(ended.at("status").as_string(), "succeeded") << json::serialize(ended);
  EXPECT_EQ(ended.at("linked").as_int64(), 150);
  // A job that has ended is not sent again.
  EXPECT_EQ(sweep(sweeperRuntime).at("jobsEnqueued").as_int64(), 0);
}

TEST_F(LambdaJobsTest, AJobsFunctionKilledMidInvocationIsRedeliveredAndTheJobEndsExact) {
  RuntimeApiServer sweeperRuntime;
  FunctionProcess api(lambdaEnvironment());
  FunctionProcess sweeper(functionEnvironment("sweeper", sweeperRuntime));
  constexpr int kLocations = 1000;
  const auto offerId = offerWithLocations(kLocations);
  const auto jobId = startJob(offerId);
  {
    // The first invocation's process is killed while it runs the job: its message is
    // neither deleted nor answered.
    RuntimeApiServer doomed;
    auto env = functionEnvironment("jobs", doomed);
    env["OFFERS_DYNAMODB_LEASE_MS"] = "2000";  // a successor may take over soon after
    FunctionProcess dying(env);
    auto messages = sqs_->receive(queue_, 1, seconds(2), seconds(2));
    ASSERT_EQ(messages.size(), 1u);
    doomed.invoke(sqsEvent(messages[0]), seconds(60));
    const auto until = std::chrono::steady_clock::now() + seconds(30);
    while (job(jobId).at("processed").as_int64() == 0 && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(milliseconds(20));
    }
    ASSERT_GT(job(jobId).at("processed").as_int64(), 0) << "the job never started";
  }  // killed
  const auto midway = job(jobId);
  EXPECT_EQ(midway.at("status").as_string(), "running") << json::serialize(midway);
  // SQS delivers the message again after its visibility timeout (2 s here); a successor
  // takes the job over once the dead one's lease has run out, or the sweeper sends it
  // again if the redelivery came too early and was acknowledged as leased.
  RuntimeApiServer jobsRuntime;
  auto env = functionEnvironment("jobs", jobsRuntime);
  env["OFFERS_DYNAMODB_LEASE_MS"] = "2000";
  FunctionProcess successor(env);
  const auto ended = runToTheEnd(jobId, jobsRuntime, &sweeperRuntime, seconds(20));
  EXPECT_EQ(ended.at("status").as_string(), "succeeded") << json::serialize(ended);
  EXPECT_EQ(ended.at("linked").as_int64(), kLocations) << json::serialize(ended);
  EXPECT_EQ(bodyOf(call(event("GET", "/v1/offers/" + offerId))).at("locationsTotal").as_int64(),
            kLocations);
}

// A webhook on Lambda: the sweeper fans the event out and sends the due delivery to the
// deliveries queue; the deliveries function sends it to a loopback receiver, signed, and
// records the attempt; a failed attempt is retried when the store's schedule says, by the
// next sweep, not by SQS redelivery.
TEST_F(LambdaJobsTest, AWebhookIsDeliveredByTheDeliveriesFunctionAndRetriedOnTheStoresSchedule) {
  LoopbackHttpServer receiver;
  receiver.respondWith([](const ReceivedRequest&, std::size_t index) {
    return ScriptedReply{.status = index == 0 ? 500 : 204};
  });
  RuntimeApiServer sweeperRuntime;
  RuntimeApiServer deliveriesRuntime;
  auto apiEnv = lambdaEnvironment();
  apiEnv["OFFERS_ALLOW_PRIVATE_WEBHOOKS"] = "on";
  FunctionProcess api(apiEnv);
  FunctionProcess sweeper(functionEnvironment("sweeper", sweeperRuntime));
  auto env = functionEnvironment("deliveries", deliveriesRuntime);
  env["OFFERS_ALLOW_PRIVATE_WEBHOOKS"] = "on";
  env["OFFERS_WEBHOOK_RETRY_BASE_MS"] = "2000";
  FunctionProcess deliveries(env);

  auto hook = call(event("POST", "/v1/webhooks", {{"url", receiver.url()}, {"events", {"*"}}}));
  ASSERT_EQ(hook.at("statusCode").as_int64(), 201) << json::serialize(hook);
  const auto webhook = bodyOf(hook);
  const std::string webhookId(webhook.at("id").as_string());
  const std::string secret(webhook.at("secret").as_string());
  auto brand = call(event("POST", "/v1/brands", {{"name", "Hooked"}}));
  const std::string brandId(bodyOf(brand).at("id").as_string());

  auto summary = sweep(sweeperRuntime);
  EXPECT_GE(summary.at("eventsFannedOut").as_int64(), 1) << json::serialize(summary);
  EXPECT_EQ(summary.at("deliveriesEnqueued").as_int64(), 1) << json::serialize(summary);
  ASSERT_TRUE(deliverOne(deliveriesRuntime, seconds(20), deliveriesQueue_));
  ASSERT_TRUE(receiver.waitFor(1, seconds(10)));
  // Not due yet: the retry waits for its time (2 s, +-20%), then the next sweep sends it.
  EXPECT_EQ(sweep(sweeperRuntime).at("deliveriesEnqueued").as_int64(), 0);
  std::this_thread::sleep_for(milliseconds(2600));
  summary = sweep(sweeperRuntime);
  EXPECT_EQ(summary.at("deliveriesEnqueued").as_int64(), 1) << json::serialize(summary);
  ASSERT_TRUE(deliverOne(deliveriesRuntime, seconds(20), deliveriesQueue_));
  ASSERT_TRUE(receiver.waitFor(2, seconds(10)));

  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& r : requests) {
    EXPECT_EQ(json::parse(r.body).at("type").as_string(), "brand.created") << r.body;
    EXPECT_EQ(json::parse(r.body).at("data").at("id").as_string(), brandId) << r.body;
    EXPECT_TRUE(SignatureMatches(r.header("X-Offers-Signature"), secret, r.body));
  }
  EXPECT_EQ(requests[0].header("X-Offers-Event-Id"), requests[1].header("X-Offers-Event-Id"));
  const auto attempts =
      bodyOf(call(event("GET", "/v1/webhooks/" + webhookId + "/deliveries"))).at("items");
  ASSERT_EQ(attempts.as_array().size(), 2u) << json::serialize(attempts);
  EXPECT_EQ(attempts.at(0).at("statusCode").as_int64(), 500) << json::serialize(attempts);
  EXPECT_EQ(attempts.at(1).at("statusCode").as_int64(), 204) << json::serialize(attempts);
  // Delivered: nothing more is sent.
  EXPECT_EQ(sweep(sweeperRuntime).at("deliveriesEnqueued").as_int64(), 0);
}

}  // namespace
}  // namespace offers::testing
