#include "app/config.hpp"

namespace offers::app {

std::string_view engineName(Engine engine) {
  switch (engine) {
    case Engine::rocksdb:
      return "rocksdb";
    case Engine::dynamodb:
      return "dynamodb";
  }
  return "rocksdb";
}

std::optional<Engine> parseEngine(std::string_view name) {
  for (const Engine engine : {Engine::rocksdb, Engine::dynamodb}) {
    if (engineName(engine) == name) return engine;
  }
  return std::nullopt;
}

const Config& defaultConfig() {
  static const Config defaults;
  return defaults;
}

}  // namespace offers::app
