#include "aws/client.hpp"

#include <curl/curl.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <thread>

#include "domain/backoff.hpp"
#include "domain/error.hpp"
#include "metrics/metrics.hpp"

namespace offers::aws {

namespace json = boost::json;
using domain::Error;
using domain::ErrorCode;

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::size_t collect(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

}  // namespace

Credentials Credentials::fromEnvironment() {
  return {env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"), env("AWS_SESSION_TOKEN")};
}

struct Client::Handle {
  CURL* curl = curl_easy_init();
  ~Handle() { curl_easy_cleanup(curl); }
};

Client::Client(ClientOptions options)
    : options_(std::move(options)),
      sigv4_("aws:amz:" + options_.region + ":" + options_.service),
      userpwd_(options_.credentials.accessKeyId + ":" + options_.credentials.secretAccessKey) {
  while (!options_.endpoint.empty() && options_.endpoint.back() == '/')
    options_.endpoint.pop_back();
  options_.endpoint += "/";
}

Client::~Client() = default;

std::unique_ptr<Client::Handle> Client::acquire() {
  {
    std::lock_guard lock(poolMutex_);
    if (!pool_.empty()) {
      auto h = std::move(pool_.back());
      pool_.pop_back();
      return h;
    }
  }
  auto h = std::make_unique<Handle>();
  if (!h->curl) throw Error(ErrorCode::unavailable, "the store is unavailable", "curl_easy_init");
  return h;
}

void Client::release(std::unique_ptr<Handle> handle) {
  std::lock_guard lock(poolMutex_);
  pool_.push_back(std::move(handle));
}

RawResponse Client::send(std::string_view operation, const std::string& body) {
  auto handle = acquire();
  CURL* c = handle->curl;
  curl_easy_reset(c);  // keeps the connection cache: keep-alive survives
  RawResponse out;
  // Only added headers, never removed ones: curl 7.88 signs removed headers too.
  const std::string target =
      "X-Amz-Target: " + options_.targetPrefix + "." + std::string(operation);
  const std::string contentType = "Content-Type: application/x-amz-json-" + options_.jsonVersion;
  curl_slist* headers = curl_slist_append(nullptr, contentType.c_str());
  headers = curl_slist_append(headers, target.c_str());
  if (!options_.credentials.sessionToken.empty()) {
    const std::string token = "X-Amz-Security-Token: " + options_.credentials.sessionToken;
    headers = curl_slist_append(headers, token.c_str());
  }
  curl_easy_setopt(c, CURLOPT_URL, options_.endpoint.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, long(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4_.c_str());
  curl_easy_setopt(c, CURLOPT_USERPWD, userpwd_.c_str());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, long(options_.requestTimeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, long(options_.requestTimeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  // The CA bundle, when the environment names one (as OpenSSL's tools read it): the Lambda
  // bootstrap points it at the image's own, which is not where Debian's libcurl looks.
  if (const char* ca = std::getenv("SSL_CERT_FILE"); ca && *ca) {
    curl_easy_setopt(c, CURLOPT_CAINFO, ca);
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.body);
  ++requests_;
  metrics::registry().awsRequests.with({options_.service, std::string(operation)}).add();
  const CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    out.transportError = curl_easy_strerror(rc);
  } else {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
  }
  release(std::move(handle));
  return out;
}

std::string Client::shortType(std::string_view type) {
  const auto hash = type.rfind('#');
  return std::string(hash == std::string_view::npos ? type : type.substr(hash + 1));
}

bool Client::retryable(std::string_view type, long status) {
  return type == "ProvisionedThroughputExceededException" || type == "ThrottlingException" ||
         type == "RequestLimitExceeded" || type == "InternalServerError" ||
         type == "ServiceUnavailable" || type == "LimitExceededException" ||
         type == "RequestThrottled" || type == "KmsThrottled" ||  // SQS's throttling
         status >= 500;
}

thread_local const SendBy::Deadline* SendBy::current_ = nullptr;

namespace {

// The DynamoDB calls that take ReturnConsumedCapacity.
bool consumesCapacity(std::string_view operation) {
  for (std::string_view op : {"GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem",
                              "DeleteItem", "BatchWriteItem"}) {
    if (op == operation) return true;
  }
  return false;
}

void meterCapacity(CapacityMeter& meter, std::string_view operation, const json::object& r) {
  const auto* consumed = r.if_contains("ConsumedCapacity");
  if (!consumed) return;
  double units = 0;
  auto add = [&units](const json::value& v) {
    if (const auto* o = v.if_object()) {
      if (const auto* u = o->if_contains("CapacityUnits"); u && u->is_number()) {
        units += u->to_number<double>();
      }
    }
  };
  if (consumed->is_array()) {
    for (const auto& v : consumed->as_array()) add(v);
  } else {
    add(*consumed);
  }
  const bool reads = operation == "GetItem" || operation == "BatchGetItem" || operation == "Query";
  auto& total = reads ? meter.read : meter.write;
  total.fetch_add(units);
}

}  // namespace

json::object Client::call(std::string_view operation, const json::object& request) {
  const domain::Backoff backoff{options_.retryBase, options_.retryMax, domain::Jitter::full};
  const bool metered = options_.capacity && consumesCapacity(operation);
  std::string body;
  if (metered) {
    auto asking = request;
    asking["ReturnConsumedCapacity"] = "TOTAL";
    body = json::serialize(asking);
  } else {
    body = json::serialize(request);
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.retryDeadline;
  std::string lastProblem;
  for (int attempt = 0;; ++attempt) {
    if (options_.faultHook) options_.faultHook(operation, CallPhase::before);
    if (const auto* sendBy = SendBy::current();
        sendBy && SendBy::at(std::chrono::steady_clock::now()) >= sendBy->load()) {
      throw Error(ErrorCode::unavailable, "the store is slow; try again",
                  "DynamoDB " + std::string(operation) +
                      " not sent: the lease it was to be written under has run too low");
    }
    auto response = send(operation, body);
    if (options_.faultHook) options_.faultHook(operation, CallPhase::after);
    if (response.transportError.empty()) {
      boost::system::error_code ec;
      auto parsed = json::parse(response.body, ec);
      const json::object* obj = ec ? nullptr : parsed.if_object();
      if (response.status == 200 && obj) {
        if (metered) meterCapacity(*options_.capacity, operation, *obj);
        return *obj;
      }
      std::string type;
      std::string message;
      if (obj) {
        if (const auto* t = obj->if_contains("__type"); t && t->is_string()) {
          type = shortType(t->as_string());
        }
        for (const char* k : {"message", "Message"}) {
          if (const auto* m = obj->if_contains(k); m && m->is_string()) {
            message = m->as_string();
          }
        }
      }
      if (!retryable(type, response.status)) {
        if (type.empty()) {
          throw Error(ErrorCode::unavailable, "the store is unavailable",
                      "DynamoDB " + std::string(operation) + ": HTTP " +
                          std::to_string(response.status) + " " + response.body.substr(0, 200));
        }
        throw ServiceError(type, message, response.status, *obj);
      }
      lastProblem = type.empty() ? "HTTP " + std::to_string(response.status) : type;
    } else {
      lastProblem = response.transportError;
    }
    const auto delay = backoff.delay(attempt, domain::randomDraw());
    if (std::chrono::steady_clock::now() + delay >= deadline) {
      throw Error(ErrorCode::unavailable, "the store is unavailable; try again later",
                  "DynamoDB " + std::string(operation) + " gave up after " +
                      std::to_string(attempt + 1) + " attempts: " + lastProblem);
    }
    std::this_thread::sleep_for(delay);
  }
}

}  // namespace offers::aws
