// Handlers of /v1/locations, the batch create included.
#include "http/api.hpp"
#include "http/codec.hpp"

namespace offers::http {

void addLocationRoutes(Router& router, service::Service& service) {
  router.add(Method::post, "/v1/locations", [&service](const Call& c) {
    auto location = service.createLocation(decodeLocationCreate(c.request.body));
    return created(domain::toJson(location), "/v1/locations/" + location.id);
  });
  router.add(Method::post, "/v1/locations/batch", [&service](const Call& c) {
    auto locations = service.createLocations(decodeLocationBatch(c.request.body));
    boost::json::array items;
    items.reserve(locations.size());
    for (const auto& l : locations) items.emplace_back(domain::toJson(l));
    return Response::json(201, boost::json::object{{"items", std::move(items)}});
  });
  router.add(Method::get, "/v1/locations", [&service](const Call& c) {
    auto q = decodeListQuery(c.query, true);
    return Response::json(200, encodePage(service.listLocations(q.brandId, q.page)));
  });
  router.add(Method::get, "/v1/locations/{locationId}", [&service](const Call& c) {
    return Response::json(200, domain::toJson(service.getLocation(pathId(c, "locationId"))));
  });
  router.add(Method::patch, "/v1/locations/{locationId}", [&service](const Call& c) {
    auto id = pathId(c, "locationId");
    return Response::json(
        200, domain::toJson(service.updateLocation(id, decodeLocationPatch(c.request.body))));
  });
  router.add(Method::delete_, "/v1/locations/{locationId}", [&service](const Call& c) {
    service.deleteLocation(pathId(c, "locationId"));
    return Response::noContent();
  });
}

}  // namespace offers::http
