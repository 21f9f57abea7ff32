// Creating locations (one, or a batch of up to 1,000) on DynamoDB without transactions:
// every location is a conditional PutItem, so an id is created once however many creates
// race for it; a batch that fails takes back what it wrote; a batch whose process died is
// finished by the client's retry of the same request. docs/dynamodb-model.md, "Location
// creates", has the protocol and what a reader can see while it runs.
#include <openssl/sha.h>

#include <algorithm>
#include <atomic>
#include <boost/json/serialize.hpp>
#include <map>
#include <mutex>
#include <set>

#include "domain/entity_json.hpp"
#include "domain/id.hpp"
#include "store/dynamodb/dynamodb_store.hpp"
#include "store/dynamodb/impl.hpp"
#include "store/messages.hpp"

namespace offers::store::dynamodb {

using domain::Error;
using domain::ErrorCode;

namespace {

std::string sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * sizeof digest);
  for (unsigned char c : digest) {
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  }
  return out;
}

// What identifies a batch: the locations as the client sent them (ids and fields, not
// the times the service stamped), so that the client's retry of one request is the same
// batch and any other request is not.
std::string batchDigest(const std::vector<Location>& locations) {
  json::array sent;
  for (const auto& l : locations) {
    auto j = domain::toJson(l);
    for (auto stamped : {"created", "updated", "offersTotal", "hasOffer"}) j.erase(stamped);
    sent.push_back(std::move(j));
  }
  return sha256Hex(json::serialize(sent));
}

