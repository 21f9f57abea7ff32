// Strict decoding of untrusted request bodies and query strings into domain inputs, and
// encoding of responses. Every failure is Error(invalid_request) whose message starts
// with the field at fault ("items[2].address: must be a string"). Unknown fields and
// read-only fields are refused: they are usually typos or misunderstandings.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>
#include <vector>

#include "domain/entities.hpp"
#include "domain/entity_json.hpp"
#include "domain/job.hpp"
#include "http/cursor.hpp"
#include "http/message.hpp"

namespace offers::http {

// The body as a JSON object (400 for malformed JSON, bad UTF-8 or a non-object).
boost::json::object parseBody(std::string_view body);

domain::Brand decodeBrandCreate(std::string_view body);
domain::BrandPatch decodeBrandPatch(std::string_view body);
domain::Offer decodeOfferCreate(std::string_view body);
domain::OfferPatch decodeOfferPatch(std::string_view body);
domain::Location decodeLocationCreate(std::string_view body);
std::vector<domain::Location> decodeLocationBatch(std::string_view body);
domain::LocationPatch decodeLocationPatch(std::string_view body);

// Query parameters of list endpoints: `limit` (1..1000, default 100), `start` (a cursor)
// and, where the endpoint has one, the `brandId` filter. Anything else is refused.
struct ListQuery {
  domain::PageRequest page;
  std::optional<std::string> brandId;
};
inline constexpr std::size_t kMaxLimit = 1000;
inline constexpr std::size_t kDefaultLimit = 100;
ListQuery decodeListQuery(const QueryParams& query, bool allowBrandFilter);

// The general form: `filter` names the one UUID filter the endpoint takes ("offerId"),
// empty for none (ListQuery::brandId then holds its value); `sequenceCursor` for lists
// ordered by position rather than id (events, delivery attempts).
struct ListOptions {
  std::string_view filter;
  bool sequenceCursor = false;
};
ListQuery decodeListQuery(const QueryParams& query, const ListOptions& options);

// POST /v1/jobs
struct JobRequest {
  domain::JobType type;
  std::string offerId;
};
JobRequest decodeJobCreate(std::string_view body);

// POST /v1/webhooks
struct WebhookRequest {
  std::string url;
  std::vector<std::string> events;
  std::optional<std::string> secret;
};
WebhookRequest decodeWebhookCreate(std::string_view body);

template <class T>
inline constexpr bool kSequenceOrdered = false;
template <>
inline constexpr bool kSequenceOrdered<domain::Event> = true;
template <>
inline constexpr bool kSequenceOrdered<domain::DeliveryAttempt> = true;

// {"items":[...], "count":n, "last"?: cursor}
template <class T>
boost::json::object encodePage(const domain::Page<T>& page) {
  boost::json::array items;
  items.reserve(page.items.size());
  for (const auto& item : page.items) items.emplace_back(domain::toJson(item));
  boost::json::object out;
  out.emplace("count", items.size());
  out.emplace("items", std::move(items));
  if (page.last) {
    out.emplace("last",
                kSequenceOrdered<T> ? encodeSequenceCursor(*page.last) : encodeCursor(*page.last));
  }
  return out;
}

}  // namespace offers::http
