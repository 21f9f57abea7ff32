#include "http/api.hpp"

#include <boost/url/parse.hpp>

#include "domain/validation.hpp"
#include "http/error_mapping.hpp"
#include "log/log.hpp"
#include "metrics/metrics.hpp"

namespace offers::http {

std::string pathId(const Call& call, std::string_view name) {
  return domain::requireUuid(name, call.path.at(name));
}

Response created(const boost::json::object& entity, std::string location) {
  auto r = Response::json(201, entity);
  r.headers.emplace_back("Location", std::move(location));
  return r;
}

Target parseTarget(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) domain::throwInvalid("target: not a valid request path");
  Target out;
  out.path = std::string(url->path());
  for (auto s : url->segments()) out.segments.push_back(s);
  for (auto p : url->params()) out.query.emplace_back(p.key, p.value);
  return out;
}

namespace {

constexpr std::string_view kRealm = "Bearer realm=\"offers-api\"";

Response unauthorized(AuthResult::Status status) {
  metrics::registry().httpUnauthorized.with({}).add();
  if (status == AuthResult::Status::missing) {
    auto r = errorResponse(domain::ErrorCode::unauthorized,
                           "missing API key: send Authorization: Bearer <key>");
    r.headers.emplace_back("WWW-Authenticate", std::string(kRealm));
    return r;
  }
  auto r = errorResponse(domain::ErrorCode::unauthorized, "invalid API key");
  r.headers.emplace_back("WWW-Authenticate", std::string(kRealm) + ", error=\"invalid_token\"");
  return r;
}

std::string formatRate(double rate) {
  std::string s = std::to_string(rate);
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

Api::Api(service::Service& service, Access access) : access_(access) {
  router_.add(Method::get, "/healthz", [](const Call&) {
    return Response::json(200, {{"status", "ok"}});
  });
  router_.add(Method::get, "/readyz", [&service](const Call&) {
    service.checkReady();
    return Response::json(200, {{"status", "ready"}});
  });
  router_.add(Method::get, "/metrics", [](const Call&) {
    Response r;
    r.body = metrics::registry().render();
    r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    return r;
  });
  addBrandRoutes(router_, service);
  addOfferRoutes(router_, service);
  addLocationRoutes(router_, service);
  addLinkRoutes(router_, service);
  addJobRoutes(router_, service);
  addWebhookRoutes(router_, service);
}

std::optional<Response> Api::admit(const Request& request, const std::string* route,
                                   Outcome& out) const {
  // Decided on the matched route, not on the raw path: "/%6detrics" and "/./metrics"
  // route to /metrics too, and must meet the same check.
  const std::string_view path = route ? std::string_view(*route) : std::string_view();
  if (path == "/healthz" || path == "/readyz") return std::nullopt;
  if (path == "/metrics") {
    if (!access_.auth || !access_.auth->protectsMetrics()) return std::nullopt;
    const auto verdict = access_.auth->checkMetrics(request.authorization);
    if (verdict.status != AuthResult::Status::ok) return unauthorized(verdict.status);
    out.keyName = verdict.name;
    return std::nullopt;  // scrapes are not rate limited
  }
  if (access_.auth && access_.auth->enabled()) {
    const auto verdict = access_.auth->check(request.authorization);
    if (verdict.status != AuthResult::Status::ok) return unauthorized(verdict.status);
    out.keyName = verdict.name;
  }
  if (access_.limiter && access_.limiter->enabled()) {
    const std::string_view client = out.keyName.empty() ? request.remote : out.keyName;
    if (const auto wait = access_.limiter->acquire(client)) {
      metrics::registry().httpRateLimited.with({}).add();
      auto r =
          errorResponse(domain::ErrorCode::rate_limited,
                        "rate limit of " + formatRate(access_.limiter->options().rate) +
                            " requests/s exceeded; retry after " + std::to_string(wait) + " s");
      r.headers.emplace_back("Retry-After", std::to_string(wait));
      return r;
    }
  }
  return std::nullopt;
}

Api::Outcome Api::handle(const Request& request) const {
  Outcome out;
  try {
    // Route first (without answering yet), so that admission sees the route; a target
    // that does not parse is answered only once the caller is admitted.
    std::optional<Target> target;
    Router::Match match;
    try {
      target = parseTarget(request.target);
      match = router_.match(request.method, target->segments);
    } catch (const domain::Error&) {
    }
    out.route = match.pattern;
    if (auto refused = admit(request, match.pattern, out)) {
      out.response = std::move(*refused);
      return out;
    }
    if (!target) target = parseTarget(request.target);  // throws its 400
    if (!match.handler) {
      if (match.allowed.empty()) {
        out.response =
            errorResponse(domain::ErrorCode::not_found, "no such resource: " + target->path);
        return out;
      }
      std::string allow;
      for (auto m : match.allowed) {
        if (!allow.empty()) allow += ", ";
        allow += std::string(boost::beast::http::to_string(m));
      }
      out.response = errorResponse(domain::ErrorCode::method_not_allowed,
                                   std::string(boost::beast::http::to_string(request.method)) +
                                       " is not allowed here; allowed: " + allow);
      out.response.headers.emplace_back("Allow", allow);
      return out;
    }
    out.response = (*match.handler)(Call{request, match.params, target->query});
  } catch (const domain::Error& e) {
    if (!e.detail().empty()) {
      log::warn("request failed", {{"code", domain::codeName(e.code())},
                                   {"target", request.target},
                                   {"detail", e.detail()}});
    }
    out.response = errorResponse(e.code(), e.what(), e.details());
  } catch (const std::exception& e) {
    log::error("unexpected error", {{"target", request.target}, {"detail", e.what()}});
    out.response = errorResponse(domain::ErrorCode::internal, "internal error");
  }
  return out;
}

}  // namespace offers::http
