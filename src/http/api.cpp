#include "http/api.hpp"

#include <boost/url/parse.hpp>

#include "domain/validation.hpp"
#include "http/error_mapping.hpp"
#include "http/log.hpp"

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

Api::Api(domain::Service& service) {
  router_.add(Method::get, "/healthz", [](const Call&) {
    return Response::json(200, {{"status", "ok"}});
  });
  addBrandRoutes(router_, service);
  addOfferRoutes(router_, service);
  addLocationRoutes(router_, service);
  addLinkRoutes(router_, service);
  addJobRoutes(router_, service);
  addWebhookRoutes(router_, service);
}

Api::Outcome Api::handle(const Request& request) const {
  Outcome out;
  try {
    const Target target = parseTarget(request.target);
    auto match = router_.match(request.method, target.segments);
    if (!match.handler) {
      if (match.allowed.empty()) {
        out.response = errorResponse(domain::ErrorCode::not_found,
                                     "no such resource: " + target.path);
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
    out.route = match.pattern;
    out.response = (*match.handler)(Call{request, match.params, target.query});
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
