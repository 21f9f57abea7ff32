// Bulk jobs on DynamoDB. A job advances page by page under a lease. A page is fixed when
// it is first read (its last id is saved as `pageEnd`), then every attempt at it uses
// its own token, `<job>/<page>/<attempt>`: link items it writes carry (job, page, op),
// so a later attempt recognises the links an earlier one wrote as its own and counts
// them as linked, not alreadyLinked. The page commits in one conditional write of the
// job item (counts, checkpoint, page + 1); the link items' final state and the tokens
// are tidied after that, and again by the next step if a crash came in between.
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
using domain::Job;
using domain::JobStatus;
using domain::JobType;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kActiveJobs = "ACTIVE#JOBS";

// A job item: the job plus the engine's bookkeeping.
struct JobState {
  Job job;
  std::int64_t page = 0;                // pages committed
  std::int64_t attempt = 0;             // attempts at the current page
  std::optional<std::string> pageEnd;   // last id of the current page, once read
  bool lastPage = false;                // the current page is the brand's last
  std::optional<json::object> cleanup;  // {page, from, to, tokens}: committed, not tidied
  std::string leaseOwner;
  std::int64_t leaseUntil = 0;
  bool eventDue = false;  // terminal, its event not yet written
  std::int64_t version = 0;
};

JobState decodeState(const json::object& item) {
  JobState s;
  s.job = domain::jobFromJson(item);
  s.page = number(item, "page");
  s.attempt = number(item, "attempt");
  if (auto e = text(item, "pageEnd"); !e.empty()) s.pageEnd = e;
  if (const auto* v = item.if_contains("lastPage"); v && v->is_bool()) s.lastPage = v->as_bool();
  if (const auto* c = item.if_contains("cleanup"); c && c->is_object()) s.cleanup = c->as_object();
  s.leaseOwner = text(item, "leaseOwner");
  s.leaseUntil = number(item, "leaseUntil");
  if (const auto* v = item.if_contains("eventDue"); v && v->is_bool()) s.eventDue = v->as_bool();
  s.version = number(item, "ver");
  return s;
}

json::object encodeState(const JobState& s) {
  auto item = jobItem(s.job);
  item["page"] = s.page;
  item["attempt"] = s.attempt;
  if (s.pageEnd) item["pageEnd"] = *s.pageEnd;
  item["lastPage"] = s.lastPage;
  if (s.cleanup) item["cleanup"] = *s.cleanup;
  if (!s.leaseOwner.empty()) item["leaseOwner"] = s.leaseOwner;
  item["leaseUntil"] = s.leaseUntil;
  item["eventDue"] = s.eventDue;
  item["ver"] = s.version + 1;
  // In the queue the workers poll while it still has something to do.
  if (!domain::isTerminal(s.job.status) || s.eventDue || s.cleanup) {
    item["GSI3PK"] = kActiveJobs;
    item["GSI3SK"] = s.job.id;
  }
  return item;
}

std::string linkPrefix() {
  return "LINK#";
}

}  // namespace

// The engine's job machinery; a friend-free helper over Impl.
class JobSteps {
 public:
  JobSteps(DynamoDbStore::Impl& impl) : impl_(impl), t_(impl.table) {}

  std::optional<JobState> read(std::string_view id) {
    auto item = t_.get(jobKey(id));
    if (!item) return std::nullopt;
    return decodeState(*item);
  }

  // Optimistic: fails when anyone wrote the job since `s` was read.
  bool write(JobState& s) {
    if (s.leaseOwner == impl_.owner) s.leaseUntil = impl_.leaseUntil();
    Expression cond{"", "ver = :v", {}, {{":v", N(s.version)}}};
    if (s.version == 0) cond = {"", "attribute_not_exists(ver)", {}, {}};
    if (!t_.put(encodeState(s), cond)) return false;
    ++s.version;
    return true;
  }

