// Assertions on the domain::Error a call throws: its code, and the start of its message,
// which by contract names the field at fault ("items[3].address: ..."). Used as
// EXPECT_TRUE(rejects([&] { decodeBrandCreate(body); }, "name: is required")).
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <string_view>
#include <utility>

#include "domain/error.hpp"

namespace offers::testing {

// Passes when `action` throws domain::Error with `code` and a message starting with
// `prefix`; otherwise says what happened instead.
template <class F>
::testing::AssertionResult throwsError(F&& action, domain::ErrorCode code,
                                       std::string_view prefix) {
  try {
    std::forward<F>(action)();
  } catch (const domain::Error& e) {
    if (e.code() != code) {
      return ::testing::AssertionFailure()
             << "threw " << domain::codeName(e.code()) << " instead of " << domain::codeName(code)
             << ": \"" << e.what() << "\"";
    }
    if (!std::string_view(e.what()).starts_with(prefix)) {
      return ::testing::AssertionFailure()
             << "message \"" << e.what() << "\" does not start with \"" << prefix << "\"";
    }
    return ::testing::AssertionSuccess();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw a non-domain exception: " << e.what();
  }
  return ::testing::AssertionFailure() << "did not throw (expected \"" << prefix << "...\")";
}

// throwsError for the common case: a 400 invalid_request naming a field.
template <class F>
::testing::AssertionResult rejects(F&& action, std::string_view prefix) {
  return throwsError(std::forward<F>(action), domain::ErrorCode::invalid_request, prefix);
}

}  // namespace offers::testing