// The id of the `location.created` event of the batch's ith location: the same on every
// attempt at the batch, so an event written again after a crash repeats, not multiplies.
std::string createdEventId(const std::string& digest, std::size_t i) {
  const auto h = sha256Hex(digest + "/" + std::to_string(i));
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

// Puts are sent in waves; the batch's lease is renewed between waves.
constexpr std::size_t kWave = 100;

// The sweep's queue of batch records (GSI3), by when their lease runs out.
constexpr std::string_view kBatchQueue = "PENDING#BATCHES";

// One attempt at a batch, owning the batch's record (`BATCH#<digest>`) while it runs.
class Batch {
 public:
  Batch(DynamoDbStore::Impl& impl, const std::vector<Location>& locations)
      : Batch(impl, locations, batchDigest(locations)) {}
  // The batch of a record found by the sweep: its locations known by id alone.
  Batch(DynamoDbStore::Impl& impl, const std::vector<Location>& locations, std::string digest)
      : impl_(impl),
        locations_(locations),
        digest_(std::move(digest)),
        record_{"BATCH#" + digest_, "BATCH"},
        token_(domain::newId()),
        stored_(locations.size()),
        ours_(locations.size(), 0),
        counterIn_(locations.size(), 0),
        entityIn_(locations.size(), 0) {}

  void run() {
    claim();
    preCheck();
    write();
    // Written: each brand must still stand (a delete of it may have raced the batch).
    for (std::size_t i = 0; i < locations_.size(); ++i) {
      const auto& b = locations_[i].brandId;
      if (brandsSeen_.insert(b).second && !impl_.brandStands(b)) {
        rollback();
        throw brandMissing(batchField(i, locations_.size(), "brandId"), b);
      }
    }
    finish();
  }

  // The sweep's part, for a record whose lease ran out (`record` as the sweep read it):
  // takes the record over, then finishes the batch if every location is in (its events
  // may be out already, and repeat harmlessly with the same ids), or takes back what is
  // there if not (no event of it was sent: they go only once all are in). False when a
  // retry or another sweeper had it first.
  bool sweep(const json::object& record) {
    const auto seen = number(record, "leaseUntil");
    if (!impl_.table.update(
            record_, leaseTo(impl_.leaseUntil(), "leaseUntil = :seen", {{":seen", N(seen)}}))) {
      return false;
    }
    for (std::size_t i = 0; i < locations_.size(); ++i) ours_[i] = 1;  // any may have been put
    std::size_t in = 0;
    readOwn([&](std::size_t) { ++in; }, [](std::size_t) {});
    if (in < locations_.size()) {
      rollback();
    } else {
      finish();
    }
    return true;
  }

 private:
  // Every location is in: their events, then the record goes. A death in between leaves
  // the record, and the retry (or the sweep) writes the same events again (same ids).
  // The events go in waves too, the lease renewed between them: a batch still writing
  // its events is alive, and neither a retry nor the sweep may take it over (either would
  // write every event again).
  void finish() {
    for (std::size_t from = 0; from < stored_.size(); from += kWave) {
      renew();
      const std::size_t to = std::min(stored_.size(), from + kWave);
      std::vector<json::object> data;
      std::vector<std::string> ids;
      for (std::size_t i = from; i < to; ++i) {
        data.push_back(domain::toJson(*stored_[i]));
        ids.push_back(createdEventId(digest_, i));
      }
      impl_.appendEvents("location.created", std::move(data), std::move(ids));
    }
    release();
  }

  // Sets this attempt as the holder until `until`, and the record's place in the sweep's
  // queue with it, if `condition` holds.
  Expression leaseTo(domain::Millis until, std::string condition, json::object values) const {
    values[":me"] = S(token_);
    values[":until"] = N(until);
    values[":q"] = S(queueKey(until));
    return {"SET #h = :me, leaseUntil = :until, GSI3SK = :q",
            std::move(condition),
            {{"#h", "holder"}},
            std::move(values)};
  }

  // Records are queued by when their lease runs out: a range read finds the abandoned.
  std::string queueKey(domain::Millis until) const {
    return fixed(std::uint64_t(until)) + "/" + digest_;
  }

  // Takes the batch's record: a new one, or the expired one of an attempt whose process
  // died (then this attempt adopts the locations that attempt wrote).
  void claim() {
    for (int round = 0; round < 10; ++round) {
      const auto until = impl_.leaseUntil();
      json::array ids;
      for (const auto& l : locations_) ids.push_back(json::value(l.id));
      json::object record{{"PK", record_.pk},         {"SK", record_.sk},
                          {"holder", token_},         {"leaseUntil", until},
                          {"ids", std::move(ids)},    {"GSI3PK", kBatchQueue},
                          {"GSI3SK", queueKey(until)}};
      if (impl_.table.put(record, {"", "attribute_not_exists(PK)", {}, {}})) {
        renewed_ = std::chrono::steady_clock::now();
        return;
      }
      auto held = impl_.table.get(record_);
      if (!held) continue;  // released just now: take it afresh
      const auto seen = number(*held, "leaseUntil");
      if (seen > domain::nowMillis()) {
        throw Error(ErrorCode::unavailable, "a create of these locations is in progress; try again",
                    "batch " + digest_ + " is held by a live attempt");
      }
      if (impl_.table.update(
              record_, leaseTo(impl_.leaseUntil(), "leaseUntil = :seen", {{":seen", N(seen)}}))) {
        adopting_ = true;
        renewed_ = std::chrono::steady_clock::now();
        return;
      }
    }
    throw Error(ErrorCode::unavailable, "the store is busy; try again",
                "batch " + digest_ + " kept changing hands");
  }

  // Once a third of the lease has passed since it was last set, sets it again; a
  // record no longer ours means another attempt took the batch over.
  void renew() {
    if (std::chrono::steady_clock::now() - renewed_ < impl_.options.lease / 3) return;
    if (!impl_.table.update(record_, leaseTo(impl_.leaseUntil(), "#h = :me", {}))) {
      throw Error(ErrorCode::unavailable, "the store is slow; try again",
                  "batch " + digest_ + " was taken over by another attempt");
    }
    renewed_ = std::chrono::steady_clock::now();
  }

  // Reads the location and counter items of every id: notes those this batch wrote (their
  // `batch` is its digest; a location is in once both are), calls `whole(i)` for each
  // location that is in and `taken(i)` for each id that something else holds.
  template <class Whole, class Taken>
  void readOwn(Whole&& whole, Taken&& taken) {
    std::map<std::string, std::size_t> index;
    std::vector<Key> keys;
    for (std::size_t i = 0; i < locations_.size(); ++i) {
      index.emplace(locationKey(locations_[i].id).pk, i);
      keys.push_back(locationKey(locations_[i].id));
      keys.push_back(countKey(keys.back()));
    }
    std::vector<std::optional<json::object>> entities(locations_.size());
    std::vector<std::optional<json::object>> counters(locations_.size());
    for (auto& item : impl_.table.batchGet(keys)) {
      const auto i = index.at(text(item, "PK"));
      (isCounter(item) ? counters[i] : entities[i]) = std::move(item);
    }
    for (std::size_t i = 0; i < locations_.size(); ++i) {
      const bool mineC = counters[i] && text(*counters[i], "batch") == digest_;
      const bool mineE = entities[i] && text(*entities[i], "batch") == digest_;
      if ((counters[i] && !mineC) || (entities[i] && !mineE)) {
        taken(i);
        continue;
      }
      counterIn_[i] = mineC;
      entityIn_[i] = mineE;
      if (mineC && mineE) {
        stored_[i] = domain::locationFromJson(withCounter(*entities[i], *counters[i]));
        whole(i);
      }
    }
  }

  // One read of every id (skipped for a single new location, whose conditional puts say
  // the same), so that a batch with a taken id writes nothing. Locations an earlier
  // attempt at this batch wrote, whole or in part, are adopted.
  void preCheck() {
    if (locations_.size() == 1 && !adopting_) return;
    std::size_t firstTaken = SIZE_MAX;
    readOwn([](std::size_t) {}, [&](std::size_t i) { firstTaken = std::min(firstTaken, i); });
    if (!adopting_) {
      // Nothing of a new batch can be its own: whatever is there is someone else's.
      for (std::size_t i = 0; i < locations_.size(); ++i) {
        if (counterIn_[i] || entityIn_[i]) firstTaken = std::min(firstTaken, i);
      }
    } else {
      for (std::size_t i = 0; i < locations_.size(); ++i) {
        if (counterIn_[i] || entityIn_[i]) ours_[i] = 1;
      }
    }
    if (firstTaken != SIZE_MAX) {
      rollback();
      throw taken(firstTaken);
    }
  }

  void write() {
    std::vector<std::size_t> todo;
    for (std::size_t i = 0; i < locations_.size(); ++i) {
      if (!stored_[i]) todo.push_back(i);
    }
    std::atomic<std::size_t> firstLost{SIZE_MAX};
    std::mutex failureMutex;
    std::exception_ptr failure;
    for (std::size_t from = 0; from < todo.size(); from += kWave) {
      // A failed renewal means another attempt has the batch now: it finishes it or takes
      // back what is here.
      renew();
      const std::size_t n = std::min(kWave, todo.size() - from);
      impl_.parallel(n, [&](std::size_t k) {
        const auto i = todo[from + k];
        Location l = locations_[i];
        l.offersTotal = 0;
        const auto key = locationKey(l.id);
        const Expression create{"", "attribute_not_exists(PK)", {}, {}};
        ours_[i] = 1;  // from here it may be in the table, whatever the answer
        try {
          // The counter item claims the id; the location's item makes it visible.
          bool put = true;
          if (!counterIn_[i]) {
            auto counter = counterItem(key, "offersTotal");
            counter["batch"] = digest_;
            put = impl_.table.put(counter, create);
          }
          if (put && !entityIn_[i]) {
            auto item = locationItem(l);
            item["batch"] = digest_;
            put = impl_.table.put(item, create);
          }
          if (put) {
            stored_[i] = std::move(l);
            return;
          }
          // Another create took the id between the check and the put (or a delete of the
          // id is still being finished).
          for (auto seen = firstLost.load();
               i < seen && !firstLost.compare_exchange_weak(seen, i);) {
          }
        } catch (...) {
          std::lock_guard lock(failureMutex);
          if (!failure) failure = std::current_exception();
        }
      });
      if (firstLost != SIZE_MAX || failure) break;
    }
    if (firstLost != SIZE_MAX) {
      rollback();
      throw taken(firstLost);
    }
    if (failure) {
      rollback();
      std::rethrow_exception(failure);
    }
  }

  // Takes back every location this batch may have put, unless a link has counted it in
  // the meantime (it has been used: it stays, and gets its created event); then lets the
  // record go. Best effort: if the store fails here too, the record's lease runs out and
  // the client's retry of the same request adopts what is left and goes on.
  void rollback() noexcept {
    try {
      std::vector<std::size_t> mine;
      for (std::size_t i = 0; i < ours_.size(); ++i) {
        if (ours_[i]) mine.push_back(i);
      }
      std::vector<std::optional<json::object>> kept(mine.size());  // as read, if it stays
      impl_.parallel(mine.size(), [&](std::size_t k) {
        const auto key = locationKey(locations_[mine[k]].id);
        const Expression ours{"", "#b = :d", {{"#b", "batch"}}, {{":d", S(digest_)}}};
        Expression unused = ours;
        unused.condition += " AND offersTotal = :zero AND attribute_not_exists(#ops)";
        unused.names["#ops"] = "ops";
        unused.values[":zero"] = N(0);
        // The counter item first (where a link would have counted it), then the location.
        if (!impl_.table.remove(countKey(key), unused)) {
          auto counter = impl_.table.get(countKey(key));
          if (counter && text(*counter, "batch") == digest_) {
            if (auto item = impl_.table.get(key)) kept[k] = withCounter(std::move(*item), *counter);
            return;
          }
        }
        impl_.table.remove(key, ours);
      });
      std::vector<json::object> data;
      std::vector<std::string> ids;
      for (std::size_t k = 0; k < mine.size(); ++k) {
        if (!kept[k]) continue;
        data.push_back(domain::toJson(domain::locationFromJson(*kept[k])));
        ids.push_back(createdEventId(digest_, mine[k]));
      }
      if (!data.empty()) impl_.appendEvents("location.created", std::move(data), std::move(ids));
      release();
    } catch (...) {
    }
  }

  void release() {
    impl_.table.remove(record_, {"", "#h = :me", {{"#h", "holder"}}, {{":me", S(token_)}}});
  }

  Error taken(std::size_t i) const {
    return alreadyExists("location", locations_[i].id, batchField(i, locations_.size(), "id"));
  }

  DynamoDbStore::Impl& impl_;
  const std::vector<Location>& locations_;
  const std::string digest_;
  const Key record_;
  const std::string token_;
  bool adopting_ = false;
  std::chrono::steady_clock::time_point renewed_;
  std::vector<std::optional<Location>> stored_;  // as in the table, once written or adopted
  std::vector<char> ours_;                       // may have been put by this batch
  std::vector<char> counterIn_;                  // its counter item is this batch's
  std::vector<char> entityIn_;                   // its location item is this batch's
  std::set<std::string> brandsSeen_;
};

}  // namespace

