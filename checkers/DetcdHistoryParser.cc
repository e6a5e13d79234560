// Reads detcd histories: one JSON object a line (docs/history.md).

#include <nlohmann/json.hpp>

#include <set>
#include <string>

#include "checkers/HistoryBuilder.h"

namespace detcd::checkers {

namespace {

using nlohmann::json;

// Every accessor throws std::invalid_argument naming the field, which the
// line loop turns into a ParseError with the line number.
const json& field(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) throw std::invalid_argument(std::string("missing field \"") + name + "\"");
  return *it;
}

int64_t integer(const json& j, const char* name, int64_t fallback) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) {
    throw std::invalid_argument(std::string("field \"") + name + "\" must be an integer");
  }
  return it->get<int64_t>();
}

std::optional<int64_t> optInteger(const json& j, const char* name) {
  if (!j.contains(name) || j[name].is_null()) return std::nullopt;
  return integer(j, name, 0);
}

std::string text(const json& j, const char* name, const std::string& fallback = "") {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_string()) {
    throw std::invalid_argument(std::string("field \"") + name + "\" must be a string");
  }
  return it->get<std::string>();
}

std::string requiredString(const json& j, const char* name) {
  field(j, name);
  return text(j, name);
}

int64_t requiredInteger(const json& j, const char* name) {
  field(j, name);
  return integer(j, name, 0);
}

bool boolean(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return false;
  if (!it->is_boolean()) {
    throw std::invalid_argument(std::string("field \"") + name + "\" must be true or false");
  }
  return it->get<bool>();
}

KeyValue keyValue(const json& j) {
  if (!j.is_object()) throw std::invalid_argument("a key-value must be an object");
  KeyValue kv;
  kv.key = requiredString(j, "key");
  kv.value = text(j, "value");
  kv.createRevision = integer(j, "create_revision", 0);
  kv.modRevision = integer(j, "mod_revision", 0);
  kv.version = integer(j, "version", 0);
  kv.lease = integer(j, "lease", 0);
  return kv;
}

std::optional<std::vector<KeyValue>> keyValues(const json& j, const char* name) {
  if (!j.contains(name) || j[name].is_null()) return std::nullopt;
  if (!j[name].is_array()) {
    throw std::invalid_argument(std::string("field \"") + name + "\" must be an array");
  }
  std::vector<KeyValue> kvs;
  for (const json& e : j[name]) kvs.push_back(keyValue(e));
  return kvs;
}

RequestOp requestOp(const json& j, const std::string& name) {
  RequestOp op;
  op.key = requiredString(j, "key");
  op.rangeEnd = text(j, "range_end");
  if (name == "put") {
    op.kind = RequestOp::Kind::kPut;
    op.value = requiredString(j, "value");
    op.lease = integer(j, "lease", 0);
    op.prevKv = boolean(j, "prev_kv");
  } else if (name == "get" || name == "range") {
    op.kind = RequestOp::Kind::kRange;
    op.revision = integer(j, "revision", 0);
    op.limit = integer(j, "limit", 0);
    op.countOnly = boolean(j, "count_only");
    op.keysOnly = boolean(j, "keys_only");
  } else if (name == "delete" || name == "delete_range") {
    op.kind = RequestOp::Kind::kDeleteRange;
    op.prevKv = boolean(j, "prev_kv");
  } else {
    throw std::invalid_argument("unknown op \"" + name + "\"");
  }
  return op;
}

Compare compare(const json& j) {
  Compare c;
  c.key = requiredString(j, "key");
  std::string target = text(j, "target");
  std::string result = text(j, "result");
  if (target == "version") c.target = Compare::Target::kVersion;
  else if (target == "create") c.target = Compare::Target::kCreate;
  else if (target == "mod") c.target = Compare::Target::kMod;
  else if (target == "value") c.target = Compare::Target::kValue;
  else if (target == "lease") c.target = Compare::Target::kLease;
  else throw std::invalid_argument("compare target \"" + target +
                                   "\" (expected version, create, mod, value or lease)");
  if (result == "=") c.result = Compare::Result::kEqual;
  else if (result == "!=") c.result = Compare::Result::kNotEqual;
  else if (result == ">") c.result = Compare::Result::kGreater;
  else if (result == "<") c.result = Compare::Result::kLess;
  else throw std::invalid_argument("compare result \"" + result + "\" (expected =, !=, > or <)");
  if (c.target == Compare::Target::kValue) c.value = text(j, "value");
  else c.number = integer(j, "value", 0);
  return c;
}

