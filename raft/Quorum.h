#pragma once
// Quorum arithmetic for majority and joint configurations (paper §4.3 / thesis §4.3).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace detcd::raft {

enum class VoteResult : std::uint8_t {
  Pending,  // neither won nor lost yet
  Lost,
  Won,
};

std::string_view voteResultName(VoteResult r);

// Maps a voter id to the highest log index it is known to have (nullopt: unknown).
using AckedIndexer = std::function<std::optional<std::uint64_t>(std::uint64_t id)>;

// A set of voters deciding by simple majority.
class MajorityConfig {
 public:
  MajorityConfig() = default;
  explicit MajorityConfig(std::set<std::uint64_t> ids) : ids_(std::move(ids)) {}

  // The largest index acknowledged by a majority. An empty config returns UINT64_MAX so
  // that it never constrains a joint configuration.
  std::uint64_t committedIndex(const AckedIndexer& acked) const;
  // Outcome of an election given the votes so far (true: granted). Empty config: Won.
  VoteResult voteResult(const std::map<std::uint64_t, bool>& votes) const;

  const std::set<std::uint64_t>& ids() const { return ids_; }
  std::set<std::uint64_t>& ids() { return ids_; }
  bool empty() const { return ids_.empty(); }
  std::size_t size() const { return ids_.size(); }
  bool contains(std::uint64_t id) const { return ids_.count(id) != 0; }
  std::string describe() const;  // "(1 2 3)"

 private:
  std::set<std::uint64_t> ids_;
};

// Joint consensus: decisions need a majority of the incoming AND of the outgoing config.
// outgoing is empty when the configuration is not joint.
struct JointConfig {
  MajorityConfig incoming;
  MajorityConfig outgoing;

  std::set<std::uint64_t> ids() const;
  std::uint64_t committedIndex(const AckedIndexer& acked) const;
  VoteResult voteResult(const std::map<std::uint64_t, bool>& votes) const;
  std::string describe() const;  // "(1 2 3)" or "(1 2 3)&&(1 2)"
};

}  // namespace detcd::raft
