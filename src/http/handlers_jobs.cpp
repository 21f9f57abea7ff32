// Handlers of /v1/jobs: start, follow, list and cancel bulk jobs.
#include "http/api.hpp"
#include "http/codec.hpp"
#include "service/job_log.hpp"

namespace offers::http {

void addJobRoutes(Router& router, service::Service& service) {
  router.add(Method::post, "/v1/jobs", [&service](const Call& c) {
    const auto request = decodeJobCreate(c.request.body);
    auto job = service.createJob(request.type, request.offerId);  // logged as it is queued
    auto r = Response::json(202, domain::toJson(job));
    r.headers.emplace_back("Location", "/v1/jobs/" + job.id);
    return r;
  });
  router.add(Method::get, "/v1/jobs", [&service](const Call& c) {
    auto q = decodeListQuery(c.query, ListOptions{"offerId"});
    return Response::json(200, encodePage(service.listJobs(q.brandId, q.page)));
  });
  router.add(Method::get, "/v1/jobs/{jobId}", [&service](const Call& c) {
    return Response::json(200, domain::toJson(service.getJob(pathId(c, "jobId"))));
  });
  router.add(Method::post, "/v1/jobs/{jobId}/cancel", [&service](const Call& c) {
    const auto job = service.cancelJob(pathId(c, "jobId"));
    // Creation is logged as the job is queued (Service::createJob); the workers
    // log the rest.
    service::logJob(job, service::JobMoment::cancelRequested);
    return Response::json(200, domain::toJson(job));
  });
}

}  // namespace offers::http
