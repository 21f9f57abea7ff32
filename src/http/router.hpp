// Matches a decoded path against route templates ("/v1/offers/{offerId}"): a handler,
// or 404 when no template fits the path, or 405 (with the methods that would fit) when
// a template fits but not for this method.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "http/message.hpp"

namespace offers::http {

using Handler = std::function<Response(const Call&)>;

class Router {
 public:
  void add(Method method, std::string pattern, Handler handler);

  struct Match {
    const Handler* handler = nullptr;      // set when found
    const std::string* pattern = nullptr;  // the route template, for logs and metrics
    PathParams params;
    std::vector<Method> allowed;  // when the path fits other methods only (405)
  };
  Match match(Method method, const std::vector<std::string>& segments) const;

  // Every route as (method, template), in the order added: what docs/openapi.yaml must
  // describe (tests/unit/test_openapi_routes.cpp holds the two lists equal).
  std::vector<std::pair<Method, std::string>> routes() const;

 private:
  struct Route {
    Method method;
    std::string pattern;
    std::vector<std::string> segments;  // "{name}" marks a parameter
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace offers::http