std::vector<RequestOp> requestOps(const json& j, const char* name) {
  std::vector<RequestOp> ops;
  if (!j.contains(name)) return ops;
  if (!j[name].is_array()) throw std::invalid_argument(std::string(name) + " must be an array");
  for (const json& e : j[name]) ops.push_back(requestOp(e, text(e, "op")));
  return ops;
}

EtcdRequest request(const json& j) {
  EtcdRequest r;
  std::string op = text(j, "op");
  if (op.empty()) throw std::invalid_argument("invocation without \"op\"");
  if (op == "txn") {
    r.kind = EtcdRequest::Kind::kTxn;
    if (j.contains("compare")) {
      if (!j["compare"].is_array()) throw std::invalid_argument("compare must be an array");
      for (const json& c : j["compare"]) r.compares.push_back(compare(c));
    }
    r.success = requestOps(j, "success");
    r.failure = requestOps(j, "failure");
  } else if (op == "lease_grant") {
    r.kind = EtcdRequest::Kind::kLeaseGrant;
    r.leaseId = integer(j, "id", 0);
    r.ttl = integer(j, "ttl", 0);
  } else if (op == "lease_revoke" || op == "lease_keepalive") {
    r.kind = op == "lease_revoke" ? EtcdRequest::Kind::kLeaseRevoke
                                  : EtcdRequest::Kind::kLeaseKeepAlive;
    r.leaseId = requiredInteger(j, "id");
  } else if (op == "compact") {
    r.kind = EtcdRequest::Kind::kCompact;
    r.revision = integer(j, "revision", 0);
  } else {
    r.kind = EtcdRequest::Kind::kRequestOp;
    r.op = requestOp(j, op);
  }
  return r;
}

ResponseOp responseOp(const json& j) {
  ResponseOp r;
  r.kvs = keyValues(j, "kvs");
  r.count = optInteger(j, "count");
  if (j.contains("more") && !j["more"].is_null()) r.more = boolean(j, "more");
  r.deleted = optInteger(j, "deleted");
  r.prevKvs = keyValues(j, "prev_kvs");
  if (j.contains("prev_kv")) {  // put: one previous kv, or null when the key was absent
    r.prevKvs.emplace();
    if (!j["prev_kv"].is_null()) r.prevKvs->push_back(keyValue(j["prev_kv"]));
  }
  return r;
}

void setResponse(EtcdCall& call, const json& j) {
  EtcdResponse& r = call.response;
  if (j.contains("header")) r.revision = optInteger(j["header"], "revision");
  r.error = text(j, "error");
  switch (call.request.kind) {
    case EtcdRequest::Kind::kRequestOp:
      r.responses.push_back(responseOp(j));
      break;
    case EtcdRequest::Kind::kTxn:
      if (j.contains("succeeded")) r.succeeded = boolean(j, "succeeded");
      if (j.contains("responses")) {
        if (!j["responses"].is_array()) throw std::invalid_argument("responses must be an array");
        for (const json& e : j["responses"]) r.responses.push_back(responseOp(e));
      }
      break;
    case EtcdRequest::Kind::kLeaseGrant:
    case EtcdRequest::Kind::kLeaseKeepAlive:
      r.leaseId = optInteger(j, "id");
      r.ttl = optInteger(j, "ttl");
      break;
    case EtcdRequest::Kind::kLeaseRevoke:
    case EtcdRequest::Kind::kCompact:
      break;
  }
}

WatchEvent watchEvent(const json& j) {
  WatchEvent e;
  std::string type = text(j, "type");
  if (type == "put" || type == "PUT") e.type = WatchEvent::Type::kPut;
  else if (type == "delete" || type == "DELETE") e.type = WatchEvent::Type::kDelete;
  else throw std::invalid_argument("event type \"" + type + "\" (expected put or delete)");
  e.kv = keyValue(field(j, "kv"));
  if (j.contains("prev_kv") && !j["prev_kv"].is_null()) e.prevKv = keyValue(j["prev_kv"]);
  return e;
}

