#include "checkers/WatchChecker.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

namespace detcd::checkers {

std::string_view guaranteeName(WatchGuarantee guarantee) {
  switch (guarantee) {
    case WatchGuarantee::kOrdered: return "ordered";
    case WatchGuarantee::kUnique: return "unique";
    case WatchGuarantee::kAtomic: return "atomic";
    case WatchGuarantee::kReliable: return "reliable";
    case WatchGuarantee::kResumable: return "resumable";
    case WatchGuarantee::kBookmarkable: return "bookmarkable";
    case WatchGuarantee::kPrevKv: return "prev_kv";
    case WatchGuarantee::kFilters: return "filters";
    case WatchGuarantee::kConsistent: return "consistent";
  }
  return "?";
}

namespace {

// A write event some ok operation made: what is known of it.
struct KnownEvent {
  WatchEvent::Type type = WatchEvent::Type::kPut;
  std::string value;
  int64_t lease = 0;
  int64_t createRevision = 0;  // 0 = not known
  int64_t version = 0;         // 0 = not known
};

// A write of unknown outcome that could explain an event.
struct PossibleWrite {
  WatchEvent::Type type;
  std::string key, rangeEnd, value;
};

struct Writes {
  std::map<int64_t, std::map<std::string, KnownEvent>> byRevision;
  std::set<int64_t> complete;  // revisions whose whole write set is known
  std::vector<PossibleWrite> possible;
  /// Compactions clients requested (any outcome but a definite failure): invocation time and
  /// revision. etcd omits a prev_kv that compaction already removed.
  std::vector<std::pair<Timestamp, int64_t>> compactions;

  /// Whether a compaction at `revision` or later may have happened by `time`.
  bool maybeCompacted(int64_t revision, Timestamp time) const {
    return std::any_of(compactions.begin(), compactions.end(), [&](const auto& c) {
      return c.first <= time && c.second >= revision;
    });
  }

