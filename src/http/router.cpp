#include "http/router.hpp"

#include <algorithm>
#include <sstream>

namespace offers::http {
namespace {

std::vector<std::string> split(const std::string& pattern) {
  std::vector<std::string> out;
  std::stringstream in(pattern);
  std::string part;
  while (std::getline(in, part, '/')) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

bool isParam(const std::string& s) { return s.size() > 2 && s.front() == '{' && s.back() == '}'; }

}  // namespace

void Router::add(Method method, std::string pattern, Handler handler) {
  auto segments = split(pattern);
  routes_.push_back({method, std::move(pattern), std::move(segments), std::move(handler)});
}

Router::Match Router::match(Method method, const std::vector<std::string>& segments) const {
  Match out;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    PathParams params;
    bool fits = true;
    for (std::size_t i = 0; i < segments.size() && fits; ++i) {
      if (isParam(route.segments[i])) {
        params.add(route.segments[i].substr(1, route.segments[i].size() - 2), segments[i]);
      } else {
        fits = route.segments[i] == segments[i];
      }
    }
    if (!fits) continue;
    if (route.method == method) {
      out.handler = &route.handler;
      out.pattern = &route.pattern;
      out.params = std::move(params);
      return out;
    }
    if (std::find(out.allowed.begin(), out.allowed.end(), route.method) == out.allowed.end()) {
      out.allowed.push_back(route.method);
    }
  }
  return out;
}

}  // namespace offers::http
