// The canonical JSON form of each entity: what the API returns and what the embedded
// store keeps. Reading it back (`*FromJson`) trusts its input (it wrote it itself) and
// throws Error(internal) on anything unexpected; untrusted request bodies are decoded
// strictly by src/http/codec.hpp instead.
#pragma once

#include <boost/json/object.hpp>

#include "domain/entities.hpp"
#include "domain/event.hpp"
#include "domain/job.hpp"

namespace offers::domain {

boost::json::object toJson(const Brand& brand);
boost::json::object toJson(const Offer& offer);
boost::json::object toJson(const Location& location);

Brand brandFromJson(const boost::json::object& json);
Offer offerFromJson(const boost::json::object& json);
Location locationFromJson(const boost::json::object& json);

// A job as the API shows it; the stored form adds its checkpoint and cancel flag.
boost::json::object toJson(const Job& job);
boost::json::object toStoredJson(const Job& job);
Job jobFromJson(const boost::json::object& json);

// {"id","type","created","data"}: the feed item and the webhook delivery body.
boost::json::object toJson(const Event& event);
Event eventFromJson(std::uint64_t seq, const boost::json::object& json);

// Without the secret (shown once, at creation); the stored form keeps it.
boost::json::object toJson(const Webhook& webhook);
boost::json::object toStoredJson(const Webhook& webhook);
Webhook webhookFromJson(const boost::json::object& json);

boost::json::object toJson(const DeliveryAttempt& attempt);
DeliveryAttempt deliveryAttemptFromJson(const boost::json::object& json);

}  // namespace offers::domain