  const KnownEvent* find(int64_t revision, const std::string& key) const {
    auto r = byRevision.find(revision);
    if (r == byRevision.end()) return nullptr;
    auto k = r->second.find(key);
    return k == r->second.end() ? nullptr : &k->second;
  }
};

// Records the events of the request ops `ops` executed at `revision`, with
// their responses when known. Returns false if some write's keys are unknown.
bool recordOps(Writes& w, int64_t revision, const std::vector<RequestOp>& ops,
               const std::vector<ResponseOp>* responses) {
  bool complete = true;
  for (size_t i = 0; i < ops.size(); ++i) {
    const RequestOp& op = ops[i];
    const ResponseOp* resp = responses && i < responses->size() ? &(*responses)[i] : nullptr;
    if (op.kind == RequestOp::Kind::kPut) {
      KnownEvent e;
      e.value = op.value;
      e.lease = op.lease;
      if (resp && resp->prevKvs && op.prevKv) {
        bool existed = !resp->prevKvs->empty();
        e.createRevision = existed ? resp->prevKvs->front().createRevision : revision;
        e.version = existed ? resp->prevKvs->front().version + 1 : 1;
      }
      w.byRevision[revision][op.key] = e;
    } else if (op.kind == RequestOp::Kind::kDeleteRange) {
      if (resp && resp->deleted == 0) continue;
      KnownEvent e;
      e.type = WatchEvent::Type::kDelete;
      if (resp && resp->prevKvs && op.prevKv) {
        for (const KeyValue& kv : *resp->prevKvs) w.byRevision[revision][kv.key] = e;
      } else if (op.rangeEnd.empty() && resp && resp->deleted == 1) {
        w.byRevision[revision][op.key] = e;
      } else {
        complete = false;
      }
    }
  }
  return complete;
}

void addPossible(Writes& w, const std::vector<RequestOp>& ops) {
  for (const RequestOp& op : ops) {
    if (op.kind == RequestOp::Kind::kPut) {
      w.possible.push_back({WatchEvent::Type::kPut, op.key, "", op.value});
    } else if (op.kind == RequestOp::Kind::kDeleteRange) {
      w.possible.push_back({WatchEvent::Type::kDelete, op.key, op.rangeEnd, ""});
    }
  }
}

Writes knownWrites(const History& history) {
  Writes w;
  for (const Operation& op : history.operations) {
    if (op.kind != OpKind::kEtcd || !op.etcd) continue;
    const EtcdRequest& r = op.etcd->request;
    const EtcdResponse& resp = op.etcd->response;
    if (r.kind == EtcdRequest::Kind::kCompact && op.outcome != Outcome::kFail) {
      w.compactions.emplace_back(op.invokeTime, r.revision);
      continue;
    }
    if (r.kind == EtcdRequest::Kind::kLeaseGrant && op.outcome != Outcome::kFail) {
      // A granted lease may expire: the leader revokes it, deleting its keys.
      w.possible.push_back({WatchEvent::Type::kDelete, "", std::string(1, '\0'), ""});
      continue;
    }
    if (op.outcome == Outcome::kInfo) {
      if (r.kind == EtcdRequest::Kind::kRequestOp) addPossible(w, {r.op});
      if (r.kind == EtcdRequest::Kind::kTxn) {
        addPossible(w, r.success);
        addPossible(w, r.failure);
      }
      if (r.kind == EtcdRequest::Kind::kLeaseRevoke) {
        w.possible.push_back({WatchEvent::Type::kDelete, "", std::string(1, '\0'), ""});
      }
      continue;
    }
    if (op.outcome != Outcome::kOk || !resp.revision) continue;
    int64_t rev = *resp.revision;
    bool complete = true;
    if (r.kind == EtcdRequest::Kind::kRequestOp && r.op.kind != RequestOp::Kind::kRange) {
      complete = recordOps(w, rev, {r.op}, &resp.responses);
    } else if (r.kind == EtcdRequest::Kind::kTxn && resp.succeeded) {
      const std::vector<RequestOp>& branch = *resp.succeeded ? r.success : r.failure;
      bool writes = std::any_of(branch.begin(), branch.end(), [](const RequestOp& o) {
        return o.kind != RequestOp::Kind::kRange;
      });
      if (writes) complete = recordOps(w, rev, branch, &resp.responses);
    } else if (r.kind == EtcdRequest::Kind::kLeaseRevoke) {
      complete = false;  // the attached keys are not in the response
      w.possible.push_back({WatchEvent::Type::kDelete, "", std::string(1, '\0'), ""});
    } else {
      continue;
    }
    if (complete && w.byRevision.contains(rev)) w.complete.insert(rev);
  }
  return w;
}

class Checker {
 public:
  Checker(const History& h, const Writes& w) : history_(h), writes_(w) {}

  WatchCheckResult run() {
    std::map<int64_t, const WatchOpen*> watches;
    for (const WatchOpen& open : history_.watches) {
      if (!watches.emplace(open.watchId, &open).second) {
        throw std::invalid_argument("line " + std::to_string(open.line) + ": watch_id " +
                                    std::to_string(open.watchId) + " opened twice");
      }
    }
    std::map<int64_t, std::vector<const WatchResponse*>> responses;
    for (const WatchResponse& r : history_.watchResponses) {
      if (!watches.contains(r.watchId)) {
        throw std::invalid_argument("line " + std::to_string(r.line) + ": response to watch_id " +
                                    std::to_string(r.watchId) + " which was never opened");
      }
      responses[r.watchId].push_back(&r);
    }
    for (const auto& [id, open] : watches) checkWatch(*open, responses[id]);
    std::stable_sort(result_.violations.begin(), result_.violations.end(),
                     [](const WatchViolation& a, const WatchViolation& b) { return a.line < b.line; });
    return std::move(result_);
  }

 private:
  void violate(WatchGuarantee g, const WatchOpen& w, int64_t line, std::string message) {
    result_.violations.push_back({g, w.watchId, line, std::move(message)});
  }

  static std::string at(const WatchEvent& e) {
    return std::string(e.type == WatchEvent::Type::kPut ? "PUT" : "DELETE") + " \"" + e.kv.key +
           "\" at revision " + std::to_string(e.kv.modRevision);
  }

  bool watched(const WatchOpen& w, const std::string& key, WatchEvent::Type type) const {
    if (!inKeyRange(key, w.key, w.rangeEnd)) return false;
    return type == WatchEvent::Type::kPut ? !w.noPut : !w.noDelete;
  }

