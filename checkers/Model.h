#pragma once
// A sequential specification for the linearizability search: which operations
// take part, how the history splits into independent parts
// (P-compositionality, Horn & Kroening 2015), and a deterministic step
// function over interned states.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "checkers/History.h"

namespace detcd::checkers {

/// State ids are dense, starting at 0; kInvalidState means "this operation,
/// with the result the client saw, cannot happen in this state".
inline constexpr uint32_t kInvalidState = UINT32_MAX;

/// One model state space, used by one search over one partition. Not thread safe.
class ModelInstance {
 public:
  virtual ~ModelInstance() = default;
  /// Called once, before any step, with the operations of the group; `ops`
  /// outlives the instance. Lets the instance precompute per-op data.
  virtual void prepare(const std::vector<Operation>& ops) = 0;
  /// The state before any operation.
  virtual uint32_t initialState() = 0;
  /// Applies ops[op] to `state`. For kOk (and checked kFail) operations the
  /// observed result must match the model's, else kInvalidState. A kInfo
  /// operation's result is not observed: it always applies.
  virtual uint32_t step(uint32_t state, uint32_t op) = 0;
  /// Bytes held by interned states and caches (approximate), counted
  /// against the memo cap.
  virtual size_t bytes() const = 0;
  /// False only if the read-only op `op` fits no state reachable from `state`
  /// by ops for which resets() is false (kv, one key: the value now is not a
  /// prefix of what a get read, and appends only extend it). The search then
  /// abandons a configuration in which `op` must still happen, unless a
  /// reset that may still come first leads to a state where it can fit.
  /// Must never return false wrongly; default true (no pruning).
  virtual bool canStillFit(uint32_t /*state*/, uint32_t /*op*/) { return true; }
  /// False if canStillFit is always true: the search then skips the checks.
  virtual bool prunesReads() const { return false; }
  /// True if canStillFit also holds for ops that change the state, with the same meaning:
  /// false only if `op` fits no state reachable from `state` by ops for which resets() is
  /// false (etcd: the revision never goes down, and every op needs the revision it observed
  /// or one below). Default false.
  virtual bool prunesWrites() const { return false; }
  /// True for ops canStillFit does not account for: an op for which it is
  /// false never leads from a state where canStillFit(·, g) is false to one
  /// where it is true; for an op for which it is true, canStillFit(step(s,
  /// op), g) must not depend on s (kv: a put). Default true.
  virtual bool resets(uint32_t /*op*/) { return true; }
  /// A measure of a state's progress that no step lowers (etcd: the global
  /// revision). Default 0.
  virtual int64_t progress(uint32_t /*state*/) const { return 0; }
  /// The largest progress() of a state to which ops[op] can still be applied
  /// with the result the client saw; kNoBound when there is no such limit
  /// (etcd: an ok op's response revision R, or R - 1 if it certainly
  /// writes). Since progress never falls, a configuration whose state has
  /// passed the bound of an op that must still happen has no linearization:
  /// the search abandons it at once. Must never be lower than the truth.
  virtual int64_t progressBound(uint32_t /*op*/) const { return kNoBound; }
  static constexpr int64_t kNoBound = INT64_MAX;
  /// Ops (indices into the prepared ops) that must be linearized before
  /// ops[op] whenever they take effect at all, because ops[op] would make
  /// them impossible for good (etcd: a lease's revoke or expiry comes after
  /// every ok request that needs the lease, when no other grant can create it
  /// again). The search does not linearize `op` while one of them that must
  /// happen is not linearized. Default: none.
  virtual std::vector<uint32_t> predecessors(uint32_t /*op*/) const { return {}; }
  /// True if `state` contradicts what an ok op saw of the state at a
  /// progress it still has to come back to (etcd: a key written at the
  /// state's revision r that an ok response shows unchanged since a revision
  /// M <= r up to its own revision R >= r). Such an op is not linearized yet
  /// (it needs progress R >= r, or it was applied before the write), so the
  /// search abandons the configuration. Must depend only on the state.
  /// Default: false.
  virtual bool contradicted(uint32_t /*state*/) { return false; }
  /// For an op without a return: the ops that can tell whether it took
  /// effect, when taking effect leaves progress() unchanged (etcd: a lease
  /// revoke that deletes no key changes only the lease set, which only
  /// requests naming that lease see); nullopt when any op may. Once all of
  /// them that must happen are linearized, the search does not linearize
  /// `op`: take a linearization that does; leaving `op` out, and with it the
  /// observers that need not happen (whose effect then differs), gives
  /// another, since no other op can tell the states apart. Default: nullopt.
  virtual std::optional<std::vector<uint32_t>> observers(uint32_t /*op*/) const {
    return std::nullopt;
  }
  /// A short human-readable rendering of a state, for violation reports.
  virtual std::string describeState(uint32_t state) const = 0;
};

/// A model: register, kv or etcd.
class Model {
 public:
  virtual ~Model() = default;
  virtual std::string_view name() const = 0;
  /// Throws std::invalid_argument (naming the line) if `op` is not an
  /// operation of this model (e.g. a kv get under the register model).
  virtual void validate(const Operation& op) const = 0;
  /// False for operations that certainly did not take effect and observed
  /// nothing the model checks (definite failures).
  virtual bool takesPart(const Operation& op) const = 0;
  /// Splits the participating operations (indices into `ops`) into groups
  /// that can be checked independently; each group in invocation order. The
  /// history is linearizable iff every group is. Default: one group.
  virtual std::vector<std::vector<size_t>> partition(const std::vector<Operation>& ops,
                                                     const std::vector<size_t>& taking) const;
  /// A name for a group (e.g. its key), "" for the whole history.
  virtual std::string groupName(const std::vector<Operation>& ops,
                                const std::vector<size_t>& group) const;
  virtual std::unique_ptr<ModelInstance> instantiate() const = 0;
  /// Operations no client issued that may take effect at any point after
  /// their invocation time, or never (kInfo, client -1): e.g. lease expiry.
  /// They are checked with the history's. Default: none.
  virtual std::vector<Operation> internalOperations(const std::vector<Operation>& ops) const;
  /// True if `op` never changes the state (in any state it either fits and
  /// leaves the state as it is, or does not fit). The search linearizes such
  /// an op as soon as it fits, without branching. Default: false.
  virtual bool readOnly(const Operation& op) const;
  /// True if `a` and `b`, both of unknown outcome, change every state in the
  /// same way (e.g. two timed-out writes of one value). The search then tries
  /// such twins only in invocation order. Default: false.
  virtual bool sameEffect(const Operation& a, const Operation& b) const;
  /// One line describing an operation and its outcome, e.g. `cas(1, 2) -> ok`.
  virtual std::string describe(const Operation& op) const = 0;
};

/// Interns model states: equal states share one id, so the memo of the search
/// compares 32-bit ids instead of whole states.
template <class State, class Hash = std::hash<State>>
class Interner {
 public:
  uint32_t intern(State state) {
    auto [it, inserted] = ids_.try_emplace(std::move(state), static_cast<uint32_t>(states_.size()));
    if (inserted) states_.push_back(&it->first);
    return it->second;
  }
  const State& get(uint32_t id) const { return *states_[id]; }
  size_t size() const { return states_.size(); }
  /// Footprint (hash nodes with allocator overhead, buckets, the id table),
  /// not counting memory the states themselves own.
  size_t bytes() const {
    return states_.size() * (sizeof(State) + 64) + ids_.bucket_count() * 2 * sizeof(void*);
  }

 private:
  std::unordered_map<State, uint32_t, Hash> ids_;  // node-based: element addresses are stable
  std::vector<const State*> states_;
};

/// The three models by name ("register", "kv", "etcd"); nullptr for others.
/// `perKey` selects P-compositional checking for kv (one group per key).
std::unique_ptr<Model> makeModel(std::string_view name, bool perKey = true);

/// Renders a Value for messages: nil or the text.
std::string showValue(const Value& value);

/// Renders an operation's outcome for messages: "ok", "fail" or "unknown"
/// (used by the register and kv renderings of operations).
std::string describeOutcome(const Operation& op);

}  // namespace detcd::checkers
