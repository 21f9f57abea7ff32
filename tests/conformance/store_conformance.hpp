// The Store contract, written once. Each engine instantiates it with an Engine type
// that has `std::unique_ptr<store::Store> open()`; open() may be called again after
// the previous store is destroyed and must see the same data (reopen after a restart).
// See test_rocksdb_conformance.cpp for an instantiation.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <random>
#include <set>
#include <thread>

#include "domain/error.hpp"
#include "domain/id.hpp"
#include "store/store.hpp"

namespace offers::testing {

using domain::Brand;
using domain::Error;
using domain::ErrorCode;
using domain::Location;
using domain::Offer;
using domain::PageRequest;

// Runs `f` and returns the code of the domain::Error it throws (nullopt if none).
template <class F>
std::optional<ErrorCode> errorOf(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return std::nullopt;
}

template <class Engine>
class StoreConformance : public ::testing::Test {
 protected:
  Engine engine_;
  std::unique_ptr<store::Store> store_ = engine_.open();

  store::Store& store() { return *store_; }

  // A count scaled for the engine: on an emulator much slower per request (moto, whose
  // engine sets kShrink) the same test runs on a fraction of the data.
  static std::size_t sized(std::size_t n) {
    if constexpr (requires { Engine::kShrink; }) {
      return std::max<std::size_t>(1, n / Engine::kShrink);
    } else {
      return n;
    }
  }

  void reopen() {
    store_.reset();
    store_ = engine_.open();
  }

  Brand brand(std::string name = "Brand") {
    Brand b{domain::newId(), std::move(name), domain::nowMillis(), domain::nowMillis()};
    store().createBrand(b);
    return b;
  }
  Offer offer(const std::string& brandId, std::string name = "Offer") {
    Offer o;
    o.id = domain::newId();
    o.name = std::move(name);
    o.brandId = brandId;
    o.created = o.updated = domain::nowMillis();
    store().createOffer(o);
    return o;
  }
  Location makeLocation(const std::string& brandId, std::string address = "1 High Street") {
    Location l;
    l.id = domain::newId();
    l.address = std::move(address);
    l.brandId = brandId;
    l.created = l.updated = domain::nowMillis();
    return l;
  }
  Location location(const std::string& brandId) {
    auto l = makeLocation(brandId);
    store().createLocations({l});
    return l;
  }
  std::vector<Location> locations(const std::string& brandId, std::size_t n) {
    std::vector<Location> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(makeLocation(brandId));
    store().createLocations(out);
    return out;
  }

  // Every item of a paged listing, following `last` with the given page size.
  template <class List>
  auto drain(List list, std::size_t limit) {
    PageRequest req{limit, std::nullopt};
    decltype(list(req).items) all;
    for (int guard = 0; guard < 100000; ++guard) {
      auto page = list(req);
      EXPECT_LE(page.items.size(), limit);
      all.insert(all.end(), page.items.begin(), page.items.end());
      if (!page.last) break;
      EXPECT_EQ(page.items.size(), limit) << "a page short of the limit must be the last";
      req.after = page.last;
    }
    return all;
  }

  std::int64_t linkCountOfOffer(const std::string& offerId) {
    return std::int64_t(
        drain([&](auto r) { return store().listLocationsOfOffer(offerId, r); }, 1000).size());
  }
  std::int64_t linkCountOfLocation(const std::string& locationId) {
    return std::int64_t(
        drain([&](auto r) { return store().listOffersOfLocation(locationId, r); }, 1000).size());
  }

