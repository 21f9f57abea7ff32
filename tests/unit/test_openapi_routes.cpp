// The OpenAPI description (docs/openapi.yaml) and the router list the same operations: one
// fact in two lists, so a test holds them together (STYLE.md, "One list per fact"). Every
// path and method of the description is routed by Api::handle to the template of that very
// path (the description's "{offerId}" is the router's parameter syntax too), and no method
// the description leaves out is routed on any documented path; and the router's own list
// of routes equals the description's list of operations, so a route on a path the
// description never names fails too.
#include <gtest/gtest.h>

#include <boost/beast/http/verb.hpp>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "http/api.hpp"
#include "service/service.hpp"
#include "store/rocksdb/rocksdb_store.hpp"
#include "support/temp_dir.hpp"

namespace offers::testing {
namespace {

using http::Method;

// (method in lower case, path template), as the description writes them.
using Operation = std::pair<std::string, std::string>;

constexpr Method kEveryMethod[] = {Method::get,     Method::head,  Method::post,
                                   Method::put,     Method::patch, Method::delete_,
                                   Method::options, Method::trace, Method::connect};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string methodName(Method method) {
  return lower(boost::beast::http::to_string(method));
}

Method methodNamed(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return boost::beast::http::string_to_verb(upper);
}

// The key of a "key:" line with nothing after the colon, quotes removed; "" otherwise.
std::string keyOf(std::string_view line) {
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
  if (line.empty() || line.back() != ':') return "";
  line.remove_suffix(1);
  if (line.size() >= 2 && (line.front() == '"' || line.front() == '\'') &&
      line.back() == line.front()) {
    line = line.substr(1, line.size() - 2);
  }
  return std::string(line);
}

// The operations of the `paths:` section of an OpenAPI YAML document, read line by line:
// keys at two spaces of indent are paths, keys at four that name an HTTP method are its
// operations (`parameters:` and the like at four are not). The section ends at the next
// top-level key, so `webhooks:` (requests the service sends, not routes) is left out.
std::set<Operation> documentedOperations(const std::string& yaml) {
  static const std::set<std::string> kMethods = {"get",   "put",     "post", "delete",
                                                 "patch", "options", "head", "trace"};
  std::set<Operation> out;
  std::istringstream in(yaml);
  bool inPaths = false;
  std::string path;
  for (std::string line; std::getline(in, line);) {
    const auto indent = line.find_first_not_of(' ');
    if (indent == std::string::npos || line[indent] == '#') continue;
    if (indent == 0) {
      inPaths = keyOf(line) == "paths";
      continue;
    }
    if (!inPaths) continue;
    const std::string key = keyOf(std::string_view(line).substr(indent));
    if (indent == 2) {
      path = key;
      if (!path.starts_with('/')) throw std::runtime_error("not a path under paths: " + line);
    } else if (indent == 4 && kMethods.contains(key)) {
      out.emplace(key, path);
    }
  }
  return out;
}

std::string readFile(const std::string& name) {
  std::ifstream in(name, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::set<Operation>& documented() {
  static const std::set<Operation> operations =
      documentedOperations(readFile(std::string(OFFERS_SOURCE_DIR) + "/docs/openapi.yaml"));
  return operations;
}

// A request target for a path template: every "{name}" segment becomes a well-formed id,
// one that no literal segment of any template ("batch") could be mistaken for.
std::string concrete(const std::string& pattern) {
  std::string out;
  std::size_t from = 0;
  while (from < pattern.size()) {
    const auto open = pattern.find('{', from);
    if (open == std::string::npos) {
      out += pattern.substr(from);
      break;
    }
    const auto close = pattern.find('}', open);
    if (close == std::string::npos) throw std::runtime_error("unclosed { in " + pattern);
    out += pattern.substr(from, open - from) + "0b7e8f9a-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
    from = close + 1;
  }
  return out;
}

TEST(OpenApiReader, ReadsPathsAndMethodsOfThePathsSectionOnly) {
  const std::string yaml =
      "openapi: 3.1.0\n"
      "paths:\n"
      "  /healthz:\n"
      "    get:\n"
      "      responses:\n"
      "        '200':\n"
      "          description: ok\n"
      "  # a comment\n"
      "  \"/v1/offers/{offerId}\":\n"
      "    parameters:\n"
      "      - $ref: '#/components/parameters/OfferId'\n"
      "    get:\n"
      "    delete:\n"
      "webhooks:\n"
      "  eventDelivery:\n"
      "    post:\n";
  EXPECT_EQ(documentedOperations(yaml), (std::set<Operation>{{"get", "/healthz"},
                                                             {"get", "/v1/offers/{offerId}"},
                                                             {"delete", "/v1/offers/{offerId}"}}));
}

TEST(OpenApiReader, FindsTheOperationsOfTheRealDescription) {
  // Not vacuous: the reader sees the operations' endpoints, linking among them.
  const auto& operations = documented();
  EXPECT_GE(operations.size(), 30u);
  for (const Operation& expected : std::set<Operation>{
           {"get", "/healthz"},
           {"get", "/readyz"},
           {"get", "/metrics"},
           {"post", "/v1/offers/{offerId}/locations/{locationId}"},
           {"post", "/v1/locations/batch"},
       }) {
    EXPECT_TRUE(operations.contains(expected)) << expected.first << " " << expected.second;
  }
}

class OpenApiRoutesTest : public ::testing::Test {
 protected:
  // The matched route template of `method target`, or "" when none matched.
  std::string routeOf(Method method, const std::string& target) const {
    http::Request request;
    request.method = method;
    request.target = target;
    const auto outcome = api_.handle(request);
    return outcome.route != nullptr ? *outcome.route : std::string();
  }

  TempDir dir_;
  store::rocksdb::RocksDbStore store_{store::rocksdb::Options{.dataDir = dir_.str()}};
  service::Service service_{store_};
  http::Api api_{service_};
};

TEST_F(OpenApiRoutesTest, EveryDocumentedOperationIsRoutedToItsOwnTemplate) {
  for (const auto& [name, path] : documented()) {
    const Method method = methodNamed(name);
    ASSERT_NE(method, Method::unknown) << name;
    EXPECT_EQ(routeOf(method, concrete(path)), path)
        << name << " " << path << " is documented but not routed to that template";
  }
}

TEST_F(OpenApiRoutesTest, NoMethodIsRoutedOnADocumentedPathThatTheDescriptionLeavesOut) {
  std::set<std::string> paths;
  for (const auto& operation : documented()) paths.insert(operation.second);
  for (const std::string& path : paths) {
    for (const Method method : kEveryMethod) {
      const std::string route = routeOf(method, concrete(path));
      if (route.empty()) continue;
      EXPECT_TRUE(documented().contains({methodName(method), route}))
          << methodName(method) << " " << route << " is routed but not in docs/openapi.yaml";
    }
  }
}

TEST_F(OpenApiRoutesTest, TheRoutersRoutesAreExactlyTheDocumentedOperations) {
  std::set<std::pair<std::string, std::string>> routed;
  for (const auto& [method, pattern] : api_.router().routes()) {
    routed.insert({methodName(method), pattern});
  }
  const auto spec = documented();
  for (const auto& operation : routed) {
    EXPECT_TRUE(spec.contains(operation))
        << operation.first << " " << operation.second << " is routed but not in docs/openapi.yaml";
  }
  for (const auto& operation : spec) {
    EXPECT_TRUE(routed.contains(operation))
        << operation.first << " " << operation.second << " is in docs/openapi.yaml but not routed";
  }
}

}  // namespace
}  // namespace offers::testing
