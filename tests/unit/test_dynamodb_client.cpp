// The DynamoDB client (src/store/dynamodb/client.hpp) against a loopback HTTP server
// standing in for DynamoDB (tests/support/loopback_http_server.hpp): the SigV4 signature on
// the wire checked against one computed here, with OpenSSL, from AWS's description of the
// algorithm (dynalite accepts any signature, so nothing else would notice a wrong one);
// how DynamoDB's errors are translated and which are retried; and that calls share one
// kept-alive connection.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/client.hpp"
#include "aws/sqs.hpp"
#include "domain/error.hpp"
#include "expect_error.hpp"
#include "support/digests.hpp"
#include "support/loopback_http_server.hpp"

namespace offers::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using aws::CallPhase;
using aws::Client;
using aws::ClientOptions;
using aws::Credentials;
using aws::RawResponse;
using aws::ServiceError;
using domain::ErrorCode;

// ---- SigV4, written from AWS's description of the algorithm, not from the client ----

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A canonical header value: no leading or trailing spaces, inner runs of spaces as one.
std::string canonicalValue(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

struct SigV4Request {
  std::string method = {};
  std::string canonicalUri = {};    // already URI-encoded
  std::string canonicalQuery = {};  // already sorted and encoded; "" when none
  std::vector<std::pair<std::string, std::string>> signedHeaders = {};  // name (any case), value
  std::string payload = {};
  std::string amzDate = {};  // YYYYMMDD'T'HHMMSS'Z'
  std::string region = {};
  std::string service = {};
  std::string secretKey = {};
};

struct SigV4 {
  std::string canonicalRequest;
  std::string stringToSign;
  std::string signedHeaders;  // "a;b;c"
  std::string signingKeyHex;
  std::string signature;  // lower-case hex
};

SigV4 computeSigV4(const SigV4Request& request) {
  std::map<std::string, std::string> headers;  // sorted by lower-cased name
  for (const auto& [name, value] : request.signedHeaders) {
    headers[lower(name)] = canonicalValue(value);
  }
  SigV4 out;
  std::string canonicalHeaders;
  for (const auto& [name, value] : headers) {
    canonicalHeaders += name + ":" + value + "\n";
    if (!out.signedHeaders.empty()) out.signedHeaders += ";";
    out.signedHeaders += name;
  }
  out.canonicalRequest = request.method + "\n" + request.canonicalUri + "\n" +
                         request.canonicalQuery + "\n" + canonicalHeaders + "\n" +
                         out.signedHeaders + "\n" + sha256Hex(request.payload);

  const std::string date = request.amzDate.substr(0, 8);
  const std::string scope = date + "/" + request.region + "/" + request.service + "/aws4_request";
  out.stringToSign = "AWS4-HMAC-SHA256\n" + request.amzDate + "\n" + scope + "\n" +
                     sha256Hex(out.canonicalRequest);

  const std::string dateKey = hmac("AWS4" + request.secretKey, date);
  const std::string regionKey = hmac(dateKey, request.region);
  const std::string serviceKey = hmac(regionKey, request.service);
  const std::string signingKey = hmac(serviceKey, "aws4_request");
  out.signingKeyHex = hexOf(signingKey);
  out.signature = hexOf(hmac(signingKey, out.stringToSign));
  return out;
}

// "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." taken apart.
struct Authorization {
  std::string algorithm;
  std::map<std::string, std::string> fields;
};

Authorization parseAuthorization(std::string_view header) {
  Authorization out;
  const auto space = header.find(' ');
  out.algorithm = std::string(header.substr(0, space));
  if (space == std::string_view::npos) return out;
  std::string_view rest = header.substr(space + 1);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view part = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    const auto equals = part.find('=');
    if (equals == std::string_view::npos) continue;
    out.fields[std::string(part.substr(0, equals))] = std::string(part.substr(equals + 1));
  }
  return out;
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  for (;;) {
    const auto at = text.find(separator);
    parts.emplace_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

// Seconds between an x-amz-date ("20250102T030405Z") and now; throws when malformed.
std::int64_t secondsFromNow(const std::string& amzDate) {
  std::tm tm{};
  char zulu = 0;
  if (amzDate.size() != 16 ||
      std::sscanf(amzDate.c_str(), "%4d%2d%2dT%2d%2d%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &zulu) != 7 ||
      zulu != 'Z') {
    throw std::runtime_error("x-amz-date is not YYYYMMDDTHHMMSSZ: " + amzDate);
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::int64_t sent = timegm(&tm);
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  return sent - now;
}

// The reference computation itself against the examples AWS publishes with its
// description of SigV4: were it wrong, the comparison with the client below would prove
// nothing.
TEST(SigV4Reference, MatchesAwsPublishedSigningKeyExample) {
  const SigV4 sig = computeSigV4({.method = "GET",
                                  .canonicalUri = "/",
                                  .amzDate = "20120215T000000Z",
                                  .region = "us-east-1",
                                  .service = "iam",
                                  .secretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"});
  EXPECT_EQ(sig.signingKeyHex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(SigV4Reference, MatchesAwsPublishedRequestExample) {
  const SigV4 sig = computeSigV4(
      {.method = "GET",
       .canonicalUri = "/",
       .canonicalQuery = "Action=ListUsers&Version=2010-05-08",
       .signedHeaders = {{"Host", "iam.amazonaws.com"},
                         {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                         {"X-Amz-Date", "20150830T123600Z"}},
       .payload = "",
       .amzDate = "20150830T123600Z",
       .region = "us-east-1",
       .service = "iam",
       .secretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"});
  EXPECT_EQ(sig.signedHeaders, "content-type;host;x-amz-date");
  EXPECT_EQ(sha256Hex(sig.canonicalRequest),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  EXPECT_EQ(sig.signature, "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(SigV4Reference, CanonicalValuesAreTrimmedAndInnerSpacesCollapsed) {
  EXPECT_EQ(canonicalValue("  a   b  c "), "a b c");
  EXPECT_EQ(canonicalValue("plain"), "plain");
  EXPECT_EQ(canonicalValue(""), "");
}

// ---- the client against the server ----

constexpr auto kWait = 15s;  // an upper bound for waits that normally end in milliseconds

unsigned short closedPort() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const unsigned short port = acceptor.local_endpoint().port();
  acceptor.close();
  return port;
}

// Fast retries, so that tests about retrying take milliseconds.
ClientOptions fastOptions(std::string endpoint) {
  ClientOptions options;
  options.endpoint = std::move(endpoint);
  options.region = "us-east-1";
  options.credentials = {"AKIDTEST", "secret", ""};
  options.requestTimeout = 5s;
  options.retryDeadline = 10s;
  options.retryBase = 1ms;
  options.retryMax = 5ms;
  return options;
}

std::string dynamoError(std::string_view type, std::string_view message) {
  return boost::json::serialize(boost::json::object{
      {"__type", "com.amazonaws.dynamodb.v20120810#" + std::string(type)}, {"message", message}});
}

ScriptedReply jsonReply(int status, std::string body) {
  return ScriptedReply{.status = status,
                       .headers = {{"Content-Type", "application/x-amz-json-1.0"}},
                       .body = std::move(body)};
}

// Sends one request of `operation` through a client made from `configure`d options and
// checks it against an independent SigV4 computation (AWS's published algorithm).
void expectSignedAsAwsDescribes(const std::function<ClientOptions(ClientOptions)>& configure,
                                std::string_view operation, const std::string& body,
                                std::string_view target, const std::string& service) {
  LoopbackHttpServer server;
  server.respondWith([](const ReceivedRequest&, std::size_t) { return jsonReply(200, "{}"); });
  const Credentials credentials{"AKIDEXAMPLE", "wJalr/K7MDENG+bPxRfi=CYEXAMPLEKEY",
                                "FwoGZXIvYXdzEXAMPLE/session+token=="};
  ClientOptions options;  // the defaults, as the store uses them
  options.endpoint = server.origin();
  options.region = "eu-west-1";
  options.credentials = credentials;
  Client client(configure(options));

  const RawResponse response = client.send(operation, body);
  ASSERT_TRUE(response.transportError.empty()) << response.transportError;
  ASSERT_EQ(response.status, 200);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const ReceivedRequest& sent = requests[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.target, "/");
  EXPECT_EQ(sent.body, body);
  EXPECT_EQ(sent.header("X-Amz-Target"), target);
  EXPECT_EQ(sent.header("Content-Type"), "application/x-amz-json-1.0");
  EXPECT_EQ(sent.header("X-Amz-Security-Token"), credentials.sessionToken);

  const Authorization auth = parseAuthorization(sent.header("Authorization"));
  ASSERT_EQ(auth.algorithm, "AWS4-HMAC-SHA256") << sent.header("Authorization");
  ASSERT_TRUE(auth.fields.count("Credential") && auth.fields.count("SignedHeaders") &&
              auth.fields.count("Signature"))
      << sent.header("Authorization");

  // Credential=<key id>/<date>/<region>/<service>/aws4_request, dated as x-amz-date.
  const std::string amzDate = sent.header("X-Amz-Date");
  const auto credential = split(auth.fields.at("Credential"), '/');
  ASSERT_EQ(credential.size(), 5u) << auth.fields.at("Credential");
  EXPECT_EQ(credential[0], credentials.accessKeyId);
  EXPECT_EQ(credential[1], amzDate.substr(0, 8));
  EXPECT_EQ(credential[2], "eu-west-1");
  EXPECT_EQ(credential[3], service);
  EXPECT_EQ(credential[4], "aws4_request");
  // AWS refuses a request dated more than 15 minutes away from its clock.
  EXPECT_LE(std::abs(secondsFromNow(amzDate)), 15 * 60) << amzDate;

  const auto signedNames = split(auth.fields.at("SignedHeaders"), ';');
  for (const char* required : {"content-type", "host", "x-amz-date", "x-amz-target"}) {
    EXPECT_NE(std::find(signedNames.begin(), signedNames.end(), required), signedNames.end())
        << required << " is not signed: " << auth.fields.at("SignedHeaders");
  }
  EXPECT_TRUE(std::is_sorted(signedNames.begin(), signedNames.end()))
      << auth.fields.at("SignedHeaders");

  // The signature over the request exactly as it arrived.
  SigV4Request wire{.method = sent.method,
                    .canonicalUri = "/",
                    .canonicalQuery = "",
                    .payload = sent.body,
                    .amzDate = amzDate,
                    .region = "eu-west-1",
                    .service = service,
                    .secretKey = credentials.secretAccessKey};
  for (const auto& name : signedNames) {
    ASSERT_TRUE(sent.headers.count(name)) << "signed header " << name << " was not sent";
    wire.signedHeaders.emplace_back(name, sent.header(name));
  }
  const SigV4 expected = computeSigV4(wire);
  EXPECT_EQ(expected.signedHeaders, auth.fields.at("SignedHeaders"));
  EXPECT_EQ(auth.fields.at("Signature"), expected.signature)
      << "canonical request:\n"
      << expected.canonicalRequest << "\nstring to sign:\n"
      << expected.stringToSign;

  // The comparison can fail: one byte of body, or of the secret, moves the signature.
  SigV4Request tampered = wire;
  tampered.payload[tampered.payload.size() / 2] ^= 1;
  EXPECT_NE(computeSigV4(tampered).signature, auth.fields.at("Signature"));
  tampered = wire;
  tampered.secretKey.back() ^= 1;
  EXPECT_NE(computeSigV4(tampered).signature, auth.fields.at("Signature"));
  tampered = wire;
  tampered.region = "eu-west-2";
  EXPECT_NE(computeSigV4(tampered).signature, auth.fields.at("Signature"));
}

TEST(DynamoDbClientTest, SignsWithSigV4AsAwsDescribesIt) {
  expectSignedAsAwsDescribes([](ClientOptions o) { return o; }, "GetItem",
                             R"({"TableName":"offers","Key":{"pk":{"S":"brand#1"}}})",
                             "DynamoDB_20120810.GetItem", "dynamodb");
}

// SQS shares the client: its JSON protocol's target and its own SigV4 service name.
TEST(SqsClientTest, SignsWithSigV4AsAwsDescribesIt) {
  expectSignedAsAwsDescribes(
      [](ClientOptions o) { return sqsOptions(o, o.endpoint); }, "SendMessage",
      R"({"QueueUrl":"http://127.0.0.1/000000000000/jobs","MessageBody":"{\"jobId\":\"j\"}"})",
      "AmazonSQS.SendMessage", "sqs");
}

TEST(SqsClientTest, TheDefaultEndpointIsTheRegions) {
  ClientOptions base;
  base.region = "eu-west-1";
  EXPECT_EQ(sqsOptions(base, "").endpoint, "https://sqs.eu-west-1.amazonaws.com");
  EXPECT_EQ(sqsOptions(base, "http://127.0.0.1:4566").endpoint, "http://127.0.0.1:4566");
}

TEST(DynamoDbClientTest, WithoutASessionTokenNoTokenHeaderIsSent) {
  LoopbackHttpServer server;
  server.respondWith([](const ReceivedRequest&, std::size_t) { return jsonReply(200, "{}"); });
  Client client(fastOptions(server.origin()));
  ASSERT_EQ(client.send("DescribeTable", R"({"TableName":"t"})").status, 200);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].headers.count("x-amz-security-token"), 0u);
  EXPECT_EQ(requests[0].header("X-Amz-Target"), "DynamoDB_20120810.DescribeTable");
}

TEST(DynamoDbClientTest, CallReturnsTheResponseObjectAndSendsTheRequestAsJson) {
  LoopbackHttpServer server;
  server.respondWith([](const ReceivedRequest&, std::size_t) {
    return jsonReply(200, R"({"Item":{"pk":{"S":"a"}}})");
  });
  Client client(fastOptions(server.origin()));
  const boost::json::object request = {{"TableName", "offers"}, {"Key", {{"pk", {{"S", "a"}}}}}};
  const boost::json::object answer = client.call("GetItem", request);
  EXPECT_EQ(boost::json::serialize(answer), R"({"Item":{"pk":{"S":"a"}}})");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(boost::json::parse(requests[0].body), boost::json::value(request));
  EXPECT_EQ(client.requestsSent(), 1u);
}

TEST(DynamoDbClientTest, ConditionalCheckFailureIsAServiceErrorAndIsNotRetried) {
  LoopbackHttpServer server;
  server.respondWith([](const ReceivedRequest&, std::size_t) {
    return jsonReply(400, R"({"__type":"com.amazonaws.dynamodb.v20120810#)"
                          R"(ConditionalCheckFailedException",)"
                          R"("message":"The conditional request failed"})");
  });
  Client client(fastOptions(server.origin()));
  try {
    client.call("PutItem", {{"TableName", "offers"}});
    FAIL() << "call() returned on a ConditionalCheckFailedException";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.type(), "ConditionalCheckFailedException");
    EXPECT_TRUE(e.conditionFailed());
    EXPECT_EQ(e.status(), 400);
    EXPECT_NE(std::string(e.what()).find("The conditional request failed"), std::string::npos)
        << e.what();
  }
  // call() has returned, so every request it made has been answered and recorded.
  EXPECT_EQ(server.count(), 1u);
  EXPECT_EQ(client.requestsSent(), 1u);
}

TEST(DynamoDbClientTest, OtherClientErrorsAreServiceErrorsWithoutConditionFailed) {
  LoopbackHttpServer server;
  server.respondWith([](const ReceivedRequest&, std::size_t) {
    return jsonReply(400, dynamoError("ValidationException", "One or more parameter values"));
  });
  Client client(fastOptions(server.origin()));
  try {
    client.call("Query", {{"TableName", "offers"}});
    FAIL() << "call() returned on a ValidationException";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.type(), "ValidationException");
    EXPECT_FALSE(e.conditionFailed());
  }
  EXPECT_EQ(server.count(), 1u);
}

TEST(DynamoDbClientTest, ThrottlingIsRetriedUntilItSucceeds) {
  LoopbackHttpServer server;
  server.respondWith([](const ReceivedRequest&, std::size_t index) {
    if (index < 2) return jsonReply(400, dynamoError("ThrottlingException", "Rate exceeded"));
    return jsonReply(200, "{}");
  });
  Client client(fastOptions(server.origin()));
  const boost::json::object answer = client.call("UpdateItem", {{"TableName", "offers"}});
  EXPECT_TRUE(answer.empty()) << boost::json::serialize(answer);
  EXPECT_EQ(server.count(), 3u);
  EXPECT_EQ(client.requestsSent(), 3u);
  // Every attempt is the same request, signed afresh.
  const auto requests = server.requests();
  for (const auto& request : requests) {
    EXPECT_EQ(request.body, requests[0].body);
    EXPECT_EQ(request.header("X-Amz-Target"), "DynamoDB_20120810.UpdateItem");
    EXPECT_FALSE(request.header("Authorization").empty());
  }
}

TEST(DynamoDbClientTest, PersistentServerErrorsGiveUpAsUnavailableAtTheRetryDeadline) {
  LoopbackHttpServer server;
  server.respondWith(
      [](const ReceivedRequest&, std::size_t) { return ScriptedReply{.status = 500}; });
  ClientOptions options = fastOptions(server.origin());
  options.retryDeadline = 300ms;
  options.retryBase = 5ms;
  options.retryMax = 50ms;
  Client client(options);
  const auto started = Clock::now();
  EXPECT_TRUE(throwsError(
      [&] {
        client.call("GetItem", {{"TableName", "offers"}});
      },
      ErrorCode::unavailable, "the store is unavailable"));
  const auto took = Clock::now() - started;
  // It gives up when the next backoff (at most retryMax) would cross the deadline: not
  // before deadline - retryMax, and not long after the deadline.
  EXPECT_GE(took, options.retryDeadline - options.retryMax);
  EXPECT_LE(took, options.retryDeadline + 2s);
  EXPECT_GE(server.count(), 2u) << "a 500 was not retried";
  EXPECT_EQ(client.requestsSent(), server.count());
}

TEST(DynamoDbClientTest, AnAnswerThatIsNotJsonIsUnavailable) {
  LoopbackHttpServer server;
  server.respondWith([](const ReceivedRequest&, std::size_t) {
    return ScriptedReply{.status = 200, .body = "<html>a proxy's error page</html>"};
  });
  Client client(fastOptions(server.origin()));
  EXPECT_TRUE(throwsError(
      [&] {
        client.call("GetItem", {{"TableName", "offers"}});
      },
      ErrorCode::unavailable, "the store is unavailable"));
  EXPECT_EQ(server.count(), 1u);
}

TEST(DynamoDbClientTest, AnUnreachableEndpointIsATransportErrorThenUnavailable) {
  ClientOptions options = fastOptions("http://127.0.0.1:" + std::to_string(closedPort()));
  options.retryDeadline = 200ms;
  Client client(options);

  const RawResponse once = client.send("GetItem", "{}");
  EXPECT_EQ(once.status, 0);
  EXPECT_FALSE(once.transportError.empty());

  const auto started = Clock::now();
  EXPECT_TRUE(throwsError(
      [&] {
        client.call("GetItem", {{"TableName", "offers"}});
      },
      ErrorCode::unavailable, "the store is unavailable"));
  EXPECT_LE(Clock::now() - started, options.retryDeadline + 2s);
  EXPECT_GE(client.requestsSent(), 3u) << "the transport error was not retried";
}

TEST(DynamoDbClientTest, ShortTypeDropsTheNamespace) {
  EXPECT_EQ(Client::shortType("com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"),
            "ConditionalCheckFailedException");
  EXPECT_EQ(Client::shortType("com.amazon.coral.service#UnknownOperationException"),
            "UnknownOperationException");
  EXPECT_EQ(Client::shortType("ThrottlingException"), "ThrottlingException");
  EXPECT_EQ(Client::shortType(""), "");
}

TEST(DynamoDbClientTest, RetryableIsThrottlingAndServerTrouble) {
  for (const char* type :
       {"ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
        "InternalServerError", "ServiceUnavailable", "LimitExceededException",
        // SQS's own
        "RequestThrottled", "KmsThrottled"}) {
    EXPECT_TRUE(Client::retryable(type, 400)) << type;
  }
  EXPECT_TRUE(Client::retryable("", 500));
  EXPECT_TRUE(Client::retryable("", 503));
  for (const char* type :
       {"ConditionalCheckFailedException", "ValidationException", "ResourceNotFoundException",
        "TransactionCanceledException", "UnknownOperationException", "AccessDeniedException",
        "QueueDoesNotExist", "InvalidMessageContents", "BatchRequestTooLong"}) {
    EXPECT_FALSE(Client::retryable(type, 400)) << type;
  }
  EXPECT_FALSE(Client::retryable("", 400));
  EXPECT_FALSE(Client::retryable("", 200));
}

TEST(DynamoDbClientTest, AFaultBeforeTheRequestSendsNothingAndPropagates) {
  LoopbackHttpServer server;
  server.respondWith([](const ReceivedRequest&, std::size_t) { return jsonReply(200, "{}"); });
  ClientOptions options = fastOptions(server.origin());
  std::vector<std::string> seen;
  options.faultHook = [&](std::string_view operation, CallPhase phase) {
    seen.push_back(std::string(operation) + (phase == CallPhase::before ? " before" : " after"));
    if (phase == CallPhase::before) throw std::runtime_error("injected fault");
  };
  Client client(options);
  try {
    client.call("PutItem", {{"TableName", "offers"}});
    FAIL() << "call() returned although its fault hook threw";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "injected fault");
  }
  EXPECT_EQ(seen, std::vector<std::string>{"PutItem before"});
  EXPECT_EQ(server.count(), 0u);
  EXPECT_EQ(client.requestsSent(), 0u);
}

TEST(DynamoDbClientTest, AFaultAfterTheAnswerPropagatesOnceTheRequestWasServed) {
  LoopbackHttpServer server;
  server.respondWith([](const ReceivedRequest&, std::size_t) { return jsonReply(200, "{}"); });
  ClientOptions options = fastOptions(server.origin());
  options.faultHook = [](std::string_view, CallPhase phase) {
    if (phase == CallPhase::after) throw std::runtime_error("lost answer");
  };
  Client client(options);
  EXPECT_THROW(client.call("PutItem", {{"TableName", "offers"}}), std::runtime_error);
  // The write reached DynamoDB; the caller saw a failure, and no retry was made.
  EXPECT_EQ(server.count(), 1u);
  EXPECT_EQ(client.requestsSent(), 1u);
}

TEST(DynamoDbClientTest, SequentialCallsShareOneKeptAliveConnection) {
  LoopbackHttpServer server;
  server.respondWith([](const ReceivedRequest&, std::size_t) { return jsonReply(200, "{}"); });
  Client client(fastOptions(server.origin()));
  constexpr std::size_t kCalls = 20;
  for (std::size_t i = 0; i < kCalls; ++i) {
    client.call("GetItem", {{"TableName", "offers"}, {"n", i}});
  }
  ASSERT_TRUE(server.waitFor(kCalls, kWait));
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), kCalls);
  for (std::size_t i = 0; i < kCalls; ++i) {
    EXPECT_EQ(requests[i].connection, requests[0].connection) << "call " << i;
  }
}

}  // namespace
}  // namespace offers::testing
