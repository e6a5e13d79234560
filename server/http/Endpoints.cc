#include "server/http/Endpoints.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

#include "server/Alarms.h"
#include "server/http/Metrics.h"

namespace detcd::server::http {

namespace {

HttpResponse healthAnswer(bool healthy) {
  HttpResponse r;
  r.status = healthy ? 200 : 503;
  r.body = nlohmann::json{{"health", healthy ? "true" : "false"}}.dump();
  if (!healthy) r.body += '\n';  // Go's http.Error ends the text with a newline
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

}  // namespace

void checkHealth(Node& node, env::Clock& clock, Respond done) {
  const NodeStatus s = node.status();
  if (s.stopped || s.leader == 0) {
    spdlog::warn("/health error; {} (status code 503)",
                 s.stopped ? "member stopped: " + s.stopReason : std::string("no leader"));
    return done(healthAnswer(false));
  }
  if (!s.alarms.empty()) {
    // etcd 3.4: any active alarm makes the member unhealthy.
    for (const auto& a : s.alarms) {
      std::string alarm = AlarmStore::text(a);  // "memberID:... alarm:NOSPACE "
      if (!alarm.empty()) alarm.pop_back();
      spdlog::warn("serving /health false due to an alarm {} (status code 503)", alarm);
    }
    return done(healthAnswer(false));
  }
  // Whichever comes first answers: the read, or the timeout.
  struct Pending {
    Respond done;
    env::TimerId timer = 0;
    bool answered = false;
  };
  auto p = std::make_shared<Pending>();
  p->done = std::move(done);
  p->timer = clock.after(kHealthTimeout, [p] {
    p->timer = 0;
    if (p->answered) return;
    p->answered = true;
    spdlog::warn("/health error; linearizable read timed out (status code 503)");
    p->done(healthAnswer(false));
  });
  etcdserverpb::RangeRequest req;
  req.set_key("health");
  req.set_keys_only(true);
  req.set_limit(1);
  node.range(req, [p, &clock](const mvcc::Status& st, const etcdserverpb::RangeResponse&) {
    if (p->answered) return;
    p->answered = true;
    if (p->timer != 0) clock.cancel(p->timer);
    if (!st.ok()) spdlog::warn("/health error; read failed: {} (status code 503)", st.message);
    p->done(healthAnswer(st.ok()));
  });
}

void addNodeEndpoints(HttpServer& server, Node& node, env::Clock& clock,
                      std::function<env::TransportStats()> transportStats) {
  server.handle("/health", [&node, &clock](const HttpRequest&, Respond respond) {
    checkHealth(node, clock, std::move(respond));
  });
  server.handle("/metrics", [&node, stats = std::move(transportStats)](const HttpRequest&,
                                                                       Respond respond) {
    HttpResponse r;
    r.contentType = std::string(kPrometheusContentType);
    r.body = renderMetrics(node.status(), stats ? stats() : env::TransportStats{});
    respond(std::move(r));
  });
}

}  // namespace detcd::server::http
