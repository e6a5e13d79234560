// Script tests: the stock etcdctl against a real detcd process, and the same script against a
// real etcd 3.4 process, so each expected output is checked to be etcd's own. The format is in
// scripts/README.md.
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
  std::vector<std::string> flags;
  int timeoutSeconds = 30;
  std::vector<Step> steps;
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

class EtcdctlScriptTest : public ::testing::TestWithParam<Case> {};

TEST_P(EtcdctlScriptTest, Run) {
  const Case& c = GetParam();
  const fs::path file = fs::path(DETCD_SCRIPTS_DIR) / (c.script + ".txt");
  const Script script = parse(file);
  const bool etcd = c.server == "etcd";
  if (etcd && !fs::exists(etcdBinary())) GTEST_SKIP() << "no etcd at " << etcdBinary();
  const fs::path dir = fs::temp_directory_path() /
                       ("detcd-script-" + c.script + "-" + c.server + "-" +
                        std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  ServerProcess server(etcd ? ServerKind::kEtcd : ServerKind::kDetcd, dir.string(),
                       script.flags);
  ASSERT_TRUE(server.waitHealthy(std::chrono::seconds(20))) << server.log();
  std::map<std::string, std::string> vars{{"ENDPOINT", server.endpoint()}};
  const std::map<std::string, std::string> env{{"ETCDCTL_API", "3"},
                                               {"ETCDCTL_ENDPOINTS", server.endpoint()},
                                               {"ENDPOINT", server.endpoint()}};
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
  ASSERT_TRUE(server.child().running()) << "the server exited:\n" << server.log();
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Scripts, EtcdctlScriptTest, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& param) {
                           return param.param.script + "_" + param.param.server;
                         });

}  // namespace
}  // namespace detcd::server::daemon::testing
