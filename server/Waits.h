#pragma once
// Requests waiting for their answer, by request ID, each with a timeout (etcd's wait.Wait plus
// the per-request deadline of its gRPC layer). One clock timer serves all deadlines: it is set
// for the earliest, so a request costs no timer of its own (arming and cancelling one per
// request was a measurable share of a loaded member's work).

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <utility>

#include "env/Clock.h"
#include "google/protobuf/message.h"
#include "mvcc/Status.h"

namespace detcd::server {

class Waits {
 public:
  /// Receives the outcome: a status and, for ok answers that carry one, a response message.
  using Completion = std::function<void(const mvcc::Status&, const google::protobuf::Message*)>;

  explicit Waits(env::Clock& clock) : clock_(clock) {}
  /// Cancels every pending timer without answering (a node destroyed is a crash).
  ~Waits();
  Waits(const Waits&) = delete;
  Waits& operator=(const Waits&) = delete;

  /// Registers `id`; after `timeout` of the clock it is answered with `onTimeout` status.
  void add(std::uint64_t id, env::Nanos timeout, const mvcc::Status& onTimeout, Completion done);
  bool contains(std::uint64_t id) const { return pending_.count(id) != 0; }
  /// Answers and forgets `id`; false when it is not waiting (answered, timed out, not ours).
  bool trigger(std::uint64_t id, const mvcc::Status& status,
               const google::protobuf::Message* response = nullptr);
  /// Answers every waiting request with `status`, in ID order.
  void triggerAll(const mvcc::Status& status);
  std::size_t size() const { return pending_.size(); }

 private:
  struct Pending {
    Completion done;
    env::Nanos deadline;
    mvcc::Status onTimeout;
  };
  /// Sets the timer for the earliest deadline unless it is already set for that time or sooner.
  void arm();
  /// The timer fired: answers every request whose deadline has come, in (deadline, ID) order.
  void expire();

  env::Clock& clock_;
  std::map<std::uint64_t, Pending> pending_;
  std::set<std::pair<env::Nanos, std::uint64_t>> deadlines_;  ///< (deadline, ID) of each pending
  env::TimerId timer_ = 0;  ///< 0 when not set
  env::Nanos timerAt_{};    ///< when the set timer fires (clock time)
};

}  // namespace detcd::server
