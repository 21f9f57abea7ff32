// bench_dynamodb_cost: what the DynamoDB engine's link operations cost in requests, and
// how fast they run against one endpoint, next to that endpoint's own ceiling.
//
//   bench_dynamodb_cost --endpoint http://127.0.0.1:PORT [--threads 8] [--puts 10000]
//                       [--ceiling-threads 8,16,32] [--creates 50] [--links 2000]
//                       [--offers 10] [--bulk 1000] [--size-links 50] [--page-size 1000]
//                       [--parallelism 16] [--json FILE]
//
// Phases, each on a fresh table:
//   ceiling     --puts conditional PutItems (attribute_not_exists(PK)) of small items
//               through the engine's own Client, at each of --ceiling-threads concurrency
//               levels: the endpoint's best rate for the cheapest write the engine makes,
//               the yardstick for everything else (an endpoint like dynalite serves more
//               with more requests in flight, and the jobs keep --parallelism in flight);
//   creates     --creates location creates of one location each, then one batch of --bulk
//               locations (DynamoDbStore::createLocations);
//   links       DynamoDbStore::link of --links new pairs from --threads threads (the pairs
//               spread over --offers offers), then DynamoDbStore::unlink of the same pairs;
//   sizes       --size-links single links and unlinks, one at a time, of one offer and as
//               many locations, all with metadata of 0, 4 KiB and 15 KiB: the write units
//               per link as the endpoint counts them, by the size of the entities;
//   link job    one link-brand-locations job over --bulk locations, runJobStep until it
//               is terminal; then an unlink-all-locations job over the same links.
// Requests are counted per DynamoDB operation (GetItem, Query, UpdateItem, ...) so that
// the per-link figures can be checked against docs/dynamodb-model.md step by step. The
// sizes of the items the links wrote are measured too, by DynamoDB's item-size rules,
// because a write's capacity units depend on them.
//
// Credentials are the dummy "test"/"test" and the region us-east-1: the program is meant
// for a local endpoint (dynalite); bench/dynamodb.sh runs it.
#include <algorithm>
#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "args.hpp"
#include "aws/client.hpp"
#include "domain/id.hpp"
#include "domain/job.hpp"
#include "domain/time.hpp"
#include "store/dynamodb/dynamodb_store.hpp"
// The engine's item keys, so that the items measured here are found where the engine
// puts them rather than where a second copy of the layout says they are.
#include "store/dynamodb/impl.hpp"
#include "store/dynamodb/table.hpp"

namespace {

namespace json = boost::json;
namespace ddb = offers::store::dynamodb;
namespace domain = offers::domain;
using Clock = std::chrono::steady_clock;

struct Settings {
  std::string endpoint;
  unsigned threads = 8;
  std::size_t puts = 10000;
  std::vector<unsigned> ceilingThreads = {8, 16, 32};
  std::size_t creates = 50;
  std::size_t links = 2000;
  std::size_t offers = 10;
  std::size_t bulk = 1000;
  std::size_t sizeLinks = 50;
  std::size_t pageSize = 1000;
  unsigned parallelism = 16;
  std::string jsonPath;
};

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "bench_dynamodb_cost: " << problem << "\n"
            << "usage: bench_dynamodb_cost --endpoint URL [--threads N] [--puts N]\n"
               "       [--ceiling-threads N,N,...] [--creates N] [--links N] [--offers N]\n"
               "       [--bulk N] [--size-links N] [--page-size N] [--parallelism N]\n"
               "       [--json FILE]\n";
  std::exit(2);
}

std::size_t positive(const std::string& flag, const std::string& value) {
  return bench::positive(flag, value, usage);
}

Settings parse(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) usage(flag + " needs a value");
    const std::string v = argv[++i];
    if (flag == "--endpoint") {
      s.endpoint = v;
    } else if (flag == "--threads") {
      s.threads = unsigned(positive(flag, v));
    } else if (flag == "--puts") {
      s.puts = positive(flag, v);
    } else if (flag == "--ceiling-threads") {
      s.ceilingThreads = bench::positives(flag, v, usage);
    } else if (flag == "--creates") {
      s.creates = positive(flag, v);
    } else if (flag == "--links") {
      s.links = positive(flag, v);
    } else if (flag == "--offers") {
      s.offers = positive(flag, v);
    } else if (flag == "--bulk") {
      s.bulk = positive(flag, v);
    } else if (flag == "--size-links") {
      s.sizeLinks = positive(flag, v);
    } else if (flag == "--page-size") {
      s.pageSize = positive(flag, v);
    } else if (flag == "--parallelism") {
      s.parallelism = unsigned(positive(flag, v));
    } else if (flag == "--json") {
      s.jsonPath = v;
    } else {
      usage("unknown option " + flag);
    }
  }
  if (s.endpoint.empty()) usage("--endpoint is required");
  return s;
}