  // After the terminal write: the offer is free again, and the job leaves the queue.
  void finish(JobState& s) {
    t_.update(countKey(offerKey(s.job.offerId)),
              {"REMOVE activeJob", "activeJob = :id", {}, {{":id", S(s.job.id)}}});
    for (;;) {
      s.eventDue = false;
      if (write(s)) return;
      auto fresh = read(s.job.id);
      if (!fresh || !fresh->eventDue) return;
      s = *fresh;
    }
  }

  // Makes `s` terminal and writes its event, before the terminal state itself is written:
  // whoever sees the job ended finds its event in the outbox already. A death between the
  // two repeats the event (same id: the job's) when the next holder ends the job.
  void end(JobState& s, JobStatus status) {
    s.job.status = status;
    s.job.finished = domain::nowMillis();
    if (status == JobStatus::succeeded) s.job.total = s.job.processed;
    s.eventDue = true;
    s.pageEnd.reset();
    impl_.appendEvent("job." + std::string(domain::toString(status)), domain::toJson(s.job),
                      s.job.id);
  }

  // Renews the job's lease once a third of it has passed; throws JobLeased when another
  // process has taken the job meanwhile, so this one stops writing.
  void keepLease() {
    std::lock_guard lock(leaseMutex_);
    if (Clock::now() - leaseRenewed_ < impl_.options.lease / 3) return;
    if (!t_.update(jobKey(jobId_), {"SET leaseUntil = :u",
                                    "leaseOwner = :me",
                                    {},
                                    {{":u", N(impl_.leaseUntil())}, {":me", S(impl_.owner)}}})) {
      throw JobLeased("job " + jobId_ + " was taken over");
    }
    leaseRenewed_ = Clock::now();
    fence_ = impl_.fenceAt(leaseRenewed_);
  }
  void leaseTaken(const std::string& jobId) {
    jobId_ = jobId;
    leaseRenewed_ = Clock::now();
    fence_ = impl_.fenceAt(leaseRenewed_);
  }
  // The step's requests are not sent once two thirds of the lease have passed since it
  // was last renewed (before the lease is taken: no limit), so none lands after another
  // process may have taken the job over.
  const aws::SendBy::Deadline* fence() const { return &fence_; }

  // The links of the job's page `page` inside (from, to], for tidying.
  std::vector<json::object> pageLinks(const JobState& s, const std::string& from,
                                      const std::string& to, std::int64_t page) {
    QuerySpec q;
    q.partition = offerKey(s.job.offerId).pk;
    q.from = from.empty() ? linkPrefix() : after(linkPrefix(), from);
    q.to = linkPrefix() + to;
    q.limit = SIZE_MAX / 2;
    q.filter = "job = :job AND page = :page";
    q.values = {{":job", S(s.job.id)}, {":page", N(page)}};
    return t_.query(q).items;
  }

  // After a page committed: the links it wrote reach their final state, tokens go.
  void tidy(JobState& s) {
    const auto& c = *s.cleanup;
    const auto page = c.at("page").to_number<std::int64_t>();
    const bool linking = s.job.type == JobType::link_brand_locations;
    auto links = pageLinks(s, std::string(c.at("from").as_string()),
                           std::string(c.at("to").as_string()), page);
    impl_.parallel(links.size(), [&](std::size_t i) {
      const auto& link = links[i];
      const auto token = text(link, "op");
      const auto key = linkKey(text(link, "offerId"), text(link, "locationId"));
      if (linking) {
        t_.update(key, {"SET #st = :linked REMOVE op, job, page",
                        "op = :t",
                        {{"#st", "state"}},
                        {{":linked", S("linked")}, {":t", S(token)}}});
      } else {
        t_.remove(key, {"", "op = :t", {}, {{":t", S(token)}}});
      }
      impl_.forgetToken(countKey(locationKey(text(link, "locationId"))), token);
    });
    for (const auto& token : c.at("tokens").as_array()) {
      impl_.forgetToken(countKey(offerKey(s.job.offerId)), token.as_string());
    }
    for (;;) {
      s.cleanup.reset();
      if (write(s)) return;
      auto fresh = read(s.job.id);
      if (!fresh || !fresh->cleanup) return;
      s = *fresh;
    }
  }

