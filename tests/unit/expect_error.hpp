// Assertions on the domain::Error a call throws: its code, and the start of its message,
// which by contract names the field at fault ("items[3].address: ..."). Used as
// EXPECT_TRUE(rejects([&] { decodeBrandCreate(body); }, "name: is required")), or for a
// table of bodies, expectRefusals(decodeBrandCreate, {{"{}", "name: is required"}, ...}).
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <initializer_list>
#include <string>
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

// A body and the start of the message its refusal must have.
struct Refusal {
  std::string body;
  std::string message;
};

// rejects() for each body given to `decode` (a decoder of a request body); a failure names
// the body.
template <class Decode>
void expectRefusals(Decode decode, std::initializer_list<Refusal> refusals) {
  for (const Refusal& refusal : refusals) {
    EXPECT_TRUE(rejects([&] { decode(refusal.body); }, refusal.message)) << refusal.body;
  }
}

}  // namespace offers::testing