  // Invariants 1 and 2 of the design for one offer and its brand's locations.
  void expectExact(const std::string& offerId, const std::vector<Location>& locs) {
    auto o = store().getOffer(offerId);
    ASSERT_TRUE(o);
    EXPECT_EQ(o->locationsTotal, linkCountOfOffer(offerId));
    for (const auto& l : locs) {
      auto got = store().getLocation(l.id);
      ASSERT_TRUE(got);
      EXPECT_EQ(got->offersTotal, linkCountOfLocation(l.id)) << l.id;
      EXPECT_EQ(got->hasOffer(), got->offersTotal > 0);
    }
  }
};

TYPED_TEST_SUITE_P(StoreConformance);

TYPED_TEST_P(StoreConformance, BrandLifecycle) {
  auto b = this->brand("Starbucks");
  auto got = this->store().getBrand(b.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->name, "Starbucks");
  EXPECT_EQ(got->created, b.created);
  EXPECT_EQ(errorOf([&] { this->store().createBrand(b); }), ErrorCode::conflict);

  auto updated = this->store().updateBrand(b.id, {std::string("Starbucks UK")}, b.created + 5);
  EXPECT_EQ(updated.name, "Starbucks UK");
  EXPECT_EQ(updated.updated, b.created + 5);
  EXPECT_EQ(this->store().getBrand(b.id)->name, "Starbucks UK");

  this->store().deleteBrand(b.id);
  EXPECT_FALSE(this->store().getBrand(b.id));
  EXPECT_EQ(errorOf([&] { this->store().deleteBrand(b.id); }), ErrorCode::not_found);
  EXPECT_EQ(errorOf([&] { this->store().updateBrand(b.id, {std::string("x")}, 1); }),
            ErrorCode::not_found);
}

TYPED_TEST_P(StoreConformance, InvalidPatchLeavesEntityUnchanged) {
  auto b = this->brand();
  auto o = this->offer(b.id, "Original");
  domain::OfferPatch bad;
  bad.name = std::string("Renamed");
  bad.startDate = std::optional<std::string>("2026-05-01");
  bad.endDate = std::optional<std::string>("2026-04-01");  // before startDate
  EXPECT_EQ(errorOf([&] { this->store().updateOffer(o.id, bad, 1); }), ErrorCode::invalid_request);
  EXPECT_EQ(this->store().getOffer(o.id)->name, "Original");
  EXPECT_FALSE(this->store().getOffer(o.id)->startDate);

  domain::OfferPatch clear;
  clear.type = std::optional<std::string>("cashback");
  this->store().updateOffer(o.id, clear, 2);
  EXPECT_EQ(this->store().getOffer(o.id)->type, "cashback");
  clear.type = std::optional<std::string>();  // null clears
  this->store().updateOffer(o.id, clear, 3);
  EXPECT_FALSE(this->store().getOffer(o.id)->type);
}

TYPED_TEST_P(StoreConformance, BrandWithOffersOrLocationsCannotBeDeleted) {
  auto b = this->brand();
  auto o = this->offer(b.id);
  EXPECT_EQ(errorOf([&] { this->store().deleteBrand(b.id); }), ErrorCode::conflict);
  this->store().deleteOffer(o.id);
  auto l = this->location(b.id);
  EXPECT_EQ(errorOf([&] { this->store().deleteBrand(b.id); }), ErrorCode::conflict);
  this->store().deleteLocation(l.id);
  this->store().deleteBrand(b.id);
  EXPECT_FALSE(this->store().getBrand(b.id));
}

// A brand's delete races the creation of its first offer and its first location: either
// the delete is refused and both creates stand, or the brand goes and so do the creates
// (refused, invalid_request); never an offer or a location left without its brand.
TYPED_TEST_P(StoreConformance, BrandDeleteRacingItsFirstChildrenLeavesNoOrphan) {
  for (int round = 0; round < 12; ++round) {
    auto b = this->brand();
    Offer o;
    o.id = domain::newId();
    o.name = "First";
    o.brandId = b.id;
    o.created = o.updated = domain::nowMillis();
    auto l = this->makeLocation(b.id);
    std::atomic<int> ready{0};
    auto startTogether = [&] {
      ++ready;
      while (ready < 3) std::this_thread::yield();
    };
    std::optional<ErrorCode> deleteError, offerError, locationError;
    std::thread deleter([&] {
      startTogether();
      deleteError = errorOf([&] { this->store().deleteBrand(b.id); });
    });
    std::thread offerMaker([&] {
      startTogether();
      offerError = errorOf([&] { this->store().createOffer(o); });
    });
    std::thread locationMaker([&] {
      startTogether();
      locationError = errorOf([&] { this->store().createLocations({l}); });
    });
    deleter.join();
    offerMaker.join();
    locationMaker.join();
    const std::string where = "round " + std::to_string(round);
    const bool brandGone = !this->store().getBrand(b.id);
    EXPECT_EQ(brandGone, !deleteError) << where;
    EXPECT_EQ(deleteError.value_or(ErrorCode::conflict), ErrorCode::conflict) << where;
    EXPECT_EQ(this->store().getOffer(o.id).has_value(), !offerError) << where;
    EXPECT_EQ(this->store().getLocation(l.id).has_value(), !locationError) << where;
    if (brandGone) {
      EXPECT_EQ(offerError, ErrorCode::invalid_request) << where << ": an orphaned offer";
      EXPECT_EQ(locationError, ErrorCode::invalid_request) << where << ": an orphaned location";
    } else {
      EXPECT_FALSE(offerError) << where;
      EXPECT_FALSE(locationError) << where;
    }
  }
}

TYPED_TEST_P(StoreConformance, OfferNeedsItsBrandAndAFreshId) {
  Offer orphan;
  orphan.id = domain::newId();
  orphan.name = "Orphan";
  orphan.brandId = domain::newId();
  EXPECT_EQ(errorOf([&] { this->store().createOffer(orphan); }), ErrorCode::invalid_request);
  EXPECT_FALSE(this->store().getOffer(orphan.id));

  auto b = this->brand();
  orphan.brandId = b.id;
  orphan.locationsTotal = 42;  // a client cannot set the counter
  this->store().createOffer(orphan);
  EXPECT_EQ(this->store().getOffer(orphan.id)->locationsTotal, 0);
  EXPECT_EQ(errorOf([&] { this->store().createOffer(orphan); }), ErrorCode::conflict);
}

TYPED_TEST_P(StoreConformance, LocationBatchIsAllOrNothing) {
  auto b = this->brand();
  auto existing = this->location(b.id);
  std::vector<Location> batch{this->makeLocation(b.id), this->makeLocation(b.id), existing,
                              this->makeLocation(b.id)};
  EXPECT_EQ(errorOf([&] { this->store().createLocations(batch); }), ErrorCode::conflict);
  for (std::size_t i : {0u, 1u, 3u}) EXPECT_FALSE(this->store().getLocation(batch[i].id));

  batch[2] = this->makeLocation(domain::newId());  // unknown brand
  EXPECT_EQ(errorOf([&] { this->store().createLocations(batch); }), ErrorCode::invalid_request);
  for (const auto& l : batch) EXPECT_FALSE(this->store().getLocation(l.id));

  batch[2] = this->makeLocation(b.id);
  batch[2].offersTotal = 7;  // ignored
  this->store().createLocations(batch);
  for (const auto& l : batch) {
    auto got = this->store().getLocation(l.id);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->offersTotal, 0);
    EXPECT_FALSE(got->hasOffer());
  }
}