  struct PageCounts {
    std::int64_t processed = 0, linked = 0, already = 0, failed = 0, unlinked = 0;
    std::set<std::string> tokens;
  };

  PageCounts linkPage(const JobState& s, const std::vector<std::string>& ids,
                      const std::string& token) {
    std::vector<std::string> opOf(ids.size());  // the token that counts this link; "" if not ours
    std::vector<char> failed(ids.size(), 0);
    impl_.parallel(ids.size(), [&](std::size_t i) {
      const auto& l = ids[i];
      const auto key = linkKey(s.job.offerId, l);
      json::object item{{"PK", key.pk},
                        {"SK", key.sk},
                        {"GSI1PK", "LOCATION#" + l + "#OFFERS"},
                        {"GSI1SK", s.job.offerId},
                        {"offerId", s.job.offerId},
                        {"locationId", l},
                        {"state", "linking"},
                        {"op", token},
                        {"job", s.job.id},
                        {"page", s.page}};
      keepLease();
      for (int round = 0; round < 3 && opOf[i].empty(); ++round) {
        if (t_.put(item, {"", "attribute_not_exists(PK)", {}, {}})) {
          opOf[i] = token;
          break;
        }
        auto existing = t_.get(key);
        if (!existing) continue;
        if (text(*existing, "job") == s.job.id && number(*existing, "page") == s.page &&
            text(*existing, "state") == "linking") {
          opOf[i] = text(*existing, "op");  // written by an earlier attempt at this page
        }
        break;
      }
      if (opOf[i].empty()) return;
      keepLease();
      if (impl_.applyCounter(countKey(locationKey(l)), "offersTotal", 1, opOf[i], true) ==
          Applied::missing) {
        t_.remove(key, {"", "op = :t", {}, {{":t", S(opOf[i])}}});
        opOf[i].clear();
        failed[i] = 1;
      }
    });
    PageCounts c;
    std::map<std::string, std::int64_t> groups;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      ++c.processed;
      if (failed[i]) {
        ++c.failed;
      } else if (opOf[i].empty()) {
        ++c.already;
      } else {
        ++c.linked;
        ++groups[opOf[i]];
      }
    }
    applyToOffer(s, groups, 1);
    for (auto& [tok, n] : groups) c.tokens.insert(tok);
    return c;
  }

  PageCounts unlinkPage(const JobState& s, const std::vector<json::object>& links,
                        const std::string& token) {
    std::vector<std::string> opOf(links.size());
    impl_.parallel(links.size(), [&](std::size_t i) {
      const auto& link = links[i];
      const auto l = text(link, "locationId");
      const auto key = linkKey(s.job.offerId, l);
      auto mine = [&](const json::object& x) {
        return text(x, "job") == s.job.id && number(x, "page") == s.page &&
               text(x, "state") == "unlinking";
      };
      keepLease();
      if (mine(link)) {
        opOf[i] = text(link, "op");
      } else if (text(link, "state") == "linked") {
        Expression claim{"SET #st = :unlinking, op = :t, job = :job, page = :page",
                         "#st = :linked",
                         {{"#st", "state"}},
                         {{":unlinking", S("unlinking")},
                          {":linked", S("linked")},
                          {":t", S(token)},
                          {":job", S(s.job.id)},
                          {":page", N(s.page)}}};
        if (t_.update(key, claim)) {
          opOf[i] = token;
        } else if (auto again = t_.get(key); again && mine(*again)) {
          opOf[i] = text(*again, "op");
        }
      }
      if (opOf[i].empty()) return;
      keepLease();
      impl_.applyCounter(countKey(locationKey(l)), "offersTotal", -1, opOf[i], false);
    });
    PageCounts c;
    std::map<std::string, std::int64_t> groups;
    for (const auto& op : opOf) {
      if (op.empty()) continue;
      ++c.processed;
      ++c.unlinked;
      ++groups[op];
    }
    applyToOffer(s, groups, -1);
    for (auto& [tok, n] : groups) c.tokens.insert(tok);
    return c;
  }

  void applyToOffer(const JobState& s, const std::map<std::string, std::int64_t>& groups,
                    std::int64_t sign) {
    for (const auto& [tok, n] : groups) {
      keepLease();
      if (impl_.applyCounter(countKey(offerKey(s.job.offerId)), "locationsTotal", sign * n, tok,
                             false) == Applied::missing) {
        throw offerGone(s.job.offerId);
      }
    }
  }

  // The current page's ids (location ids), fixed by pageEnd.
  std::vector<std::string> brandPage(const JobState& s, std::size_t pageSize, bool bounded) {
    QuerySpec q;
    q.index = Index::gsi1;
    q.partition = "BRAND#" + s.job.brandId + "#LOCATIONS";
    if (s.job.checkpoint) q.from = *s.job.checkpoint + " ";
    if (bounded) {
      q.to = *s.pageEnd;
      q.limit = SIZE_MAX / 2;
    } else {
      q.limit = pageSize;
    }
    std::vector<std::string> ids;
    for (const auto& item : t_.query(q).items) ids.push_back(text(item, "id"));
    return ids;
  }

  std::vector<json::object> linkPage(const JobState& s, std::size_t pageSize, bool bounded) {
    QuerySpec q;
    q.partition = offerKey(s.job.offerId).pk;
    q.from = s.job.checkpoint ? after(linkPrefix(), *s.job.checkpoint) : linkPrefix();
    q.to = bounded ? linkPrefix() + *s.pageEnd : linkPrefix() + "~";
    q.limit = bounded ? SIZE_MAX / 2 : pageSize;
    return t_.query(q).items;
  }

  // Runs the current page (reading it first when it is new) and commits it.
  JobState step(JobState s, std::size_t pageSize) {
    const bool linking = s.job.type == JobType::link_brand_locations;
    std::vector<std::string> ids;
    std::vector<json::object> links;
    if (!s.pageEnd) {
      if (linking) {
        ids = brandPage(s, pageSize, false);
      } else {
        links = linkPage(s, pageSize, false);
        for (const auto& l : links) ids.push_back(text(l, "locationId"));
      }
      if (ids.empty()) {
        end(s, JobStatus::succeeded);
        write(s);  // unchanged version on failure: the caller reads again
        return s;
      }
      s.pageEnd = ids.back();
      s.lastPage = ids.size() < pageSize;
      s.attempt = 1;
      if (!write(s)) return s;  // the caller re-reads
    } else if (linking) {
      ids = brandPage(s, pageSize, true);
    } else {
      links = linkPage(s, pageSize, true);
    }
    const auto token = s.job.id + "/" + std::to_string(s.page) + "/" + std::to_string(s.attempt);
    const auto counts = linking ? linkPage(s, ids, token) : unlinkPage(s, links, token);
    // Commit: counts, checkpoint and page number in one conditional write.
    const auto page = s.page;
    const auto from = s.job.checkpoint.value_or("");
    const auto to = *s.pageEnd;
    json::array tokens;
    for (std::int64_t a = 1; a <= s.attempt; ++a) {
      tokens.push_back(
          json::string(s.job.id + "/" + std::to_string(page) + "/" + std::to_string(a)));
    }
    for (;;) {
      s.job.processed += counts.processed;
      s.job.linked += counts.linked;
      s.job.alreadyLinked += counts.already;
      s.job.failed += counts.failed;
      s.job.unlinked += counts.unlinked;
      s.job.total = std::max(s.job.total, s.job.processed);
      s.job.checkpoint = to;
      s.page = page + 1;
      s.pageEnd.reset();
      s.cleanup = json::object{{"page", page}, {"from", from}, {"to", to}, {"tokens", tokens}};
      if (write(s)) break;
      auto fresh = read(s.job.id);
      if (!fresh || fresh->page != page || fresh->leaseOwner != impl_.owner) {
        throw JobLeased("job " + s.job.id + " was taken over");
      }
      s = *fresh;  // a cancel request landed meanwhile: commit on top of it
    }
    tidy(s);
    // Succeeded only once the last page's links are at rest, so that whoever sees the
    // job ended also sees every link it made or removed in the lists.
    while (s.lastPage && !domain::isTerminal(s.job.status)) {
      end(s, JobStatus::succeeded);
      if (write(s)) break;
      auto fresh = read(s.job.id);
      if (!fresh) break;
      s = *fresh;
    }
    return s;
  }

 private:
  DynamoDbStore::Impl& impl_;
  Table& t_;
  std::mutex leaseMutex_;
  aws::SendBy::Deadline fence_{INT64_MAX};
  std::string jobId_;
  Clock::time_point leaseRenewed_;
};

