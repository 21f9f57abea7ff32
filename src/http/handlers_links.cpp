// Handlers of the offer <-> location links.
#include "http/api.hpp"
#include "http/codec.hpp"

namespace offers::http {

void addLinkRoutes(Router& router, service::Service& service) {
  router.add(Method::post, "/v1/offers/{offerId}/locations/{locationId}",
             [&service](const Call& c) {
               auto r = service.link(pathId(c, "offerId"), pathId(c, "locationId"));
               return Response::json(r.created ? 201 : 200,
                                     boost::json::object{{"offer", domain::toJson(r.offer)},
                                                         {"location", domain::toJson(r.location)}});
             });
  router.add(Method::delete_, "/v1/offers/{offerId}/locations/{locationId}",
             [&service](const Call& c) {
               service.unlink(pathId(c, "offerId"), pathId(c, "locationId"));
               return Response::noContent();
             });
  router.add(Method::get, "/v1/offers/{offerId}/locations", [&service](const Call& c) {
    auto id = pathId(c, "offerId");
    auto q = decodeListQuery(c.query, false);
    return Response::json(200, encodePage(service.listLocationsOfOffer(id, q.page)));
  });
  router.add(Method::get, "/v1/locations/{locationId}/offers", [&service](const Call& c) {
    auto id = pathId(c, "locationId");
    auto q = decodeListQuery(c.query, false);
    return Response::json(200, encodePage(service.listOffersOfLocation(id, q.page)));
  });
}

}  // namespace offers::http
