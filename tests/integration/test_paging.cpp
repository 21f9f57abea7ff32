// Paging through every list: each item exactly once, in a stable order, full pages of
// `limit` items, and `last` only when more items follow.
#include <boost/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "support/server_process.hpp"

namespace offers::testing {
namespace {

namespace json = boost::json;

class PagingTest : public ServerTest {
 protected:
  static constexpr int kLocations = 250;

  void SetUp() override {
    ServerTest::SetUp();
    brandId_ = createBrand("Big brand");
    locations_ = createLocations(brandId_, kLocations);
    ASSERT_EQ(locations_.size(), static_cast<std::size_t>(kLocations));
    // Another brand's data, which the filtered lists must leave out.
    const std::string other = createBrand("Other brand");
    createLocations(other, 5, "Other ");
    createOffer(other, "Other offer");
  }

  // Pages through `path` with `limit` and checks the pages' sizes: `limit` on every page
  // but the last, which holds the rest, so that exactly ceil(n / limit) pages come back.
  std::vector<std::string> pageThrough(const std::string& path, int limit,
                                       std::size_t expectedItems) {
    int pages = 0;
    std::vector<std::string> ids;
    for (const auto& item : listAll(path, limit, &pages)) ids.push_back(str(item, "id"));
    const std::size_t pageSize = limit > 0 ? limit : 100;  // 100: the documented default
    const std::size_t expectedPages =
        expectedItems == 0 ? 1 : (expectedItems + pageSize - 1) / pageSize;
    EXPECT_EQ(static_cast<std::size_t>(pages), expectedPages) << path << " limit " << limit;
    EXPECT_EQ(ids.size(), expectedItems) << path << " limit " << limit;
    return ids;
  }

  std::set<std::string> expectedLocations() const { return {locations_.begin(), locations_.end()}; }

  std::string brandId_;
  std::vector<std::string> locations_;
};

TEST_F(PagingTest, BrandLocationsWithLimit7And1000AndTheDefault) {
  const std::string path = "/v1/brands/" + brandId_ + "/locations";
  const auto bySeven = pageThrough(path, 7, kLocations);
  EXPECT_EQ(std::set<std::string>(bySeven.begin(), bySeven.end()), expectedLocations());

  const auto byThousand = pageThrough(path, 1000, kLocations);
  EXPECT_EQ(byThousand, bySeven) << "the order changed between two pagings";

  // No limit: pages of the default 100.
  const auto byDefault = pageThrough(path, 0, kLocations);
  EXPECT_EQ(byDefault, bySeven);
  const auto first = fetch(path);
  EXPECT_EQ(first.at("items").as_array().size(), 100u);
  EXPECT_TRUE(first.contains("last"));
}

TEST_F(PagingTest, FilteredLocationsListWithLimit1) {
  const auto ids = pageThrough("/v1/locations?brandId=" + brandId_, 1, kLocations);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), expectedLocations());
  // The unfiltered list has the other brand's five too.
  EXPECT_EQ(pageThrough("/v1/locations", 13, kLocations + 5).size(), kLocations + 5u);
}

TEST_F(PagingTest, LocationsOfAnOffer) {
  const std::string offerId = str(createOffer(brandId_, "Everywhere"), "id");
  for (const auto& id : locations_) ASSERT_EQ(link(offerId, id).status, 201) << id;
  EXPECT_EQ(num(offer(offerId), "locationsTotal"), kLocations);

  const std::string path = "/v1/offers/" + offerId + "/locations";
  const auto bySeven = pageThrough(path, 7, kLocations);
  EXPECT_EQ(std::set<std::string>(bySeven.begin(), bySeven.end()), expectedLocations());
  EXPECT_EQ(pageThrough(path, 1000, kLocations), bySeven);
  // Items are full locations.
  for (const auto& item : listAll(path, 1000)) {
    EXPECT_EQ(str(item, "brandId"), brandId_);
    EXPECT_TRUE(flag(item, "hasOffer"));
    EXPECT_EQ(num(item, "offersTotal"), 1);
    EXPECT_TRUE(item.contains("address"));
  }
}

TEST_F(PagingTest, OffersOfALocationAndOfABrand) {
  std::set<std::string> offers;
  for (int i = 0; i < 12; ++i) {
    offers.insert(str(createOffer(brandId_, "Offer " + std::to_string(i)), "id"));
  }
  for (const auto& id : offers) ASSERT_EQ(link(id, locations_[17]).status, 201);

  const auto ofLocation = pageThrough("/v1/locations/" + locations_[17] + "/offers", 5, 12);
  EXPECT_EQ(std::set<std::string>(ofLocation.begin(), ofLocation.end()), offers);
  const auto ofBrand = pageThrough("/v1/offers?brandId=" + brandId_, 5, 12);
  EXPECT_EQ(std::set<std::string>(ofBrand.begin(), ofBrand.end()), offers);
  EXPECT_EQ(pageThrough("/v1/offers", 4, 13).size(), 13u);
  EXPECT_EQ(pageThrough("/v1/brands", 1, 2).size(), 2u);
}

TEST_F(PagingTest, ExactlyFullLastPageHasNoCursor) {
  const std::string brand = createBrand("Fourteen");
  createLocations(brand, 14);
  const std::string path = "/v1/brands/" + brand + "/locations";
  const auto first = fetch(path + "?limit=7");
  ASSERT_EQ(first.at("items").as_array().size(), 7u);
  ASSERT_TRUE(first.contains("last"));
  const auto second = fetch(path + "?limit=7&start=" + urlEncode(str(first, "last")));
  EXPECT_EQ(second.at("items").as_array().size(), 7u);
  EXPECT_EQ(num(second, "count"), 7);
  EXPECT_FALSE(second.contains("last")) << "no more items follow: " << json::serialize(second);

  // A list that fits its limit exactly, and an empty one.
  EXPECT_FALSE(fetch(path + "?limit=14").contains("last"));
  const std::string empty = createBrand("Empty");
  const auto none = fetch("/v1/brands/" + empty + "/locations");
  EXPECT_TRUE(none.at("items").as_array().empty());
  EXPECT_EQ(num(none, "count"), 0);
  EXPECT_FALSE(none.contains("last"));
}

TEST_F(PagingTest, CursorResumesAfterTheLastItemSeen) {
  const std::string path = "/v1/brands/" + brandId_ + "/locations";
  const auto all = pageThrough(path, 1000, kLocations);
  // Resuming from any page's cursor gives exactly the rest of the list.
  const auto firstPage = fetch(path + "?limit=100");
  const auto rest = listIds(path + "?start=" + urlEncode(str(firstPage, "last")), 1000);
  EXPECT_EQ(rest, std::vector<std::string>(all.begin() + 100, all.end()));
  // The same cursor works twice (it is a position, not a session).
  EXPECT_EQ(listIds(path + "?start=" + urlEncode(str(firstPage, "last")), 1000), rest);
}

}  // namespace
}  // namespace offers::testing