  void checkConsistent(const WatchOpen& w, const WatchEvent& e, int64_t line) {
    int64_t rev = e.kv.modRevision;
    auto [it, first] = seen_.try_emplace({rev, e.kv.key}, std::make_pair(&e, line));
    if (!first) {
      const WatchEvent& o = *it->second.first;
      if (o.type != e.type || o.kv.value != e.kv.value || o.kv.version != e.kv.version ||
          o.kv.createRevision != e.kv.createRevision) {
        violate(WatchGuarantee::kConsistent, w, line,
                at(e) + " differs from the event line " + std::to_string(it->second.second) +
                    " delivered");
      }
    }
    if (const KnownEvent* k = writes_.find(rev, e.kv.key)) {
      bool same = k->type == e.type;
      if (same && e.type == WatchEvent::Type::kPut) {
        same = k->value == e.kv.value && k->lease == e.kv.lease &&
               (k->createRevision == 0 || k->createRevision == e.kv.createRevision) &&
               (k->version == 0 || k->version == e.kv.version);
      }
      if (!same) {
        violate(WatchGuarantee::kConsistent, w, line,
                at(e) + " does not match the write that made revision " + std::to_string(rev));
      }
      return;
    }
    if (writes_.complete.contains(rev)) {
      violate(WatchGuarantee::kConsistent, w, line,
              at(e) + ": the write that made revision " + std::to_string(rev) +
                  " did not touch this key");
      return;
    }
    if (writes_.byRevision.contains(rev)) return;  // a partly known write (range delete)
    bool explained = std::any_of(writes_.possible.begin(), writes_.possible.end(),
                                 [&](const PossibleWrite& p) {
                                   return p.type == e.type && inKeyRange(e.kv.key, p.key, p.rangeEnd) &&
                                          (e.type == WatchEvent::Type::kDelete ||
                                           p.value == e.kv.value);
                                 });
    if (!explained) {
      violate(WatchGuarantee::kConsistent, w, line, at(e) + ": no write made this event");
    }
  }

  void checkPrevKv(const WatchOpen& w, const WatchEvent& e, Timestamp time, int64_t line) {
    if (!w.prevKv) {
      if (e.prevKv) violate(WatchGuarantee::kPrevKv, w, line, at(e) + " has a prev_kv not asked for");
      return;
    }
    bool update = e.type == WatchEvent::Type::kDelete || e.kv.version > 1;
    if (!e.prevKv) {
      // etcd reads prev_kv at mod_revision - 1 when it sends the event, and leaves it out when
      // that revision is compacted by then.
      if (update && !writes_.maybeCompacted(e.kv.modRevision - 1, time)) {
        violate(WatchGuarantee::kPrevKv, w, line, at(e) + " lacks its prev_kv");
      }
      return;
    }
    const KeyValue& p = *e.prevKv;
    int64_t rev = e.kv.modRevision;
    bool ok = p.key == e.kv.key && p.modRevision < rev;
    if (ok && e.type == WatchEvent::Type::kPut) {
      ok = p.createRevision == e.kv.createRevision && p.version + 1 == e.kv.version;
    }
    if (ok) {
      // No known write to the key may lie between prev_kv and this event.
      for (auto it = writes_.byRevision.upper_bound(p.modRevision);
           ok && it != writes_.byRevision.end() && it->first < rev; ++it) {
        ok = !it->second.contains(p.key);
      }
      if (const KnownEvent* k = writes_.find(p.modRevision, p.key)) {
        ok = ok && k->type == WatchEvent::Type::kPut && k->value == p.value;
      }
    }
    if (!ok) {
      violate(WatchGuarantee::kPrevKv, w, line,
              at(e) + " has prev_kv \"" + p.value + "\"@" + std::to_string(p.modRevision) +
                  ", not the key's previous version");
    }
  }

