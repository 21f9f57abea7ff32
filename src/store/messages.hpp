// The client-visible refusals that every engine gives in the same words, written once so
// that the engines cannot drift apart (the conformance suite holds them to it). Each
// returns the domain::Error to throw; domain::throwNotFound covers plain "not found".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/entities.hpp"
#include "domain/error.hpp"
#include "domain/job.hpp"

namespace offers::store {

// The field at fault in a create: "items[3].brandId" inside a batch of several,
// "brandId" alone.
inline std::string batchField(std::size_t index, std::size_t batchSize, std::string_view field) {
  if (batchSize == 1) return std::string(field);
  return "items[" + std::to_string(index) + "]." + std::string(field);
}

namespace detail {
inline std::string concat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) out += p;
  return out;
}
}  // namespace detail

// conflict: "offer <id> already exists", after "<field>: " when a field is named.
inline domain::Error alreadyExists(std::string_view kind, std::string_view id,
                                   std::string_view field = {}) {
  const auto message = detail::concat({kind, " ", id, " already exists"});
  return {domain::ErrorCode::conflict,
          field.empty() ? message : detail::concat({field, ": ", message})};
}

// invalid_request: a create names a brand that does not exist.
inline domain::Error brandMissing(std::string_view field, std::string_view brandId) {
  return {domain::ErrorCode::invalid_request,
          detail::concat({field, ": brand ", brandId, " does not exist"})};
}

// conflict: a brand is deleted while it still has `what` ("offers", "locations").
inline domain::Error brandNotEmpty(std::string_view brandId, std::string_view what) {
  return {domain::ErrorCode::conflict,
          detail::concat({"brand ", brandId, " still has ", what, "; delete them first"})};
}

// conflict: an offer is deleted while locations are linked to it.
inline domain::Error offerStillLinked(std::string_view offerId, std::int64_t locations) {
  return {domain::ErrorCode::conflict,
          detail::concat({"offer ", offerId, " still has ", std::to_string(locations),
                          " linked locations; unlink them first"})};
}

// conflict, with the job's id in the details: an offer is deleted while a job runs on it.
inline domain::Error offerHasJob(std::string_view offerId, std::string_view jobId) {
  return domain::Error(domain::ErrorCode::conflict,
                       detail::concat({"offer ", offerId, " has a job in progress: ", jobId}))
      .withDetails({{"jobId", jobId}});
}

// conflict, with the job's id in the details: a second job for an offer that has one.
inline domain::Error jobInProgress(std::string_view offerId, std::string_view jobId) {
  return domain::Error(
             domain::ErrorCode::conflict,
             detail::concat({"offer ", offerId, " already has a job in progress: ", jobId}))
      .withDetails({{"jobId", jobId}});
}

// conflict: cancelling a job that has succeeded or failed.
inline domain::Error jobAlreadyEnded(std::string_view jobId, domain::JobStatus status) {
  return {domain::ErrorCode::conflict,
          detail::concat({"job ", jobId, " has already ", domain::toString(status)})};
}

// brand_mismatch: linking an offer and a location of different brands.
inline domain::Error brandMismatch(const domain::Offer& offer, const domain::Location& location) {
  return {domain::ErrorCode::brand_mismatch,
          detail::concat({"location ", location.id, " belongs to brand ", location.brandId,
                          ", offer ", offer.id, " to brand ", offer.brandId})};
}

// not_found: unlinking a pair that is not linked.
inline domain::Error notLinked(std::string_view offerId, std::string_view locationId) {
  return {domain::ErrorCode::not_found,
          detail::concat({"location ", locationId, " is not linked to offer ", offerId})};
}

// not_found: the offer of a running job was deleted under it (the job fails with this).
inline domain::Error offerGone(std::string_view offerId) {
  return {domain::ErrorCode::not_found, detail::concat({"offer ", offerId, " no longer exists"})};
}

}  // namespace offers::store
