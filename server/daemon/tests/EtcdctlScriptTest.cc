// Script tests: the stock etcdctl against real detcd processes, and the same script against real
// etcd 3.4 processes, so each expected output is checked to be etcd's own. A script runs on the
// issue's three-member cluster started from three config files (ClusterProcesses), or on one
// member started with flags (ServerProcess). The format is in scripts/README.md.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include <unistd.h>

#include "server/daemon/tests/Servers.h"

namespace detcd::server::daemon::testing {
namespace {

namespace fs = std::filesystem;

struct Step {
  int line = 0;
  bool expectFailure = false;
  std::string command;
  std::vector<std::string> expected;
};

struct Script {
  std::set<std::string> servers{"detcd", "etcd"};
  int members = 3;
  std::vector<std::string> flags;
  int timeoutSeconds = 30;
  std::vector<Step> steps;
  std::string error;  ///< a malformed directive, reported by the test
};

std::string rtrim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  return s;
}

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

void dropTrailingBlank(std::vector<std::string>& lines) {
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
}

Script parse(const fs::path& path) {
  Script s;
  std::ifstream in(path);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    line = rtrim(line);
    if (line.rfind("# servers:", 0) == 0) {
      const auto w = words(line.substr(10));
      s.servers = {w.begin(), w.end()};
    } else if (line.rfind("# members:", 0) == 0) {
      const auto w = words(line.substr(10));
      const bool number = w.size() == 1 && w[0].size() <= 2 &&
                          w[0].find_first_not_of("0123456789") == std::string::npos;
      s.members = number ? std::stoi(w[0]) : 0;
      if (s.members < 1) s.error = path.string() + ":" + std::to_string(n) + ": bad member count";
    } else if (line.rfind("# flags:", 0) == 0) {
      s.flags = words(line.substr(8));
    } else if (line.rfind("# timeout:", 0) == 0) {
      s.timeoutSeconds = std::stoi(line.substr(10));
    } else if (line.rfind("$ ", 0) == 0 || line.rfind("$! ", 0) == 0) {
      Step step;
      step.line = n;
      step.expectFailure = line[1] == '!';
      step.command = line.substr(step.expectFailure ? 3 : 2);
      s.steps.push_back(step);
    } else if (!s.steps.empty()) {
      s.steps.back().expected.push_back(line);
    }  // else: a comment or blank line before the first command
  }
  for (auto& step : s.steps) {
    // Comment lines between steps belong to neither output.
    std::erase_if(step.expected, [](const std::string& l) { return l.rfind("# ", 0) == 0; });
    dropTrailingBlank(step.expected);
  }
  // etcd ignores every other flag beside --config-file, so the cluster cannot take them.
  if (!s.flags.empty() && s.members != 1) {
    s.error = path.string() + ": '# flags:' needs '# members: 1' (the cluster starts from config "
              "files alone)";
  }
  return s;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(rtrim(l));
  dropTrailingBlank(out);
  return out;
}

std::string substitute(std::string s, const std::map<std::string, std::string>& vars) {
  for (const auto& [k, v] : vars) {
    const std::string key = "%" + k + "%";
    for (auto p = s.find(key); p != std::string::npos; p = s.find(key, p + v.size())) {
      s.replace(p, key.size(), v);
    }
  }
  return s;
}

/// Matches one expected line (after %VAR% substitution): {{NAME}} captures a run of
/// non-blanks (after optional blanks) into NAME, {{*}} matches anything; the rest is literal.
bool matchLine(const std::string& pattern, const std::string& actual,
               std::map<std::string, std::string>& vars) {
  static const std::regex hole(R"(\{\{([A-Za-z_*][A-Za-z0-9_]*)\}\})");
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  std::string re;
  std::vector<std::string> names;
  auto begin = std::sregex_iterator(pattern.begin(), pattern.end(), hole);
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    re += std::regex_replace(pattern.substr(last, it->position() - last), special, R"(\$&)");
    if ((*it)[1] == "*") {
      re += ".*";
    } else {
      re += R"( *(\S+))";  // etcdctl pads some IDs to 16 columns ("%16x")
      names.push_back((*it)[1]);
    }
    last = it->position() + it->length();
  }
  re += std::regex_replace(pattern.substr(last), special, R"(\$&)");
  std::smatch m;
  if (!std::regex_match(actual, m, std::regex(re))) return false;
  for (std::size_t i = 0; i < names.size(); ++i) vars[names[i]] = m[i + 1];
  return true;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& l : v) out += "  | " + l + "\n";
  return out;
}