bool DynamoDbStore::Impl::releaseFinishedJob(std::string_view offerId, const std::string& jobId) {
  if (auto job = table.get(jobKey(jobId))) {
    const auto status = domain::parseJobStatus(text(*job, "status"));
    if (!status || !domain::isTerminal(*status)) return false;
  }
  table.update(countKey(offerKey(offerId)),
               {"REMOVE activeJob", "activeJob = :id", {}, {{":id", S(jobId)}}});
  return true;
}

void DynamoDbStore::createJob(const Job& job) {
  auto& t = impl_->table;
  auto offer = impl_->getCounted(offerKey(job.offerId));
  if (!offer) domain::throwNotFound("offer", job.offerId);
  if (auto active = text(*offer, "activeJob");
      !active.empty() && !impl_->releaseFinishedJob(job.offerId, active)) {
    throw jobInProgress(job.offerId, active);
  }
  JobState s;
  s.job = job;
  JobSteps steps(*impl_);
  if (!steps.write(s)) throw alreadyExists("job", job.id);
  // One active job per offer: the offer's counter item holds its id (a delete of the
  // offer is decided there too).
  if (t.update(countKey(offerKey(job.offerId)),
               {"SET activeJob = :id",
                "attribute_exists(PK) AND attribute_not_exists(activeJob)",
                {},
                {{":id", S(job.id)}}})) {
    return;
  }
  t.remove(jobKey(job.id));
  offer = t.get(countKey(offerKey(job.offerId)));
  if (!offer) domain::throwNotFound("offer", job.offerId);
  throw jobInProgress(job.offerId, text(*offer, "activeJob"));
}

