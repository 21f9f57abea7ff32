// The soak driver: the setup over HTTP, client threads and a job thread that follow the
// server across restarts (its port changes at each one), the killer loop on the calling
// thread, then the wait for the jobs and the verification against the ledger.
#include "support/soak.hpp"

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace offers::testing {

namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kMaxProblems = 40;  // described; the rest are only counted

double secondsBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

std::string grouped(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

std::string fixed(double value, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

const json::value* field(const json::value& v, std::string_view key) {
  return v.is_object() ? v.as_object().if_contains(key) : nullptr;
}
std::string str(const json::value& v, std::string_view key) {
  const json::value* f = field(v, key);
  if (f == nullptr || !f->is_string()) {
    throw std::runtime_error("no string \"" + std::string(key) + "\" in " + json::serialize(v));
  }
  return std::string(f->as_string());
}
std::int64_t num(const json::value& v, std::string_view key) {
  const json::value* f = field(v, key);
  if (f == nullptr || !(f->is_int64() || f->is_uint64())) {
    throw std::runtime_error("no integer \"" + std::string(key) + "\" in " + json::serialize(v));
  }
  return f->to_number<std::int64_t>();
}
bool flag(const json::value& v, std::string_view key) {
  const json::value* f = field(v, key);
  if (f == nullptr || !f->is_bool()) {
    throw std::runtime_error("no boolean \"" + std::string(key) + "\" in " + json::serialize(v));
  }
  return f->as_bool();
}

std::string linkPath(const std::string& offerId, const std::string& locationId) {
  return "/v1/offers/" + offerId + "/locations/" + locationId;
}

bool isTerminal(std::string_view status) {
  return status == "succeeded" || status == "failed" || status == "cancelled";
}

// What the threads share. Counters are relaxed atomics: they are read for progress lines
// during the run and exactly only after the threads have been joined.
struct Shared {
  std::string host;
  std::atomic<unsigned short> port{0};  // 0 while the server is down: nothing is sent
  // Moves before every kill, so that a thread can tell that a kill happened while its
  // request was in flight (its answer may then come from either side of the kill).
  std::atomic<std::uint64_t> generation{0};
  std::atomic<bool> stopLoad{false};  // finish the operation in hand, then stop
  std::atomic<bool> abort{false};     // stop at once: a restart failed
  std::atomic<bool> jobActive{false};

  std::atomic<std::int64_t> sent{0}, answered{0}, linksAcknowledged{0}, unlinksAcknowledged{0},
      changes{0}, retried{0}, unavailable{0}, lost{0}, jobsStarted{0};

  std::mutex mutex;
  std::vector<std::string> problems;
  std::size_t problemsUnsaid = 0;

  void problem(std::string text) {
    std::lock_guard lock(mutex);
    if (problems.size() < kMaxProblems) {
      problems.push_back(std::move(text));
    } else {
      ++problemsUnsaid;
    }
  }
};

// Exponential backoff with jitter, 2 ms doubling to 200 ms: short enough that clients are
// back within moments of a restart, long enough not to spin while the server is down.
class Backoff {
 public:
  explicit Backoff(std::mt19937_64& rng) : rng_(rng) {}
  void wait() {
    std::uniform_real_distribution<double> jitter(0.5, 1.5);
    std::this_thread::sleep_for(
        std::chrono::microseconds(static_cast<std::int64_t>(delayMs_ * 1000 * jitter(rng_))));
    delayMs_ = std::min(delayMs_ * 2, 200.0);
  }

 private:
  std::mt19937_64& rng_;
  double delayMs_ = 2;
};

// One thread's way to the server: a keep-alive client, rebuilt when the server has come
// back on another port.
class Endpoint {
 public:
  explicit Endpoint(Shared& shared) : shared_(shared) {}

  struct Attempt {
    enum class Kind { notSent, failed, answered };
    Kind kind = Kind::notSent;
    HttpResponse response;
  };

  // One attempt. notSent: the server is down. failed: the exchange broke off, so the
  // request may or may not have been carried out (a refused connection is counted here
  // too: HttpClient resends on a fresh connection when a reused one turns out closed, so
  // a refusal can follow a request the dying server did receive).
  Attempt send(std::string_view method, const std::string& target,
               std::optional<std::string> body = {}) {
    const unsigned short port = shared_.port.load();
    if (port == 0) return {};
    if (!client_ || port_ != port) {
      client_.emplace(shared_.host, port);
      client_->setTimeout(std::chrono::seconds(10));
      port_ = port;
    }
    shared_.sent.fetch_add(1, std::memory_order_relaxed);
    try {
      Attempt attempt{Attempt::Kind::answered, client_->request(method, target, std::move(body))};
      shared_.answered.fetch_add(1, std::memory_order_relaxed);
      return attempt;
    } catch (const std::exception&) {
      client_->close();
      return {Attempt::Kind::failed, {}};
    }
  }

 private:
  Shared& shared_;
  std::optional<HttpClient> client_;
  unsigned short port_ = 0;
};

// The data the soak works on, made before the load starts.
struct Data {
  std::string clientBrand;
  std::vector<std::string> offers;     // client offers
  std::vector<std::string> locations;  // client locations
  std::string jobBrand;                // empty without jobs
  std::vector<std::string> jobLocations;
};

// The plain API calls of the setup and the verification, when no kill is under way.
class Api {
 public:
  Api(const std::string& host, unsigned short port) : client_(host, port) {
    client_.setTimeout(std::chrono::seconds(30));
  }

  json::object expect(int status, std::string_view method, const std::string& target,
                      std::optional<json::object> body = {}) {
    const HttpResponse r = client_.request(
        method, target, body ? std::optional<std::string>(json::serialize(*body)) : std::nullopt);
    if (r.status != status) {
      throw std::runtime_error("expected " + std::to_string(status) + ": " + r.describe());
    }
    return r.body.empty() ? json::object() : r.object();
  }
  json::object get(const std::string& target) { return expect(200, "GET", target); }
  // GET, nullopt on 404.
  std::optional<json::object> find(const std::string& target) {
    const HttpResponse r = client_.request("GET", target);
    if (r.status == 404) return std::nullopt;
    if (r.status != 200) throw std::runtime_error("expected 200: " + r.describe());
    return r.object();
  }

  // Every item of a list, page by page (limit 1000, `start` = the previous `last`).
  std::vector<json::object> listAll(const std::string& path) {
    std::vector<json::object> all;
    std::string cursor;
    for (int pages = 0;; ++pages) {
      if (pages > 100000) throw std::runtime_error("paging never ends: " + path);
      std::string target = path + (path.find('?') == std::string::npos ? "?" : "&") + "limit=1000";
      if (!cursor.empty()) target += "&start=" + urlEncode(cursor);
      const json::object page = get(target);
      for (const auto& item : page.at("items").as_array()) all.push_back(item.as_object());
      const json::value* last = page.if_contains("last");
      if (last == nullptr) return all;
      cursor = std::string(last->as_string());
    }
  }
  std::set<std::string> listIds(const std::string& path) {
    std::set<std::string> ids;
    for (const auto& item : listAll(path)) ids.insert(str(item, "id"));
    return ids;
  }

  std::vector<std::string> createLocations(const std::string& brandId, int count,
                                           const std::string& prefix) {
    std::vector<std::string> ids;
    for (int first = 0; first < count; first += 1000) {
      json::array items;
      for (int i = first; i < count && i < first + 1000; ++i) {
        items.push_back(
            json::object{{"address", prefix + " " + std::to_string(i)}, {"brandId", brandId}});
      }
      const auto created =
          expect(201, "POST", "/v1/locations/batch", json::object{{"items", std::move(items)}});
      for (const auto& item : created.at("items").as_array()) ids.push_back(str(item, "id"));
    }
    return ids;
  }

 private:
  HttpClient client_;
};

// What the verification found; the report takes the last one.
struct Verification {
  std::int64_t lost = 0;
  std::int64_t inconsistent = 0;
  std::vector<std::string> problems;
  void add(std::int64_t& counter, std::string text) {
    ++counter;
    if (problems.size() < kMaxProblems) problems.push_back(std::move(text));
  }
};

class Run {
 public:
  Run(ServerProcess& server, const SoakOptions& options) : server_(server), options_(options) {
    seed_ = options.seed != 0 ? options.seed : std::random_device{}() | 1;
  }

  SoakReport execute() {
    if (!server_.running()) throw std::logic_error("Soak: the server must be running");
    shared_.host = server_.host();
    shared_.port = server_.port();
    setUp();
    log("setup: " + std::to_string(data_.offers.size()) + " offers x " +
        std::to_string(data_.locations.size()) + " locations (" + grouped(pairs()) + " pairs) on " +
        std::to_string(options_.clientThreads) + " client threads" +
        (jobsOn() ? "; jobs over " + std::to_string(data_.jobLocations.size()) + " locations"
                  : "; no jobs") +
        "; seed " + std::to_string(seed_));

    ledger_.assign(static_cast<std::size_t>(pairs()), 0);
    unsettled_.assign(static_cast<std::size_t>(pairs()), 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < options_.clientThreads; ++t) {
      threads.emplace_back(
          [this, t] { guarded("client " + std::to_string(t), [&] { client(t); }); });
    }
    if (jobsOn()) threads.emplace_back([this] { guarded("jobs", [&] { jobs(); }); });

    const auto loadStart = Clock::now();
    killLoop(loadStart);
    shared_.stopLoad = true;
    for (auto& thread : threads) thread.join();
    report_.seconds = secondsBetween(loadStart, Clock::now());
    log("load over after " + fixed(report_.seconds, 1) + " s: " + grouped(acknowledgedWrites()) +
        " writes acknowledged, " + std::to_string(report_.kills) + " kills");

    if (!shared_.abort && server_.running()) {
      try {
        verify();
      } catch (const std::exception& e) {
        shared_.problem(std::string("verification could not run: ") + e.what());
      }
    } else {
      shared_.problem("nothing verified: the server is not running");
    }
    return finish();
  }

 private:
  std::int64_t pairs() const {
    return static_cast<std::int64_t>(data_.offers.size() * data_.locations.size());
  }
  bool jobsOn() const { return options_.jobLocations > 0 && options_.jobOffers > 0; }
  std::int64_t acknowledgedWrites() const {
    return shared_.linksAcknowledged.load() + shared_.unlinksAcknowledged.load();
  }
  void log(const std::string& line) {
    if (options_.log) options_.log(line);
  }

  template <class Body>
  void guarded(const std::string& who, Body body) {
    try {
      body();
    } catch (const std::exception& e) {
      shared_.problem(who + " stopped: " + e.what());
    }
  }

  // ---- setup ----------------------------------------------------------------------------

  void setUp() {
    Api api(shared_.host, shared_.port);
    if (options_.offers < 1 || options_.locations < 1 || options_.clientThreads < 1) {
      throw std::invalid_argument("Soak: offers, locations and clientThreads must be >= 1");
    }
    data_.clientBrand =
        str(api.expect(201, "POST", "/v1/brands", json::object{{"name", "Soak clients"}}), "id");
    for (int o = 0; o < options_.offers; ++o) {
      data_.offers.push_back(str(api.expect(201, "POST", "/v1/offers",
                                            json::object{{"name", "Soak " + std::to_string(o)},
                                                         {"brandId", data_.clientBrand}}),
                                 "id"));
    }
    data_.locations = api.createLocations(data_.clientBrand, options_.locations, "Soak street");
    if (jobsOn()) {
      data_.jobBrand =
          str(api.expect(201, "POST", "/v1/brands", json::object{{"name", "Soak jobs"}}), "id");
      data_.jobLocations = api.createLocations(data_.jobBrand, options_.jobLocations, "Job street");
    }
  }

  // ---- the killer, on the calling thread -------------------------------------------------

  void killLoop(Clock::time_point loadStart) {
    std::mt19937_64 rng(seed_);
    const auto slot = options_.duration / (options_.kills + 1);
    std::vector<Clock::time_point> at;
    for (int k = 0; k < options_.kills; ++k) {
      // Within a third of a slot of the slot's end: random, yet spread over the run.
      std::uniform_int_distribution<std::int64_t> offset(-slot.count() / 3, slot.count() / 3);
      at.push_back(loadStart + slot * (k + 1) + milliseconds(offset(rng)));
    }
    std::uniform_int_distribution<std::int64_t> downtime(0, options_.maxDowntime.count());
    auto upSince = loadStart;
    for (int k = 0; k < options_.kills; ++k) {
      // Up for a third of a slot at least, however slow the last restart: load must run
      // between two kills.
      std::this_thread::sleep_until(std::max(at[static_cast<std::size_t>(k)], upSince + slot / 3));
      const bool duringJob = shared_.jobActive.load();
      const std::int64_t writesBefore = acknowledgedWrites();
      const auto killed = Clock::now();
      shared_.port = 0;
      ++shared_.generation;
      try {
        server_.kill9();
      } catch (const std::exception& e) {
        shared_.problem(std::string("kill -9 failed: ") + e.what());
        shared_.abort = true;
        return;
      }
      ++report_.kills;
      if (duringJob) ++report_.killsDuringJob;
      std::this_thread::sleep_for(milliseconds(downtime(rng)));
      try {
        if (options_.afterKill) options_.afterKill();
        server_.start();
      } catch (const std::exception& e) {
        shared_.problem(std::string("restart after kill ") + std::to_string(k + 1) +
                        " failed: " + e.what());
        shared_.abort = true;
        return;
      }
      shared_.port = server_.port();
      const auto restarted = Clock::now();
      report_.downSeconds += secondsBetween(killed, restarted);
      log("kill " + std::to_string(k + 1) + " at " + fixed(secondsBetween(loadStart, killed), 1) +
          " s after " + fixed(secondsBetween(upSince, killed), 1) + " s up (" +
          grouped(writesBefore) + " writes acknowledged so far" +
          (duringJob ? ", a job in progress" : "") + "); listening again " +
          fixed(secondsBetween(killed, restarted), 2) + " s later");
      upSince = restarted;
    }
    std::this_thread::sleep_until(loadStart + options_.duration);
  }

  // ---- a client thread -------------------------------------------------------------------

  // Pair p is offer p / L with location p % L; thread t owns the pairs with p % T == t and
  // is the only one to touch them, one operation at a time.
  void client(int t) {
    std::mt19937_64 rng(seed_ + 1 + static_cast<std::uint64_t>(t));
    std::vector<std::size_t> mine;
    for (std::size_t p = static_cast<std::size_t>(t); p < ledger_.size();
         p += static_cast<std::size_t>(options_.clientThreads)) {
      mine.push_back(p);
    }
    if (mine.empty()) return;
    Endpoint endpoint(shared_);
    std::uniform_int_distribution<std::size_t> pick(0, mine.size() - 1);
    std::uniform_int_distribution<int> percent(0, 99);
    std::size_t givenUp = 0;
    while (!shared_.stopLoad && !shared_.abort && givenUp < mine.size()) {
      const std::size_t p = mine[pick(rng)];
      if (unsettled_[p] != 0) continue;
      // Mostly flip the pair; sometimes repeat its state, which must answer 200 or 404.
      const bool link = percent(rng) < 80 ? ledger_[p] == 0 : ledger_[p] != 0;
      if (!settle(endpoint, rng, p, link)) return;
      if (unsettled_[p] != 0) ++givenUp;
    }
  }

  // Sends the operation until it is acknowledged, and updates the ledger. Gives up on the
  // pair (marks it unsettled: left out of the verification, with a problem saying why)
  // when its offer or location has gone (a lost write too: the setup's creates were
  // acknowledged) or the answers make no sense; returns false when the whole thread must
  // stop (abort, or no answer within the drain deadline).
  bool settle(Endpoint& endpoint, std::mt19937_64& rng, std::size_t p, bool link) {
    const std::size_t L = data_.locations.size();
    const std::string& offerId = data_.offers[p / L];
    const std::string& locationId = data_.locations[p % L];
    const std::string target = linkPath(offerId, locationId);
    const auto describePair = [&] { return "offer " + offerId + " location " + locationId; };
    Backoff backoff(rng);
    bool uncertain = false;
    int unexpected = 0;
    std::optional<Clock::time_point> drainUntil;
    for (;;) {
      if (shared_.abort) return false;
      if (shared_.stopLoad) {
        if (!drainUntil) drainUntil = Clock::now() + options_.drainDeadline;
        if (Clock::now() > *drainUntil) {
          unsettled_[p] = 1;
          shared_.problem((link ? "link " : "unlink ") + describePair() + " not answered within " +
                          std::to_string(options_.drainDeadline.count()) + " ms after the load");
          return false;
        }
      }
      const std::uint64_t generation = shared_.generation.load();
      Endpoint::Attempt attempt = endpoint.send(link ? "POST" : "DELETE", target);
      if (attempt.kind == Endpoint::Attempt::Kind::notSent) {
        backoff.wait();
        continue;
      }
      if (attempt.kind == Endpoint::Attempt::Kind::failed) {
        uncertain = true;
        backoff.wait();
        continue;
      }
      const HttpResponse& r = attempt.response;
      const std::optional<bool> wasLinked = stateBefore(r, link, offerId, locationId);
      if (!wasLinked) {
        // A 5xx may have been carried out in part (the DynamoDB engine answers "busy" to a
        // link another process left half-done): resend until a definite answer.
        if (r.status >= 500) {
          shared_.unavailable.fetch_add(1, std::memory_order_relaxed);
        } else if (r.status == 404) {
          shared_.lost.fetch_add(1, std::memory_order_relaxed);
          shared_.problem("lost: " + r.describe());
          unsettled_[p] = 1;
          return true;
        } else {
          shared_.problem("unexpected answer for " + describePair() + ": " + r.describe());
          if (++unexpected >= 5) {
            unsettled_[p] = 1;
            return true;
          }
        }
        uncertain = true;
        backoff.wait();
        continue;
      }
      // The answer says what the state was before; while the pair is certain that is the
      // ledger's state. A kill during this very request excuses nothing but the status.
      const bool killedMeanwhile = shared_.generation.load() != generation;
      if (!uncertain && !killedMeanwhile && *wasLinked != (ledger_[p] != 0)) {
        shared_.lost.fetch_add(1, std::memory_order_relaxed);
        shared_.problem("lost write: " + describePair() + " is " +
                        (ledger_[p] != 0 ? "linked" : "unlinked") + " by the ledger, but " +
                        r.request + " answered " + std::to_string(r.status));
      }
      ledger_[p] = link ? 1 : 0;
      if (uncertain) shared_.retried.fetch_add(1, std::memory_order_relaxed);
      (link ? shared_.linksAcknowledged : shared_.unlinksAcknowledged)
          .fetch_add(1, std::memory_order_relaxed);
      if (*wasLinked != link) shared_.changes.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
  }

  // Whether the pair was linked before the operation, as an acknowledgement tells it;
  // nullopt when `r` is no acknowledgement. A link's body must name the pair, so that an
  // answer could not come from anything but this server about this pair.
  static std::optional<bool> stateBefore(const HttpResponse& r, bool link,
                                         const std::string& offerId,
                                         const std::string& locationId) {
    if (link) {
      if (r.status != 201 && r.status != 200) return std::nullopt;
      try {
        const json::value body = r.json();
        if (str(body.at("offer"), "id") != offerId ||
            str(body.at("location"), "id") != locationId ||
            !flag(body.at("location"), "hasOffer")) {
          return std::nullopt;
        }
      } catch (const std::exception&) {
        return std::nullopt;
      }
      return r.status == 200;
    }
    if (r.status == 204) return true;
    if (r.status == 404 && r.body.find("is not linked") != std::string::npos) return false;
    return std::nullopt;
  }

  // ---- the job thread --------------------------------------------------------------------

  // Sends until an answer whose status is in `accept` arrives (5xx and broken exchanges
  // are resent: offer creation with a client-supplied id and job creation are safe to
  // resend, see below). nullopt when it gave up.
  std::optional<HttpResponse> untilAnswered(Endpoint& endpoint, Backoff& backoff,
                                            std::string_view method, const std::string& target,
                                            std::optional<std::string> body,
                                            std::initializer_list<int> accept) {
    std::optional<Clock::time_point> drainUntil;
    for (;;) {
      if (shared_.abort) return std::nullopt;
      if (shared_.stopLoad) {
        if (!drainUntil) drainUntil = Clock::now() + options_.drainDeadline;
        if (Clock::now() > *drainUntil) {
          shared_.problem(std::string(method) + " " + target + " not answered after the load");
          return std::nullopt;
        }
      }
      Endpoint::Attempt attempt = endpoint.send(method, target, body);
      if (attempt.kind == Endpoint::Attempt::Kind::answered) {
        const int status = attempt.response.status;
        if (std::find(accept.begin(), accept.end(), status) != accept.end()) {
          return std::move(attempt.response);
        }
        if (status < 500) {
          shared_.problem("unexpected answer: " + attempt.response.describe());
          return std::nullopt;
        }
        shared_.unavailable.fetch_add(1, std::memory_order_relaxed);
      }
      backoff.wait();
    }
  }

  // Jobs on the offers of the job brand, one at a time: a new offer gets a
  // link-brand-locations job; once jobOffers exist, each next job goes to the next offer
  // in turn and reverses its last one (unlink-all-locations after a link job, and back),
  // so that every job has all of the brand's locations to link or unlink. An offer's
  // expected state is the type of its last acknowledged job (jobLedger_).
  void jobs() {
    std::mt19937_64 rng(seed_ ^ 0x9e3779b97f4a7c15ULL);
    Endpoint endpoint(shared_);
    std::vector<std::string> offers;
    std::size_t next = 0;
    while (!shared_.stopLoad && !shared_.abort) {
      Backoff backoff(rng);
      std::string offerId;
      if (offers.size() < static_cast<std::size_t>(options_.jobOffers)) {
        // A client-supplied id makes the create safe to resend: when the first 201 was
        // lost with the server, the resend answers 409 (the id exists).
        offerId = randomUuid();
        const json::object body = {{"id", offerId},
                                   {"name", "Job " + std::to_string(offers.size())},
                                   {"brandId", data_.jobBrand}};
        if (!untilAnswered(endpoint, backoff, "POST", "/v1/offers", json::serialize(body),
                           {201, 409})) {
          return;
        }
        offers.push_back(offerId);
      } else {
        offerId = offers[next++ % offers.size()];
      }
      const auto last = jobLedger_.find(offerId);
      const bool linkAll = last == jobLedger_.end() || !last->second;
      // Resending is safe too: when the 202 was lost, the resend meets the job it created
      // (409, details.jobId) or, if that one has ended already, starts a second one of the
      // same type, which finds nothing left to do; the verification checks every job the
      // server lists, acknowledged or not.
      const json::object body = {
          {"type", linkAll ? "link-brand-locations" : "unlink-all-locations"},
          {"offerId", offerId}};
      const auto started =
          untilAnswered(endpoint, backoff, "POST", "/v1/jobs", json::serialize(body), {202, 409});
      if (!started) return;
      std::string jobId;
      const json::value answer = started->json();
      if (started->status == 202) {
        jobId = str(answer, "id");
      } else {
        const json::value* details = field(answer.at("error"), "details");
        if (details == nullptr || field(*details, "jobId") == nullptr) {
          shared_.problem("409 without details.jobId: " + started->describe());
          return;
        }
        jobId = str(*details, "jobId");
      }
      jobLedger_[offerId] = linkAll;
      shared_.jobsStarted.fetch_add(1, std::memory_order_relaxed);
      startedJobs_.push_back(jobId);
      // Follow it to its end; when the load ends first, the verification waits for it.
      shared_.jobActive = true;
      while (!shared_.stopLoad && !shared_.abort) {
        Endpoint::Attempt attempt = endpoint.send("GET", "/v1/jobs/" + jobId);
        if (attempt.kind == Endpoint::Attempt::Kind::answered && attempt.response.status == 200 &&
            isTerminal(str(attempt.response.json(), "status"))) {
          break;
        }
        std::this_thread::sleep_for(milliseconds(10));
      }
      shared_.jobActive = false;
    }
  }

  // ---- verification ----------------------------------------------------------------------

  void verify() {
    Api api(shared_.host, shared_.port);
    waitForJobs(api);
    const auto settleUntil = Clock::now() + options_.settle;
    for (int round = 1;; ++round) {
      Verification v = verifyState(api);
      if ((v.lost == 0 && v.inconsistent == 0) || Clock::now() >= settleUntil) {
        verification_ = std::move(v);
        log("verified " + grouped(pairs()) + " pairs" +
            (round > 1 ? " (" + std::to_string(round) + " rounds)" : "") + ": lost " +
            std::to_string(verification_.lost) + ", inconsistent " +
            std::to_string(verification_.inconsistent));
        return;
      }
      std::this_thread::sleep_for(milliseconds(500));
    }
  }

  // Every job the server has must end within jobDeadline of the end of the load, and end
  // well: succeeded, with the counts of cleanJob().
  void waitForJobs(Api& api) {
    if (!jobsOn()) return;
    const auto deadline = Clock::now() + options_.jobDeadline;
    std::vector<json::object> all;
    for (;;) {
      all = api.listAll("/v1/jobs");
      const bool allEnded = std::all_of(all.begin(), all.end(), [](const json::object& j) {
        return isTerminal(str(j, "status"));
      });
      if (allEnded || Clock::now() >= deadline) break;
      // Polling with a deadline, as a client would.
      std::this_thread::sleep_for(milliseconds(100));
    }
    std::set<std::string> listed;
    const auto total = static_cast<std::int64_t>(data_.jobLocations.size());
    for (const auto& j : all) {
      listed.insert(str(j, "id"));
      ++report_.jobsFound;
      const std::string status = str(j, "status");
      if (!isTerminal(status)) {
        ++report_.jobsStuck;
        shared_.problem("job stuck " + std::to_string(options_.jobDeadline.count()) +
                        " ms after the load: " + json::serialize(j));
      } else if (status != "succeeded" || !cleanJob(j, total)) {
        ++report_.jobsFailed;
        shared_.problem("job did not end cleanly: " + json::serialize(j));
      } else {
        ++report_.jobsSucceeded;
        if (str(j, "type") != "link-brand-locations") ++report_.unlinkJobs;
      }
    }
    for (const auto& id : startedJobs_) {
      if (!listed.count(id)) {
        ++report_.jobsFailed;
        shared_.problem("acknowledged job " + id + " is not listed");
      }
    }
    log(std::to_string(report_.jobsFound) + " jobs: " + std::to_string(report_.jobsSucceeded) +
        " succeeded, " + std::to_string(report_.jobsStuck) + " stuck, " +
        std::to_string(report_.jobsFailed) + " failed");
  }

  // A succeeded job's counts: a link job visited every location of the brand and linked
  // those not linked yet; an unlink job unlinked every link it visited (all of them after
  // a link job, none when it repeats one whose 202 was lost).
  static bool cleanJob(const json::object& j, std::int64_t brandSize) {
    if (num(j, "failed") != 0) return false;
    if (str(j, "type") == "link-brand-locations") {
      return num(j, "total") == brandSize &&
             num(j, "linked") + num(j, "alreadyLinked") == brandSize;
    }
    return num(j, "unlinked") == num(j, "total") && num(j, "total") <= brandSize;
  }

  Verification verifyState(Api& api) {
    Verification v;
    const std::size_t L = data_.locations.size();
    std::map<std::string, std::size_t> locationIndex;
    for (std::size_t l = 0; l < L; ++l) locationIndex[data_.locations[l]] = l;

    // Forward lists against the ledger (lost), and each offer's counter against its list.
    std::vector<std::set<std::string>> offersOfLocation(L);
    for (std::size_t o = 0; o < data_.offers.size(); ++o) {
      const std::string& offerId = data_.offers[o];
      const std::optional<json::object> offer = api.find("/v1/offers/" + offerId);
      if (!offer) {
        v.add(v.lost, "offer " + offerId + " is gone");
        continue;
      }
      const std::set<std::string> listed = api.listIds("/v1/offers/" + offerId + "/locations");
      for (const auto& id : listed) {
        const auto it = locationIndex.find(id);
        if (it == locationIndex.end()) {
          v.add(v.inconsistent,
                "offer " + offerId + " lists location " + id + ", not one of its brand's");
          continue;
        }
        offersOfLocation[it->second].insert(offerId);
      }
      std::int64_t expected = 0;
      for (std::size_t l = 0; l < L; ++l) {
        const std::size_t p = o * L + l;
        if (unsettled_[p] != 0) continue;
        const bool want = ledger_[p] != 0;
        expected += want ? 1 : 0;
        if (listed.count(data_.locations[l]) != (want ? 1u : 0u)) {
          v.add(v.lost, "pair offer " + offerId + " location " + data_.locations[l] +
                            ": the ledger says " + (want ? "linked" : "unlinked") +
                            ", the server lists it " + (want ? "unlinked" : "linked"));
        }
      }
      const std::int64_t total = num(*offer, "locationsTotal");
      if (total != static_cast<std::int64_t>(listed.size())) {
        v.add(v.inconsistent, "offer " + offerId + ": locationsTotal " + std::to_string(total) +
                                  ", locations listed " + std::to_string(listed.size()) +
                                  ", by the ledger " + std::to_string(expected));
      }
    }

    // Each location's counters against its own list, and its list against the offers'.
    if (!api.find("/v1/brands/" + data_.clientBrand)) {
      v.add(v.lost, "brand " + data_.clientBrand + " is gone");
      return v;
    }
    std::map<std::string, json::object> entities;
    for (auto& item : api.listAll("/v1/locations?brandId=" + data_.clientBrand)) {
      entities.emplace(str(item, "id"), std::move(item));
    }
    for (std::size_t l = 0; l < L; ++l) {
      const std::string& id = data_.locations[l];
      const auto it = entities.find(id);
      if (it == entities.end()) {
        v.add(v.lost, "location " + id + " is missing");
        continue;
      }
      const std::set<std::string> listed = api.listIds("/v1/locations/" + id + "/offers");
      const std::int64_t offersTotal = num(it->second, "offersTotal");
      const bool hasOffer = flag(it->second, "hasOffer");
      if (listed != offersOfLocation[l]) {
        v.add(v.inconsistent, "location " + id + " lists " + std::to_string(listed.size()) +
                                  " offers, but " + std::to_string(offersOfLocation[l].size()) +
                                  " offers list it");
      }
      if (offersTotal != static_cast<std::int64_t>(listed.size()) || hasOffer != !listed.empty()) {
        v.add(v.inconsistent, "location " + id + ": offersTotal " + std::to_string(offersTotal) +
                                  ", hasOffer " + (hasOffer ? "true" : "false") +
                                  ", offers listed " + std::to_string(listed.size()));
      }
    }

    if (jobsOn()) verifyJobBrand(api, v);
    return v;
  }

  // The job brand: an offer whose last job linked runs at every location of the brand,
  // any other (last job unlinked, or none acknowledged) at none (else lost); each offer's
  // locationsTotal equals its list, and each location's offersTotal the number of offers
  // that list it (else inconsistent).
  void verifyJobBrand(Api& api, Verification& v) {
    const auto size = static_cast<std::int64_t>(data_.jobLocations.size());
    if (!api.find("/v1/brands/" + data_.jobBrand)) {
      v.add(v.lost, "brand " + data_.jobBrand + " is gone");
      return;
    }
    std::map<std::string, std::int64_t> offersListing;
    for (const auto& offer : api.listAll("/v1/offers?brandId=" + data_.jobBrand)) {
      const std::string id = str(offer, "id");
      const auto last = jobLedger_.find(id);
      const bool linkedByJobs = last != jobLedger_.end() && last->second;
      const std::set<std::string> listed = api.listIds("/v1/offers/" + id + "/locations");
      for (const auto& location : listed) ++offersListing[location];
      const auto count = static_cast<std::int64_t>(listed.size());
      if (count != (linkedByJobs ? size : 0)) {
        v.add(v.lost, "job offer " + id + ": its last job " +
                          (linkedByJobs ? "linked" : "unlinked") + " all " + std::to_string(size) +
                          " locations, yet " + std::to_string(count) + " are listed");
      }
      if (num(offer, "locationsTotal") != count) {
        v.add(v.inconsistent, "job offer " + id + ": locationsTotal " +
                                  std::to_string(num(offer, "locationsTotal")) +
                                  ", locations listed " + std::to_string(count));
      }
    }
    std::int64_t seen = 0;
    for (const auto& location : api.listAll("/v1/locations?brandId=" + data_.jobBrand)) {
      ++seen;
      const auto it = offersListing.find(str(location, "id"));
      const std::int64_t listing = it == offersListing.end() ? 0 : it->second;
      if (num(location, "offersTotal") != listing || flag(location, "hasOffer") != (listing > 0)) {
        v.add(v.inconsistent, "job brand location listed by " + std::to_string(listing) +
                                  " offers: " + json::serialize(location));
      }
    }
    if (seen != size) {
      v.add(v.lost, "the job brand lists " + std::to_string(seen) + " locations, not " +
                        std::to_string(size));
    }
  }

  // ---- the report ------------------------------------------------------------------------

  SoakReport finish() {
    report_.seed = seed_;
    report_.requestsSent = shared_.sent;
    report_.requestsAnswered = shared_.answered;
    report_.linksAcknowledged = shared_.linksAcknowledged;
    report_.unlinksAcknowledged = shared_.unlinksAcknowledged;
    report_.changes = shared_.changes;
    report_.retried = shared_.retried;
    report_.unavailable = shared_.unavailable;
    report_.jobsStarted = static_cast<int>(shared_.jobsStarted);
    report_.pairs = pairs();
    for (std::size_t p = 0; p < ledger_.size(); ++p) {
      if (ledger_[p] != 0 && unsettled_[p] == 0) ++report_.pairsLinked;
    }
    report_.lost = shared_.lost + verification_.lost;
    report_.inconsistent = verification_.inconsistent;
    report_.problems = shared_.problems;
    for (auto& text : verification_.problems) report_.problems.push_back(std::move(text));
    if (shared_.problemsUnsaid > 0) {
      report_.problems.push_back("... and " + std::to_string(shared_.problemsUnsaid) +
                                 " more problems");
    }
    return report_;
  }

  ServerProcess& server_;
  const SoakOptions& options_;
  std::uint64_t seed_ = 0;
  Shared shared_;
  Data data_;
  // One byte per pair: linked by the last acknowledged operation. Each element is written
  // by its owning thread only, and read by the verification after the joins.
  std::vector<std::uint8_t> ledger_;
  std::vector<std::uint8_t> unsettled_;  // 1: given up, state unknown
  // Written by the job thread only, read after the joins: the jobs it started, and each
  // job offer's last acknowledged job type (true: link-brand-locations).
  std::vector<std::string> startedJobs_;
  std::map<std::string, bool> jobLedger_;
  Verification verification_;
  SoakReport report_;
};

}  // namespace

Soak::Soak(ServerProcess& server, SoakOptions options)
    : server_(server), options_(std::move(options)) {}

SoakReport Soak::run() {
  return Run(server_, options_).execute();
}

std::string SoakReport::summary() const {
  std::ostringstream out;
  out << "duration            " << fixed(seconds, 1) << " s (server down " << fixed(downSeconds, 2)
      << " s in all)\n"
      << "requests sent       " << grouped(requestsSent) << "\n"
      << "requests answered   " << grouped(requestsAnswered) << "\n"
      << "kills               " << kills << " (" << killsDuringJob << " during a bulk job)\n"
      << "acknowledged writes " << grouped(acknowledgedWrites()) << " (links "
      << grouped(linksAcknowledged) << ", unlinks " << grouped(unlinksAcknowledged)
      << "; state changes " << grouped(changes) << ")\n"
      << "retried after a kill " << grouped(retried) << " (5xx answers " << grouped(unavailable)
      << ")\n"
      << "jobs                " << jobsFound << " listed, " << jobsSucceeded << " succeeded ("
      << unlinkJobs << " of them unlink-all), " << jobsStuck << " stuck, " << jobsFailed
      << " failed (" << jobsStarted << " acknowledged)\n"
      << "pairs               " << grouped(pairs) << " (" << grouped(pairsLinked)
      << " linked at the end)\n"
      << "lost                " << lost << "\n"
      << "inconsistent        " << inconsistent << "\n"
      << "seed                " << seed << "\n";
  for (const auto& problem : problems) out << "problem: " << problem << "\n";
  out << (passed() ? "PASS" : "FAIL") << "\n";
  return out.str();
}

std::string SoakReport::markdown() const {
  std::ostringstream out;
  out << "| figure | value |\n|---|---:|\n"
      << "| duration s | " << fixed(seconds, 1) << " |\n"
      << "| requests sent | " << grouped(requestsSent) << " |\n"
      << "| requests answered | " << grouped(requestsAnswered) << " |\n"
      << "| kills (during a bulk job) | " << kills << " (" << killsDuringJob << ") |\n"
      << "| server down s, in all | " << fixed(downSeconds, 2) << " |\n"
      << "| acknowledged writes (links + unlinks) | " << grouped(acknowledgedWrites()) << " ("
      << grouped(linksAcknowledged) << " + " << grouped(unlinksAcknowledged) << ") |\n"
      << "| retried after a kill | " << grouped(retried) << " |\n"
      << "| jobs (succeeded / stuck / failed) | " << jobsFound << " (" << jobsSucceeded << " / "
      << jobsStuck << " / " << jobsFailed << ") |\n"
      << "| pairs verified | " << grouped(pairs) << " |\n"
      << "| counters inconsistent | " << inconsistent << " |\n"
      << "| **lost** | **" << lost << "** |\n";
  return out.str();
}

}  // namespace offers::testing
