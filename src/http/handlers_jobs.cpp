// Handlers of /v1/jobs: start, follow, list and cancel bulk jobs.
#include "http/api.hpp"
#include "http/codec.hpp"
#include "log/log.hpp"

namespace offers::http {
namespace {

// A cancel made by a request (creation is logged as the job is queued, main.cpp; the
// workers log the rest).
void logJob(const domain::Job& job) {
  log::info("job", {{"jobId", job.id},
                    {"status", domain::toString(job.status)},
                    {"type", domain::toString(job.type)},
                    {"offerId", job.offerId},
                    {"cancelRequested", job.cancelRequested}});
}

}  // namespace

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
    logJob(job);
    return Response::json(200, domain::toJson(job));
  });
}

}  // namespace offers::http
