// The command line and the environment of the offers-api binary, read through the
// settings table (app/settings.hpp). A flag wins over its environment variable, which wins
// over the default.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/config.hpp"

namespace offers::app {

// The value of an environment variable, nullopt when it is not set.
using Environment = std::function<std::optional<std::string>(std::string_view name)>;

// The process's own environment (getenv).
std::optional<std::string> processEnvironment(std::string_view name);

// Throws std::invalid_argument with a message fit for the user on a bad flag or value.
Config parseCommandLine(const std::vector<std::string>& args,
                        const Environment& environment = processEnvironment);

}  // namespace offers::app
