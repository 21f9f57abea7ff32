// Sample data: inserted only where absent, so seeding twice (or restarting with --seed)
// never resets a counter or overwrites an edit.
#pragma once

#include <string_view>

#include "store/store.hpp"

namespace offers::service {

// seed/sample-data.json, compiled in.
std::string_view sampleData();

struct SeedReport {
  int created = 0;
  int existing = 0;
};

// `json` holds {"brands":[...], "offers":[...], "locations":[...]}; counters in it
// (locationsTotal, hasOffer) are ignored: links are the only thing that moves them.
// Throws Error(invalid_request) naming the bad entry.
SeedReport seed(store::Store& store, std::string_view json);

}  // namespace offers::service