// ---- the request meter ----

// Requests by DynamoDB operation. Fed by the client's per-attempt hook (a test seam that
// sees the operation name of every attempt, retries included), so it counts exactly what
// Client::requestsSent() counts, broken down.
class OperationMeter {
 public:
  static constexpr std::array<std::string_view, 9> kNames = {
      "GetItem",    "BatchGetItem",   "Query",       "PutItem",      "UpdateItem",
      "DeleteItem", "BatchWriteItem", "CreateTable", "DescribeTable"};

  void count(std::string_view operation) {
    for (std::size_t i = 0; i < kNames.size(); ++i) {
      if (kNames[i] == operation) {
        ++counts_[i];
        return;
      }
    }
    ++counts_[kNames.size()];
  }

  using Snapshot = std::array<std::uint64_t, kNames.size() + 1>;
  Snapshot snapshot() const {
    Snapshot out{};
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = counts_[i].load();
    return out;
  }

  // Requests per unit of work between two snapshots, by operation ("other" last).
  static json::object perUnit(const Snapshot& before, const Snapshot& after, double units) {
    json::object out;
    for (std::size_t i = 0; i < before.size(); ++i) {
      const auto n = after[i] - before[i];
      if (n == 0) continue;
      const std::string name = i < kNames.size() ? std::string(kNames[i]) : "other";
      out[name] = double(n) / units;
    }
    return out;
  }

  // Capacity units the endpoint reported (ReturnConsumedCapacity TOTAL: the table's
  // units by DynamoDB's size rules; dynalite leaves out the indexes' copies).
  ddb::CapacityMeter capacity;
  std::pair<double, double> units() const { return {capacity.write.load(), capacity.read.load()}; }

  static std::uint64_t total(const Snapshot& before, const Snapshot& after) {
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < before.size(); ++i) n += after[i] - before[i];
    return n;
  }

 private:
  std::array<std::atomic<std::uint64_t>, kNames.size() + 1> counts_{};
};

ddb::ClientOptions clientOptions(const Settings& s, OperationMeter& meter) {
  ddb::ClientOptions o;
  o.endpoint = s.endpoint;
  o.region = "us-east-1";
  o.credentials = {"test", "test", ""};
  o.faultHook = [&meter](std::string_view operation, ddb::CallPhase phase) {
    if (phase == ddb::CallPhase::before) meter.count(operation);
  };
  o.capacity = &meter.capacity;
  return o;
}

// A table name nobody else uses on this endpoint: every phase starts empty.
std::string freshTable(std::string_view purpose) {
  return "bench-" + std::string(purpose) + "-" + domain::newId().substr(0, 8);
}

// ---- running work on threads ----

struct RunResult {
  double seconds = 0;
  std::size_t failures = 0;
  std::string firstFailure;
  std::vector<double> latencyMs;  // one per unit of work, sorted
};

// Runs fn(0..n-1) on `threads` threads, each taking the next index, and times the whole.
RunResult runParallel(unsigned threads, std::size_t n, const std::function<void(std::size_t)>& fn) {
  RunResult r;
  std::atomic<std::size_t> next{0};
  std::mutex mutex;
  std::vector<std::vector<double>> latencies(threads);
  auto work = [&](unsigned t) {
    for (;;) {
      const auto i = next.fetch_add(1);
      if (i >= n) return;
      const auto start = Clock::now();
      try {
        fn(i);
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        if (r.failures++ == 0) r.firstFailure = e.what();
      }
      latencies[t].push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
  };
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work, t);
  for (auto& t : pool) t.join();
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& l : latencies) r.latencyMs.insert(r.latencyMs.end(), l.begin(), l.end());
  std::sort(r.latencyMs.begin(), r.latencyMs.end());
  return r;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto i = std::size_t(std::ceil(p / 100.0 * double(sorted.size()))) - 1;
  return sorted[std::min(i, sorted.size() - 1)];
}

// ---- item sizes, by the rules DynamoDB publishes for capacity units ----

std::size_t valueBytes(const json::value& attribute);

