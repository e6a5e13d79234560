#pragma once
// The simulated network: per-link latency, loss, duplication, reordering, bounded queues,
// partitions of any shape, clogging.

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "env/Transport.h"
#include "sim/Latency.h"
#include "sim/Rng.h"
#include "sim/Scheduler.h"
#include "sim/Trace.h"

namespace detcd::sim {

using env::NodeId;

/// How one directed link (from -> to) treats messages. Probabilities are per message.
struct LinkConfig {
  Latency latency = Latency::uniform(env::Nanos{500'000}, env::Nanos{2'000'000});
  double loss = 0.0;       ///< dropped
  double duplicate = 0.0;  ///< delivered twice (the copy has its own latency)
  double reorder = 0.0;    ///< exempt from FIFO order; without it a link delivers in send order
  std::size_t maxInFlight = 4096;  ///< a full link drops new messages (a bounded socket buffer)
};

/// A set of directed links that deliver nothing. {a, b} blocks a -> b only.
using Cut = std::set<std::pair<NodeId, NodeId>>;

/// Cut helpers for the usual partition shapes over `nodes` (all distinct, non-zero).
namespace partitions {
/// Nodes in different groups cannot talk, in either direction. Nodes in no group are unaffected.
Cut groups(const std::vector<std::vector<NodeId>>& groups);
/// `node` can neither send to nor receive from any other node.
Cut isolate(const std::vector<NodeId>& nodes, NodeId node);
/// `from` cannot send to `to`; replies still flow (an asymmetric partition).
Cut oneWay(const std::vector<NodeId>& from, const std::vector<NodeId>& to);
/// A random minority (floor((n-1)/2) nodes) cut off from the majority; `rng` picks it.
Cut majorityMinority(const std::vector<NodeId>& nodes, Rng& rng);
/// Jepsen's bridge: two halves that cannot talk, and one random node that talks to both.
Cut bridge(const std::vector<NodeId>& nodes, Rng& rng);
/// Each node talks only to its two neighbours in the given order (n >= 4 for a real effect).
Cut ring(const std::vector<NodeId>& nodes);
}  // namespace partitions

/// Delivers messages between simulated nodes over the shared Scheduler.
///
/// Semantics (all randomness from the one Rng this network is given):
/// - A message is dropped if its link is cut when it is sent or when it is due (a cut in between
///   catches messages in flight), if the loss draw says so, or if the link's in-flight queue is
///   full. After heal() with loss 0, every message sent later is delivered.
/// - Without reordering a link is FIFO: a message never overtakes an earlier one on its link.
///   Duplicates and reorder-exempt messages may overtake.
/// - Clogging adds a fixed extra delay to a link until unclog() or heal().
/// - Delivery calls the deliver hook at the due time; the hook (the simulation) hands the message
///   to the node, which may be down (drop), paused (late) or busy (after its work).
/// Every send, delivery and drop is traced.
class Network {
 public:
  /// Called at the due time of each message that survived the network.
  using DeliverHook = std::function<void(NodeId from, NodeId to, std::string payload)>;

  Network(Scheduler& scheduler, Trace& trace, Rng rng);

  void setDeliverHook(DeliverHook hook) { deliver_ = std::move(hook); }

  /// The configuration of links with no configuration of their own.
  void setDefaultLink(const LinkConfig& config) { default_ = config; }
  /// Overrides one directed link.
  void setLink(NodeId from, NodeId to, const LinkConfig& config) { links_[{from, to}] = config; }
  const LinkConfig& link(NodeId from, NodeId to) const;

  /// Sends `payload` departing at global time `departAt` (>= now; a node busy with I/O sends
  /// after it). Never fails: drops are silent to the sender, as on a real network.
  void send(NodeId from, NodeId to, std::string payload, env::Nanos departAt);

  /// Adds the links of `cut` to the set of cut links. `name` labels the trace event.
  void partition(const Cut& cut, std::string_view name = "partition");
  /// Removes one cut link.
  void restore(NodeId from, NodeId to);
  /// Slows link from -> to by `extra` per message.
  void clog(NodeId from, NodeId to, env::Nanos extra);
  void unclog(NodeId from, NodeId to);
  /// Removes every cut and clog (link configurations stay).
  void heal();

  bool isCut(NodeId from, NodeId to) const { return cut_.count({from, to}) != 0; }
  const Cut& cut() const { return cut_; }

  struct Stats {
    std::uint64_t sent = 0, delivered = 0, dropped = 0, duplicated = 0;
  };
  const Stats& stats() const { return stats_; }

 private:
  struct LinkState {
    env::Nanos lastDue{0};  // FIFO: the next ordered message is due no earlier
    std::size_t inFlight = 0;
    env::Nanos clog{0};
  };
  void schedule(NodeId from, NodeId to, const LinkConfig& config, LinkState& state,
                std::string payload, env::Nanos departAt, bool ordered);
  void drop(NodeId from, NodeId to, std::size_t bytes, std::string_view reason);

  Scheduler& scheduler_;
  Trace& trace_;
  Rng rng_;
  DeliverHook deliver_;
  LinkConfig default_;
  std::map<std::pair<NodeId, NodeId>, LinkConfig> links_;
  std::map<std::pair<NodeId, NodeId>, LinkState> state_;
  Cut cut_;
  Stats stats_;
};

}  // namespace detcd::sim