struct Case {
  std::string script;  // file name without .txt
  std::string server;  // "detcd" or "etcd"
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.script << " on " << c.server; }

std::vector<Case> cases() {
  std::vector<Case> out;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(DETCD_SCRIPTS_DIR)) {
    if (e.path().extension() == ".txt") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    for (const std::string server : {"detcd", "etcd"}) {
      if (parse(f).servers.count(server)) out.push_back({f.stem().string(), server});
    }
  }
  return out;
}

/// The servers a script runs on: the config-file cluster of `members` members, or one member
/// started with the script's flags.
class Members {
 public:
  Members(ServerKind kind, const fs::path& dir, const Script& script)
      : size_(static_cast<std::size_t>(script.members)) {
    if (script.members == 1) {
      single_ = std::make_unique<ServerProcess>(kind, dir.string(), script.flags);
    } else {
      cluster_ = std::make_unique<ClusterProcesses>(kind, dir.string(), script.members);
      cluster_->startAll();
    }
  }

  std::size_t size() const { return size_; }
  bool waitHealthy(std::size_t i, std::chrono::milliseconds timeout) {
    return single_ ? single_->waitHealthy(timeout) : cluster_->waitHealthy(i, timeout);
  }
  bool running(std::size_t i) {
    return single_ ? single_->child().running() : cluster_->child(i).running();
  }
  std::string log(std::size_t i) const { return single_ ? single_->log() : cluster_->log(i); }
  std::string name(std::size_t i) const { return single_ ? "s1" : cluster_->member(i).name; }
  std::string endpoint(std::size_t i) const {
    return single_ ? single_->endpoint() : cluster_->member(i).endpoint();
  }
  std::string peerUrl(std::size_t i) const {
    return single_ ? "http://127.0.0.1:" + std::to_string(single_->peerPort())
                   : cluster_->member(i).peerUrl();
  }

  /// The variables of scripts/README.md: ENDPOINT, ENDPOINTS, and per member (1-based)
  /// ENDPOINTn, CLIENTURLn, PEERURLn, NAMEn.
  std::map<std::string, std::string> variables() const {
    std::map<std::string, std::string> vars{{"ENDPOINT", endpoint(0)}};
    std::string all;
    for (std::size_t i = 0; i < size_; ++i) {
      const std::string n = std::to_string(i + 1);
      vars["ENDPOINT" + n] = endpoint(i);
      vars["CLIENTURL" + n] = "http://" + endpoint(i);
      vars["PEERURL" + n] = peerUrl(i);
      vars["NAME" + n] = name(i);
      all += (all.empty() ? "" : ",") + endpoint(i);
    }
    vars["ENDPOINTS"] = all;
    return vars;
  }

 private:
  std::size_t size_;
  std::unique_ptr<ServerProcess> single_;
  std::unique_ptr<ClusterProcesses> cluster_;
};

class EtcdctlScriptTest : public ::testing::TestWithParam<Case> {};