// A number: about one byte per two significant digits, plus one.
std::size_t numberBytes(std::string_view text) {
  std::string digits;
  for (char c : text) {
    if (c >= '0' && c <= '9') digits += c;
    if (c == 'e' || c == 'E') break;
  }
  const auto first = digits.find_first_not_of('0');
  if (first == std::string::npos) return 1;
  digits = digits.substr(first);
  digits.erase(digits.find_last_not_of('0') + 1);
  return (digits.size() + 1) / 2 + 1;
}

std::size_t valueBytes(const json::value& attribute) {
  const auto& a = attribute.as_object();
  const auto& [type, v] = *a.begin();
  if (type == "S") return v.as_string().size();
  if (type == "N") return numberBytes(v.as_string());
  if (type == "BOOL" || type == "NULL") return 1;
  if (type == "SS") {
    std::size_t n = 0;
    for (const auto& x : v.as_array()) n += x.as_string().size();
    return n;
  }
  if (type == "NS") {
    std::size_t n = 0;
    for (const auto& x : v.as_array()) n += numberBytes(x.as_string());
    return n;
  }
  if (type == "L") {
    std::size_t n = 3;  // a list's own overhead, then one byte per element
    for (const auto& x : v.as_array()) n += 1 + valueBytes(x);
    return n;
  }
  if (type == "M") {
    std::size_t n = 3;
    for (const auto& [k, x] : v.as_object()) n += 1 + k.size() + valueBytes(x);
    return n;
  }
  return 0;
}

// An item's size: attribute names plus values.
std::size_t itemBytes(const json::object& item) {
  std::size_t n = 0;
  for (const auto& [k, v] : item) n += k.size() + valueBytes(v);
  return n;
}

struct ItemSize {
  std::string type;
  std::size_t bytes = 0;
  std::vector<std::string> indexes;  // the GSIs the item is in, by its key attributes
};

ItemSize measure(std::string type, const json::object& item) {
  ItemSize s{std::move(type), itemBytes(item), {}};
  for (const char* gsi : {"GSI1", "GSI2", "GSI3"}) {
    if (item.contains(std::string(gsi) + "PK")) s.indexes.emplace_back(gsi);
  }
  return s;
}

// The raw item (AttributeValues) at a key, read consistently.
std::optional<json::object> rawItem(ddb::Client& client, const std::string& table,
                                    const ddb::Key& key) {
  auto r = client.call("GetItem", {{"TableName", table},
                                   {"Key", {{"PK", ddb::S(key.pk)}, {"SK", ddb::S(key.sk)}}},
                                   {"ConsistentRead", true}});
  if (const auto* item = r.if_contains("Item")) return item->as_object();
  return std::nullopt;
}

// The newest item of a partition (the last event written to an event shard).
std::optional<json::object> newestInPartition(ddb::Client& client, const std::string& table,
                                              const std::string& partition) {
  auto r = client.call("Query", {{"TableName", table},
                                 {"KeyConditionExpression", "PK = :p"},
                                 {"ExpressionAttributeValues", {{":p", ddb::S(partition)}}},
                                 {"ScanIndexForward", false},
                                 {"Limit", 1},
                                 {"ConsistentRead", true}});
  const auto& items = r.at("Items").as_array();
  if (items.empty()) return std::nullopt;
  return items.front().as_object();
}

// ---- phases ----

json::object ceiling(const Settings& s) {
  OperationMeter meter;
  ddb::Client client(clientOptions(s, meter));
  ddb::Table table(client, freshTable("ceiling"));
  table.createIfMissing();
  const ddb::Expression create{"", "attribute_not_exists(PK)", {}, {}};
  auto put = [&](const std::string& prefix, std::size_t i) {
    // Small and outside every index: the least work a conditional write can be.
    json::object item{{"PK", prefix + std::to_string(i)}, {"SK", "ITEM"}, {"n", std::int64_t(i)}};
    if (!table.put(item, create)) throw std::runtime_error("condition failed on a fresh key");
  };
  const auto most = *std::max_element(s.ceilingThreads.begin(), s.ceilingThreads.end());
  // Unmeasured: opens the keep-alive connections and warms the endpoint up.
  runParallel(most, std::min<std::size_t>(s.puts / 10 + most, 2000),
              [&](std::size_t i) { put("WARM#", i); });
  json::array levels;
  json::object best;
  for (std::size_t level = 0; level < s.ceilingThreads.size(); ++level) {
    const auto threads = s.ceilingThreads[level];
    const auto before = client.requestsSent();
    const auto prefix = "ITEM#" + std::to_string(level) + "#";
    const auto r = runParallel(threads, s.puts, [&](std::size_t i) { put(prefix, i); });
    json::object x{{"puts", s.puts},
                   {"threads", threads},
                   {"seconds", r.seconds},
                   {"puts_per_s", double(s.puts) / r.seconds},
                   {"requests", client.requestsSent() - before},
                   {"p50_ms", percentile(r.latencyMs, 50)},
                   {"p99_ms", percentile(r.latencyMs, 99)},
                   {"failures", r.failures},
                   {"first_failure", r.firstFailure}};
    if (best.empty() || x.at("puts_per_s").as_double() > best.at("puts_per_s").as_double()) {
      best = x;
    }
    levels.push_back(std::move(x));
  }
  best["levels"] = std::move(levels);
  return best;
}