// Two creates of one id race (a client retrying after a timeout, or two clients): one is
// acknowledged, the other refused, and the winner's data stays whole, even while a link
// to that id races both. The loser here is sometimes a batch: it leaves nothing behind.
TYPED_TEST_P(StoreConformance, RacingCreatesOfOneIdAcknowledgeExactlyOne) {
  auto b = this->brand();
  auto o = this->offer(b.id);
  for (int round = 0; round < 12; ++round) {
    auto single = this->makeLocation(b.id, "single " + std::to_string(round));
    auto inBatch = single;
    inBatch.address = "batch " + std::to_string(round);
    std::vector<Location> batch{this->makeLocation(b.id), inBatch, this->makeLocation(b.id)};
    std::atomic<int> ready{0};
    auto startTogether = [&] {
      ++ready;
      while (ready < 3) std::this_thread::yield();
    };
    std::optional<ErrorCode> singleError;
    std::optional<ErrorCode> batchError;
    std::atomic<bool> linked{false};
    std::thread a([&] {
      startTogether();
      singleError = errorOf([&] { this->store().createLocations({single}); });
    });
    std::thread c([&] {
      startTogether();
      batchError = errorOf([&] { this->store().createLocations(batch); });
    });
    std::thread linker([&] {
      startTogether();
      for (int i = 0; i < 2000 && !linked; ++i) {
        try {
          linked = this->store().link(o.id, single.id).created;
        } catch (const Error& e) {
          if (e.code() != ErrorCode::not_found) throw;
        }
      }
    });
    a.join();
    c.join();
    linker.join();
    const std::string where = "round " + std::to_string(round);
    ASSERT_NE(singleError.has_value(), batchError.has_value()) << where;
    EXPECT_EQ(singleError.value_or(ErrorCode::conflict), ErrorCode::conflict) << where;
    EXPECT_EQ(batchError.value_or(ErrorCode::conflict), ErrorCode::conflict) << where;
    auto got = this->store().getLocation(single.id);
    ASSERT_TRUE(got) << where;
    EXPECT_EQ(got->address, singleError ? inBatch.address : single.address) << where;
    EXPECT_EQ(got->offersTotal, linked ? 1 : 0) << where;
    EXPECT_EQ(this->store().listOffersOfLocation(single.id, {10, {}}).items.size(),
              linked ? 1u : 0u)
        << where;
    for (std::size_t i : {0u, 2u}) {
      EXPECT_EQ(this->store().getLocation(batch[i].id).has_value(), !batchError) << where;
    }
  }
  EXPECT_GT(this->store().getOffer(o.id)->locationsTotal, 0);
}

