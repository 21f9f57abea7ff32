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

bool isParam(const std::string& s) {
  return s.size() > 2 && s.front() == '{' && s.back() == '}';
}

}  // namespace

void Router::add(Method method, std::string pattern, Handler handler) {
  auto segments = split(pattern);
  routes_.push_back({method, std::move(pattern), std::move(segments), std::move(handler)});
}

Router::Match Router::match(Method method, const std::vector<std::string>& segments) const {
  // Among the templates that fit the path, only the most specific count (most literal
  // segments): "/v1/locations/batch" is never read as a location id, whatever the method.
  struct Fit {
    const Route* route;
    PathParams params;
    int literals;
  };
  std::vector<Fit> fits;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    Fit fit{&route, {}, 0};
    bool ok = true;
    for (std::size_t i = 0; i < segments.size() && ok; ++i) {
      if (isParam(route.segments[i])) {
        ok = !segments[i].empty();
        fit.params.add(route.segments[i].substr(1, route.segments[i].size() - 2), segments[i]);
      } else {
        ok = route.segments[i] == segments[i];
        ++fit.literals;
      }
    }
    if (ok) fits.push_back(std::move(fit));
  }
  int best = -1;
  for (const auto& f : fits) best = std::max(best, f.literals);
  Match out;
  for (auto& f : fits) {
    if (f.literals != best) continue;
    if (f.route->method == method) {
      out.handler = &f.route->handler;
      out.pattern = &f.route->pattern;
      out.params = std::move(f.params);
      out.allowed.clear();
      return out;
    }
    if (std::find(out.allowed.begin(), out.allowed.end(), f.route->method) == out.allowed.end()) {
      out.allowed.push_back(f.route->method);
    }
  }
  return out;
}

std::vector<std::pair<Method, std::string>> Router::routes() const {
  std::vector<std::pair<Method, std::string>> out;
  out.reserve(routes_.size());
  for (const auto& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

}  // namespace offers::http
