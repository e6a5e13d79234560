#pragma once
// The simulated disk: a page cache over a platter, with POSIX crash semantics and faults.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "env/Disk.h"
#include "env/Transport.h"
#include "sim/Latency.h"
#include "sim/NodeLoop.h"
#include "sim/Rng.h"
#include "sim/Trace.h"

namespace detcd::sim {

/// What a crash does to data (and directory operations) that were not made durable.
enum class CrashMode {
  kRandom,  ///< one of the three below, drawn from the disk's stream at each crash
  kLost,    ///< every unsynced write, truncate and directory operation is undone
  kKept,    ///< everything written reached the platter after all
  kTorn,    ///< per dirty 512-byte sector: new data, old data or garbage (in the bytes the
            ///< unsynced writes changed), never all new; per directory, a prefix of its pending
            ///< operations; each file's size either the old or the new one
};

std::string_view toString(CrashMode mode);

/// Injectable disk faults. Probabilities are per call; latencies are charged to the calling node
/// (its event loop is blocked, as by a synchronous system call).
struct DiskFaults {
  double writeEio = 0.0;          ///< write/append/truncate/allocate fails with EIO, changing nothing
  double fsyncEio = 0.0;          ///< sync()/syncDir() fails with EIO; a file loses its dirty data
  double misdirectedWrite = 0.0;  ///< a write lands 1-4 sectors away from its offset, silently
  std::uint64_t capacity = UINT64_MAX;  ///< bytes of file data; growing past it gives ENOSPC
  Latency readLatency = Latency::constant(env::Nanos{0});
  Latency writeLatency = Latency::constant(env::Nanos{0});
  Latency fsyncLatency = Latency::constant(env::Nanos{0});
};

/// env::Disk for one simulated node, with page-cache semantics (see env/Disk.h for the contract).
///
/// Model: each file has a volatile image (what reads see) and a durable image (what survives a
/// crash), plus the set of 512-byte sectors written since its last sync and the smallest size it
/// had since then. The namespace (names -> files, directories) likewise has a volatile and a
/// durable version, and per directory the ordered list of operations not yet made durable.
/// sync() copies the dirty sectors and the size to the durable image; syncDir() applies the
/// directory's pending operations to the durable namespace. crash() rebuilds the volatile state
/// from the durable one according to the CrashMode, makes every open handle fail with EBADF and
/// takes the disk offline (EIO) until powerOn().
///
/// Simplification: a rename is durable when its *destination* directory is synced (on Linux
/// file systems one must sync both; detcd renames only within a directory).
class SimDisk final : public env::Disk {
 public:
  static constexpr std::uint64_t kSectorSize = 512;

  SimDisk(env::NodeId node, Rng rng, Trace& trace, NodeLoop& loop);
  ~SimDisk() override;

  env::Result<std::unique_ptr<env::File>> open(const std::string& path,
                                          env::OpenOptions options) override;
  std::error_code rename(const std::string& from, const std::string& to) override;
  std::error_code unlink(const std::string& path) override;
  std::error_code mkdir(const std::string& path) override;
  std::error_code syncDir(const std::string& path) override;
  env::Result<std::vector<std::string>> list(const std::string& path) override;
  bool exists(const std::string& path) override;

  /// Faults in force from now on.
  void setFaults(const DiskFaults& faults) { faults_ = faults; }
  const DiskFaults& faults() const { return faults_; }

  void setCrashMode(CrashMode mode) { crashMode_ = mode; }

  /// Power loss: applies the crash semantics and takes the disk offline. Returns the mode used.
  CrashMode crash();
  /// Back online after a crash (a restart of the node).
  void powerOn();

  /// Latent corruption: flips one random bit of one random sector that is durable and clean
  /// (optionally only in `path`). Returns a description, or nothing when no such sector exists.
  std::optional<std::string> flipSyncedBit(const std::string& path = {});

  /// The durable content of `path` as a crash of mode kLost would leave it (for tests), or nothing
  /// when its name is not durable.
  std::optional<std::string> durableContent(const std::string& path) const;

  /// Bytes of volatile file data (what counts against capacity).
  std::uint64_t usedBytes() const;

  struct Inode;  // one file's data; defined in SimDisk.cc

 private:
  friend class SimFile;
  struct DirOp {
    enum class Kind { kLink, kUnlink, kRename, kMkdir } kind;
    std::string path;  // the name created, removed, renamed to, or the directory made
    std::string from;  // rename only
    std::shared_ptr<Inode> inode;
  };

  // File operations, called by SimFile handles.
  env::Result<std::string> read(Inode& inode, std::uint64_t offset, std::size_t length);
  std::error_code write(const std::string& path, Inode& inode, std::uint64_t offset, std::string_view data);
  std::error_code sync(const std::string& path, Inode& inode);
  std::error_code resize(const std::string& path, Inode& inode, std::uint64_t size, bool shrinkAllowed);

  bool online(std::uint64_t generation) const { return online_ && generation == generation_; }
  std::error_code fault(std::string_view kind, const std::string& path);
  void applyDurably(const DirOp& op);
  void crashInode(Inode& inode, CrashMode mode);
  /// Makes the volatile image durable: the size, then every dirty sector (what fsync does).
  static void persistAll(Inode& inode);
  /// The byte at `i` on the platter (zero past its end).
  static char durableByte(const Inode& inode, std::uint64_t i);
  /// Overwrites with random bytes, in target[begin, end), the bytes that unsynced writes changed.
  void garble(const Inode& inode, std::string& target, std::uint64_t begin, std::uint64_t end);
  void trace(std::string_view kind, std::initializer_list<env::TraceField> fields);

  env::NodeId node_;
  Rng rng_;
  Trace& trace_;
  NodeLoop& loop_;
  DiskFaults faults_;
  CrashMode crashMode_ = CrashMode::kRandom;
  bool online_ = true;
  std::uint64_t generation_ = 1;

  std::map<std::string, std::shared_ptr<Inode>> files_;         // volatile namespace
  std::set<std::string> dirs_;                                  // volatile directories
  std::map<std::string, std::shared_ptr<Inode>> durableFiles_;  // durable namespace
  std::set<std::string> durableDirs_;
  std::map<std::string, std::vector<DirOp>> pending_;  // per directory, in order
};

}  // namespace detcd::sim
