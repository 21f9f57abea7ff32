// Fuzzes the decoding of untrusted request input (src/http/codec.hpp). Each input goes to
// every JSON body decoder as a request body, and, as the query string of a request target
// split the way the server splits it (parseTarget), to decodeListQuery in each form the
// list endpoints use. A decoder may refuse an input only with Error(invalid_request).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "check.hpp"
#include "http/api.hpp"
#include "http/codec.hpp"

using namespace offers;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  using fuzz::expectOnlyInvalidRequest;

  expectOnlyInvalidRequest("decodeBrandCreate", [&] { (void)http::decodeBrandCreate(input); });
  expectOnlyInvalidRequest("decodeBrandPatch", [&] { (void)http::decodeBrandPatch(input); });
  expectOnlyInvalidRequest("decodeOfferCreate", [&] { (void)http::decodeOfferCreate(input); });
  expectOnlyInvalidRequest("decodeOfferPatch", [&] { (void)http::decodeOfferPatch(input); });
  expectOnlyInvalidRequest("decodeLocationCreate",
                           [&] { (void)http::decodeLocationCreate(input); });
  expectOnlyInvalidRequest("decodeLocationBatch", [&] { (void)http::decodeLocationBatch(input); });
  expectOnlyInvalidRequest("decodeLocationPatch", [&] { (void)http::decodeLocationPatch(input); });
  expectOnlyInvalidRequest("decodeJobCreate", [&] { (void)http::decodeJobCreate(input); });
  expectOnlyInvalidRequest("decodeWebhookCreate", [&] { (void)http::decodeWebhookCreate(input); });

  http::QueryParams query;
  try {
    query = http::parseTarget("/v1/x?" + std::string(input)).query;
  } catch (const domain::Error&) {
    return 0;  // not a query string the server would accept; the api target fuzzes that
  }
  expectOnlyInvalidRequest("decodeListQuery", [&] { (void)http::decodeListQuery(query, false); });
  expectOnlyInvalidRequest("decodeListQuery(brandId)",
                           [&] { (void)http::decodeListQuery(query, true); });
  expectOnlyInvalidRequest("decodeListQuery(offerId)", [&] {
    (void)http::decodeListQuery(query, http::ListOptions{.filter = "offerId"});
  });
  expectOnlyInvalidRequest("decodeListQuery(sequence)", [&] {
    (void)http::decodeListQuery(query, http::ListOptions{.sequenceCursor = true});
  });
  return 0;
}
