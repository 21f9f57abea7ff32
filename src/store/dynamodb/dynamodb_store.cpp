// The DynamoDB engine's shared machinery (keys, items, guarded counters, events, leases)
// and its entity operations: brands, offers, locations and their lists.
#include "store/dynamodb/dynamodb_store.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <random>
#include <thread>

#include "domain/entity_json.hpp"
#include "domain/id.hpp"
#include "domain/validation.hpp"
#include "store/dynamodb/impl.hpp"
#include "store/messages.hpp"

namespace offers::store::dynamodb {

using domain::Error;
using domain::ErrorCode;

// ---- keys and items ----

Key brandKey(std::string_view id) {
  return {"BRAND#" + std::string(id), "BRAND"};
}
Key offerKey(std::string_view id) {
  return {"OFFER#" + std::string(id), "OFFER"};
}
Key locationKey(std::string_view id) {
  return {"LOCATION#" + std::string(id), "LOCATION"};
}
Key linkKey(std::string_view offerId, std::string_view locationId) {
  return {"OFFER#" + std::string(offerId), "LINK#" + std::string(locationId)};
}
Key jobKey(std::string_view id) {
  return {"JOB#" + std::string(id), "JOB"};
}
Key webhookKey(std::string_view id) {
  return {"WEBHOOK#" + std::string(id), "WEBHOOK"};
}
Key eventKey(std::uint64_t seq) {
  return {"EVENTS#" + std::to_string(seq % kShards), fixed(seq)};
}
Key countKey(const Key& entity) {
  return {entity.pk, "COUNT"};
}

namespace {

void setKey(json::object& item, const Key& key) {
  item["PK"] = key.pk;
  item["SK"] = key.sk;
}

}  // namespace

json::object brandItem(const domain::Brand& b) {
  auto item = domain::toJson(b);
  setKey(item, brandKey(b.id));
  item["GSI2PK"] = "BRANDS";
  item["GSI2SK"] = b.id;
  return item;
}

json::object offerItem(const domain::Offer& o) {
  auto item = domain::toJson(o);
  item.erase("locationsTotal");  // in its counter item
  setKey(item, offerKey(o.id));
  item["GSI1PK"] = "BRAND#" + o.brandId + "#OFFERS";
  item["GSI1SK"] = o.id;
  item["GSI2PK"] = "OFFERS";
  item["GSI2SK"] = o.id;
  return item;
}

json::object locationItem(const domain::Location& l) {
  auto item = domain::toJson(l);
  item.erase("hasOffer");     // derived from offersTotal when read
  item.erase("offersTotal");  // in its counter item
  setKey(item, locationKey(l.id));
  item["GSI1PK"] = "BRAND#" + l.brandId + "#LOCATIONS";
  item["GSI1SK"] = l.id;
  item["GSI2PK"] = "LOCATIONS";
  item["GSI2SK"] = l.id;
  return item;
}

json::object jobItem(const domain::Job& j) {
  auto item = domain::toStoredJson(j);
  item.erase("progress");  // derived when read
  setKey(item, jobKey(j.id));
  item["GSI1PK"] = "OFFER#" + j.offerId + "#JOBS";
  item["GSI1SK"] = j.id;
  item["GSI2PK"] = "JOBS";
  item["GSI2SK"] = j.id;
  return item;
}

json::object counterItem(const Key& entity, std::string_view field) {
  const auto key = countKey(entity);
  return {{"PK", key.pk}, {"SK", key.sk}, {field, 0}};
}

json::object withCounter(json::object entity, const json::object& counter) {
  for (const auto& [name, value] : counter) {
    if (name != "PK" && name != "SK") entity[name] = value;
  }
  return entity;
}

std::string text(const json::object& item, std::string_view name) {
  const auto* v = item.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t number(const json::object& item, std::string_view name) {
  const auto* v = item.if_contains(name);
  return v && v->is_number() ? v->to_number<std::int64_t>() : 0;
}

bool hasToken(const json::object& item, std::string_view token) {
  const auto* ops = item.if_contains("ops");
  if (!ops || !ops->is_array()) return false;
  for (const auto& t : ops->as_array()) {
    if (t.is_string() && t.as_string() == token) return true;
  }
  return false;
}

// ---- Impl ----

namespace {
// How long the tokens of committed links gather before a round takes them out: long
// enough for a hot offer's links to share a write, short beside the lease.
constexpr std::chrono::milliseconds kForgetRound{50};
}  // namespace

DynamoDbStore::Impl::Impl(Options o)
    : options(std::move(o)),
      client(options.client),
      table(client, options.table),
      pool_(options.workerThreads),
      forgetter_(
          [this](const Key& key, const std::vector<std::string>& tokens) {
            forgetTokens(key, tokens);
          },
          [this](std::size_t n, const std::function<void(std::size_t)>& fn) { parallel(n, fn); },
          kForgetRound) {
  owner = domain::newId();
  std::random_device rd;
  seqSalt_ = (std::uint64_t(rd()) & 0x3FF) << 10;
  if (options.createTable) table.createIfMissing();
}

std::optional<json::object> DynamoDbStore::Impl::getCounted(const Key& entity) {
  auto whole = getCounted(std::vector<Key>{entity});
  if (whole.empty()) return std::nullopt;
  return std::move(whole.begin()->second);
}

std::map<std::string, json::object> DynamoDbStore::Impl::getCounted(
    const std::vector<Key>& entities) {
  std::vector<Key> keys;
  for (const auto& key : entities) {
    keys.push_back(key);
    keys.push_back(countKey(key));
  }
  std::map<std::string, json::object> items;
  std::map<std::string, json::object> counters;
  for (auto& item : table.batchGet(keys)) {
    auto pk = text(item, "PK");
    (isCounter(item) ? counters : items).emplace(std::move(pk), std::move(item));
  }
  std::map<std::string, json::object> whole;
  for (auto& [pk, item] : items) {
    if (auto c = counters.find(pk); c != counters.end()) {
      whole.emplace(pk, withCounter(std::move(item), c->second));
    }
  }
  return whole;
}

Applied DynamoDbStore::Impl::applyCounter(const Key& key, std::string_view field,
                                          std::int64_t delta, std::string_view token, bool live,
                                          std::optional<json::object>* after) {
  Expression e;
  e.update = "ADD #f :d, #ops :t";
  e.condition = "attribute_exists(PK) AND NOT contains(#ops, :tok)";
  if (live) e.condition += " AND attribute_not_exists(deleting)";
  e.names = {{"#f", field}, {"#ops", "ops"}};
  e.values = {{":d", N(delta)}, {":t", SS(token)}, {":tok", S(token)}};
  for (int round = 0; round < 3; ++round) {
    Table::Current item;
    if (auto now = table.update(key, e, &item)) {
      if (after) *after = std::move(now);
      return Applied::now;
    }
    if (!item) return Applied::missing;
    if (hasToken(*item, token)) return Applied::before;
    if (live && item->contains("deleting")) return Applied::missing;
  }
  throw Error(ErrorCode::unavailable, "the store is unavailable",
              "counter update on " + key.pk + " kept failing its condition");
}

Applied DynamoDbStore::Impl::applyShared(const Key& key, std::string_view field, std::int64_t delta,
                                         std::string_view token,
                                         std::optional<json::object>* after) {
  CounterBatcher::Move move;
  move.delta = delta;
  move.token = std::string(token);
  if (const auto* sendBy = aws::SendBy::current()) move.sendBy = sendBy->load();
  const auto send = [&](const std::vector<CounterBatcher::Move*>& group, std::int64_t sendBy) {
    Expression e;
    std::int64_t sum = 0;
    json::array tokens;
    e.condition = "attribute_exists(PK)";
    e.names = {{"#f", field}, {"#ops", "ops"}};
    for (std::size_t i = 0; i < group.size(); ++i) {
      sum += group[i]->delta;
      tokens.push_back(json::string(group[i]->token));
      const auto name = ":t" + std::to_string(i);
      e.condition += " AND NOT contains(#ops, " + name + ")";
      e.values[name] = S(group[i]->token);
    }
    e.update = "ADD #f :d, #ops :ts";
    e.values[":d"] = N(sum);
    e.values[":ts"] = json::object{{"SS", std::move(tokens)}};
    // Sent by the earliest deadline among the moves, so that none lands late.
    const aws::SendBy::Deadline fence{sendBy};
    aws::SendBy guard(&fence);
    return table.update(key, e);
  };
  if (batcher_.submit(key.pk + "\n" + key.sk, move, send)) {
    if (after) *after = std::move(move.after);
    return Applied::now;
  }
  return applyCounter(key, field, delta, token, false, after);
}

std::optional<json::object> DynamoDbStore::Impl::forgetTokens(
    const Key& key, const std::vector<std::string>& tokens) {
  json::array set;
  for (const auto& t : tokens) set.push_back(json::string(t));
  Expression e;
  e.update = "DELETE #ops :t";
  e.condition = "attribute_exists(PK)";
  e.names = {{"#ops", "ops"}};
  e.values = {{":t", json::object{{"SS", std::move(set)}}}};
  return table.update(key, e);
}

std::vector<json::object> DynamoDbStore::Impl::dueIn(std::string_view queue, domain::Millis now,
                                                     std::size_t limit) {
  QuerySpec q;
  q.index = Index::gsi3;
  q.partition = std::string(queue);
  q.to = fixed(std::uint64_t(std::max<domain::Millis>(now, 0))) + "/~";
  q.limit = limit;
  return table.query(q).items;
}

std::uint64_t DynamoDbStore::Impl::visibleSeq() {
  std::uint64_t horizon = UINT64_MAX;
  {
    std::lock_guard lock(seqMutex_);
    if (!inFlight_.empty()) horizon = *inFlight_.begin() - 1;
  }
  if (options.eventLag.count() > 0) {
    const auto edge = std::uint64_t(domain::nowMillis() - options.eventLag.count()) << 20;
    horizon = std::min(horizon, edge);
  }
  return horizon;
}

std::uint64_t DynamoDbStore::Impl::reserveSeq() {
  // Time-ordered across processes, strictly increasing within this one.
  std::lock_guard lock(seqMutex_);
  const auto seq = std::max(lastSeq_ + 1, (std::uint64_t(domain::nowMillis()) << 20) | seqSalt_);
  lastSeq_ = seq;
  inFlight_.insert(seq);
  return seq;
}

void DynamoDbStore::Impl::releaseSeq(std::uint64_t seq) {
  std::lock_guard lock(seqMutex_);
  inFlight_.erase(inFlight_.find(seq));
}

bool DynamoDbStore::Impl::putEvent(const domain::Event& event) {
  auto item = domain::toJson(event);
  const auto key = eventKey(event.seq);
  item["PK"] = key.pk;
  item["SK"] = key.sk;
  item["seq"] = event.seq;
  // In the fan-out queue until the dispatcher has turned it into deliveries.
  item["GSI3PK"] = "FANOUT#" + std::to_string(event.seq % kShards);
  item["GSI3SK"] = key.sk;
  Table::Current there;
  if (table.put(item, {"", "attribute_not_exists(PK)", {}, {}}, &there)) return true;
  // Refused: another process took the number, or this put landed on an attempt whose
  // answer was lost and its retry found it. Ours: written (not a second event).
  return there && text(*there, "id") == event.id;
}

namespace {

domain::Event newEvent(std::string_view type, json::object data, std::optional<std::string> id) {
  domain::Event event;
  event.id = id ? *id : domain::newId();
  event.type = std::string(type);
  event.created = domain::nowMillis();
  event.data = std::move(data);
  return event;
}

}  // namespace

std::uint64_t DynamoDbStore::Impl::appendEvent(std::string_view type, json::object data,
                                               std::optional<std::string> id) {
  auto event = newEvent(type, std::move(data), std::move(id));
  for (int round = 0; round < 16; ++round) {
    event.seq = reserveSeq();
    struct Release {
      Impl& impl;
      std::uint64_t seq;
      ~Release() { impl.releaseSeq(seq); }
    } release{*this, event.seq};
    if (putEvent(event)) {
      if (onEvents) onEvents();
      return event.seq;
    }
    // Another process took the same number in the same millisecond: take the next.
  }
  throw Error(ErrorCode::unavailable, "the store is unavailable", "no free event sequence");
}

void DynamoDbStore::Impl::appendEvents(std::string_view type, std::vector<json::object> data,
                                       std::vector<std::string> ids) {
  // Numbers taken in order before the writes go out in parallel: the feed keeps the
  // order of the batch.
  std::vector<domain::Event> events;
  for (std::size_t i = 0; i < data.size(); ++i) {
    events.push_back(
        newEvent(type, std::move(data[i]), i < ids.size() ? std::optional(ids[i]) : std::nullopt));
    events.back().seq = reserveSeq();
  }
  struct ReleaseAll {
    Impl& impl;
    const std::vector<domain::Event>& events;
    ~ReleaseAll() {
      for (const auto& e : events) impl.releaseSeq(e.seq);
    }
  } release{*this, events};
  parallel(events.size(), [&](std::size_t i) {
    if (!putEvent(events[i])) appendEvent(type, events[i].data, events[i].id);
  });
  if (onEvents && !events.empty()) onEvents();
}

bool DynamoDbStore::Impl::brandStands(const std::string& brandId) {
  for (;;) {
    auto item = table.get(brandKey(brandId));
    if (!item) return false;
    const auto until = number(*item, "deletingUntil");
    if (until == 0) return true;
    const auto now = domain::nowMillis();
    if (until <= now) {
      // The delete that marked it stopped before it finished: lift its mark.
      table.update(brandKey(brandId),
                   {"REMOVE deletingUntil", "deletingUntil = :u", {}, {{":u", N(until)}}});
      continue;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<std::int64_t>(20, until - now)));
  }
}

// ---- entity events ----

namespace {

constexpr std::string_view kPendingEvents = "PENDING#EVENTS";

Key intentKey(std::string_view eventId) {
  return {"INTENT#" + std::string(eventId), "INTENT"};
}

}  // namespace

json::object DynamoDbStore::Impl::carriedAttributes(std::string_view pk,
                                                    const CarriedEvent& event) const {
  // In the pending-events queue until the sweep may publish it: after a lease.
  return {{"eventId", event.id},
          {"eventType", event.type},
          {"eventData", json::serialize(event.data)},
          {"GSI3PK", kPendingEvents},
          {"GSI3SK", fixed(std::uint64_t(leaseUntil())) + "/" + std::string(pk)}};
}

void DynamoDbStore::Impl::carry(json::object& item, const CarriedEvent& event) const {
  for (auto& [name, value] : carriedAttributes(item.at("PK").as_string(), event)) {
    item[name] = std::move(value);
  }
}

void DynamoDbStore::Impl::carry(Expression& e, const Key& key, const CarriedEvent& event) const {
  int n = 0;
  for (const auto& [name, value] : toAttributes(carriedAttributes(key.pk, event))) {
    const auto placeholder = ":ev" + std::to_string(n++);
    e.update += ", " + std::string(name) + " = " + placeholder;
    e.values[placeholder] = value;
  }
}

std::optional<DynamoDbStore::Impl::CarriedEvent> DynamoDbStore::Impl::carried(
    const json::object& item) {
  const auto id = text(item, "eventId");
  if (id.empty()) return std::nullopt;
  CarriedEvent e{id, text(item, "eventType"), {}};
  boost::system::error_code ec;
  auto data = json::parse(text(item, "eventData"), ec);
  if (!ec && data.is_object()) e.data = std::move(data.as_object());
  return e;
}

void DynamoDbStore::Impl::settleCarried(const Key& key, const CarriedEvent& event) {
  appendEvent(event.type, event.data, event.id);
  table.update(key, {"REMOVE eventId, eventType, eventData, GSI3PK, GSI3SK",
                     "eventId = :id",
                     {},
                     {{":id", S(event.id)}}});
}

bool DynamoDbStore::Impl::removeWithEvent(const Key& key, const Expression& condition,
                                          std::string_view type, json::object data) {
  const bool counted = hasCounterItem(key);
  const CarriedEvent event{domain::newId(), std::string(type), std::move(data)};
  const auto intent = intentKey(event.id);
  json::object item{
      {"PK", intent.pk}, {"SK", intent.sk}, {"entityPK", key.pk}, {"entitySK", key.sk}};
  carry(item, event);
  table.put(item);
  // An offer or a location goes when its counter item does (the condition is there); the
  // entity's item follows. A death in between leaves the entity's item alone, which no
  // reader sees, and the sweep finishes the delete.
  auto old = table.remove(counted ? countKey(key) : key, condition);
  const bool removed = old.has_value();
  if (removed && counted) old = table.remove(key);
  if (removed) {
    if (old) {
      if (auto prior = carried(*old)) appendEvent(prior->type, prior->data, prior->id);
    }
    appendEvent(event.type, event.data, event.id);
  }
  try {
    table.remove(intent);
  } catch (const Error&) {
    if (removed) throw;  // the change is done, its event written: the sweep drops the intent
  }
  return removed;
}

std::size_t DynamoDbStore::Impl::sweepPendingEvents(domain::Millis now) {
  const auto pending = dueIn(kPendingEvents, now, 100);
  for (const auto& item : pending) {
    const auto event = carried(item);
    if (!event) continue;
    const Key key{text(item, "PK"), text(item, "SK")};
    try {
      if (key.pk.starts_with("INTENT#")) {
        // Its deletion happened if the entity is gone, or if an offer's or a location's
        // counter item is (its delete died before the entity's item went: finished here).
        const Key entity{text(item, "entityPK"), text(item, "entitySK")};
        bool happened = false;
        if (!hasCounterItem(entity)) {
          happened = !table.get(entity);
        } else if (!table.get(countKey(entity))) {
          if (auto old = table.remove(entity)) {
            if (auto prior = carried(*old)) appendEvent(prior->type, prior->data, prior->id);
          }
          happened = true;
        }
        if (happened) appendEvent(event->type, event->data, event->id);
        table.remove(key);
      } else {
        settleCarried(key, *event);
      }
    } catch (const Error&) {
      // The store is failing: the next sweep tries again.
    }
  }
  return pending.size();
}

domain::Millis DynamoDbStore::Impl::leaseUntil() const {
  return domain::nowMillis() + options.lease.count();
}

void DynamoDbStore::Impl::giveBackLease(std::string_view offerId, std::string_view locationId,
                                        const std::string& token) noexcept {
  try {
    table.update(linkKey(offerId, locationId),
                 {"SET leaseUntil = :zero", "op = :t", {}, {{":zero", N(0)}, {":t", S(token)}}});
  } catch (...) {
  }
}

void DynamoDbStore::Impl::parallel(std::size_t n, const std::function<void(std::size_t)>& fn) {
  // Pool threads work under the caller's send-by deadline (a job's lease), as it would.
  const auto* sendBy = aws::SendBy::current();
  pool_.forEach(n, options.parallelism, [&](std::size_t i) {
    aws::SendBy guard(sendBy);
    fn(i);
  });
}

// ---- the store ----

DynamoDbStore::DynamoDbStore(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
DynamoDbStore::~DynamoDbStore() = default;

void DynamoDbStore::onEventsAppended(std::function<void()> listener) {
  impl_->onEvents = std::move(listener);
}

void DynamoDbStore::ping() {
  Store::ping();
}

std::uint64_t DynamoDbStore::requestsSent() const {
  return impl_->client.requestsSent();
}

namespace {

const Expression kCreate{"", "attribute_not_exists(PK)", {}, {}};

// Patches change an entity's own fields only: counters move concurrently under links,
// so the write names the fields it sets and removes, guarded by the version it read. The
// write carries the patch's event (`type`), published after it. An offer or a location
// (hasCounterItem) is answered with its counter as read before the write.
template <class T, class Patch>
T patchEntity(DynamoDbStore::Impl& impl, const Key& key, std::string_view kind, std::string_view id,
              const Patch& patch, domain::Millis now, T (*decode)(const json::object&),
              std::string_view type, std::initializer_list<std::string_view> optionalFields) {
  std::optional<json::object> item;
  std::optional<json::object> counter;
  if (hasCounterItem(key)) {
    for (auto& got : impl.table.batchGet({key, countKey(key)})) {
      (isCounter(got) ? counter : item) = std::move(got);
    }
    if (!counter) domain::throwNotFound(kind, id);
  } else {
    item = impl.table.get(key);
  }
  auto whole = [&](const json::object& entity) {
    return counter ? withCounter(entity, *counter) : entity;
  };
  for (int round = 0; round < 20; ++round) {
    if (!item) domain::throwNotFound(kind, id);
    // An earlier change's event still on the item (its process died before publishing
    // it): out first, since this write replaces it.
    if (auto prior = DynamoDbStore::Impl::carried(*item)) {
      impl.appendEvent(prior->type, prior->data, prior->id);
    }
    T entity = decode(whole(*item));
    domain::applyPatch(entity, patch, now);
    auto fields = domain::toJson(entity);
    Expression e;
    std::string set = "SET #ver = :ver";
    std::string remove;
    int n = 0;
    for (const auto& [k, v] : fields) {
      if (k == "id" || k == "brandId" || k == "created" || k == "locationsTotal" ||
          k == "offersTotal" || k == "hasOffer") {
        continue;
      }
      const auto name = "#a" + std::to_string(n);
      const auto value = ":v" + std::to_string(n++);
      e.names[name] = k;
      e.values[value] = toAttributes({{k, v}}).at(k);
      set += ", " + name + " = " + value;
    }
    for (auto f : optionalFields) {
      if (fields.contains(f)) continue;
      const auto name = "#a" + std::to_string(n++);
      e.names[name] = f;
      remove += (remove.empty() ? " REMOVE " : ", ") + name;
    }
    e.update = set;
    DynamoDbStore::Impl::CarriedEvent event{domain::newId(), std::string(type), fields};
    impl.carry(e, key, event);
    e.update += remove;
    e.names["#ver"] = "ver";
    const auto version = number(*item, "ver");
    e.values[":ver"] = N(version + 1);
    if (item->contains("ver")) {
      e.values[":old"] = N(version);
      e.condition = "#ver = :old";
    } else {
      e.condition = "attribute_exists(PK) AND attribute_not_exists(#ver)";
    }
    // Another change may come first: then start again from the item as it is now.
    if (auto updated = impl.table.update(key, e, &item)) {
      T result = decode(whole(*updated));
      event.data = domain::toJson(result);  // as stored
      impl.settleCarried(key, event);
      return result;
    }
  }
  throw Error(ErrorCode::unavailable, "the store is busy; try again",
              "patch of " + std::string(kind) + " kept losing races");
}

domain::Location decodeLocation(const json::object& item) {
  return domain::locationFromJson(item);
}
domain::Offer decodeOffer(const json::object& item) {
  return domain::offerFromJson(item);
}
domain::Brand decodeBrand(const json::object& item) {
  return domain::brandFromJson(item);
}

}  // namespace

// ---- brands ----

void DynamoDbStore::createBrand(const Brand& brand) {
  const Impl::CarriedEvent event{domain::newId(), "brand.created", domain::toJson(brand)};
  auto item = brandItem(brand);
  impl_->carry(item, event);
  if (!impl_->table.put(item, kCreate)) throw alreadyExists("brand", brand.id);
  impl_->settleCarried(brandKey(brand.id), event);
}

std::optional<Brand> DynamoDbStore::getBrand(std::string_view id) {
  auto item = impl_->table.get(brandKey(id));
  if (!item) return std::nullopt;
  return decodeBrand(*item);
}

Brand DynamoDbStore::updateBrand(std::string_view id, const domain::BrandPatch& patch,
                                 domain::Millis now) {
  return patchEntity<Brand>(*impl_, brandKey(id), "brand", id, patch, now, decodeBrand,
                            "brand.updated", {});
}

void DynamoDbStore::deleteBrand(std::string_view id) {
  // docs/dynamodb-model.md, "Deleting a brand": mark, let the index catch up, look for
  // children, delete if still marked by this delete.
  auto& table = impl_->table;
  const std::string brand(id);
  for (int round = 0; round < 10; ++round) {
    const auto until = domain::nowMillis() + impl_->options.lease.count();
    auto marked = table.update(
        brandKey(id), {"SET deletingUntil = :u", "attribute_exists(PK)", {}, {{":u", N(until)}}});
    if (!marked) domain::throwNotFound("brand", id);
    const Expression ours{"", "deletingUntil = :u", {}, {{":u", N(until)}}};
    std::this_thread::sleep_for(impl_->options.indexLag);
    QuerySpec q;
    q.index = Index::gsi1;
    q.limit = 1;
    for (const auto& [what, index] :
         {std::pair{"offers", "#OFFERS"}, {"locations", "#LOCATIONS"}}) {
      q.partition = "BRAND#" + brand + index;
      if (!table.query(q).items.empty()) {
        table.update(brandKey(id), {"REMOVE deletingUntil", ours.condition, {}, ours.values});
        throw brandNotEmpty(brand, what);
      }
    }
    if (impl_->removeWithEvent(brandKey(id), ours, "brand.deleted",
                               domain::toJson(decodeBrand(*marked)))) {
      return;
    }
    // The mark is not ours any more: another delete's, or lifted by a create that found
    // it run out. Look again.
  }
  throw Error(ErrorCode::unavailable, "the store is busy; try again",
              "delete of brand " + brand + " kept losing its mark");
}

Page<Brand> DynamoDbStore::listBrands(const PageRequest& page) {
  return toPage<Brand>(impl_->table.query(listSpec(Index::gsi2, "BRANDS", page)), decodeBrand);
}

// ---- offers ----

void DynamoDbStore::createOffer(const Offer& offer) {
  if (!impl_->table.get(brandKey(offer.brandId))) throw brandMissing("brandId", offer.brandId);
  Offer stored = offer;
  stored.locationsTotal = 0;
  const Impl::CarriedEvent event{domain::newId(), "offer.created", domain::toJson(stored)};
  auto item = offerItem(stored);
  impl_->carry(item, event);
  // The counter item first: an offer is there for readers once both are.
  if (!impl_->table.put(counterItem(offerKey(offer.id), "locationsTotal"), kCreate) ||
      !impl_->table.put(item, kCreate)) {
    throw alreadyExists("offer", offer.id);
  }
  if (!impl_->brandStands(offer.brandId)) {
    // Its brand was deleted meanwhile: take the offer back (untouched, it is still new).
    if (impl_->table.remove(countKey(offerKey(offer.id)),
                            {"",
                             "locationsTotal = :zero AND attribute_not_exists(activeJob)",
                             {},
                             {{":zero", N(0)}}})) {
      impl_->table.remove(offerKey(offer.id));
    }
    throw brandMissing("brandId", offer.brandId);
  }
  impl_->settleCarried(offerKey(offer.id), event);
}

std::optional<Offer> DynamoDbStore::getOffer(std::string_view id) {
  auto item = impl_->getCounted(offerKey(id));
  if (!item) return std::nullopt;
  return decodeOffer(*item);
}

Offer DynamoDbStore::updateOffer(std::string_view id, const domain::OfferPatch& patch,
                                 domain::Millis now) {
  return patchEntity<Offer>(*impl_, offerKey(id), "offer", id, patch, now, decodeOffer,
                            "offer.updated",
                            {"type", "countryCode", "startDate", "endDate", "metadata"});
}

void DynamoDbStore::deleteOffer(std::string_view id) {
  auto item = impl_->getCounted(offerKey(id));
  if (!item) domain::throwNotFound("offer", id);
  for (int round = 0; round < 10; ++round) {
    const auto offer = decodeOffer(*item);
    if (auto job = text(*item, "activeJob"); !job.empty() && !impl_->releaseFinishedJob(id, job)) {
      throw offerHasJob(offer.id, job);
    }
    if (offer.locationsTotal > 0) throw offerStillLinked(offer.id, offer.locationsTotal);
    Expression e{
        "", "locationsTotal = :zero AND attribute_not_exists(activeJob)", {}, {{":zero", N(0)}}};
    if (impl_->removeWithEvent(offerKey(id), e, "offer.deleted", domain::toJson(offer))) {
      return;
    }
    item = impl_->getCounted(offerKey(id));
    if (!item) domain::throwNotFound("offer", id);
  }
  throw Error(ErrorCode::unavailable, "the store is busy; try again");
}

Page<Offer> DynamoDbStore::listOffers(const std::optional<std::string>& brandId,
                                      const PageRequest& page) {
  auto spec = brandId ? listSpec(Index::gsi1, "BRAND#" + *brandId + "#OFFERS", page)
                      : listSpec(Index::gsi2, "OFFERS", page);
  return impl_->countedPage<Offer>(impl_->table.query(spec), decodeOffer);
}

// ---- locations ----

std::optional<Location> DynamoDbStore::getLocation(std::string_view id) {
  auto item = impl_->getCounted(locationKey(id));
  if (!item) return std::nullopt;
  return decodeLocation(*item);
}

Location DynamoDbStore::updateLocation(std::string_view id, const domain::LocationPatch& patch,
                                       domain::Millis now) {
  return patchEntity<Location>(*impl_, locationKey(id), "location", id, patch, now, decodeLocation,
                               "location.updated", {"city", "postcode", "countryCode", "metadata"});
}

Page<Location> DynamoDbStore::listLocations(const std::optional<std::string>& brandId,
                                            const PageRequest& page) {
  auto spec = brandId ? listSpec(Index::gsi1, "BRAND#" + *brandId + "#LOCATIONS", page)
                      : listSpec(Index::gsi2, "LOCATIONS", page);
  return impl_->countedPage<Location>(impl_->table.query(spec), decodeLocation);
}

}  // namespace offers::store::dynamodb