TEST_P(EtcdctlScriptTest, Run) {
  const Case& c = GetParam();
  const fs::path file = fs::path(DETCD_SCRIPTS_DIR) / (c.script + ".txt");
  const Script script = parse(file);
  ASSERT_EQ(script.error, "");
  const bool etcd = c.server == "etcd";
  if (etcd && !fs::exists(etcdBinary())) GTEST_SKIP() << "no etcd at " << etcdBinary();
  const fs::path dir = fs::temp_directory_path() /
                       ("detcd-script-" + c.script + "-" + c.server + "-" +
                        std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  SCOPED_TRACE("servers' logs and the steps' files in " + dir.string());
  Members members(etcd ? ServerKind::kEtcd : ServerKind::kDetcd, dir, script);
  for (std::size_t i = 0; i < members.size(); ++i) {
    // A bound for a loaded machine (a member waits for the others to elect), not a speed check.
    ASSERT_TRUE(members.waitHealthy(i, std::chrono::seconds(60))) << members.log(i);
  }
  std::map<std::string, std::string> vars = members.variables();
  // No ETCDCTL_ENDPOINTS: etcdctl refuses it beside --endpoints, which every step gives.
  std::map<std::string, std::string> env{{"ETCDCTL_API", "3"}};
  for (const auto& [k, v] : vars) env[k] = v;
  for (const Step& step : script.steps) {
    const std::string command = substitute(step.command, vars);
    SCOPED_TRACE(file.string() + ":" + std::to_string(step.line) + ": " + command);
    std::string out, err;
    const int status = runShell(command, dir.string(), env,
                                std::chrono::seconds(script.timeoutSeconds), &out, &err);
    std::vector<std::string> actual = lines(out);
    if (step.expectFailure) {
      ASSERT_NE(status, 0) << "expected a failure; stdout:\n" << out;
      for (auto& l : lines(err)) {
        if (l.rfind("{", 0) != 0) actual.push_back(l);  // not clientv3's JSON log lines
      }
      dropTrailingBlank(actual);
    } else {
      ASSERT_EQ(status, 0) << "stdout:\n" << out << "stderr:\n" << err;
    }
    bool same = actual.size() == step.expected.size();
    for (std::size_t i = 0; same && i < actual.size(); ++i) {
      same = matchLine(substitute(step.expected[i], vars), actual[i], vars);
    }
    ASSERT_TRUE(same) << "expected:\n" << join(step.expected) << "actual:\n" << join(actual)
                      << "stderr:\n" << err;
  }
  for (std::size_t i = 0; i < members.size(); ++i) {
    ASSERT_TRUE(members.running(i)) << members.name(i) << " exited:\n" << members.log(i);
  }
  fs::remove_all(dir);
}

/// A script file in the temporary directory, parsed.
Script parseText(const std::string& text) {
  const fs::path file = fs::temp_directory_path() /
                        ("detcd-script-parse-" + std::to_string(::getpid()) + ".txt");
  std::ofstream(file) << text;
  Script s = parse(file);
  fs::remove(file);
  return s;
}

TEST(EtcdctlScriptParse, DirectivesAndTheirErrors) {
  const Script cluster = parseText("# servers: etcd\n$ etcdctl version\n");
  EXPECT_EQ(cluster.members, 3);
  EXPECT_EQ(cluster.servers, std::set<std::string>{"etcd"});
  EXPECT_EQ(cluster.error, "");
  const Script single = parseText("# members: 1\n# flags: --max-txn-ops=3\n$ true\n");
  EXPECT_EQ(single.members, 1);
  EXPECT_EQ(single.flags, std::vector<std::string>{"--max-txn-ops=3"});
  EXPECT_EQ(single.error, "");
  // The cluster starts from config files alone: flags are refused, naming the directive.
  EXPECT_NE(parseText("# flags: --max-txn-ops=3\n$ true\n").error.find("'# flags:' needs"),
            std::string::npos);
  for (const char* bad : {"# members: 0\n", "# members: two\n", "# members: 1 3\n"}) {
    EXPECT_NE(parseText(bad).error.find(":1: bad member count"), std::string::npos) << bad;
  }
}

INSTANTIATE_TEST_SUITE_P(Scripts, EtcdctlScriptTest, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& param) {
                           return param.param.script + "_" + param.param.server;
                         });

}  // namespace
}  // namespace detcd::server::daemon::testing
