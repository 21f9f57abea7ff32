// Links on DynamoDB without transactions: the link item's state machine, guarded
// counters, location deletion, and the lists that walk links. docs/dynamodb-model.md
// ("Link protocol") walks through every step and what a crash after it leaves behind.
#include <map>
#include <thread>

#include "domain/entity_json.hpp"
#include "domain/id.hpp"
#include "store/dynamodb/dynamodb_store.hpp"
#include "store/dynamodb/impl.hpp"
#include "store/messages.hpp"

namespace offers::store::dynamodb {

using domain::Error;
using domain::ErrorCode;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kLinking = "linking";
constexpr std::string_view kLinked = "linked";
constexpr std::string_view kUnlinking = "unlinking";
// The queue (GSI3) of link operations in flight, by when their lease runs out.
constexpr std::string_view kLinkQueue = "PENDING#LINKS";

// The sort key of a link operation in the queue of unfinished ones: when its lease runs
// out first, so that a range read finds the abandoned ones.
std::string pendingSortKey(domain::Millis until, std::string_view offerId,
                           std::string_view locationId) {
  return fixed(std::uint64_t(until)) + "/" + std::string(offerId) + "/" + std::string(locationId);
}

// A link item mid-operation, owned by one request: its lease, and its place in the
// queue of unfinished operations (GSI3) where a sweeper of any process finds it.
json::object pendingLink(std::string_view offerId, std::string_view locationId,
                         std::string_view state, const std::string& token, domain::Millis until) {
  const auto key = linkKey(offerId, locationId);
  return {{"PK", key.pk},
          {"SK", key.sk},
          {"GSI1PK", "LOCATION#" + std::string(locationId) + "#OFFERS"},
          {"GSI1SK", offerId},
          {"offerId", offerId},
          {"locationId", locationId},
          {"state", state},
          {"op", token},
          {"leaseUntil", until},
          {"GSI3PK", kLinkQueue},
          {"GSI3SK", pendingSortKey(until, offerId, locationId)}};
}

// An offer and a location, each with its counter, read together (one BatchGetItem of
// four items), and checked that they may be linked.
std::pair<json::object, json::object> readPair(DynamoDbStore::Impl& impl,
                                               const std::string& offerId,
                                               const std::string& locationId) {
  const auto o = offerKey(offerId);
  const auto l = locationKey(locationId);
  auto whole = impl.getCounted({o, l});
  const auto offer = whole.find(o.pk);
  const auto location = whole.find(l.pk);
  if (offer == whole.end()) domain::throwNotFound("offer", offerId);
  if (location == whole.end() || location->second.contains("deleting")) {
    domain::throwNotFound("location", locationId);
  }
  if (text(offer->second, "brandId") != text(location->second, "brandId")) {
    throw brandMismatch(domain::offerFromJson(offer->second),
                        domain::locationFromJson(location->second));
  }
  return {std::move(offer->second), std::move(location->second)};
}

}  // namespace

// ---- single links ----

void DynamoDbStore::Impl::takeBack(const Key& key, std::string_view field,
                                   const std::string& token) {
  // Only where the token shows the move landed: a retry never takes back twice.
  table.update(key, {"ADD #f :minus DELETE #ops :ts",
                     "contains(#ops, :t)",
                     {{"#f", field}, {"#ops", "ops"}},
                     {{":minus", N(-1)}, {":ts", SS(token)}, {":t", S(token)}}});
}

