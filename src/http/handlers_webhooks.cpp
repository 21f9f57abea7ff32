// Handlers of /v1/webhooks (subscriptions and their delivery attempts) and of the event
// feed /v1/events.
#include "http/api.hpp"
#include "http/codec.hpp"

namespace offers::http {

void addWebhookRoutes(Router& router, service::Service& service) {
  router.add(Method::post, "/v1/webhooks", [&service](const Call& c) {
    auto request = decodeWebhookCreate(c.request.body);
    auto webhook = service.createWebhook(std::move(request.url), std::move(request.events),
                                         std::move(request.secret));
    auto body = domain::toJson(webhook);
    body.emplace("secret", webhook.secret);  // shown this once
    return created(body, "/v1/webhooks/" + webhook.id);
  });
  router.add(Method::get, "/v1/webhooks", [&service](const Call& c) {
    auto q = decodeListQuery(c.query, false);
    return Response::json(200, encodePage(service.listWebhooks(q.page)));
  });
  router.add(Method::get, "/v1/webhooks/{webhookId}", [&service](const Call& c) {
    return Response::json(200, domain::toJson(service.getWebhook(pathId(c, "webhookId"))));
  });
  router.add(Method::delete_, "/v1/webhooks/{webhookId}", [&service](const Call& c) {
    service.deleteWebhook(pathId(c, "webhookId"));
    return Response::noContent();
  });
  router.add(Method::get, "/v1/webhooks/{webhookId}/deliveries", [&service](const Call& c) {
    auto id = pathId(c, "webhookId");
    auto q = decodeListQuery(c.query, ListOptions{"", true});
    return Response::json(200, encodePage(service.listDeliveryAttempts(id, q.page)));
  });
  router.add(Method::get, "/v1/events", [&service](const Call& c) {
    auto q = decodeListQuery(c.query, ListOptions{"", true});
    return Response::json(200, encodePage(service.listEvents(q.page.after, q.page.limit)));
  });
}

}  // namespace offers::http
