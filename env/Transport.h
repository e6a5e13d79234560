#pragma once
// The network seam: unreliable datagrams between the members of a cluster.

#include <cstdint>
#include <functional>
#include <string>

namespace detcd::env {

/// A member of a cluster. 0 is never a member: it means "nobody" (and, in traces, the simulator).
using NodeId = std::uint64_t;

/// Sends opaque byte strings to other nodes. No delivery promise of any kind: a message may be lost,
/// delayed, duplicated or reordered (the simulator does each of these on purpose; Raft is built to
/// survive them). A message is never corrupted: the real transport runs over TCP and the simulator
/// models corruption on the disk, not the wire.
class Transport {
 public:
  /// Called on the node's event loop with the sender and the payload of one delivered message.
  using Receiver = std::function<void(NodeId from, std::string payload)>;

  virtual ~Transport() = default;

  /// This node's id.
  virtual NodeId self() const = 0;

  /// Queues `payload` for `to`. Never blocks and never reports failure: an unreachable peer is the
  /// same as a lost message.
  virtual void send(NodeId to, std::string payload) = 0;

  /// Installs the function that receives every message delivered to this node from now on,
  /// replacing any earlier one. Messages that arrive while no receiver is set are dropped.
  virtual void setReceiver(Receiver receiver) = 0;
};

}  // namespace detcd::env