std::pair<domain::Offer, domain::Location> DynamoDbStore::Impl::afterCommit(
    const std::string& offerId, const std::string& locationId, const std::string& token,
    const Counted& counted) {
  // Committed: the token guards nothing any more, and comes out after the answer.
  const auto o = offerKey(offerId);
  const auto l = locationKey(locationId);
  forgetLater(countKey(o), token);
  forgetLater(countKey(l), token);
  // The entities with their counters as the moves left them; read again only where a
  // move had landed before (an operation taken over or resumed) or an entity was not read.
  std::optional<json::object> offer;
  std::optional<json::object> location;
  if (counted.offer && counted.offerCounter)
    offer = withCounter(*counted.offer, *counted.offerCounter);
  if (counted.location && counted.locationCounter) {
    location = withCounter(*counted.location, *counted.locationCounter);
  }
  if (!offer || !location) {
    auto whole = getCounted({o, l});
    if (!offer) {
      if (auto it = whole.find(o.pk); it != whole.end()) offer = std::move(it->second);
    }
    if (!location) {
      if (auto it = whole.find(l.pk); it != whole.end()) location = std::move(it->second);
    }
  }
  if (!offer) domain::throwNotFound("offer", offerId);
  if (!location) domain::throwNotFound("location", locationId);
  return {domain::offerFromJson(*offer), domain::locationFromJson(*location)};
}

domain::LinkResult DynamoDbStore::Impl::finishLink(const std::string& offerId,
                                                   const std::string& locationId,
                                                   const std::string& token,
                                                   Clock::time_point leaseStart, Counted counted) {
  const auto link = linkKey(offerId, locationId);
  const auto offerCount = countKey(offerKey(offerId));
  const auto locationCount = countKey(locationKey(locationId));
  const Expression ours{"", "op = :t", {}, {{":t", S(token)}}};
  {
    const aws::SendBy::Deadline fence{fenceAt(leaseStart)};
    aws::SendBy sendBy(&fence);
    // Both counters at once. A location being deleted (or gone) refuses, and so does a
    // gone offer; the other side's move, if it landed, is then taken back under the same
    // token, and the link item goes. A death in between leaves it to settle(), which runs
    // this again with the same token: every move here lands at most once.
    Applied onLocation = Applied::now;
    Applied onOffer = Applied::now;
    parallel(2, [&](std::size_t i) {
      if (i == 0) {
        onLocation =
            applyCounter(locationCount, "offersTotal", 1, token, true, &counted.locationCounter);
      } else {
        onOffer = applyShared(offerCount, "locationsTotal", 1, token, &counted.offerCounter);
      }
    });
    if (onLocation == Applied::missing || onOffer == Applied::missing) {
      if (onLocation != Applied::missing) takeBack(locationCount, "offersTotal", token);
      if (onOffer != Applied::missing) takeBack(offerCount, "locationsTotal", token);
      table.remove(link, ours);
      if (onLocation == Applied::missing) domain::throwNotFound("location", locationId);
      domain::throwNotFound("offer", offerId);
    }
  }
  // Counted on both sides: record the event (its id is the operation's, so a resumed
  // step repeats the same event id), then commit the link.
  appendEvent("link.created", linkEventData(offerId, locationId), token);
  table.update(link, {"SET #st = :linked REMOVE op, leaseUntil, GSI3PK, GSI3SK",
                      "op = :t",
                      {{"#st", "state"}},
                      {{":linked", S(kLinked)}, {":t", S(token)}}});
  auto [offer, location] = afterCommit(offerId, locationId, token, counted);
  return {std::move(offer), std::move(location), true};
}

domain::UnlinkResult DynamoDbStore::Impl::finishUnlink(const std::string& offerId,
                                                       const std::string& locationId,
                                                       const std::string& token,
                                                       Clock::time_point leaseStart) {
  Counted counted;
  {
    const aws::SendBy::Deadline fence{fenceAt(leaseStart)};
    aws::SendBy sendBy(&fence);
    // Both at once: neither refuses (an item gone has nothing left to count). The two
    // entities for the answer are read meanwhile.
    parallel(3, [&](std::size_t i) {
      if (i == 0) {
        applyCounter(countKey(locationKey(locationId)), "offersTotal", -1, token, false,
                     &counted.locationCounter);
      } else if (i == 1) {
        applyShared(countKey(offerKey(offerId)), "locationsTotal", -1, token,
                    &counted.offerCounter);
      } else {
        aws::SendBy unfenced(nullptr);  // a read: nothing it sends can land late
        for (auto& item : table.batchGet({offerKey(offerId), locationKey(locationId)})) {
          (text(item, "SK") == "OFFER" ? counted.offer : counted.location) = std::move(item);
        }
      }
    });
  }
  appendEvent("link.deleted", linkEventData(offerId, locationId), token);
  table.remove(linkKey(offerId, locationId), {"", "op = :t", {}, {{":t", S(token)}}});
  auto [offer, location] = afterCommit(offerId, locationId, token, counted);
  return {std::move(offer), std::move(location)};
}

