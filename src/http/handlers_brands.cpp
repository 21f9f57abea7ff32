// Handlers of /v1/brands: parse, call the service, encode.
#include "http/api.hpp"
#include "http/codec.hpp"

namespace offers::http {

void addBrandRoutes(Router& router, service::Service& service) {
  router.add(Method::post, "/v1/brands", [&service](const Call& c) {
    auto brand = service.createBrand(decodeBrandCreate(c.request.body));
    return created(domain::toJson(brand), "/v1/brands/" + brand.id);
  });
  router.add(Method::get, "/v1/brands", [&service](const Call& c) {
    auto q = decodeListQuery(c.query, false);
    return Response::json(200, encodePage(service.listBrands(q.page)));
  });
  router.add(Method::get, "/v1/brands/{brandId}", [&service](const Call& c) {
    return Response::json(200, domain::toJson(service.getBrand(pathId(c, "brandId"))));
  });
  router.add(Method::patch, "/v1/brands/{brandId}", [&service](const Call& c) {
    auto id = pathId(c, "brandId");
    return Response::json(
        200, domain::toJson(service.updateBrand(id, decodeBrandPatch(c.request.body))));
  });
  router.add(Method::delete_, "/v1/brands/{brandId}", [&service](const Call& c) {
    service.deleteBrand(pathId(c, "brandId"));
    return Response::noContent();
  });
  router.add(Method::get, "/v1/brands/{brandId}/locations", [&service](const Call& c) {
    auto id = pathId(c, "brandId");
    auto q = decodeListQuery(c.query, false);
    return Response::json(200, encodePage(service.listBrandLocations(id, q.page)));
  });
}

}  // namespace offers::http