// `skipped`: clients whose pending invocation is a serializable read, left out of the history
// (with its completion) because a serializable read may be stale (docs/history.md).
void readLine(HistoryBuilder& builder, std::set<int64_t>& skipped, const json& j,
              int64_t lineNo) {
  if (!j.is_object()) throw std::invalid_argument("expected a JSON object");
  std::string type = text(j, "type");
  int64_t client = requiredInteger(j, "client");
  Timestamp time = integer(j, "time", lineNo);
  bool completion = type == "ok" || type == "fail" || type == "info";
  if (type == "invoke" && boolean(j, "serializable")) {
    EtcdRequest read = request(j);  // still validated
    if (read.kind != EtcdRequest::Kind::kRequestOp || read.op.kind != RequestOp::Kind::kRange) {
      throw std::invalid_argument("\"serializable\" is only for get and range");
    }
    if (!skipped.insert(client).second) {
      throw std::invalid_argument("client " + std::to_string(client) +
                                  " invokes while its serializable read is still pending");
    }
  } else if (completion && skipped.erase(client) > 0) {
    // the completion of a skipped serializable read
  } else if (type == "invoke") {
    if (skipped.contains(client)) {
      throw std::invalid_argument("client " + std::to_string(client) +
                                  " invokes while its serializable read is still pending");
    }
    Operation op;
    op.client = client;
    op.kind = OpKind::kEtcd;
    op.invokeTime = time;
    op.invokeLine = lineNo;
    auto call = std::make_shared<EtcdCall>();
    call->request = request(j);
    op.etcd = std::move(call);
    builder.invoke(std::move(op));
  } else if (completion) {
    Outcome outcome = type == "ok" ? Outcome::kOk : type == "fail" ? Outcome::kFail
                                                                  : Outcome::kInfo;
    Operation& op = builder.complete(client, outcome, time, lineNo);
    auto call = std::make_shared<EtcdCall>(*op.etcd);
    setResponse(*call, j);
    if (outcome == Outcome::kFail && call->response.error.empty()) {
      throw std::invalid_argument("\"fail\" without \"error\"");
    }
    op.etcd = std::move(call);
  } else if (type == "watch") {
    WatchOpen w;
    w.client = client;
    w.watchId = requiredInteger(j, "watch_id");
    w.key = requiredString(j, "key");
    w.rangeEnd = text(j, "range_end");
    w.startRevision = integer(j, "start_revision", 0);
    w.prevKv = boolean(j, "prev_kv");
    if (j.contains("filters")) {
      for (const json& f : j["filters"]) {
        std::string name = f.is_string() ? f.get<std::string>() : "";
        if (name == "noput") w.noPut = true;
        else if (name == "nodelete") w.noDelete = true;
        else throw std::invalid_argument("filter " + f.dump() + " (expected noput or nodelete)");
      }
    }
    w.time = time;
    w.line = lineNo;
    builder.history().watches.push_back(std::move(w));
  } else if (type == "watch_response") {
    WatchResponse r;
    r.watchId = requiredInteger(j, "watch_id");
    r.headerRevision = requiredInteger(field(j, "header"), "revision");
    if (j.contains("events")) {
      if (!j["events"].is_array()) throw std::invalid_argument("events must be an array");
      for (const json& e : j["events"]) r.events.push_back(watchEvent(e));
    }
    r.canceled = boolean(j, "canceled");
    r.compactRevision = integer(j, "compact_revision", 0);
    r.time = time;
    r.line = lineNo;
    builder.history().watchResponses.push_back(std::move(r));
  } else {
    throw std::invalid_argument("\"type\" \"" + type +
                                "\" (expected invoke, ok, fail, info, watch or watch_response)");
  }
}

}  // namespace

History parseDetcdHistory(const std::string& text) {
  HistoryBuilder builder;
  std::set<int64_t> skipped;
  builder.readLines(text, [&](const std::string& line, int64_t number) {
    readLine(builder, skipped, json::parse(line), number);
  });
  return builder.finish();
}

}  // namespace detcd::checkers