void DynamoDbStore::Impl::settle(const json::object& first) {
  const auto offerId = text(first, "offerId");
  const auto locationId = text(first, "locationId");
  const auto key = linkKey(offerId, locationId);
  const auto deadline = Clock::now() + options.lease * 2;
  std::optional<json::object> link = first;
  while (link && text(*link, "state") != kLinked) {
    const auto state = text(*link, "state");
    const auto token = text(*link, "op");
    if (const auto jobId = text(*link, "job"); !jobId.empty()) {
      // A bulk page's link: its job finishes it. Once the page has committed, what is left
      // (the link's own state, the location's token) may be finished by anyone.
      auto job = table.get(jobKey(jobId));
      const bool committed =
          !job || number(*job, "page") > number(*link, "page") ||
          (text(*job, "status") != "queued" && text(*job, "status") != "running");
      if (committed) {
        const Expression ours{"", "op = :t", {}, {{":t", S(token)}}};
        if (state == kLinking) {
          table.update(key, {"SET #st = :linked REMOVE op, job, page",
                             "op = :t",
                             {{"#st", "state"}},
                             {{":linked", S(kLinked)}, {":t", S(token)}}});
        } else {
          table.remove(key, ours);
        }
        forgetToken(countKey(locationKey(locationId)), token);
      }
    } else if (number(*link, "leaseUntil") < domain::nowMillis()) {
      // Its owner stopped: take the lease over, then finish the operation.
      const auto seen = number(*link, "leaseUntil");
      const auto until = leaseUntil();
      if (table.update(key, {"SET leaseUntil = :u",
                             "op = :t AND leaseUntil = :seen",
                             {},
                             {{":u", N(until)}, {":t", S(token)}, {":seen", N(seen)}}})) {
        const auto start = Clock::now();
        try {
          if (state == kLinking) {
            finishLink(offerId, locationId, token, start);
          } else if (state == kUnlinking) {
            finishUnlink(offerId, locationId, token, start);
          }
        } catch (const Error& e) {
          if (e.code() != ErrorCode::not_found) throw;  // rolled back: the pair is at rest
        }
      }
    }
    link = table.get(key);
    if (!link || text(*link, "state") == kLinked) return;
    if (Clock::now() > deadline) {
      throw Error(ErrorCode::unavailable, "the link is busy; try again",
                  "link " + offerId + "/" + locationId + " stayed " + text(*link, "state"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

domain::LinkResult DynamoDbStore::link(std::string_view offerIdView,
                                       std::string_view locationIdView) {
  const std::string offerId(offerIdView);
  const std::string locationId(locationIdView);
  auto& t = impl_->table;
  for (int round = 0; round < 50; ++round) {
    const auto token = domain::newId();
    const auto start = Clock::now();
    const auto item = pendingLink(offerId, locationId, kLinking, token, impl_->leaseUntil());
    // The pair's check (not_found, brand_mismatch) and the link item's put go at once: a
    // `linking` item counts nothing and no list shows it, so one that the check refuses
    // is only taken back.
    std::exception_ptr refused;
    bool put = false;
    Table::Current existing;  // the pair's link item, when there is one already
    Impl::Counted read;
    impl_->parallel(2, [&](std::size_t i) {
      if (i == 0) {
        try {
          auto [offer, location] = readPair(*impl_, offerId, locationId);
          read.offer = std::move(offer);
          read.location = std::move(location);
        } catch (...) {
          refused = std::current_exception();
        }
      } else {
        put = t.put(item, {"", "attribute_not_exists(PK)", {}, {}}, &existing);
      }
    });
    if (refused) {
      if (put) t.remove(linkKey(offerId, locationId), {"", "op = :t", {}, {{":t", S(token)}}});
      std::rethrow_exception(refused);
    }
    if (put) {
      try {
        return impl_->finishLink(offerId, locationId, token, start, std::move(read));
      } catch (...) {
        impl_->giveBackLease(offerId, locationId, token);
        throw;
      }
    }
    if (!existing) continue;
    if (text(*existing, "state") == kLinked) {
      // Read again: the pair read above may predate the link another request just made.
      auto [offer, location] = readPair(*impl_, offerId, locationId);
      return {domain::offerFromJson(offer), domain::locationFromJson(location), false};
    }
    impl_->settle(*existing);
  }
  throw Error(ErrorCode::unavailable, "the link is busy; try again");
}

domain::UnlinkResult DynamoDbStore::unlink(std::string_view offerIdView,
                                           std::string_view locationIdView) {
  const std::string offerId(offerIdView);
  const std::string locationId(locationIdView);
  auto& t = impl_->table;
  for (int round = 0; round < 50; ++round) {
    const auto token = domain::newId();
    const auto start = Clock::now();
    const auto until = impl_->leaseUntil();
    Expression claim{"SET #st = :unlinking, op = :t, leaseUntil = :u, GSI3PK = :q, GSI3SK = :qs",
                     "#st = :linked",
                     {{"#st", "state"}},
                     {{":unlinking", S(kUnlinking)},
                      {":linked", S(kLinked)},
                      {":t", S(token)},
                      {":u", N(until)},
                      {":q", S(kLinkQueue)},
                      {":qs", S(pendingSortKey(until, offerId, locationId))}}};
    // Claimed straight away (the condition reads the link): what stands in the way comes
    // back with the refusal.
    Table::Current existing;
    if (!t.update(linkKey(offerId, locationId), claim, &existing)) {
      if (!existing) {
        auto whole = impl_->getCounted({offerKey(offerId), locationKey(locationId)});
        if (!whole.contains(offerKey(offerId).pk)) domain::throwNotFound("offer", offerId);
        if (!whole.contains(locationKey(locationId).pk)) {
          domain::throwNotFound("location", locationId);
        }
        throw notLinked(offerId, locationId);
      }
      if (text(*existing, "state") != kLinked) impl_->settle(*existing);
      continue;
    }
    try {
      return impl_->finishUnlink(offerId, locationId, token, start);
    } catch (...) {
      impl_->giveBackLease(offerId, locationId, token);
      throw;
    }
  }
  throw Error(ErrorCode::unavailable, "the link is busy; try again");
}

void DynamoDbStore::deleteLocation(std::string_view idView) {
  const std::string id(idView);
  auto& t = impl_->table;
  const auto key = locationKey(id);
  // From here on no new link counts this location (applyCounter with live=true refuses):
  // the mark is on its counter item.
  auto marked = t.update(countKey(key), {"SET deleting = :yes",
                                         "attribute_exists(PK)",
                                         {},
                                         {{":yes", json::object{{"BOOL", true}}}}});
  if (!marked) domain::throwNotFound("location", id);
  auto entity = t.get(key);
  if (!entity) {
    // A create of this id has put its counter and not its location yet: nobody can have
    // seen it. Its create goes on unmarked.
    t.update(countKey(key), {"REMOVE deleting", "attribute_exists(PK)", {}, {}});
    domain::throwNotFound("location", id);
  }
  const auto before = domain::locationFromJson(withCounter(std::move(*entity), *marked));
  const auto deadline = Clock::now() + impl_->options.lease * 2;
  for (;;) {
    QuerySpec q;
    q.index = Index::gsi1;
    q.partition = "LOCATION#" + id + "#OFFERS";
    q.limit = 1000;
    for (const auto& link : t.query(q).items) {
      if (text(link, "state") != kLinked) impl_->settle(link);
      try {
        unlink(text(link, "offerId"), id);
      } catch (const Error& e) {
        if (e.code() != ErrorCode::not_found) throw;
      }
    }
    Expression gone{"", "offersTotal = :zero", {}, {{":zero", N(0)}}};
    if (impl_->removeWithEvent(key, gone, "location.deleted", domain::toJson(before))) {
      return;
    }
    if (!t.get(countKey(key))) domain::throwNotFound("location", id);
    // Links still counted that the index has not shown yet (it trails the table).
    if (Clock::now() > deadline) {
      throw Error(ErrorCode::unavailable, "the location is busy; try again",
                  "location " + id + " kept links past the deadline");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::size_t DynamoDbStore::repairAbandoned(domain::Millis now) {
  const auto stalled = impl_->dueIn(kLinkQueue, now, 100);
  for (const auto& link : stalled) {
    try {
      impl_->settle(link);
    } catch (const Error&) {
      // Still busy, or the store is: the next round tries again.
    }
  }
  // And the entity events whose process died before publishing them, and the location
  // batches it left half-written.
  return stalled.size() + impl_->sweepPendingEvents(now) + impl_->sweepAbandonedBatches(now);
}

namespace {

// Links at rest or leaving: both still count as linked until the unlink commits.
QuerySpec linksOf(Index index, std::string partition, const PageRequest& page,
                  std::string_view skPrefix) {
  QuerySpec q;
  q.index = index;
  q.partition = std::move(partition);
  if (page.after) {
    q.from = after(skPrefix, *page.after);
  } else if (!skPrefix.empty()) {
    q.from = std::string(skPrefix);
  }
  if (!skPrefix.empty()) q.to = std::string(skPrefix) + "~";
  q.filter = "#st IN (:linked, :unlinking)";
  q.names = {{"#st", "state"}};
  q.values = {{":linked", S(kLinked)}, {":unlinking", S(kUnlinking)}};
  q.limit = page.limit;
  return q;
}

// The entities at the far end of a page of links (`idField` names them in the link
// item), read together with their counters and in the links' order; one deleted
// meanwhile is left out.
template <class T>
Page<T> farEnds(DynamoDbStore::Impl& impl, const QueryResult& links, const char* idField,
                Key (*keyOf)(std::string_view), T (*decode)(const json::object&)) {
  std::vector<Key> keys;
  for (const auto& link : links.items) keys.push_back(keyOf(text(link, idField)));
  const auto found = impl.getCounted(keys);
  Page<T> out;
  for (const auto& link : links.items) {
    if (auto it = found.find(keyOf(text(link, idField)).pk); it != found.end()) {
      out.items.push_back(decode(it->second));
    }
  }
  if (links.more && !links.items.empty()) out.last = text(links.items.back(), idField);
  return out;
}

}  // namespace

Page<Location> DynamoDbStore::listLocationsOfOffer(std::string_view offerId,
                                                   const PageRequest& page) {
  auto& t = impl_->table;
  if (!impl_->getCounted(offerKey(offerId))) domain::throwNotFound("offer", offerId);
  auto links = t.query(linksOf(Index::table, offerKey(offerId).pk, page, "LINK#"));
  return farEnds<Location>(*impl_, links, "locationId", locationKey, domain::locationFromJson);
}

Page<Offer> DynamoDbStore::listOffersOfLocation(std::string_view locationId,
                                                const PageRequest& page) {
  auto& t = impl_->table;
  if (!impl_->getCounted(locationKey(locationId))) domain::throwNotFound("location", locationId);
  auto links =
      t.query(linksOf(Index::gsi1, "LOCATION#" + std::string(locationId) + "#OFFERS", page, ""));
  return farEnds<Offer>(*impl_, links, "offerId", offerKey, domain::offerFromJson);
}

}  // namespace offers::store::dynamodb