  void checkWatch(const WatchOpen& w, const std::vector<const WatchResponse*>& responses) {
    int64_t last = 0;      // highest event revision delivered
    int64_t progress = 0;  // highest progress notification revision
    int64_t first = 0;     // first event revision delivered
    std::set<std::pair<int64_t, std::string>> delivered;
    std::set<int64_t> earlierRevisions;  // revisions delivered in earlier responses
    std::vector<std::pair<int64_t, int64_t>> reach;  // (highest revision covered, line)
    for (const WatchResponse* r : responses) {
      if (r->canceled) break;
      if (r->events.empty()) {
        // A progress notification: everything up to its revision was sent.
        int64_t from = w.startRevision > 0 ? w.startRevision : first;
        for (auto it = writes_.byRevision.lower_bound(std::max<int64_t>(from, 1));
             from > 0 && it != writes_.byRevision.end() && it->first <= r->headerRevision; ++it) {
          for (const auto& [key, k] : it->second) {
            if (watched(w, key, k.type) && !delivered.contains({it->first, key})) {
              violate(WatchGuarantee::kBookmarkable, w, r->line,
                      "progress notification at revision " + std::to_string(r->headerRevision) +
                          " before the event for \"" + key + "\" at revision " +
                          std::to_string(it->first));
            }
          }
        }
        progress = std::max(progress, r->headerRevision);
        reach.emplace_back(r->headerRevision, r->line);
        continue;
      }
      std::set<int64_t> revisions;
      for (const WatchEvent& e : r->events) {
        int64_t rev = e.kv.modRevision;
        if (!inKeyRange(e.kv.key, w.key, w.rangeEnd)) {
          violate(WatchGuarantee::kFilters, w, r->line, at(e) + " is outside the watched range");
        } else if ((e.type == WatchEvent::Type::kPut && w.noPut) ||
                   (e.type == WatchEvent::Type::kDelete && w.noDelete)) {
          violate(WatchGuarantee::kFilters, w, r->line, at(e) + " passed a filter that drops it");
        }
        if (rev < last) {
          violate(WatchGuarantee::kOrdered, w, r->line,
                  at(e) + " after an event at revision " + std::to_string(last));
        }
        if (!delivered.insert({rev, e.kv.key}).second) {
          violate(WatchGuarantee::kUnique, w, r->line, at(e) + " delivered twice");
        } else if (earlierRevisions.contains(rev)) {
          violate(WatchGuarantee::kAtomic, w, r->line,
                  "revision " + std::to_string(rev) + " split across responses");
        }
        if (w.startRevision > 0 && rev < w.startRevision) {
          violate(WatchGuarantee::kResumable, w, r->line,
                  at(e) + " is before the start revision " + std::to_string(w.startRevision));
        }
        if (rev <= progress) {
          violate(WatchGuarantee::kBookmarkable, w, r->line,
                  at(e) + " after a progress notification at revision " + std::to_string(progress));
        }
        checkConsistent(w, e, r->line);
        checkPrevKv(w, e, r->time, r->line);
        if (first == 0) first = rev;
        last = std::max(last, rev);
        revisions.insert(rev);
      }
      earlierRevisions.insert(revisions.begin(), revisions.end());
      reach.emplace_back(last, r->line);
    }
    // Reliable / resumable: every known event in [start, reach] was delivered.
    int64_t from = w.startRevision > 0 ? w.startRevision : first;
    int64_t to = std::max(last, progress);
    if (from == 0) return;
    for (auto it = writes_.byRevision.lower_bound(from);
         it != writes_.byRevision.end() && it->first <= to; ++it) {
      for (const auto& [key, k] : it->second) {
        if (!watched(w, key, k.type) || delivered.contains({it->first, key})) continue;
        int64_t line = w.line;
        for (const auto& [covered, l] : reach) {
          if (covered > it->first) {
            line = l;
            break;
          }
        }
        bool beforeFirst = w.startRevision > 0 && (first == 0 || it->first < first);
        violate(beforeFirst ? WatchGuarantee::kResumable : WatchGuarantee::kReliable, w, line,
                "the event for \"" + key + "\" at revision " + std::to_string(it->first) +
                    " was never delivered");
      }
    }
  }

  const History& history_;
  const Writes& writes_;
  std::map<std::pair<int64_t, std::string>, std::pair<const WatchEvent*, int64_t>> seen_;
  WatchCheckResult result_;
};

}  // namespace

WatchCheckResult checkWatches(const History& history) {
  Writes writes = knownWrites(history);
  return Checker(history, writes).run();
}

}  // namespace detcd::checkers