ddb::Options storeOptions(const Settings& s, OperationMeter& meter, std::string_view purpose) {
  ddb::Options o;
  o.client = clientOptions(s, meter);
  o.table = freshTable(purpose);
  o.createTable = true;
  // One process: it orders the feed by its own in-flight events, no lag needed.
  o.eventLag = std::chrono::milliseconds(0);
  o.parallelism = s.parallelism;
  return o;
}

domain::Brand makeBrand(const std::string& name) {
  const auto now = domain::nowMillis();
  return {domain::newId(), name, now, now};
}

domain::Offer makeOffer(const std::string& brandId, std::size_t i) {
  domain::Offer o;
  o.id = domain::newId();
  o.name = "Bench offer " + std::to_string(i);
  o.brandId = brandId;
  o.created = o.updated = domain::nowMillis();
  return o;
}

std::vector<domain::Location> makeLocations(ddb::DynamoDbStore& store, const std::string& brandId,
                                            std::size_t n) {
  std::vector<domain::Location> all;
  for (std::size_t first = 0; first < n; first += 1000) {
    std::vector<domain::Location> batch;
    for (std::size_t i = first; i < std::min(n, first + 1000); ++i) {
      domain::Location l;
      l.id = domain::newId();
      l.address = std::to_string(i) + " Benchmark Street";
      l.brandId = brandId;
      l.created = l.updated = domain::nowMillis();
      batch.push_back(l);
    }
    store.createLocations(batch);
    all.insert(all.end(), batch.begin(), batch.end());
  }
  return all;
}

json::object phaseResult(const RunResult& r, std::size_t n, const OperationMeter::Snapshot& before,
                         const OperationMeter::Snapshot& after) {
  const auto requests = OperationMeter::total(before, after);
  return {{"count", n},
          {"seconds", r.seconds},
          {"per_s", double(n) / r.seconds},
          {"requests", requests},
          {"requests_per_op", double(requests) / double(n)},
          {"ops", OperationMeter::perUnit(before, after, double(n))},
          {"p50_ms", percentile(r.latencyMs, 50)},
          {"p99_ms", percentile(r.latencyMs, 99)},
          {"failures", r.failures},
          {"first_failure", r.firstFailure}};
}

struct Checks {
  json::array list;
  bool ok = true;
  void add(bool pass, const std::string& text) {
    list.push_back(json::object{{"ok", pass}, {"text", text}});
    ok = ok && pass;
  }
};

// Location creates: --creates single creates (one location each), then one batch of
// --bulk locations, each on the same fresh table; requests per create and per location.
json::object creates(const Settings& s, Checks& checks) {
  OperationMeter meter;
  auto options = storeOptions(s, meter, "creates");
  ddb::DynamoDbStore store(options);
  const auto brand = makeBrand("Bench brand");
  store.createBrand(brand);
  auto before = meter.snapshot();
  const auto r = runParallel(1, s.creates, [&](std::size_t) { makeLocations(store, brand.id, 1); });
  auto after = meter.snapshot();
  auto single = phaseResult(r, s.creates, before, after);
  checks.add(r.failures == 0, "every single create succeeded: " + std::to_string(r.failures) +
                                  " failures" + (r.failures ? " (" + r.firstFailure + ")" : ""));
  before = meter.snapshot();
  const auto t0 = Clock::now();
  const auto batch = makeLocations(store, brand.id, s.bulk);
  const double batchSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
  after = meter.snapshot();
  json::object many{{"count", s.bulk},
                    {"seconds", batchSeconds},
                    {"requests", OperationMeter::total(before, after)},
                    {"ops", OperationMeter::perUnit(before, after, 1.0)}};
  std::size_t found = 0;
  for (const auto& l : batch) found += store.getLocation(l.id).has_value();
  checks.add(found == batch.size(),
             "every location of the batch is stored: " + std::to_string(found) + " of " +
                 std::to_string(batch.size()));
  return {{"single", std::move(single)}, {"batch", std::move(many)}};
}

