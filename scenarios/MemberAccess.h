#pragma once
// How simulated clients reach the members of a simulated cluster: the client side of the
// simulator's "client network". Implemented by the cluster runner (Cluster.h); clients
// (Client.h) only see this interface.

#include <cstdint>
#include <functional>
#include <vector>

#include "env/Time.h"

namespace detcd::server {
class Node;
}

namespace detcd::scenarios {

/// Clients live outside the members: they have no clock drift, no disk and do not crash. Client
/// traffic is not subject to partitions between members (a Jepsen client sits next to its node).
class MemberAccess {
 public:
  virtual ~MemberAccess() = default;

  /// IDs of every member the scenario knows (running or not, removed ones excluded), ascending.
  virtual std::vector<std::uint64_t> members() const = 0;

  /// Sends a request to member `id`: after a client-network delay, `call` runs inside the
  /// member's event loop with its Node (later if the member is paused or busy). When the member
  /// is down, stopped or removed at that time, `refused` runs instead (a refused connection:
  /// definitely no effect). If the member crashes after `call` ran, the Node and every callback
  /// it holds are destroyed without being called: the client's own timeout must fire.
  virtual void send(std::uint64_t id, std::function<void(server::Node& node)> call,
                    std::function<void()> refused) = 0;

  /// Carries a response back to the client: `deliver` runs after a client-network delay,
  /// outside every member's event loop. Call it from inside a Node callback.
  virtual void toClient(std::function<void()> deliver) = 0;

  /// Current virtual time (nanoseconds since the start of the run).
  virtual env::Nanos now() const = 0;

  /// Runs `fn` after `delay` of virtual time (a client's own timer).
  virtual void after(env::Nanos delay, std::function<void()> fn) = 0;

  /// The member's incarnation: changes at each crash and restart, 0 while it is down or stopped.
  /// A watch stream opened on an incarnation is dead once this differs (the connection broke).
  virtual std::uint64_t incarnation(std::uint64_t id) const = 0;
};

}  // namespace detcd::scenarios