TYPED_TEST_P(StoreConformance, LinkAndUnlinkMoveBothCountersOnce) {
  auto b = this->brand();
  auto o1 = this->offer(b.id, "One");
  auto o2 = this->offer(b.id, "Two");
  auto l = this->location(b.id);

  auto first = this->store().link(o1.id, l.id);
  EXPECT_TRUE(first.created);
  EXPECT_EQ(first.offer.locationsTotal, 1);
  EXPECT_EQ(first.location.offersTotal, 1);
  EXPECT_TRUE(first.location.hasOffer());

  auto again = this->store().link(o1.id, l.id);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.offer.locationsTotal, 1);
  EXPECT_EQ(again.location.offersTotal, 1);

  auto second = this->store().link(o2.id, l.id);
  EXPECT_TRUE(second.created);
  EXPECT_EQ(second.location.offersTotal, 2);
  EXPECT_EQ(this->store().getOffer(o1.id)->locationsTotal, 1);

  auto un = this->store().unlink(o1.id, l.id);
  EXPECT_EQ(un.offer.locationsTotal, 0);
  EXPECT_EQ(un.location.offersTotal, 1);
  EXPECT_TRUE(un.location.hasOffer());
  EXPECT_EQ(errorOf([&] { this->store().unlink(o1.id, l.id); }), ErrorCode::not_found);
  EXPECT_EQ(this->store().getLocation(l.id)->offersTotal, 1);

  this->store().unlink(o2.id, l.id);
  EXPECT_FALSE(this->store().getLocation(l.id)->hasOffer());
  this->expectExact(o1.id, {l});
  this->expectExact(o2.id, {l});
}

TYPED_TEST_P(StoreConformance, LinkRefusesUnknownsAndOtherBrands) {
  auto b1 = this->brand();
  auto b2 = this->brand();
  auto o = this->offer(b1.id);
  auto foreign = this->location(b2.id);
  auto own = this->location(b1.id);
  EXPECT_EQ(errorOf([&] { this->store().link(o.id, foreign.id); }), ErrorCode::brand_mismatch);
  EXPECT_EQ(errorOf([&] { this->store().link(domain::newId(), own.id); }), ErrorCode::not_found);
  EXPECT_EQ(errorOf([&] { this->store().link(o.id, domain::newId()); }), ErrorCode::not_found);
  EXPECT_EQ(errorOf([&] { this->store().unlink(o.id, domain::newId()); }), ErrorCode::not_found);
  EXPECT_EQ(this->store().getOffer(o.id)->locationsTotal, 0);
  EXPECT_EQ(this->store().getLocation(foreign.id)->offersTotal, 0);
}