std::optional<Job> DynamoDbStore::getJob(std::string_view id) {
  auto item = impl_->table.get(jobKey(id));
  if (!item) return std::nullopt;
  return domain::jobFromJson(*item);
}

Page<Job> DynamoDbStore::listJobs(const std::optional<std::string>& offerId,
                                  const PageRequest& page) {
  auto spec = offerId ? listSpec(Index::gsi1, "OFFER#" + *offerId + "#JOBS", page)
                      : listSpec(Index::gsi2, "JOBS", page);
  return toPage<Job>(impl_->table.query(spec), domain::jobFromJson);
}

std::vector<std::string> DynamoDbStore::activeJobs() {
  QuerySpec q;
  q.index = Index::gsi3;
  q.partition = std::string(kActiveJobs);
  q.limit = 10000;
  std::vector<std::string> ids;
  for (const auto& item : impl_->table.query(q).items) ids.push_back(text(item, "id"));
  return ids;
}

Job DynamoDbStore::cancelJob(std::string_view id) {
  JobSteps steps(*impl_);
  for (;;) {
    auto s = steps.read(id);
    if (!s) domain::throwNotFound("job", id);
    switch (s->job.status) {
      case JobStatus::cancelled:
        return s->job;
      case JobStatus::succeeded:
      case JobStatus::failed:
        throw jobAlreadyEnded(s->job.id, s->job.status);
      case JobStatus::queued:
        steps.end(*s, JobStatus::cancelled);
        if (!steps.write(*s)) continue;
        steps.finish(*s);
        return s->job;
      case JobStatus::running:
        s->job.cancelRequested = true;
        if (!steps.write(*s)) continue;
        return s->job;
    }
  }
}

