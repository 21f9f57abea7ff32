#include "app/link_brand.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <thread>

namespace offers::app {
namespace json = boost::json;
namespace {

struct Reply {
  long status = 0;
  std::string body;
};

std::size_t collect(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// One request to the server, with the API key when there is one; throws
// std::runtime_error when the server cannot be reached.
Reply call(const Config& config, const std::string& method, const std::string& url,
           const std::string& body = {}) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw std::runtime_error("cannot start an HTTP client");
  Reply reply;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  if (config.apiKey) {
    headers = curl_slist_append(headers, ("Authorization: Bearer " + *config.apiKey).c_str());
  }
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 30000L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  if (method == "POST") {
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, long(body.size()));
  }
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &reply.body);
  const CURLcode rc = curl_easy_perform(curl.get());
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    throw std::runtime_error("cannot reach " + url + ": " + curl_easy_strerror(rc));
  }
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

std::int64_t count(const json::object& job, const char* key) {
  const auto* v = job.if_contains(key);
  return v && v->is_number() ? v->to_number<std::int64_t>() : 0;
}

std::string describe(const json::object& job) {
  char line[256];
  std::snprintf(line, sizeof line, "%s %5.1f%%  %lld/%lld  linked %lld  already %lld  failed %lld",
                std::string(job.at("status").as_string()).c_str(),
                100.0 * job.at("progress").to_number<double>(), (long long)count(job, "processed"),
                (long long)count(job, "total"), (long long)count(job, "linked"),
                (long long)count(job, "alreadyLinked"), (long long)count(job, "failed"));
  return line;
}

std::string bar(double progress, int width) {
  const int full = std::clamp(int(progress * width + 0.5), 0, width);
  std::string out = "[";
  out.append(std::size_t(full), '#');
  out.append(std::size_t(width - full), '.');
  out += ']';
  return out;
}

}  // namespace

int linkBrand(const Config& config) {
  std::string base = config.serverUrl;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const json::object request{{"type", "link-brand-locations"}, {"offerId", config.offerId}};
  auto reply = call(config, "POST", base + "/v1/jobs", json::serialize(request));
  if (reply.status != 202) {
    std::cerr << "offers-api: the server refused the job (" << reply.status << "): " << reply.body
              << "\n";
    return 1;
  }
  auto job = json::parse(reply.body).as_object();
  const std::string id(job.at("id").as_string());
  std::cout << "job " << id << " started\n" << std::flush;
  if (!config.wait) return 0;

  const bool tty = isatty(STDOUT_FILENO);
  std::string lastLine;
  for (;;) {
    reply = call(config, "GET", base + "/v1/jobs/" + id);
    if (reply.status != 200) {
      std::cerr << "\noffers-api: cannot follow job " << id << " (" << reply.status
                << "): " << reply.body << "\n";
      return 1;
    }
    job = json::parse(reply.body).as_object();
    const std::string status(job.at("status").as_string());
    const bool done = status == "succeeded" || status == "failed" || status == "cancelled";
    const auto line = describe(job);
    if (tty) {
      std::cout << "\r" << bar(job.at("progress").to_number<double>(), 30) << " " << line
                << "\x1b[K" << std::flush;
    } else if (line != lastLine) {
      std::cout << line << "\n" << std::flush;
    }
    lastLine = line;
    if (done) {
      if (tty) std::cout << "\n";
      if (status != "succeeded") {
        std::cerr << "offers-api: job " << id << " " << status;
        if (const auto* e = job.if_contains("error"); e && e->is_object()) {
          std::cerr << ": " << json::serialize(*e);
        }
        std::cerr << "\n";
        return 1;
      }
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(tty ? 200 : 1000));
  }
}

}  // namespace offers::app