void DynamoDbStore::createLocations(const std::vector<Location>& locations) {
  std::map<std::string, bool> brands;
  for (std::size_t i = 0; i < locations.size(); ++i) {
    const auto& b = locations[i].brandId;
    if (!brands.contains(b)) brands[b] = impl_->table.get(brandKey(b)).has_value();
    if (!brands[b]) throw brandMissing(batchField(i, locations.size(), "brandId"), b);
  }
  Batch(*impl_, locations).run();
}

std::size_t DynamoDbStore::Impl::sweepAbandonedBatches(domain::Millis now) {
  std::size_t swept = 0;
  for (const auto& record : dueIn(kBatchQueue, now, 10)) {
    std::vector<Location> locations;
    if (const auto* ids = record.if_contains("ids"); ids && ids->is_array()) {
      for (const auto& id : ids->as_array()) {
        Location l;
        l.id = std::string(id.as_string());
        locations.push_back(std::move(l));
      }
    }
    const auto digest = text(record, "PK").substr(std::string_view("BATCH#").size());
    try {
      if (Batch(*this, locations, std::string(digest)).sweep(record)) ++swept;
    } catch (const Error&) {
      // The store is failing: the record's new lease runs out, and a later round retries.
    }
  }
  return swept;
}

}  // namespace offers::store::dynamodb