json::object links(const Settings& s, Checks& checks, std::vector<ItemSize>& sizes) {
  OperationMeter meter;
  auto options = storeOptions(s, meter, "links");
  const auto tableName = options.table;
  ddb::DynamoDbStore store(options);
  const auto brand = makeBrand("Bench brand");
  store.createBrand(brand);
  std::vector<domain::Offer> offers;
  for (std::size_t i = 0; i < s.offers; ++i) {
    offers.push_back(makeOffer(brand.id, i));
    store.createOffer(offers.back());
  }
  // Pair k: location k % L with offer k / L, so the threads work on one offer at a time
  // (the hot-offer case) over as many locations as they can.
  const std::size_t nLocations = (s.links + s.offers - 1) / s.offers;
  const auto locations = makeLocations(store, brand.id, nLocations);
  auto pair = [&](std::size_t k) {
    return std::pair{offers[(k / nLocations) % offers.size()].id, locations[k % nLocations].id};
  };

  std::atomic<std::size_t> notCreated{0};
  auto before = meter.snapshot();
  const auto linked = runParallel(s.threads, s.links, [&](std::size_t k) {
    auto [o, l] = pair(k);
    if (!store.link(o, l).created) ++notCreated;
  });
  auto after = meter.snapshot();
  auto linkResult = phaseResult(linked, s.links, before, after);
  checks.add(linked.failures == 0 && notCreated == 0,
             "every single link succeeded and was new (" + std::to_string(linked.failures) +
                 " failures, " + std::to_string(notCreated.load()) + " already linked)");
  std::int64_t sum = 0;
  for (const auto& o : offers) sum += store.getOffer(o.id)->locationsTotal;
  checks.add(sum == std::int64_t(s.links),
             "sum of the offers' locationsTotal after linking = " + std::to_string(s.links) + ": " +
                 std::to_string(sum));

  // The items as the links left them, for their sizes (a write's units depend on them).
  ddb::Client reader(clientOptions(s, meter));
  const auto [o0, l0] = pair(0);
  const std::vector<std::pair<std::string, ddb::Key>> atRest = {{"brand", ddb::brandKey(brand.id)},
                                                                {"offer", ddb::offerKey(o0)},
                                                                {"location", ddb::locationKey(l0)},
                                                                {"link", ddb::linkKey(o0, l0)}};
  for (const auto& [type, key] : atRest) {
    if (auto item = rawItem(reader, tableName, key)) sizes.push_back(measure(type, *item));
  }
  if (auto event = newestInPartition(reader, tableName, ddb::eventKey(0).pk)) {
    sizes.push_back(measure("event (link.created)", *event));
  }

  before = meter.snapshot();
  const auto unlinked = runParallel(s.threads, s.links, [&](std::size_t k) {
    auto [o, l] = pair(k);
    store.unlink(o, l);
  });
  after = meter.snapshot();
  auto unlinkResult = phaseResult(unlinked, s.links, before, after);
  checks.add(unlinked.failures == 0,
             "every single unlink succeeded (" + std::to_string(unlinked.failures) + " failures)");
  sum = 0;
  for (const auto& o : offers) sum += store.getOffer(o.id)->locationsTotal;
  checks.add(sum == 0,
             "sum of the offers' locationsTotal after unlinking = 0: " + std::to_string(sum));
  return {{"threads", s.threads},
          {"offers", s.offers},
          {"locations", nLocations},
          {"link", linkResult},
          {"unlink", unlinkResult}};
}

