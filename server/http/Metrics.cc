#include "server/http/Metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace detcd::server::http {

namespace {

std::string escapeLabel(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

/// HELP text escapes backslash and newline (not quotes).
std::string escapeHelp(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

/// Shortest text that reads back as `v` ("1", "0.5", "1e+21"); NaN and infinities as the
/// format spells them.
std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

std::string hexId(std::uint64_t id) { return fmt::format("{:x}", id); }

double seconds(env::Nanos d) { return static_cast<double>(d.count()) / 1e9; }

}  // namespace

void PrometheusText::header(std::string_view name, std::string_view help, std::string_view type) {
  out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escapeHelp(help), name, type);
}

void PrometheusText::sample(std::string_view name, const Labels& labels, std::string_view value) {
  out_ += name;
  if (!labels.empty()) {
    out_ += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) out_ += ',';
      out_ += fmt::format("{}=\"{}\"", labels[i].first, escapeLabel(labels[i].second));
    }
    out_ += '}';
  }
  out_ += ' ';
  out_ += value;
  out_ += '\n';
}

void PrometheusText::counter(std::string_view name, std::string_view help, std::uint64_t value) {
  header(name, help, "counter");
  sample(name, {}, std::to_string(value));
}

void PrometheusText::gauge(std::string_view name, std::string_view help, double value) {
  header(name, help, "gauge");
  sample(name, {}, number(value));
}

void PrometheusText::counterFamily(std::string_view name, std::string_view help,
                                   const std::vector<std::pair<Labels, std::uint64_t>>& samples) {
  header(name, help, "counter");
  for (const auto& [labels, value] : samples) sample(name, labels, std::to_string(value));
}

void PrometheusText::gaugeFamily(std::string_view name, std::string_view help,
                                 const std::vector<std::pair<Labels, double>>& samples) {
  header(name, help, "gauge");
  for (const auto& [labels, value] : samples) sample(name, labels, number(value));
}

void PrometheusText::histogram(std::string_view name, std::string_view help,
                               const FsyncHistogram& h) {
  header(name, help, "histogram");
  const std::string bucket = std::string(name) + "_bucket";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < FsyncHistogram::kBounds; ++i) {
    cumulative += h.counts[i];
    sample(bucket, {{"le", number(seconds(FsyncHistogram::bound(i)))}},
           std::to_string(cumulative));
  }
  cumulative += h.counts[FsyncHistogram::kBounds];
  sample(bucket, {{"le", "+Inf"}}, std::to_string(cumulative));
  sample(std::string(name) + "_sum", {}, number(seconds(h.sum)));
  sample(std::string(name) + "_count", {}, std::to_string(h.count));
}

std::string renderMetrics(const NodeStatus& node, const env::TransportStats& transport) {
  PrometheusText p;
  const bool hasLeader = !node.stopped && node.leader != 0;
  const std::string self = hexId(node.id);
  // Families in name order, as Go's client gathers them.
  p.gauge("etcd_debugging_mvcc_compact_revision",
          "The revision of the last compaction in store.",
          static_cast<double>(std::max<std::int64_t>(node.compactRevision, 0)));
  p.gauge("etcd_debugging_mvcc_current_revision", "The current revision of store.",
          static_cast<double>(node.revision));
  p.gauge("etcd_debugging_mvcc_keys_total", "Total number of keys.",
          static_cast<double>(node.keys));
  p.histogram("etcd_disk_wal_fsync_duration_seconds",
              "The latency distributions of fsync called by WAL.", node.walFsyncDurations);
  p.gauge("etcd_mvcc_db_total_size_in_bytes",
          "Total size of the underlying database physically allocated in bytes.",
          static_cast<double>(node.dbSizeBytes));

  std::vector<std::pair<PrometheusText::Labels, double>> active;
  std::vector<std::pair<PrometheusText::Labels, std::uint64_t>> received, sent, failures;
  for (const auto& [id, peer] : transport.peers) {
    const std::string hex = hexId(id);
    if (peer.connected) active.push_back({{{"Local", self}, {"Remote", hex}}, 1.0});
    received.push_back({{{"From", hex}}, peer.bytesReceived});
    sent.push_back({{{"To", hex}}, peer.bytesSent});
    failures.push_back({{{"To", hex}}, peer.messagesDropped});
  }
  p.gaugeFamily("etcd_network_active_peers", "The current number of active peer connections.",
                active);
  p.counterFamily("etcd_network_peer_received_bytes_total",
                  "The total number of bytes received from peers.", received);
  p.counterFamily("etcd_network_peer_sent_bytes_total", "The total number of bytes sent to peers.",
                  sent);
  p.counterFamily("etcd_network_peer_sent_failures_total",
                  "The total number of send failures from peers.", failures);

  p.gauge("etcd_server_has_leader", "Whether or not a leader exists. 1 is existence, 0 is not.",
          hasLeader ? 1 : 0);
  p.gaugeFamily("etcd_server_id",
                "Server or member ID in hexadecimal format. 1 for 'server_id' label with current "
                "ID.",
                {{{{"server_id", self}}, 1.0}});
  p.gauge("etcd_server_is_leader", "Whether or not this member is a leader. 1 if is, 0 otherwise.",
          !node.stopped && node.role == "leader" ? 1 : 0);
  p.counter("etcd_server_leader_changes_seen_total", "The number of leader changes seen.",
            node.leaderChanges);
  p.gauge("etcd_server_proposals_applied_total",
          "The total number of consensus proposals applied.",
          static_cast<double>(node.appliedIndex));
  p.gauge("etcd_server_proposals_committed_total",
          "The total number of consensus proposals committed.",
          static_cast<double>(node.commitIndex));
  p.counter("etcd_server_proposals_failed_total", "The total number of failed proposals seen.",
            node.proposalsFailed);
  p.gauge("etcd_server_proposals_pending", "The current number of pending proposals to commit.",
          static_cast<double>(node.proposalsPending));
  p.gauge("etcd_server_quota_backend_bytes", "Current backend storage quota size in bytes.",
          static_cast<double>(node.quotaBackendBytes));
  return p.text();
}

}  // namespace detcd::server::http
