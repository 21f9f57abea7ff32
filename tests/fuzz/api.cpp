// Fuzzes the whole API function (http::Api::handle): target parsing and query strings
// (parseTarget), routing over the real route templates (Router::match), the handlers and
// the store behind them. An input is a request in the form
//   <method> <target>\n<body>
// (the first line split at its first space; no newline: no body). Unknown methods reach
// the API as verb::unknown, as from the server. Whatever the input, Api::handle must not
// throw, must not answer 500, and must answer every error with the contract's
// {"error":{"code","message"}} body.
//
// One RocksDB store in a temporary directory serves the whole run, seeded with the sample
// data (seed/sample-data.json), so that requests naming those ids reach the link, job and
// paging code. State carries over from input to input: a finding may need the inputs
// before it (libFuzzer's -runs over the corpus, or the crash file after its corpus).
#include "http/api.hpp"

#include <boost/beast/http/verb.hpp>
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "check.hpp"
#include "service/seed.hpp"
#include "service/service.hpp"
#include "store/rocksdb/rocksdb_store.hpp"
#include "support/temp_dir.hpp"

using namespace offers;
using fuzz::fail;

namespace {

struct World {
  testing::TempDir dir;
  store::rocksdb::RocksDbStore store{store::rocksdb::Options{.dataDir = dir.str()}};
  service::Service service{store};
  http::Api api{service};

  World() { service::seed(store, service::sampleData()); }
};

// Destroyed at exit, store before directory, so a run leaves nothing behind.
World& world() {
  static World w;
  return w;
}

http::Request requestOf(std::string_view input) {
  http::Request request;
  const auto newline = input.find('\n');
  const std::string_view line = input.substr(0, newline);
  if (newline != std::string_view::npos) request.body = std::string(input.substr(newline + 1));
  const auto space = line.find(' ');
  request.method = boost::beast::http::string_to_verb(line.substr(0, space));
  if (space != std::string_view::npos) request.target = std::string(line.substr(space + 1));
  return request;
}

// Why `body` is not the contract's error body, or nullopt when it is one.
std::optional<std::string> errorBodyProblem(std::string_view body) {
  boost::system::error_code ec;
  const auto value = boost::json::parse(body, ec);
  if (ec) return "not JSON (" + ec.message() + ")";
  const auto* error = value.is_object() ? value.as_object().if_contains("error") : nullptr;
  if (error == nullptr || !error->is_object()) return "no \"error\" object";
  const auto* code = error->as_object().if_contains("code");
  const auto* message = error->as_object().if_contains("message");
  if (code == nullptr || !code->is_string() || message == nullptr || !message->is_string()) {
    return "no string error.code and error.message";
  }
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  world();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const http::Request request =
      requestOf(std::string_view(reinterpret_cast<const char*>(data), size));
  const http::Response response = world().api.handle(request).response;
  if (response.status == 500) fail("500 for a request: " + response.body);
  if (response.status < 200 || response.status > 599) {
    fail("status " + std::to_string(response.status) + " is not an HTTP answer");
  }
  if (response.status >= 400) {
    if (const auto problem = errorBodyProblem(response.body)) {
      fail("error " + std::to_string(response.status) + " whose body is " + *problem + ": " +
           response.body);
    }
  }
  return 0;
}