// Write units per link and unlink by the size of the entities linked: an offer and
// --size-links locations, all with metadata of the same size (none, 4 KiB, 15 KiB), linked
// and unlinked one at a time. The units are the table's, as the endpoint counts them by
// DynamoDB's size rules; what grows with the entities is there.
json::object entitySizes(const Settings& s, Checks& checks) {
  json::array out;
  for (std::size_t metadataBytes : {std::size_t(0), std::size_t(4096), std::size_t(15360)}) {
    OperationMeter meter;
    auto options = storeOptions(s, meter, "sizes");
    ddb::DynamoDbStore store(options);
    const auto brand = makeBrand("Bench brand");
    store.createBrand(brand);
    std::optional<json::object> metadata;
    if (metadataBytes > 0) metadata = json::object{{"notes", std::string(metadataBytes, 'x')}};
    auto offer = makeOffer(brand.id, 0);
    offer.metadata = metadata;
    store.createOffer(offer);
    auto locations = makeLocations(store, brand.id, 0);
    for (std::size_t i = 0; i < s.sizeLinks; ++i) {
      domain::Location l;
      l.id = domain::newId();
      l.address = std::to_string(i) + " Benchmark Street";
      l.brandId = brand.id;
      l.metadata = metadata;
      l.created = l.updated = domain::nowMillis();
      locations.push_back(l);
    }
    store.createLocations(locations);
    json::object row{{"metadata_bytes", metadataBytes}};
    for (const char* kind : {"link", "unlink"}) {
      const auto [w0, r0] = meter.units();
      const auto before = meter.snapshot();
      const auto r = runParallel(1, locations.size(), [&](std::size_t k) {
        if (std::string_view(kind) == "link") {
          store.link(offer.id, locations[k].id);
        } else {
          store.unlink(offer.id, locations[k].id);
        }
      });
      // The token forgetter's round after the last one belongs to it too.
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      const auto [w1, r1] = meter.units();
      const auto after = meter.snapshot();
      checks.add(r.failures == 0,
                 std::string("every ") + kind + " with " + std::to_string(metadataBytes) +
                     " bytes of metadata succeeded: " + std::to_string(r.failures) + " failures");
      const double n = double(locations.size());
      row[kind] = json::object{{"write_units", (w1 - w0) / n},
                               {"read_units", (r1 - r0) / n},
                               {"requests", double(OperationMeter::total(before, after)) / n}};
    }
    out.push_back(std::move(row));
  }
  return {{"per_size", std::move(out)}, {"links", s.sizeLinks}};
}

// Steps a job to its end and records what each step cost.
json::object runJob(ddb::DynamoDbStore& store, OperationMeter& meter, const domain::Job& job,
                    std::size_t pageSize, domain::Job& last) {
  json::array steps;
  const auto jobBefore = meter.snapshot();
  const auto start = Clock::now();
  std::int64_t processed = 0;
  for (;;) {
    const auto before = meter.snapshot();
    const auto t0 = Clock::now();
    last = store.runJobStep(job.id, pageSize);
    const auto after = meter.snapshot();
    steps.push_back(
        json::object{{"seconds", std::chrono::duration<double>(Clock::now() - t0).count()},
                     {"locations", last.processed - processed},
                     {"requests", OperationMeter::total(before, after)},
                     {"ops", OperationMeter::perUnit(before, after, 1.0)}});
    processed = last.processed;
    if (domain::isTerminal(last.status)) break;
  }
  const auto seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const auto after = meter.snapshot();
  const auto n = std::max<std::int64_t>(last.processed, 1);
  return {{"status", std::string(domain::toString(last.status))},
          {"processed", last.processed},
          {"seconds", seconds},
          {"locations_per_s", double(last.processed) / seconds},
          {"requests", OperationMeter::total(jobBefore, after)},
          {"requests_per_location", double(OperationMeter::total(jobBefore, after)) / double(n)},
          {"steps", steps}};
}

