// What the fuzz targets count as a finding besides a crash or a sanitizer report: a broken
// property. It is printed and turned into an abort, so libFuzzer keeps the input that
// broke it (crash-<sha1> under the artifact prefix run.sh gives).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "domain/error.hpp"

namespace offers::fuzz {

[[noreturn]] inline void fail(std::string_view what) {
  std::fprintf(stderr, "fuzz property broken: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

// Runs `decode`, which may refuse its input only the way the API refuses bad input:
// Error(invalid_request). Any other error or exception is a finding.
template <class F>
void expectOnlyInvalidRequest(std::string_view name, F&& decode) {
  try {
    decode();
  } catch (const domain::Error& e) {
    if (e.code() != domain::ErrorCode::invalid_request) {
      fail(std::string(name) + " threw " + std::string(domain::codeName(e.code())) + ": " +
           e.what());
    }
  } catch (const std::exception& e) {
    fail(std::string(name) + " threw a non-API exception: " + e.what());
  }
}

}  // namespace offers::fuzz
