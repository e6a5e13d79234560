#pragma once
// /metrics: a member's state in Prometheus's text format with etcd 3.4's metric names.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "env/TcpTransport.h"
#include "server/FsyncHistogram.h"
#include "server/Node.h"

namespace detcd::server::http {

/// The Content-Type of Prometheus's text exposition format, version 0.0.4.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

/// Writes metric families in Prometheus's text exposition format 0.0.4: per family one
/// "# HELP name text" and one "# TYPE name type" line, then its samples ("name{l="v"} value").
/// Label values are escaped (backslash, double quote, newline) as the format requires. Each
/// family must be written once, all its samples together. Counters and gauges given as integers
/// print as integers.
class PrometheusText {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  /// A family of one unlabelled sample.
  void counter(std::string_view name, std::string_view help, std::uint64_t value);
  void gauge(std::string_view name, std::string_view help, double value);
  /// A family with one sample per label set (no sample at all when `samples` is empty: the
  /// family is then announced only, as Go's client does for a vector without children).
  void counterFamily(std::string_view name, std::string_view help,
                     const std::vector<std::pair<Labels, std::uint64_t>>& samples);
  void gaugeFamily(std::string_view name, std::string_view help,
                   const std::vector<std::pair<Labels, double>>& samples);
  /// A histogram in seconds: cumulative "_bucket{le=...}" samples for etcd's bounds and +Inf,
  /// then "_sum" (seconds) and "_count".
  void histogram(std::string_view name, std::string_view help, const FsyncHistogram& h);

  const std::string& text() const { return out_; }

 private:
  void header(std::string_view name, std::string_view help, std::string_view type);
  void sample(std::string_view name, const Labels& labels, std::string_view value);

  std::string out_;
};

/// A member's metrics, as etcd 3.4 names and describes them (HELP text verbatim):
///  - etcd_server_has_leader, etcd_server_is_leader (gauges, 0 or 1), etcd_server_id
///    (gauge 1 labelled server_id, the member ID in hex),
///  - etcd_server_leader_changes_seen_total (counter; NodeStatus::leaderChanges),
///  - etcd_server_proposals_committed_total / _applied_total (gauges, as in etcd: the commit
///    and applied indexes), etcd_server_proposals_pending (gauge),
///    etcd_server_proposals_failed_total (counter),
///  - etcd_server_quota_backend_bytes (gauge; NodeStatus::quotaBackendBytes),
///  - etcd_disk_wal_fsync_duration_seconds (histogram, etcd's buckets 1 ms .. 8.192 s),
///  - etcd_mvcc_db_total_size_in_bytes (gauge; NodeStatus::dbSizeBytes),
///    etcd_debugging_mvcc_keys_total, etcd_debugging_mvcc_current_revision,
///    etcd_debugging_mvcc_compact_revision (gauges),
///  - etcd_network_peer_sent_bytes_total{To}, etcd_network_peer_received_bytes_total{From},
///    etcd_network_peer_sent_failures_total{To} (counters by peer ID in hex; failures are
///    messages dropped), etcd_network_active_peers{Local,Remote} (gauge 1 per connected peer).
/// Counters restart from zero when the process does, as Prometheus counters may.
std::string renderMetrics(const NodeStatus& node, const env::TransportStats& transport);

}  // namespace detcd::server::http