json::object bulk(const Settings& s, Checks& checks, std::vector<ItemSize>& sizes) {
  OperationMeter meter;
  auto options = storeOptions(s, meter, "bulk");
  const auto tableName = options.table;
  ddb::DynamoDbStore store(options);
  const auto brand = makeBrand("Bulk brand");
  store.createBrand(brand);
  const auto offer = makeOffer(brand.id, 0);
  store.createOffer(offer);
  makeLocations(store, brand.id, s.bulk);

  auto newJob = [&](domain::JobType type) {
    domain::Job j;
    j.id = domain::newId();
    j.type = type;
    j.offerId = offer.id;
    j.brandId = brand.id;
    j.created = domain::nowMillis();
    return j;
  };

  const auto linkJob = newJob(domain::JobType::link_brand_locations);
  auto before = meter.snapshot();
  store.createJob(linkJob);
  const auto createRequests = OperationMeter::total(before, meter.snapshot());
  domain::Job done;
  auto linkResult = runJob(store, meter, linkJob, s.pageSize, done);
  linkResult["create_requests"] = createRequests;
  const auto total = store.getOffer(offer.id)->locationsTotal;
  checks.add(done.status == domain::JobStatus::succeeded && done.linked == std::int64_t(s.bulk) &&
                 total == std::int64_t(s.bulk),
             "link job succeeded, linked = " + std::to_string(s.bulk) +
                 " = offer locationsTotal: " + std::string(domain::toString(done.status)) + ", " +
                 std::to_string(done.linked) + ", " + std::to_string(total));
  ddb::Client reader(clientOptions(s, meter));
  if (auto item = rawItem(reader, tableName, ddb::jobKey(linkJob.id))) {
    sizes.push_back(measure("job (succeeded)", *item));
  }

  const auto unlinkJob = newJob(domain::JobType::unlink_all_locations);
  store.createJob(unlinkJob);
  auto unlinkResult = runJob(store, meter, unlinkJob, s.pageSize, done);
  const auto left = store.getOffer(offer.id)->locationsTotal;
  checks.add(done.status == domain::JobStatus::succeeded && done.unlinked == std::int64_t(s.bulk) &&
                 left == 0,
             "unlink job succeeded, unlinked = " + std::to_string(s.bulk) +
                 ", offer locationsTotal 0: " + std::string(domain::toString(done.status)) + ", " +
                 std::to_string(done.unlinked) + ", " + std::to_string(left));
  return {{"locations", s.bulk},
          {"page_size", s.pageSize},
          {"parallelism", s.parallelism},
          {"link_job", linkResult},
          {"unlink_job", unlinkResult}};
}

// ---- report ----

std::string fmt(double v, int decimals = 0) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

void printOps(const json::object& ops) {
  std::string line;
  for (const auto& [k, v] : ops) {
    line += (line.empty() ? "" : ", ") + std::string(k) + " " + fmt(v.to_number<double>(), 2);
  }
  std::cout << "      by operation: " << line << "\n";
}

