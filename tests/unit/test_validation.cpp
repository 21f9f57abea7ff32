// Value rules of the domain (src/domain/validation.hpp) and patch semantics
// (applyPatch in src/domain/entities.hpp): what is accepted, what is refused, and that
// each refusal names the field a client must fix.
#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "domain/entities.hpp"
#include "domain/validation.hpp"
#include "expect_error.hpp"

namespace offers::testing {
namespace {

using domain::checkCountryCode;
using domain::checkDate;
using domain::checkMetadata;
using domain::checkText;
using domain::normalizeUuid;
using domain::requireUuid;
using domain::validate;

constexpr std::string_view kId = "692126c8-6e72-4ad7-8a73-25fc2f1f56e4";
constexpr std::string_view kBrandId = "d9b1d9ff-543e-47c7-895f-87f71dcad91b";

std::string repeat(std::string_view unit, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += unit;
  return out;
}

// A Nullable patch field set to null (clear) or to a value.
template <class T>
domain::Nullable<T> nullField() {
  domain::Nullable<T> n;
  n.emplace(std::nullopt);
  return n;
}
template <class T>
domain::Nullable<T> valueField(T value) {
  domain::Nullable<T> n;
  n.emplace(std::move(value));
  return n;
}

// ---- normalizeUuid / requireUuid ----

TEST(NormalizeUuid, AcceptsCanonicalLowerCase) {
  EXPECT_EQ(normalizeUuid(kId), std::string(kId));
  EXPECT_EQ(normalizeUuid("00000000-0000-0000-0000-000000000000"),
            "00000000-0000-0000-0000-000000000000");
}

TEST(NormalizeUuid, LowerCasesUpperCaseHex) {
  EXPECT_EQ(normalizeUuid("692126C8-6E72-4AD7-8A73-25FC2F1F56E4"), std::string(kId));
  EXPECT_EQ(normalizeUuid("692126c8-6E72-4ad7-8A73-25fc2F1F56e4"), std::string(kId));
}

TEST(NormalizeUuid, RejectsWrongLength) {
  EXPECT_EQ(normalizeUuid(""), std::nullopt);
  EXPECT_EQ(normalizeUuid(kId.substr(0, 35)), std::nullopt);
  EXPECT_EQ(normalizeUuid(std::string(kId) + "0"), std::nullopt);
  EXPECT_EQ(normalizeUuid("692126c86e724ad78a7325fc2f1f56e4"), std::nullopt);  // no dashes
  EXPECT_EQ(normalizeUuid("{" + std::string(kId) + "}"), std::nullopt);
  EXPECT_EQ(normalizeUuid(" " + std::string(kId)), std::nullopt);
}

TEST(NormalizeUuid, RejectsMisplacedDashes) {
  // Same length as a UUID, dashes moved by one position.
  EXPECT_EQ(normalizeUuid("692126c-86e72-4ad7-8a73-25fc2f1f56e4"), std::nullopt);
  // A dash replaced by a hex digit, and a hex digit replaced by a dash.
  EXPECT_EQ(normalizeUuid("692126c8a6e72-4ad7-8a73-25fc2f1f56e4"), std::nullopt);
  EXPECT_EQ(normalizeUuid("692126c8-6e72-4ad7-8a73-25fc2f1f5-e4"), std::nullopt);
  EXPECT_EQ(normalizeUuid(std::string(36, '-')), std::nullopt);
}

TEST(NormalizeUuid, RejectsNonHexCharacters) {
  EXPECT_EQ(normalizeUuid("g92126c8-6e72-4ad7-8a73-25fc2f1f56e4"), std::nullopt);
  EXPECT_EQ(normalizeUuid("692126c8-6e72-4ad7-8a73-25fc2f1f56eZ"), std::nullopt);
  EXPECT_EQ(normalizeUuid("692126c8-6e72-4ad7-8a73 25fc2f1f56e4"), std::nullopt);
  EXPECT_EQ(normalizeUuid("692126c8-6e72-4ad7-8a73-25fc2f1f5 e4"), std::nullopt);
  // "é" is two bytes: the string keeps the 36-byte length of a UUID.
  EXPECT_EQ(normalizeUuid("692126c8-6e72-4ad7-8a73-25fc2f1f56\xC3\xA9"), std::nullopt);
}

TEST(RequireUuid, ReturnsTheNormalisedId) {
  EXPECT_EQ(requireUuid("offerId", "692126C8-6E72-4AD7-8A73-25FC2F1F56E4"), std::string(kId));
}

TEST(RequireUuid, MessageStartsWithTheFieldName) {
  EXPECT_TRUE(rejects([] { requireUuid("offerId", "not-a-uuid"); }, "offerId: "));
  EXPECT_TRUE(rejects([] { requireUuid("items[2].brandId", ""); }, "items[2].brandId: "));
}

// ---- checkText ----

TEST(CheckText, AcceptsOrdinaryText) {
  EXPECT_NO_THROW(checkText("name", "Starbucks", 200));
  EXPECT_NO_THROW(checkText("name", "  Café Nero  ", 200));
  EXPECT_NO_THROW(checkText("name", "x", 1));
}

TEST(CheckText, RejectsEmpty) {
  EXPECT_TRUE(rejects([] { checkText("name", "", 200); }, "name: must not be empty"));
}

TEST(CheckText, RejectsOnlySpaces) {
  EXPECT_TRUE(rejects([] { checkText("name", " ", 200); }, "name: must not be empty"));
  EXPECT_TRUE(rejects([] { checkText("name", "     ", 200); }, "name: must not be empty"));
}

TEST(CheckText, RejectsAsciiControlCharacters) {
  const std::vector<std::string> values = {"a\tb", "line\nbreak", "a\rb",
                                           "\x01", "del\x7F",     std::string("ab\0c", 4)};
  for (const auto& value : values) {
    SCOPED_TRACE(::testing::PrintToString(value));
    EXPECT_TRUE(rejects([&] { checkText("address", value, 500); },
                        "address: must not contain control characters"));
  }
}

TEST(CheckText, LengthIsCountedInCodePointsNotBytes) {
  // Exactly at the limit, in 1-, 2-, 3- and 4-byte characters.
  EXPECT_NO_THROW(checkText("name", repeat("a", 200), 200));
  EXPECT_NO_THROW(checkText("name", repeat("\xC3\xA9", 200), 200));          // é
  EXPECT_NO_THROW(checkText("name", repeat("\xE2\x82\xAC", 200), 200));      // €
  EXPECT_NO_THROW(checkText("name", repeat("\xF0\x9F\x98\x80", 200), 200));  // 😀
  EXPECT_NO_THROW(checkText("name", "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 4));
}

TEST(CheckText, RejectsOneCodePointOverTheLimit) {
  EXPECT_TRUE(rejects([] { checkText("name", repeat("a", 201), 200); },
                      "name: must be at most 200 characters"));
  EXPECT_TRUE(rejects([] { checkText("name", repeat("\xC3\xA9", 201), 200); },
                      "name: must be at most 200 characters"));
  EXPECT_TRUE(rejects([] { checkText("name", repeat("\xF0\x9F\x98\x80", 201), 200); },
                      "name: must be at most 200 characters"));
  EXPECT_TRUE(rejects([] { checkText("postcode", "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80!", 4); },
                      "postcode: must be at most 4 characters"));
}

// The header promises "Unicode code points, not only white space, no control
// characters": white space and control characters outside ASCII count too.
TEST(CheckText, RejectsOnlyNonAsciiWhiteSpace) {
  for (const std::string value : {"\xC2\xA0",           // U+00A0 no-break space
                                  "\xE3\x80\x80",       // U+3000 ideographic space
                                  " \xE2\x80\x83 "}) {  // U+2003 em space between spaces
    SCOPED_TRACE(::testing::PrintToString(value));
    EXPECT_TRUE(rejects([&] { checkText("name", value, 200); }, "name: "));
  }
}

TEST(CheckText, RejectsC1ControlCharacters) {
  // U+0085 next line, U+009B control sequence introducer.
  for (const std::string value : {"a\u0085b", "a\u009Bb"}) {
    SCOPED_TRACE(::testing::PrintToString(value));
    EXPECT_TRUE(rejects([&] { checkText("name", value, 200); }, "name: "));
  }
}

// ---- checkCountryCode ----

TEST(CheckCountryCode, AcceptsTwoUpperCaseLetters) {
  EXPECT_NO_THROW(checkCountryCode("countryCode", "GB"));
  EXPECT_NO_THROW(checkCountryCode("countryCode", "US"));
}

TEST(CheckCountryCode, RejectsAnythingElse) {
  for (const std::string value : {"", "G", "gb", "Gb", "GBR", "G1", "12", "G ", "\xC3\x89G"}) {
    SCOPED_TRACE(::testing::PrintToString(value));
    EXPECT_TRUE(rejects([&] { checkCountryCode("countryCode", value); },
                        "countryCode: must be an ISO 3166-1 alpha-2 code"));
  }
}

// ---- checkDate ----

TEST(CheckDate, AcceptsCalendarDates) {
  for (const char* value : {"2024-02-29", "2000-02-29", "2023-12-31", "2023-01-01", "1999-04-30"}) {
    SCOPED_TRACE(value);
    EXPECT_NO_THROW(checkDate("startDate", value));
  }
}

TEST(CheckDate, RejectsDaysThatDoNotExist) {
  for (const char* value : {"2023-02-29", "1900-02-29", "2024-02-30", "2024-04-31", "2024-01-00",
                            "2024-01-32", "2024-13-01", "2024-00-10"}) {
    SCOPED_TRACE(value);
    EXPECT_TRUE(rejects([&] { checkDate("startDate", value); },
                        "startDate: must be a calendar date YYYY-MM-DD"));
  }
}

TEST(CheckDate, RejectsOtherShapes) {
  for (const char* value : {"", "2024-2-29", "2024-02-9", "24-02-29", "2024/02/29", "20240229",
                            "2024-02-29T00:00:00Z", "2024-02-29 ", " 2024-02-29", "2024-02-2x",
                            "+024-02-29", "2024-+2-29", "2024-0a-01", "29-02-2024", "2024_02_29"}) {
    SCOPED_TRACE(value);
    EXPECT_TRUE(rejects([&] { checkDate("endDate", value); },
                        "endDate: must be a calendar date YYYY-MM-DD"));
  }
}

// ---- checkMetadata ----

TEST(CheckMetadata, AcceptsUpTo16KiBAndRejectsMore) {
  // {"k":"<n x>"} serialises to n + 8 bytes.
  const boost::json::object fits{{"k", std::string(domain::kMaxMetadataBytes - 8, 'x')}};
  const boost::json::object tooBig{{"k", std::string(domain::kMaxMetadataBytes - 7, 'x')}};
  EXPECT_NO_THROW(checkMetadata("metadata", fits));
  EXPECT_TRUE(rejects([&] { checkMetadata("metadata", tooBig); },
                      "metadata: must serialize to at most 16384 bytes"));
}

// ---- validate ----

domain::Offer validOffer() {
  domain::Offer o;
  o.id = std::string(kId);
  o.name = "5% cashback";
  o.brandId = std::string(kBrandId);
  o.type = "cashback";
  o.countryCode = "GB";
  o.startDate = "2024-01-01";
  o.endDate = "2024-12-31";
  o.metadata = boost::json::object{{"campaign", "spring"}};
  return o;
}

domain::Location validLocation() {
  domain::Location l;
  l.id = std::string(kId);
  l.address = "1 High Street";
  l.brandId = std::string(kBrandId);
  l.city = "London";
  l.postcode = "N1 9GU";
  l.countryCode = "GB";
  return l;
}

TEST(ValidateOffer, AcceptsAValidOffer) {
  EXPECT_NO_THROW(validate(validOffer()));
  auto sameDay = validOffer();
  sameDay.endDate = sameDay.startDate;
  EXPECT_NO_THROW(validate(sameDay));
  domain::Offer minimal;
  minimal.name = "x";
  minimal.brandId = std::string(kBrandId);
  EXPECT_NO_THROW(validate(minimal));
}

TEST(ValidateOffer, RejectsEndDateBeforeStartDate) {
  auto o = validOffer();
  o.startDate = "2024-06-01";
  o.endDate = "2024-05-31";
  EXPECT_TRUE(rejects([&] { validate(o); }, "endDate: must not be before startDate"));
}

TEST(ValidateOffer, ChecksEachOptionalField) {
  auto badType = validOffer();
  badType.type = "";
  EXPECT_TRUE(rejects([&] { validate(badType); }, "type: must not be empty"));
  auto badCountry = validOffer();
  badCountry.countryCode = "gb";
  EXPECT_TRUE(rejects([&] { validate(badCountry); }, "countryCode: "));
  auto badStart = validOffer();
  badStart.startDate = "2023-02-29";
  EXPECT_TRUE(rejects([&] { validate(badStart); }, "startDate: "));
  auto badEnd = validOffer();
  badEnd.endDate = "tomorrow";
  EXPECT_TRUE(rejects([&] { validate(badEnd); }, "endDate: "));
  auto longName = validOffer();
  longName.name = repeat("n", domain::kMaxNameChars + 1);
  EXPECT_TRUE(rejects([&] { validate(longName); }, "name: must be at most 200 characters"));
}

TEST(ValidateOffer, PrefixIsPrependedToFieldNames) {
  auto o = validOffer();
  o.name = std::string(2, ' ');  // only spaces
  EXPECT_TRUE(rejects([&] { validate(o, "items[3]."); }, "items[3].name: must not be empty"));
  o = validOffer();
  o.endDate = "2023-12-31";
  EXPECT_TRUE(
      rejects([&] { validate(o, "items[3]."); }, "items[3].endDate: must not be before startDate"));
}

TEST(ValidateLocation, AcceptsAValidLocation) {
  EXPECT_NO_THROW(validate(validLocation()));
}

TEST(ValidateLocation, PrefixIsPrependedToFieldNames) {
  auto l = validLocation();
  l.address = "";
  EXPECT_TRUE(rejects([&] { validate(l, "items[3]."); }, "items[3].address: must not be empty"));
  l = validLocation();
  l.countryCode = "GBR";
  EXPECT_TRUE(rejects([&] { validate(l, "items[0]."); }, "items[0].countryCode: "));
  l = validLocation();
  l.postcode = repeat("9", domain::kMaxPostcodeChars + 1);
  EXPECT_TRUE(rejects([&] { validate(l, "items[7]."); },
                      "items[7].postcode: must be at most 32 characters"));
  l = validLocation();
  l.city = "\t";
  EXPECT_TRUE(rejects([&] { validate(l); }, "city: must not contain control characters"));
}

TEST(ValidateBrand, RequiresAName) {
  domain::Brand b{std::string(kId), "Starbucks"};
  EXPECT_NO_THROW(validate(b));
  b.name = "";
  EXPECT_TRUE(rejects([&] { validate(b); }, "name: must not be empty"));
}

// ---- applyPatch ----

constexpr domain::Millis kCreated = 1'700'000'000'000;
constexpr domain::Millis kNow = 1'700'000'500'000;

domain::Offer storedOffer() {
  auto o = validOffer();
  o.locationsTotal = 7;
  o.created = o.updated = kCreated;
  return o;
}

TEST(ApplyPatchOffer, AbsentFieldsAreKept) {
  auto o = storedOffer();
  domain::applyPatch(o, domain::OfferPatch{}, kNow);
  const auto before = storedOffer();
  EXPECT_EQ(o.name, before.name);
  EXPECT_EQ(o.brandId, before.brandId);
  EXPECT_EQ(o.type, before.type);
  EXPECT_EQ(o.countryCode, before.countryCode);
  EXPECT_EQ(o.startDate, before.startDate);
  EXPECT_EQ(o.endDate, before.endDate);
  EXPECT_EQ(o.metadata, before.metadata);
  EXPECT_EQ(o.locationsTotal, 7);
}

TEST(ApplyPatchOffer, NullClearsAField) {
  auto o = storedOffer();
  domain::OfferPatch p;
  p.type = nullField<std::string>();
  p.startDate = nullField<std::string>();
  p.metadata = nullField<boost::json::object>();
  domain::applyPatch(o, p, kNow);
  EXPECT_EQ(o.type, std::nullopt);
  EXPECT_EQ(o.startDate, std::nullopt);
  EXPECT_EQ(o.metadata, std::nullopt);
  EXPECT_EQ(o.endDate, "2024-12-31");  // untouched
  EXPECT_EQ(o.countryCode, "GB");
}

TEST(ApplyPatchOffer, ValueSetsAField) {
  auto o = storedOffer();
  domain::OfferPatch p;
  p.name = "10% off";
  p.countryCode = valueField<std::string>("US");
  p.endDate = valueField<std::string>("2025-01-31");
  p.metadata = valueField(boost::json::object{{"tier", 2}});
  domain::applyPatch(o, p, kNow);
  EXPECT_EQ(o.name, "10% off");
  EXPECT_EQ(o.countryCode, "US");
  EXPECT_EQ(o.endDate, "2025-01-31");
  EXPECT_EQ(o.metadata, (boost::json::object{{"tier", 2}}));
  EXPECT_EQ(o.type, "cashback");
}

TEST(ApplyPatchOffer, MovesUpdatedButNotCreatedOrCounters) {
  auto o = storedOffer();
  domain::OfferPatch p;
  p.name = "renamed";
  domain::applyPatch(o, p, kNow);
  EXPECT_EQ(o.updated, kNow);
  EXPECT_EQ(o.created, kCreated);
  EXPECT_EQ(o.locationsTotal, 7);
  EXPECT_EQ(o.id, kId);
}

TEST(ApplyPatchOffer, InvalidPatchThrows) {
  {
    auto o = storedOffer();
    domain::OfferPatch p;
    p.name = "";
    EXPECT_TRUE(rejects([&] { domain::applyPatch(o, p, kNow); }, "name: must not be empty"));
  }
  {
    // Only one side of the range changes: the rule spanning both fields still holds.
    auto o = storedOffer();
    domain::OfferPatch p;
    p.endDate = valueField<std::string>("2023-12-31");
    EXPECT_TRUE(
        rejects([&] { domain::applyPatch(o, p, kNow); }, "endDate: must not be before startDate"));
  }
  {
    auto o = storedOffer();
    domain::OfferPatch p;
    p.countryCode = valueField<std::string>("uk");
    EXPECT_TRUE(rejects([&] { domain::applyPatch(o, p, kNow); }, "countryCode: "));
  }
}

TEST(ApplyPatchOffer, ClearingStartDateLiftsTheRangeRule) {
  auto o = storedOffer();
  domain::OfferPatch p;
  p.startDate = nullField<std::string>();
  p.endDate = valueField<std::string>("2000-01-01");
  EXPECT_NO_THROW(domain::applyPatch(o, p, kNow));
  EXPECT_EQ(o.endDate, "2000-01-01");
}

TEST(ApplyPatchLocation, AbsentKeepsNullClearsValueSets) {
  auto l = validLocation();
  l.offersTotal = 3;
  l.created = l.updated = kCreated;
  domain::LocationPatch p;
  p.address = "2 Low Road";
  p.city = nullField<std::string>();
  p.postcode = valueField<std::string>("E1 6AN");
  domain::applyPatch(l, p, kNow);
  EXPECT_EQ(l.address, "2 Low Road");
  EXPECT_EQ(l.city, std::nullopt);
  EXPECT_EQ(l.postcode, "E1 6AN");
  EXPECT_EQ(l.countryCode, "GB");  // absent: kept
  EXPECT_EQ(l.offersTotal, 3);
  EXPECT_TRUE(l.hasOffer());
  EXPECT_EQ(l.created, kCreated);
  EXPECT_EQ(l.updated, kNow);
}

TEST(ApplyPatchLocation, InvalidPatchThrows) {
  auto l = validLocation();
  domain::LocationPatch p;
  p.postcode = valueField(repeat("9", domain::kMaxPostcodeChars + 1));
  EXPECT_TRUE(rejects([&] { domain::applyPatch(l, p, kNow); }, "postcode: "));
  l = validLocation();
  p = {};
  p.address = "   ";
  EXPECT_TRUE(rejects([&] { domain::applyPatch(l, p, kNow); }, "address: must not be empty"));
}

TEST(ApplyPatchBrand, RenamesAndMovesUpdated) {
  domain::Brand b{std::string(kId), "Starbucks", kCreated, kCreated};
  domain::applyPatch(b, domain::BrandPatch{}, kNow);
  EXPECT_EQ(b.name, "Starbucks");
  EXPECT_EQ(b.updated, kNow);
  domain::applyPatch(b, domain::BrandPatch{"Costa"}, kNow + 1);
  EXPECT_EQ(b.name, "Costa");
  EXPECT_EQ(b.created, kCreated);
  EXPECT_EQ(b.updated, kNow + 1);
  EXPECT_TRUE(rejects([&] { domain::applyPatch(b, domain::BrandPatch{""}, kNow); }, "name: "));
}

}  // namespace
}  // namespace offers::testing
