// /metrics text: etcd's names, HELP and TYPE lines, histogram buckets, label escaping, and a
// well-formedness check of the whole exposition (which rejects malformed text).
#include "server/http/Metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace detcd::server::http {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

/// Checks Prometheus text format 0.0.4 as a scraper reads it: every family announced by HELP
/// then TYPE (a known type) before its samples, once; every sample line "name{labels} value"
/// with a sample name of the announced family (histogram suffixes allowed) and a float value.
/// Returns "" when well-formed, else the first problem.
std::string checkExposition(const std::string& text) {
  static const std::regex help(R"(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*$)");
  static const std::regex type(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$)");
  static const std::regex sample(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? )"
      R"(([-+]?[0-9.eE+-]+|[-+]Inf|NaN)$)");
  std::set<std::string> families;
  std::string current, currentType, pendingHelp;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  if (!text.empty() && text.back() != '\n') return "no final newline";
  while (std::getline(in, line)) {
    ++n;
    std::smatch m;
    const std::string where = "line " + std::to_string(n) + " \"" + line + "\": ";
    if (std::regex_match(line, m, help)) {
      pendingHelp = m[1];
      if (families.count(pendingHelp)) return where + "family announced twice";
    } else if (std::regex_match(line, m, type)) {
      if (m[1] != pendingHelp) return where + "TYPE without its HELP";
      current = m[1];
      currentType = m[2];
      families.insert(current);
    } else if (std::regex_match(line, m, sample)) {
      const std::string name = m[1];
      bool ok = name == current;
      if (currentType == "histogram") {
        ok = name == current + "_bucket" || name == current + "_sum" || name == current + "_count";
      }
      if (!ok) return where + "sample outside its family";
    } else {
      return where + "malformed";
    }
  }
  return "";
}

NodeStatus sampleStatus() {
  NodeStatus s;
  s.id = 0x8e9e05c52164694dULL;
  s.role = "leader";
  s.leader = s.id;
  s.commitIndex = 42;
  s.appliedIndex = 40;
  s.revision = 17;
  s.compactRevision = -1;
  s.leaderChanges = 3;
  s.proposalsFailed = 2;
  s.proposalsPending = 1;
  s.keys = 5;
  s.dbSizeBytes = 12345;
  s.quotaBackendBytes = 200000;
  s.walFsyncDurations.observe(500us);
  s.walFsyncDurations.observe(3ms);
  s.walFsyncDurations.observe(10s);
  return s;
}

env::TransportStats sampleTransport() {
  env::TransportStats t;
  t.peers[0x91bc3c398fb3c146ULL] = {.messagesSent = 10, .bytesSent = 1000, .messagesReceived = 9,
                                    .bytesReceived = 900, .messagesDropped = 1, .connected = true};
  t.peers[0xfd422379fda50e48ULL] = {.messagesDropped = 4};
  return t;
}

TEST(MetricsTest, EtcdNamesAndValues) {
  const std::string text = renderMetrics(sampleStatus(), sampleTransport());
  EXPECT_EQ(checkExposition(text), "") << text;
  for (const char* line : {
           "# HELP etcd_server_has_leader Whether or not a leader exists. 1 is existence, 0 is "
           "not.\n# TYPE etcd_server_has_leader gauge\netcd_server_has_leader 1\n",
           "# TYPE etcd_server_leader_changes_seen_total counter\n"
           "etcd_server_leader_changes_seen_total 3\n",
           "etcd_server_is_leader 1\n",
           "etcd_server_id{server_id=\"8e9e05c52164694d\"} 1\n",
           "# TYPE etcd_server_proposals_committed_total gauge\n"
           "etcd_server_proposals_committed_total 42\n",
           "etcd_server_proposals_applied_total 40\n",
           "etcd_server_proposals_pending 1\n",
           "# TYPE etcd_server_proposals_failed_total counter\n"
           "etcd_server_proposals_failed_total 2\n",
           "etcd_mvcc_db_total_size_in_bytes 12345\n",
           "# HELP etcd_server_quota_backend_bytes Current backend storage quota size in bytes.\n"
           "# TYPE etcd_server_quota_backend_bytes gauge\n"
           "etcd_server_quota_backend_bytes 200000\n",
           "etcd_debugging_mvcc_keys_total 5\n",
           "etcd_debugging_mvcc_current_revision 17\n",
           "etcd_debugging_mvcc_compact_revision 0\n",
           "etcd_network_peer_sent_bytes_total{To=\"91bc3c398fb3c146\"} 1000\n",
           "etcd_network_peer_received_bytes_total{From=\"91bc3c398fb3c146\"} 900\n",
           "etcd_network_peer_sent_failures_total{To=\"fd422379fda50e48\"} 4\n",
           "etcd_network_active_peers{Local=\"8e9e05c52164694d\",Remote=\"91bc3c398fb3c146\"} 1\n",
       }) {
    EXPECT_THAT(text, HasSubstr(line));
  }
  EXPECT_THAT(text, ::testing::Not(HasSubstr("Remote=\"fd422379fda50e48\"")));
}