void print(const json::object& r) {
  const auto& c = r.at("ceiling").as_object();
  const auto puts = c.at("puts_per_s").to_number<double>();
  std::cout << "endpoint ceiling: conditional PutItem of small items:";
  for (const auto& v : c.at("levels").as_array()) {
    const auto& x = v.as_object();
    std::cout << " " << x.at("threads").to_number<std::int64_t>() << " threads "
              << fmt(x.at("puts_per_s").to_number<double>()) << "/s (p50 "
              << fmt(x.at("p50_ms").to_number<double>(), 2) << " ms);";
  }
  std::cout << " best " << fmt(puts) << " puts/s\n";
  const auto& cr = r.at("creates").as_object();
  const auto& one = cr.at("single").as_object();
  std::cout << "location creates, one location each (" << one.at("count").to_number<std::int64_t>()
            << "): " << fmt(one.at("requests_per_op").to_number<double>(), 2)
            << " requests each (p50 " << fmt(one.at("p50_ms").to_number<double>(), 2) << " ms)\n";
  printOps(one.at("ops").as_object());
  const auto& many = cr.at("batch").as_object();
  std::cout << "location batch (" << many.at("count").to_number<std::int64_t>()
            << " locations): " << many.at("requests").to_number<std::int64_t>() << " requests in "
            << fmt(many.at("seconds").to_number<double>(), 2) << " s\n";
  printOps(many.at("ops").as_object());
  const auto& l = r.at("links").as_object();
  for (const char* kind : {"link", "unlink"}) {
    const auto& x = l.at(kind).as_object();
    const auto perOp = x.at("requests_per_op").to_number<double>();
    const auto rate = x.at("per_s").to_number<double>();
    std::cout << "single " << kind << "s (" << x.at("count").to_number<std::int64_t>() << ", "
              << l.at("threads").to_number<std::int64_t>() << " threads): " << fmt(rate) << "/s, "
              << fmt(perOp, 2) << " requests each (p50 "
              << fmt(x.at("p50_ms").to_number<double>(), 2) << " ms, p99 "
              << fmt(x.at("p99_ms").to_number<double>(), 2) << " ms); "
              << fmt(100 * rate * perOp / puts) << "% of the endpoint's request ceiling\n";
    printOps(x.at("ops").as_object());
  }
  std::cout << "write units per single link / unlink (the table's, as the endpoint counts "
               "them), by the entities' metadata size:\n";
  for (const auto& v : r.at("sizes").at("per_size").as_array()) {
    const auto& row = v.as_object();
    std::cout << "    " << row.at("metadata_bytes").to_number<std::int64_t>() << " bytes:";
    for (const char* kind : {"link", "unlink"}) {
      const auto& x = row.at(kind).as_object();
      std::cout << " " << kind << " " << fmt(x.at("write_units").to_number<double>(), 2) << " WCU, "
                << fmt(x.at("read_units").to_number<double>(), 2) << " RCU, "
                << fmt(x.at("requests").to_number<double>(), 2) << " requests;";
    }
    std::cout << "\n";
  }
  const auto& b = r.at("bulk").as_object();
  for (const char* kind : {"link_job", "unlink_job"}) {
    const auto& j = b.at(kind).as_object();
    std::cout << (std::string(kind) == "link_job" ? "link" : "unlink") << " job ("
              << b.at("locations").to_number<std::int64_t>() << " locations, page "
              << b.at("page_size").to_number<std::int64_t>()
              << "): " << std::string_view(j.at("status").as_string()) << " in "
              << fmt(j.at("seconds").to_number<double>(), 2) << " s, "
              << fmt(j.at("locations_per_s").to_number<double>()) << " locations/s, "
              << j.at("requests").to_number<std::int64_t>() << " requests ("
              << fmt(j.at("requests_per_location").to_number<double>(), 2) << " per location)\n";
    int n = 0;
    for (const auto& step : j.at("steps").as_array()) {
      const auto& st = step.as_object();
      std::cout << "    step " << ++n << ": " << st.at("requests").to_number<std::int64_t>()
                << " requests, " << fmt(st.at("seconds").to_number<double>(), 2) << " s, "
                << st.at("locations").to_number<std::int64_t>() << " locations\n";
      printOps(st.at("ops").as_object());
    }
  }
  std::cout << "item sizes (DynamoDB's size rules; 1 write unit per started KB, per copy):\n";
  for (const auto& v : r.at("items").as_array()) {
    const auto& it = v.as_object();
    std::string indexes;
    for (const auto& i : it.at("indexes").as_array()) {
      indexes += (indexes.empty() ? "" : ", ") + std::string(i.as_string());
    }
    std::cout << "    " << std::string_view(it.at("type").as_string()) << ": "
              << it.at("bytes").to_number<std::int64_t>() << " bytes, in "
              << (indexes.empty() ? "no index" : indexes) << "\n";
  }
  for (const auto& v : r.at("checks").as_array()) {
    const auto& ch = v.as_object();
    std::cout << "  [" << (ch.at("ok").as_bool() ? "ok" : "FAIL") << "] "
              << std::string_view(ch.at("text").as_string()) << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  const auto s = parse(argc, argv);
  try {
    Checks checks;
    std::vector<ItemSize> sizes;
    json::object result;
    result["endpoint"] = s.endpoint;
    std::cerr << "ceiling: " << s.puts << " conditional puts per concurrency level\n";
    result["ceiling"] = ceiling(s);
    std::int64_t failedPuts = 0;
    for (const auto& level : result["ceiling"].at("levels").as_array()) {
      failedPuts += level.at("failures").to_number<std::int64_t>();
    }
    checks.add(failedPuts == 0,
               "every ceiling put succeeded: " + std::to_string(failedPuts) + " failures");
    std::cerr << "creates: " << s.creates << " single location creates, then a batch of " << s.bulk
              << "\n";
    result["creates"] = creates(s, checks);
    std::cerr << "links: " << s.links << " single links, then as many unlinks\n";
    result["links"] = links(s, checks, sizes);
    std::cerr << "sizes: " << s.sizeLinks << " links and unlinks per entity size\n";
    result["sizes"] = entitySizes(s, checks);
    std::cerr << "bulk: a link job, then an unlink job, over " << s.bulk << " locations\n";
    result["bulk"] = bulk(s, checks, sizes);
    json::array items;
    for (const auto& it : sizes) {
      json::array indexes;
      for (const auto& i : it.indexes) indexes.emplace_back(i);
      items.push_back(json::object{{"type", it.type}, {"bytes", it.bytes}, {"indexes", indexes}});
    }
    result["items"] = std::move(items);
    result["checks"] = std::move(checks.list);
    result["pass"] = checks.ok;
    print(result);
    if (!s.jsonPath.empty()) {
      std::ofstream out(s.jsonPath);
      out << json::serialize(result) << "\n";
      if (!out) throw std::runtime_error("cannot write " + s.jsonPath);
    }
    return checks.ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "bench_dynamodb_cost: " << e.what() << "\n";
    return 2;
  }
}