TYPED_TEST_P(StoreConformance, DeletingALinkedOfferIsRefused) {
  auto b = this->brand();
  auto o = this->offer(b.id);
  auto l = this->location(b.id);
  this->store().link(o.id, l.id);
  EXPECT_EQ(errorOf([&] { this->store().deleteOffer(o.id); }), ErrorCode::conflict);
  EXPECT_TRUE(this->store().getOffer(o.id));
  this->store().unlink(o.id, l.id);
  this->store().deleteOffer(o.id);
  EXPECT_FALSE(this->store().getOffer(o.id));
  EXPECT_EQ(errorOf([&] { this->store().deleteOffer(o.id); }), ErrorCode::not_found);
}

TYPED_TEST_P(StoreConformance, DeletingALocationUnlinksItEverywhere) {
  auto b = this->brand();
  auto o1 = this->offer(b.id);
  auto o2 = this->offer(b.id);
  auto locs = this->locations(b.id, 3);
  for (const auto& l : locs) {
    this->store().link(o1.id, l.id);
    this->store().link(o2.id, l.id);
  }
  this->store().deleteLocation(locs[1].id);
  EXPECT_FALSE(this->store().getLocation(locs[1].id));
  EXPECT_EQ(this->store().getOffer(o1.id)->locationsTotal, 2);
  EXPECT_EQ(this->store().getOffer(o2.id)->locationsTotal, 2);
  std::vector<Location> rest{locs[0], locs[2]};
  this->expectExact(o1.id, rest);
  this->expectExact(o2.id, rest);
  auto brandLocs = this->drain([&](auto r) { return this->store().listLocations(b.id, r); }, 10);
  EXPECT_EQ(brandLocs.size(), 2u);
  EXPECT_EQ(errorOf([&] { this->store().deleteLocation(locs[1].id); }), ErrorCode::not_found);
}

TYPED_TEST_P(StoreConformance, PagingVisitsEveryItemOnceInOrder) {
  auto b = this->brand();
  auto o = this->offer(b.id);
  auto locs = this->locations(b.id, 57);
  for (const auto& l : locs) this->store().link(o.id, l.id);
  std::set<std::string> expected;
  for (const auto& l : locs) expected.insert(l.id);

  for (std::size_t limit : {1u, 7u, 57u, 1000u}) {
    auto ofBrand = this->drain([&](auto r) { return this->store().listLocations(b.id, r); }, limit);
    auto ofOffer =
        this->drain([&](auto r) { return this->store().listLocationsOfOffer(o.id, r); }, limit);
    for (const auto* list : {&ofBrand, &ofOffer}) {
      std::vector<std::string> ids;
      for (const auto& l : *list) ids.push_back(l.id);
      EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end())) << "limit " << limit;
      EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), expected) << "limit " << limit;
      EXPECT_EQ(ids.size(), expected.size()) << "limit " << limit;
    }
  }
  auto offersOfLoc =
      this->drain([&](auto r) { return this->store().listOffersOfLocation(locs[0].id, r); }, 5);
  ASSERT_EQ(offersOfLoc.size(), 1u);
  EXPECT_EQ(offersOfLoc[0].id, o.id);
  EXPECT_EQ(errorOf([&] {
              this->store().listLocationsOfOffer(domain::newId(), {10, {}});
            }),
            ErrorCode::not_found);
  EXPECT_EQ(errorOf([&] {
              this->store().listOffersOfLocation(domain::newId(), {10, {}});
            }),
            ErrorCode::not_found);
  // Brand filter: only this brand's offers.
  auto other = this->brand();
  this->offer(other.id);
  auto ofBrand = this->drain([&](auto r) { return this->store().listOffers(b.id, r); }, 10);
  ASSERT_EQ(ofBrand.size(), 1u);
  EXPECT_EQ(ofBrand[0].id, o.id);
  EXPECT_TRUE(this->store().listOffers(domain::newId(), {10, {}}).items.empty());
}

