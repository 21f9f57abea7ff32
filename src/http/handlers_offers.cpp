// Handlers of /v1/offers (the offer itself; its links are in handlers_links.cpp).
#include "http/api.hpp"
#include "http/codec.hpp"

namespace offers::http {

void addOfferRoutes(Router& router, service::Service& service) {
  router.add(Method::post, "/v1/offers", [&service](const Call& c) {
    auto offer = service.createOffer(decodeOfferCreate(c.request.body));
    return created(domain::toJson(offer), "/v1/offers/" + offer.id);
  });
  router.add(Method::get, "/v1/offers", [&service](const Call& c) {
    auto q = decodeListQuery(c.query, true);
    return Response::json(200, encodePage(service.listOffers(q.brandId, q.page)));
  });
  router.add(Method::get, "/v1/offers/{offerId}", [&service](const Call& c) {
    return Response::json(200, domain::toJson(service.getOffer(pathId(c, "offerId"))));
  });
  router.add(Method::patch, "/v1/offers/{offerId}", [&service](const Call& c) {
    auto id = pathId(c, "offerId");
    return Response::json(
        200, domain::toJson(service.updateOffer(id, decodeOfferPatch(c.request.body))));
  });
  router.add(Method::delete_, "/v1/offers/{offerId}", [&service](const Call& c) {
    service.deleteOffer(pathId(c, "offerId"));
    return Response::noContent();
  });
}

}  // namespace offers::http
