#include "domain/event.hpp"

#include <algorithm>

namespace offers::domain {

const std::vector<std::string>& eventTypes() {
  static const std::vector<std::string> types = {
      "brand.created", "brand.updated",    "brand.deleted",    "offer.created",    "offer.updated",
      "offer.deleted", "location.created", "location.updated", "location.deleted", "link.created",
      "link.deleted",  "job.succeeded",    "job.failed",       "job.cancelled",
  };
  return types;
}

bool isEventType(std::string_view type) {
  const auto& all = eventTypes();
  return std::find(all.begin(), all.end(), type) != all.end();
}

bool Webhook::wants(std::string_view type) const {
  return std::any_of(events.begin(), events.end(),
                     [&](const std::string& e) { return e == "*" || e == type; });
}

}  // namespace offers::domain
