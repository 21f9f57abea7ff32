// Entity ids: random (version 4) UUIDs, the form every id of the API takes.
#pragma once

#include <string>

namespace offers::domain {

// A fresh random (version 4) UUID in canonical lower-case form.
std::string newId();

}  // namespace offers::domain
