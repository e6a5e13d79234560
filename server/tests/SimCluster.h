#pragma once
// detcd members (server::Node) on the deterministic simulator, for the node's tests: one
// sim::Host per member, requests issued inside a member's event loop, helpers that run virtual
// time until an answer arrives, and a record of the trace events the nodes emitted.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/Node.h"
#include "sim/Simulation.h"

namespace detcd::server::testing {

/// The answer of one request: `done` once the callback ran.
template <class Response>
struct Outcome {
  bool done = false;
  mvcc::Status status;
  Response response;
};

class SimCluster {
 public:
  /// `members` voters with IDs 1..members, each with `base` (id, name, initial cluster filled
  /// in). Hosts are added but not started. `buggify`: the simulation's buggify points (e.g. the
  /// WAL's early segment cuts) are on with its default rates; off otherwise.
  SimCluster(std::uint64_t seed, std::size_t members, NodeConfig base = {}, bool buggify = false);
  ~SimCluster();

  sim::Simulation& sim() { return sim_; }
  sim::Host& host(std::uint64_t id) { return sim_.host(id); }
  std::vector<std::uint64_t> ids() const;

  void startAll();
  /// Adds host `id` that joins the running cluster (config.join = true; else the first member's
  /// config, then `adjust` when given) and starts it.
  void startJoining(std::uint64_t id, const std::function<void(NodeConfig&)>& adjust = {});
  /// The member's node when its process runs, else nullptr.
  Node* node(std::uint64_t id);
  NodeConfig& config(std::uint64_t id) { return configs_.at(id); }

  /// Runs `fn` with member `id`'s node inside its event loop, waiting (in virtual time) while
  /// the member is busy or paused. False when the member is down.
  bool call(std::uint64_t id, const std::function<void(Node&)>& fn);

  void run(env::Nanos d) { sim_.runUntil(sim_.now() + d); }
  bool runUntil(const std::function<bool()>& done, env::Nanos timeout) {
    return sim_.runUntil(done, sim_.now() + timeout);
  }
  /// The running, not stopped leader with the highest term, or 0.
  std::uint64_t leader();
  /// Runs until a leader exists and every running member of its configuration knows it (0 when
  /// none within `timeout`).
  std::uint64_t waitForLeader(env::Nanos timeout = std::chrono::seconds(20));
  /// Whether `id` is a voter or learner of the configuration `s` reports.
  static bool inConfiguration(const NodeStatus& s, std::uint64_t id);
  /// Runs until the leader committed all it has and every running member of its configuration
  /// applied exactly that; false on timeout.
  bool waitConverged(env::Nanos timeout = std::chrono::seconds(30));

  /// Issues a request through `issue(node, callback)` on member `id` and runs until answered or
  /// `timeout` (Outcome::done false then).
  template <class Response>
  Outcome<Response> request(std::uint64_t id,
                            const std::function<void(Node&, Node::Callback<Response>)>& issue,
                            env::Nanos timeout = std::chrono::seconds(15)) {
    auto out = std::make_shared<Outcome<Response>>();
    const bool ran = call(id, [&](Node& n) {
      issue(n, [out](const mvcc::Status& st, const Response& r) {
        out->done = true;
        out->status = st;
        out->response = r;
      });
    });
    if (ran) runUntil([&] { return out->done; }, timeout);
    return *out;
  }
  Outcome<etcdserverpb::PutResponse> put(std::uint64_t id, const std::string& key,
                                         const std::string& value, std::int64_t lease = 0);
  Outcome<etcdserverpb::RangeResponse> get(std::uint64_t id, const std::string& key,
                                           bool serializable = false);

  /// Number of trace events `kind` member `id` recorded (0 = all members).
  std::uint64_t events(const std::string& kind, std::uint64_t id = 0) const;
  /// The string field `field` of the last event `kind` of member `id`, or "".
  std::string lastField(const std::string& kind, const std::string& field, std::uint64_t id) const;

  /// Violations seen in the "apply" events so far: two members applying different entries
  /// (by XXH3 hash) at one index (state machine safety), or a member applying an index other
  /// than the one after its previous apply, node-start or snapshot-restore (each entry applies
  /// exactly once, in order).
  const std::vector<std::string>& applyViolations() const { return applyViolations_; }
  /// Without this, the destructor fails the running test when applyViolations() is not empty.
  void tolerateApplyViolations() { tolerateApplyViolations_ = true; }

 private:
  class NodeProcess;

  sim::Simulation sim_;
  std::map<std::uint64_t, NodeConfig> configs_;
  /// kind -> member -> events (looked up by string_view: no allocation per event).
  std::map<std::string, std::map<std::uint64_t, std::uint64_t>, std::less<>> counts_;
  std::map<std::pair<std::uint64_t, std::string>, std::string> lastStrings_;
  std::map<std::uint64_t, std::uint64_t> appliedHash_;  // index -> hash of the entry
  std::map<std::uint64_t, std::uint64_t> lastApplied_;  // member -> index
  std::vector<std::string> applyViolations_;
  bool tolerateApplyViolations_ = false;
};

}  // namespace detcd::server::testing