Job DynamoDbStore::runJobStep(std::string_view id, std::size_t pageSize) {
  JobSteps steps(*impl_);
  aws::SendBy sendBy(steps.fence());
  auto& t = impl_->table;
  for (;;) {
    auto read = steps.read(id);
    if (!read) domain::throwNotFound("job", id);
    auto s = *read;
    if (domain::isTerminal(s.job.status)) {
      // Ended, but its last page's tidying or its event may not have happened yet.
      if (s.cleanup) steps.tidy(s);
      if (s.eventDue) steps.finish(s);
      return s.job;
    }
    // The lease: ours already, free, or run out.
    const auto now = domain::nowMillis();
    if (!s.leaseOwner.empty() && s.leaseOwner != impl_->owner && s.leaseUntil > now) {
      throw JobLeased("job " + s.job.id + " is leased to another process");
    }
    s.leaseOwner = impl_->owner;
    s.leaseUntil = impl_->leaseUntil();
    // Every attempt at a page gets its own token, so the offer's count for the links this
    // attempt adds (a location created inside the page since) is not mistaken for an
    // earlier attempt's, already counted.
    if (s.pageEnd) ++s.attempt;
    if (s.job.status == JobStatus::queued) {
      s.job.status = JobStatus::running;
      s.job.started = now;
      if (s.job.type == JobType::link_brand_locations) {
        QuerySpec q;
        q.index = Index::gsi1;
        q.partition = "BRAND#" + s.job.brandId + "#LOCATIONS";
        s.job.total = t.count(q);
      } else if (auto offer = t.get(countKey(offerKey(s.job.offerId)))) {
        s.job.total = number(*offer, "locationsTotal");
      }
    }
    if (!steps.write(s)) continue;
    steps.leaseTaken(s.job.id);
    if (s.cleanup) {
      steps.tidy(s);
      continue;
    }
    if (!s.pageEnd) {
      const bool offerExists = impl_->getCounted(offerKey(s.job.offerId)).has_value();
      if (s.job.cancelRequested || !offerExists) {
        if (!offerExists) {
          const auto gone = offerGone(s.job.offerId);
          s.job.error = domain::JobError{gone.code(), gone.what()};
        }
        steps.end(s, offerExists ? JobStatus::cancelled : JobStatus::failed);
        if (!steps.write(s)) continue;
        steps.finish(s);
        return s.job;
      }
    }
    const auto version = s.version;
    s = steps.step(std::move(s), pageSize);
    if (s.version == version) continue;  // lost a race on the job item: read it again
    if (s.eventDue) steps.finish(s);
    return s.job;
  }
}

Job DynamoDbStore::failJob(std::string_view id, const domain::JobError& error) {
  JobSteps steps(*impl_);
  for (;;) {
    auto s = steps.read(id);
    if (!s) domain::throwNotFound("job", id);
    if (domain::isTerminal(s->job.status)) {
      if (s->cleanup) steps.tidy(*s);
      if (s->eventDue) steps.finish(*s);
      return s->job;
    }
    // A page under way is finished first (its links are half-counted until it commits);
    // then the job ends where it stands.
    if (s->pageEnd || s->cleanup) {
      runJobStep(id, 1);
      continue;
    }
    s->job.error = error;
    steps.end(*s, JobStatus::failed);
    if (!steps.write(*s)) continue;
    steps.finish(*s);
    return s->job;
  }
}

}  // namespace offers::store::dynamodb
