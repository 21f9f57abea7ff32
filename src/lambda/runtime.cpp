#include "lambda/runtime.hpp"

#include <curl/curl.h>

#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <memory>
#include <vector>

#include "domain/time.hpp"

namespace offers::lambda {

namespace json = boost::json;

namespace {

std::size_t collectBody(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::size_t collectHeader(char* data, std::size_t size, std::size_t n, void* out) {
  const std::string_view line(data, size * n);
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (auto& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    static_cast<std::vector<std::pair<std::string, std::string>>*>(out)->emplace_back(
        std::move(name), std::string(value));
  }
  return size * n;
}

std::string errorBody(const std::string& type, const std::string& message) {
  return json::serialize(json::object{{"errorType", type}, {"errorMessage", message}});
}

}  // namespace

RuntimeClient::RuntimeClient(std::string api) : base_("http://" + api + "/2018-06-01/runtime") {}

RuntimeClient::Reply RuntimeClient::call(const char* method, const std::string& path,
                                         const std::string& body, const std::string& errorType) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), curl_easy_cleanup);
  if (!easy) throw std::runtime_error("curl_easy_init failed");
  Reply reply;
  const std::string url = base_ + path;
  curl_slist* headers = nullptr;
  if (!errorType.empty()) {
    headers =
        curl_slist_append(headers, ("Lambda-Runtime-Function-Error-Type: " + errorType).c_str());
  }
  headers = curl_slist_append(headers, "Content-Type: application/json");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headerList(headers,
                                                                         curl_slist_free_all);
  CURL* c = easy.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  if (std::string_view(method) == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headerList.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collectBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collectHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &reply.headers);
  // No timeout: `next` waits as long as Lambda keeps the function frozen or idle.
  const CURLcode code = curl_easy_perform(c);
  if (code != CURLE_OK) {
    throw std::runtime_error("the Runtime API at " + url +
                             " could not be reached: " + curl_easy_strerror(code));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

std::int64_t deadlineFromHeader(std::string_view value, std::int64_t nowMs) {
  constexpr std::int64_t kLongest = 15 * 60 * 1000;
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || n < 0) {
    return nowMs + kLongest;
  }
  return n < 100'000'000'000 ? nowMs + n : n;
}

Invocation RuntimeClient::next() {
  auto reply = call("GET", "/invocation/next", "", "");
  if (reply.status != 200) {
    throw std::runtime_error("the Runtime API answered " + std::to_string(reply.status) +
                             " to next: " + reply.body);
  }
  Invocation invocation;
  std::string deadline;
  for (const auto& [name, value] : reply.headers) {
    if (name == "lambda-runtime-aws-request-id") invocation.requestId = value;
    if (name == "lambda-runtime-trace-id") invocation.traceId = value;
    if (name == "lambda-runtime-invoked-function-arn") invocation.functionArn = value;
    if (name == "lambda-runtime-deadline-ms") deadline = value;
  }
  invocation.deadlineMs = deadlineFromHeader(deadline, domain::nowMillis());
  if (invocation.requestId.empty()) {
    throw std::runtime_error("the Runtime API sent an invocation without a request id");
  }
  invocation.event = std::move(reply.body);
  return invocation;
}

void RuntimeClient::respond(const std::string& requestId, const std::string& body) {
  const auto reply = call("POST", "/invocation/" + requestId + "/response", body, "");
  if (reply.status >= 300) {
    // 413: the answer is over Lambda's payload limit; the invocation gets an error instead.
    fail(requestId, "Runtime.ResponseRefused",
         "the Runtime API refused the response (" + std::to_string(reply.status) + ")");
  }
}

void RuntimeClient::fail(const std::string& requestId, const std::string& type,
                         const std::string& message) {
  call("POST", "/invocation/" + requestId + "/error", errorBody(type, message), type);
}

void RuntimeClient::initError(const std::string& type, const std::string& message) {
  call("POST", "/init/error", errorBody(type, message), type);
}

std::string serveInvocations(RuntimeClient& runtime, const Handler& handler) {
  for (;;) {
    Invocation invocation;
    try {
      invocation = runtime.next();
    } catch (const std::exception& e) {
      return e.what();
    }
    // For the AWS SDKs and X-Ray, as Lambda's own runtimes do.
    if (!invocation.traceId.empty()) {
      setenv("_X_AMZN_TRACE_ID", invocation.traceId.c_str(), 1);
    } else {
      unsetenv("_X_AMZN_TRACE_ID");
    }
    try {
      std::string answer;
      try {
        answer = handler(invocation);
      } catch (const InvocationError& e) {
        runtime.fail(invocation.requestId, e.type(), e.what());
        continue;
      } catch (const std::exception& e) {
        runtime.fail(invocation.requestId, "Runtime.HandlerError", e.what());
        continue;
      }
      runtime.respond(invocation.requestId, answer);
    } catch (const std::exception& e) {
      return e.what();  // the Runtime API failed while we answered
    }
  }
}

}  // namespace offers::lambda