TYPED_TEST_P(StoreConformance, ConcurrentDuplicateLinksCountOnce) {
  auto b = this->brand();
  auto o1 = this->offer(b.id);
  auto o2 = this->offer(b.id);
  const auto n = this->sized(100);
  auto locs = this->locations(b.id, n);
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng{unsigned(t)};
      auto order = locs;
      std::shuffle(order.begin(), order.end(), rng);
      for (const auto& l : order) {
        for (const auto* o : {&o1, &o2}) {
          if (this->store().link(o->id, l.id).created) ++created;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), int(2 * n));
  EXPECT_EQ(this->store().getOffer(o1.id)->locationsTotal, std::int64_t(n));
  EXPECT_EQ(this->store().getOffer(o2.id)->locationsTotal, std::int64_t(n));
  this->expectExact(o1.id, locs);
  for (const auto& l : locs) EXPECT_EQ(this->store().getLocation(l.id)->offersTotal, 2);
}

TYPED_TEST_P(StoreConformance, ConcurrentLinkUnlinkAndDeleteStayExact) {
  auto b = this->brand();
  auto o1 = this->offer(b.id);
  auto o2 = this->offer(b.id);
  auto locs = this->locations(b.id, 40);
  std::vector<std::thread> threads;
  std::atomic<int> unexpected{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng{unsigned(100 + t)};
      for (std::size_t i = 0; i < this->sized(400); ++i) {
        const auto& l = locs[rng() % locs.size()];
        const auto& o = (rng() % 2) ? o1 : o2;
        try {
          if (rng() % 2) {
            this->store().link(o.id, l.id);
          } else {
            this->store().unlink(o.id, l.id);
          }
        } catch (const Error& e) {
          if (e.code() != ErrorCode::not_found) ++unexpected;
        }
      }
    });
  }
  // Meanwhile, delete a few locations that are being linked and unlinked.
  threads.emplace_back([&] {
    for (std::size_t i = 0; i < 5; ++i) this->store().deleteLocation(locs[i * 8].id);
  });
  for (auto& t : threads) t.join();
  EXPECT_EQ(unexpected.load(), 0);
  std::vector<Location> alive;
  for (const auto& l : locs) {
    if (this->store().getLocation(l.id)) alive.push_back(l);
  }
  EXPECT_EQ(alive.size(), locs.size() - 5);
  this->expectExact(o1.id, alive);
  this->expectExact(o2.id, alive);
}

TYPED_TEST_P(StoreConformance, DataSurvivesReopen) {
  auto b = this->brand();
  auto o = this->offer(b.id);
  auto locs = this->locations(b.id, 3);
  this->store().link(o.id, locs[0].id);
  this->store().link(o.id, locs[1].id);
  this->reopen();
  EXPECT_EQ(this->store().getBrand(b.id)->name, b.name);
  EXPECT_EQ(this->store().getOffer(o.id)->locationsTotal, 2);
  EXPECT_TRUE(this->store().getLocation(locs[0].id)->hasOffer());
  EXPECT_FALSE(this->store().getLocation(locs[2].id)->hasOffer());
  this->expectExact(o.id, locs);
  EXPECT_FALSE(this->store().link(o.id, locs[0].id).created);
}

REGISTER_TYPED_TEST_SUITE_P(StoreConformance, BrandLifecycle, InvalidPatchLeavesEntityUnchanged,
                            BrandWithOffersOrLocationsCannotBeDeleted,
                            BrandDeleteRacingItsFirstChildrenLeavesNoOrphan,
                            OfferNeedsItsBrandAndAFreshId, LocationBatchIsAllOrNothing,
                            RacingCreatesOfOneIdAcknowledgeExactlyOne,
                            LinkAndUnlinkMoveBothCountersOnce, LinkRefusesUnknownsAndOtherBrands,
                            DeletingALinkedOfferIsRefused, DeletingALocationUnlinksItEverywhere,
                            PagingVisitsEveryItemOnceInOrder, ConcurrentDuplicateLinksCountOnce,
                            ConcurrentLinkUnlinkAndDeleteStayExact, DataSurvivesReopen);

}  // namespace offers::testing