TEST(MetricsTest, FsyncHistogramIsCumulativeInSecondsWithEtcdsBuckets) {
  const std::string text = renderMetrics(sampleStatus(), {});
  EXPECT_THAT(text, HasSubstr("# TYPE etcd_disk_wal_fsync_duration_seconds histogram\n"
                              "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.001\"} 1\n"
                              "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.002\"} 1\n"
                              "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.004\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"8.192\"} 2\n"
                              "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"+Inf\"} 3\n"
                              "etcd_disk_wal_fsync_duration_seconds_sum 10.0035\n"
                              "etcd_disk_wal_fsync_duration_seconds_count 3\n"));
  for (const char* le : {"0.008", "0.016", "0.032", "0.064", "0.128", "0.256", "0.512", "1.024",
                         "2.048", "4.096"}) {
    EXPECT_THAT(text, HasSubstr(std::string("_bucket{le=\"") + le + "\"} 2\n"));
  }
}

TEST(MetricsTest, NoLeaderAndStoppedMemberReportNoLeader) {
  NodeStatus s = sampleStatus();
  s.leader = 0;
  s.role = "follower";
  EXPECT_THAT(renderMetrics(s, {}), HasSubstr("etcd_server_has_leader 0\n"));
  s = sampleStatus();
  s.stopped = true;
  s.role = "stopped";
  const std::string text = renderMetrics(s, {});
  EXPECT_THAT(text, HasSubstr("etcd_server_has_leader 0\n"));
  EXPECT_THAT(text, HasSubstr("etcd_server_is_leader 0\n"));
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  PrometheusText p;
  p.counterFamily("x_total", "Help with a \\ backslash\nand a newline.",
                  {{{{"k", "a\"b\\c\nd"}}, 7}});
  EXPECT_EQ(p.text(),
            "# HELP x_total Help with a \\\\ backslash\\nand a newline.\n"
            "# TYPE x_total counter\n"
            "x_total{k=\"a\\\"b\\\\c\\nd\"} 7\n");
  EXPECT_EQ(checkExposition(p.text()), "");
}

TEST(MetricsTest, ExpositionCheckerRejectsMalformedText) {
  EXPECT_NE(checkExposition("x 1\n"), "");                                  // no HELP/TYPE
  EXPECT_NE(checkExposition("# HELP x h\n# TYPE x counter\ny 1\n"), "");   // other family
  EXPECT_NE(checkExposition("# HELP x h\n# TYPE x summary\nx 1\n"), "");   // type not used here
  EXPECT_NE(checkExposition("# HELP x h\n# TYPE x gauge\nx{a=\"b} 1\n"), "");  // bad label
  EXPECT_NE(checkExposition("# HELP x h\n# TYPE x gauge\nx one\n"), "");   // bad value
  EXPECT_NE(checkExposition("# HELP x h\n# TYPE x gauge\nx 1"), "");       // no newline
  EXPECT_NE(checkExposition("# HELP x h\n# TYPE x gauge\n# HELP x h\n# TYPE x gauge\n"), "");
  EXPECT_EQ(checkExposition("# HELP x h\n# TYPE x gauge\nx{a=\"b\"} 1\n"), "");
}

}  // namespace
}  // namespace detcd::server::http
