// The whole HTTP API as one pure function: Request in, Response out. It parses the
// target, routes, runs the handler, and turns every error into its JSON error response
// (error_mapping.hpp). Never throws.
#pragma once

#include <string>

#include "http/auth.hpp"
#include "http/message.hpp"
#include "http/rate_limit.hpp"
#include "http/router.hpp"
#include "service/service.hpp"

namespace offers::http {

// Who may call, and how often. Both optional: without an authenticator (or with one that
// has no keys) every request passes; without a limiter none is throttled. /healthz and
// /readyz are always open and never throttled; /metrics needs the metrics key (or, when
// there is none, any API key) and is not throttled either.
struct Access {
  const Authenticator* auth = nullptr;
  RateLimiter* limiter = nullptr;
};

class Api {
 public:
  explicit Api(service::Service& service, Access access = {});

  struct Outcome {
    Response response;
    const std::string* route = nullptr;  // the matched template, or null
    std::string keyName;                 // the caller's API key name, when one was checked
  };
  Outcome handle(const Request& request) const;

  // The routes handle() serves, as Router::routes() lists them.
  const Router& router() const { return router_; }

 private:
  // A 401 or 429 response when the request may not go ahead; sets out.keyName.
  std::optional<Response> admit(const Request& request, const std::string* route,
                                Outcome& out) const;

  Router router_;
  Access access_;
};

// The request target (origin form) split for routing: decoded path segments and decoded
// query parameters in order. Throws Error(invalid_request) for a target that is not a
// valid origin-form path.
struct Target {
  std::string path;
  std::vector<std::string> segments;
  QueryParams query;
};
Target parseTarget(std::string_view target);

// Route registration, one function per resource (handlers_*.cpp).
void addBrandRoutes(Router& router, service::Service& service);
void addOfferRoutes(Router& router, service::Service& service);
void addLocationRoutes(Router& router, service::Service& service);
void addLinkRoutes(Router& router, service::Service& service);
void addJobRoutes(Router& router, service::Service& service);
void addWebhookRoutes(Router& router, service::Service& service);

// Helpers shared by the handlers.
// A path parameter that must be a UUID, normalised; 400 naming it otherwise.
std::string pathId(const Call& call, std::string_view name);
// 201 with the entity and a Location header.
Response created(const boost::json::object& entity, std::string location);

}  // namespace offers::http
