// The settings table: one row per setting of the offers-api binary, the single list that
// the command-line parser (app/cli.cpp), the usage text (`offers-api --help`) and the
// table of docs/configuration.md (checked by test_settings.cpp) are made from.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "app/config.hpp"

namespace offers::app {

// The commands a setting belongs to, as bits.
enum CommandSet : unsigned { kServe = 1, kSeed = 2, kLinkBrand = 4, kLambda = 8 };

// The bit of `command`; 0 for help and version, which take no settings.
unsigned commandBit(Command command);
// "serve, seed": the commands of `commands`, in the order of CommandSet.
std::string commandNames(unsigned commands);

struct Setting {
  std::string_view flag;         // "--port"; empty: set by its environment variable only
  std::string_view envVar;       // "OFFERS_PORT"
  unsigned commands;             // CommandSet bits
  std::string_view placeholder;  // "N" of "--port N"; empty: a switch ("--seed" alone is on)
  std::string_view help;
  // The value in a Config as a user would write it ("8080", "off", "" for none). Of a
  // default-constructed Config, it is the default users are shown.
  std::function<std::string(const Config&)> show;
  // Sets the value from text. Throws std::invalid_argument naming `name` (the flag or the
  // variable it came from), never quoting a secret.
  std::function<void(Config&, const std::string& name, const std::string& value)> apply;

  // "--port" or, for a setting without a flag, its variable: how messages name it.
  std::string_view name() const { return flag.empty() ? envVar : flag; }
  std::string shownDefault() const;
};

// Every setting, in the order --help and docs/configuration.md list them.
std::span<const Setting> settings();

// The --help text: a hand-written synopsis of the commands, then the settings, grouped by
// the commands they belong to.
std::string usage();

}  // namespace offers::app
