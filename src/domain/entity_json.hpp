// The canonical JSON form of each entity: what the API returns and what the embedded
// store keeps. Reading it back (`*FromJson`) trusts its input (it wrote it itself) and
// throws Error(internal) on anything unexpected; untrusted request bodies are decoded
// strictly by src/http/codec.hpp instead.
#pragma once

#include <boost/json/object.hpp>

#include "domain/entities.hpp"

namespace offers::domain {

boost::json::object toJson(const Brand& brand);
boost::json::object toJson(const Offer& offer);
boost::json::object toJson(const Location& location);

Brand brandFromJson(const boost::json::object& json);
Offer offerFromJson(const boost::json::object& json);
Location locationFromJson(const boost::json::object& json);

}  // namespace offers::domain
