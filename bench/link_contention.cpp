// bench_link_contention: Store::link on the embedded engine, in process, from 1, 2, 4, 8
// and 16 threads, every call a never-linked pair, either all on ONE offer (the hot-offer
// case) or spread over 50 offers; RocksDB on a temporary directory, the write-ahead log
// on as the server runs it.
//
//   bench_link_contention [--links-per-level 20000] [--threads 1,2,4,8,16] [--json FILE]
//
// Prints links/s and p50/p99 per level and layout, and checks afterwards that every
// offer's locationsTotal equals the links made to it (exit 1 if not). The hot-offer
// question of docs/architecture.md: does a link's throughput on one offer hold up as
// threads are added, next to the same on 50 offers?
#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "args.hpp"
#include "domain/id.hpp"
#include "domain/time.hpp"
#include "store/rocksdb/rocksdb_store.hpp"

namespace {

namespace json = boost::json;
namespace domain = offers::domain;
using Clock = std::chrono::steady_clock;

struct Settings {
  std::size_t linksPerLevel = 20000;
  std::vector<unsigned> threads = {1, 2, 4, 8, 16};
  std::string jsonPath;
};

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "bench_link_contention: " << problem << "\n"
            << "usage: bench_link_contention [--links-per-level N] [--threads N,N,...] "
               "[--json FILE]\n";
  std::exit(2);
}

Settings parse(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) usage(flag + " needs a value");
    const std::string v = argv[++i];
    if (flag == "--links-per-level") {
      s.linksPerLevel = bench::positive(flag, v, usage);
    } else if (flag == "--threads") {
      s.threads = bench::positives(flag, v, usage);
    } else if (flag == "--json") {
      s.jsonPath = v;
    } else {
      usage("unknown option " + flag);
    }
  }
  return s;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, std::size_t(p / 100.0 * double(v.size())))];
}

struct Level {
  unsigned threads;
  double perSecond;
  double p50Ms;
  double p99Ms;
};

// One layout at one thread count, on a fresh store: `offers` offers, links spread round
// robin over them, each link a new location.
Level run(unsigned threads, std::size_t links, std::size_t offers, bool& exact) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("offers-bench-links-" + domain::newId().substr(0, 8));
  Level level{threads, 0, 0, 0};
  {
    offers::store::rocksdb::RocksDbStore store({dir.string(), false});
    const auto now = domain::nowMillis();
    const domain::Brand brand{domain::newId(), "Bench", now, now};
    store.createBrand(brand);
    std::vector<std::string> offerIds;
    for (std::size_t i = 0; i < offers; ++i) {
      domain::Offer o;
      o.id = domain::newId();
      o.name = "Bench offer " + std::to_string(i);
      o.brandId = brand.id;
      o.created = o.updated = now;
      store.createOffer(o);
      offerIds.push_back(o.id);
    }
    std::vector<std::string> locationIds;
    for (std::size_t first = 0; first < links; first += 1000) {
      std::vector<domain::Location> batch;
      for (std::size_t i = first; i < std::min(links, first + 1000); ++i) {
        domain::Location l;
        l.id = domain::newId();
        l.address = std::to_string(i) + " Bench Street";
        l.brandId = brand.id;
        l.created = l.updated = now;
        batch.push_back(l);
        locationIds.push_back(l.id);
      }
      store.createLocations(batch);
    }
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> failures{0};
    std::vector<std::vector<double>> latencies(threads);
    const auto t0 = Clock::now();
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (std::size_t k; (k = next.fetch_add(1)) < links;) {
          const auto s = Clock::now();
          try {
            if (!store.link(offerIds[k % offers], locationIds[k]).created) ++failures;
          } catch (...) {
            ++failures;
          }
          latencies[t].push_back(
              std::chrono::duration<double, std::milli>(Clock::now() - s).count());
        }
      });
    }
    for (auto& th : pool) th.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    std::vector<double> all;
    for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    level.perSecond = double(links) / seconds;
    level.p50Ms = percentile(all, 50);
    level.p99Ms = percentile(all, 99);
    std::int64_t total = 0;
    for (const auto& id : offerIds) total += store.getOffer(id)->locationsTotal;
    if (failures != 0 || total != std::int64_t(links)) {
      std::cerr << "bench_link_contention: " << failures << " failed or repeated links, " << total
                << " counted of " << links << "\n";
      exact = false;
    }
  }
  std::filesystem::remove_all(dir);
  return level;
}

}  // namespace

int main(int argc, char** argv) {
  const auto s = parse(argc, argv);
  bool exact = true;
  json::object result;
  for (const auto& [name, offers] :
       {std::pair{"one_offer", std::size_t(1)}, std::pair{"fifty_offers", std::size_t(50)}}) {
    json::array levels;
    for (const auto threads : s.threads) {
      const auto l = run(threads, s.linksPerLevel, offers, exact);
      std::printf("%-13s %2u threads: %8.0f links/s, p50 %6.3f ms, p99 %6.3f ms\n", name, l.threads,
                  l.perSecond, l.p50Ms, l.p99Ms);
      std::fflush(stdout);
      levels.push_back(json::object{{"threads", l.threads},
                                    {"links_per_s", l.perSecond},
                                    {"p50_ms", l.p50Ms},
                                    {"p99_ms", l.p99Ms}});
    }
    result[name] = std::move(levels);
  }
  result["exact"] = exact;
  std::printf("counters exact afterwards: %s\n", exact ? "yes" : "NO");
  if (!s.jsonPath.empty()) {
    std::ofstream out(s.jsonPath);
    out << json::serialize(result) << "\n";
  }
  return exact ? 0 : 1;
}
