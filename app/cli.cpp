#include "cli.hpp"

#include <charconv>
#include <cstdlib>
#include <stdexcept>

namespace offers::app {
namespace {

[[noreturn]] void bad(const std::string& message) { throw std::invalid_argument(message); }

unsigned long parseNumber(const std::string& name, const std::string& text, unsigned long max) {
  unsigned long value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() || value > max) {
    bad(name + ": expected a whole number from 0 to " + std::to_string(max) + ", got '" + text +
        "'");
  }
  return value;
}

bool parseBool(const std::string& name, const std::string& text) {
  if (text == "1" || text == "true" || text == "yes" || text == "on") return true;
  if (text == "0" || text == "false" || text == "no" || text == "off" || text.empty()) return false;
  bad(name + ": expected true or false, got '" + text + "'");
}

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v) return std::nullopt;
  return std::string(v);
}

// One setting: its flag, its environment variable, and how to apply a value.
struct Setting {
  const char* flag;
  const char* envVar;
  bool takesValue;
  void (*apply)(Config&, const std::string& name, const std::string& value);
};

const Setting kSettings[] = {
    {"--host", "OFFERS_HOST", true,
     [](Config& c, const std::string&, const std::string& v) { c.server.host = v; }},
    {"--port", "OFFERS_PORT", true,
     [](Config& c, const std::string& n, const std::string& v) {
       c.server.port = static_cast<unsigned short>(parseNumber(n, v, 65535));
     }},
    {"--data-dir", "OFFERS_DATA_DIR", true,
     [](Config& c, const std::string& n, const std::string& v) {
       if (v.empty()) bad(n + ": must not be empty");
       c.dataDir = v;
     }},
    {"--threads", "OFFERS_THREADS", true,
     [](Config& c, const std::string& n, const std::string& v) {
       c.server.threads = static_cast<unsigned>(parseNumber(n, v, 256));
     }},
    {"--seed", "OFFERS_SEED", false,
     [](Config& c, const std::string& n, const std::string& v) { c.seed = parseBool(n, v); }},
    {"--sync-writes", "OFFERS_SYNC_WRITES", false,
     [](Config& c, const std::string& n, const std::string& v) {
       c.syncWrites = parseBool(n, v);
     }},
    {"--file", "OFFERS_SEED_FILE", true,
     [](Config& c, const std::string&, const std::string& v) { c.seedFile = v; }},
};

}  // namespace

std::string usage() {
  return R"(offers-api: card-linked offers service

Usage:
  offers-api serve [--host 127.0.0.1] [--port 8080] [--data-dir ./data] [--seed]
                   [--threads N] [--sync-writes]
  offers-api seed  [--data-dir ./data] [--file FILE]
  offers-api --help | --version

Options (each also read from the environment variable in brackets; a flag wins):
  --host ADDR      address to listen on [OFFERS_HOST] (default 127.0.0.1)
  --port N         port to listen on, 0 for any free one [OFFERS_PORT] (default 8080)
  --data-dir DIR   where the embedded store keeps its files [OFFERS_DATA_DIR] (default ./data)
  --seed           insert the sample data where absent, never overwriting [OFFERS_SEED]
  --threads N      HTTP worker threads, 0 for one per core [OFFERS_THREADS] (default 0)
  --sync-writes    fsync the write-ahead log on every write: survive power loss, not only
                   a killed process, at a cost in write latency [OFFERS_SYNC_WRITES]
  --file FILE      seed: a JSON file of brands, offers and locations instead of the
                   built-in sample data [OFFERS_SEED_FILE]
)";
}

Config parseCommandLine(const std::vector<std::string>& args) {
  Config config;
  if (args.empty()) bad("a command is required (serve, seed, --help, --version)");
  const std::string& command = args[0];
  if (command == "--help" || command == "-h" || command == "help") {
    config.command = Command::help;
    return config;
  }
  if (command == "--version" || command == "version") {
    config.command = Command::version;
    return config;
  }
  if (command == "serve") {
    config.command = Command::serve;
  } else if (command == "seed") {
    config.command = Command::seed;
  } else {
    bad("unknown command '" + command + "'");
  }
  for (const auto& s : kSettings) {
    if (auto v = env(s.envVar)) s.apply(config, s.envVar, *v);
  }
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> inlineValue;
    if (auto eq = flag.find('='); eq != std::string::npos && flag.starts_with("--")) {
      inlineValue = flag.substr(eq + 1);
      flag.resize(eq);
    }
    if (flag == "--help" || flag == "-h") {
      config.command = Command::help;
      return config;
    }
    const Setting* setting = nullptr;
    for (const auto& s : kSettings) {
      if (flag == s.flag) setting = &s;
    }
    const bool seedOnly = setting && std::string(setting->flag) == "--file";
    const bool serveOnly = setting && (std::string(setting->flag) != "--data-dir") && !seedOnly;
    if (!setting || (config.command == Command::seed && serveOnly) ||
        (config.command == Command::serve && seedOnly)) {
      bad("unknown option '" + flag + "' for '" + command + "'");
    }
    if (setting->takesValue) {
      if (!inlineValue) {
        if (i + 1 >= args.size()) bad(flag + ": needs a value");
        inlineValue = args[++i];
      }
      setting->apply(config, flag, *inlineValue);
    } else {
      setting->apply(config, flag, inlineValue.value_or("true"));
    }
  }
  return config;
}

}  // namespace offers::app
