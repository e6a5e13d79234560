#include "scenarios/HistoryRecorder.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include <ostream>
#include <stdexcept>

namespace detcd::scenarios {

namespace {

// Ordered: each line reads "type", "client", "time" first, then the fields in doc order.
using json = nlohmann::ordered_json;
namespace pb = etcdserverpb;

json keyValue(const mvccpb::KeyValue& kv) {
  return {{"key", kv.key()},
          {"value", kv.value()},
          {"create_revision", kv.create_revision()},
          {"mod_revision", kv.mod_revision()},
          {"version", kv.version()},
          {"lease", kv.lease()}};
}

template <typename Kvs>
json keyValues(const Kvs& kvs) {
  json out = json::array();
  for (const auto& kv : kvs) out.push_back(keyValue(kv));
  return out;
}

// --- requests ---

void rangeFields(json& j, const pb::RangeRequest& r) {
  j["op"] = r.range_end().empty() ? "get" : "range";
  j["key"] = r.key();
  if (!r.range_end().empty()) j["range_end"] = r.range_end();
  if (r.revision() != 0) j["revision"] = r.revision();
  if (r.limit() != 0) j["limit"] = r.limit();
  if (r.count_only()) j["count_only"] = true;
  if (r.keys_only()) j["keys_only"] = true;
}

void putFields(json& j, const pb::PutRequest& r) {
  j["op"] = "put";
  j["key"] = r.key();
  j["value"] = r.value();
  if (r.lease() != 0) j["lease"] = r.lease();
  if (r.prev_kv()) j["prev_kv"] = true;
}

void deleteFields(json& j, const pb::DeleteRangeRequest& r) {
  j["op"] = "delete";
  j["key"] = r.key();
  if (!r.range_end().empty()) j["range_end"] = r.range_end();
  if (r.prev_kv()) j["prev_kv"] = true;
}

json requestOp(const pb::RequestOp& op) {
  json j = json::object();
  switch (op.request_case()) {
    case pb::RequestOp::kRequestRange: rangeFields(j, op.request_range()); break;
    case pb::RequestOp::kRequestPut: putFields(j, op.request_put()); break;
    case pb::RequestOp::kRequestDeleteRange: deleteFields(j, op.request_delete_range()); break;
    default: throw std::invalid_argument("history: a txn op must be a range, put or delete");
  }
  return j;
}

json compare(const pb::Compare& c) {
  json j = {{"key", c.key()}};
  switch (c.target()) {
    case pb::Compare::VERSION: j["target"] = "version"; j["value"] = c.version(); break;
    case pb::Compare::CREATE: j["target"] = "create"; j["value"] = c.create_revision(); break;
    case pb::Compare::MOD: j["target"] = "mod"; j["value"] = c.mod_revision(); break;
    case pb::Compare::VALUE: j["target"] = "value"; j["value"] = c.value(); break;
    case pb::Compare::LEASE: j["target"] = "lease"; j["value"] = c.lease(); break;
    default: throw std::invalid_argument("history: unknown compare target");
  }
  switch (c.result()) {
    case pb::Compare::EQUAL: j["result"] = "="; break;
    case pb::Compare::NOT_EQUAL: j["result"] = "!="; break;
    case pb::Compare::GREATER: j["result"] = ">"; break;
    case pb::Compare::LESS: j["result"] = "<"; break;
    default: throw std::invalid_argument("history: unknown compare result");
  }
  if (!c.range_end().empty()) throw std::invalid_argument("history: compare over a range");
  return j;
}

template <typename Ops>
json requestOps(const Ops& ops) {
  json out = json::array();
  for (const pb::RequestOp& op : ops) out.push_back(requestOp(op));
  return out;
}

struct RequestFields {
  json& j;
  void operator()(const pb::RangeRequest& r) const {
    rangeFields(j, r);
    if (r.serializable()) j["serializable"] = true;
  }
  void operator()(const pb::PutRequest& r) const { putFields(j, r); }
  void operator()(const pb::DeleteRangeRequest& r) const { deleteFields(j, r); }
  void operator()(const pb::TxnRequest& r) const {
    j["op"] = "txn";
    j["compare"] = json::array();
    for (const pb::Compare& c : r.compare()) j["compare"].push_back(compare(c));
    j["success"] = requestOps(r.success());
    j["failure"] = requestOps(r.failure());
  }
  void operator()(const pb::CompactionRequest& r) const {
    j["op"] = "compact";
    j["revision"] = r.revision();
  }
  void operator()(const pb::LeaseGrantRequest& r) const {
    j["op"] = "lease_grant";
    j["ttl"] = r.ttl();
    if (r.id() != 0) j["id"] = r.id();
  }
  void operator()(const pb::LeaseRevokeRequest& r) const {
    j["op"] = "lease_revoke";
    j["id"] = r.id();
  }
  void operator()(const pb::LeaseKeepAliveRequest& r) const {
    j["op"] = "lease_keepalive";
    j["id"] = r.id();
  }
};

// --- responses ---

void rangeResult(json& j, const pb::RangeResponse& r) {
  j["kvs"] = keyValues(r.kvs());
  j["count"] = r.count();
  j["more"] = r.more();
}

void putResult(json& j, const pb::PutRequest& req, const pb::PutResponse& r) {
  if (req.prev_kv()) j["prev_kv"] = r.has_prev_kv() ? keyValue(r.prev_kv()) : json(nullptr);
}

void deleteResult(json& j, const pb::DeleteRangeRequest& req, const pb::DeleteRangeResponse& r) {
  j["deleted"] = r.deleted();
  if (req.prev_kv()) j["prev_kvs"] = keyValues(r.prev_kvs());
}

json responseOp(const pb::RequestOp& req, const pb::ResponseOp& r) {
  json j = json::object();
  if (r.has_response_range()) {
    rangeResult(j, r.response_range());
  } else if (r.has_response_put() && req.has_request_put()) {
    putResult(j, req.request_put(), r.response_put());
  } else if (r.has_response_delete_range() && req.has_request_delete_range()) {
    deleteResult(j, req.request_delete_range(), r.response_delete_range());
  } else {
    throw std::invalid_argument("history: a txn response does not match its request");
  }
  return j;
}

std::int64_t headerRevision(const WorkloadResponse& response) {
  return std::visit([](const auto& r) { return r.header().revision(); }, response);
}

void responseFields(json& j, const WorkloadRequest& request, const WorkloadResponse& response) {
  if (request.index() != response.index()) {
    throw std::invalid_argument("history: the response does not match the request");
  }
  j["header"] = {{"revision", headerRevision(response)}};
  if (auto* r = std::get_if<pb::RangeResponse>(&response)) {
    rangeResult(j, *r);
  } else if (auto* p = std::get_if<pb::PutResponse>(&response)) {
    putResult(j, std::get<pb::PutRequest>(request), *p);
  } else if (auto* d = std::get_if<pb::DeleteRangeResponse>(&response)) {
    deleteResult(j, std::get<pb::DeleteRangeRequest>(request), *d);
  } else if (auto* t = std::get_if<pb::TxnResponse>(&response)) {
    const auto& req = std::get<pb::TxnRequest>(request);
    const auto& branch = t->succeeded() ? req.success() : req.failure();
    if (branch.size() != t->responses_size()) {
      throw std::invalid_argument("history: txn responses do not match the branch's ops");
    }
    j["succeeded"] = t->succeeded();
    j["responses"] = json::array();
    for (int i = 0; i < t->responses_size(); ++i) {
      j["responses"].push_back(responseOp(branch[i], t->responses(i)));
    }
  } else if (auto* g = std::get_if<pb::LeaseGrantResponse>(&response)) {
    j["id"] = g->id();
    j["ttl"] = g->ttl();
  } else if (auto* k = std::get_if<pb::LeaseKeepAliveResponse>(&response)) {
    j["ttl"] = k->ttl();  // the lease is the request's (docs/history.md: id is a grant's)
  }
}

json line(const char* type, std::int64_t client, env::Nanos time) {
  return {{"type", type}, {"client", client}, {"time", time.count()}};
}

}  // namespace

void HistoryRecorder::invoke(std::int64_t client, env::Nanos time,
                             const WorkloadRequest& request) {
  json j = line("invoke", client, time);
  std::visit(RequestFields{j}, request);
  append(j.dump());
  ++counts_.invoked;
  pendingSince_[client] = time;
}

void HistoryRecorder::ok(std::int64_t client, env::Nanos time, const WorkloadRequest& request,
                         const WorkloadResponse& response) {
  json j = line("ok", client, time);
  responseFields(j, request, response);
  append(j.dump());
  ++counts_.ok;
  okInvokeTimes_.push_back(pendingSince_[client]);
}

void HistoryRecorder::fail(std::int64_t client, env::Nanos time, const std::string& error) {
  json j = line("fail", client, time);
  j["error"] = error;
  append(j.dump());
  ++counts_.failed;
}

void HistoryRecorder::info(std::int64_t client, env::Nanos time, const std::string& error) {
  json j = line("info", client, time);
  j["error"] = error;
  append(j.dump());
  ++counts_.unknown;
}

std::int64_t HistoryRecorder::watch(std::int64_t client, env::Nanos time,
                                    const pb::WatchCreateRequest& create) {
  std::int64_t id = nextWatchId_++;
  json j = line("watch", client, time);
  j["watch_id"] = id;
  j["key"] = create.key();
  if (!create.range_end().empty()) j["range_end"] = create.range_end();
  j["start_revision"] = create.start_revision();
  if (create.prev_kv()) j["prev_kv"] = true;
  if (create.filters_size() > 0) {
    j["filters"] = json::array();
    for (int f : create.filters()) {
      j["filters"].push_back(f == pb::WatchCreateRequest::NOPUT ? "noput" : "nodelete");
    }
  }
  append(j.dump());
  return id;
}

void HistoryRecorder::watchResponse(std::int64_t client, env::Nanos time, std::int64_t watchId,
                                    const pb::WatchResponse& response) {
  json j = line("watch_response", client, time);
  j["watch_id"] = watchId;
  j["header"] = {{"revision", response.header().revision()}};
  json events = json::array();
  for (const mvccpb::Event& e : response.events()) {
    json ev = {{"type", e.type() == mvccpb::Event::DELETE ? "delete" : "put"},
               {"kv", keyValue(e.kv())}};
    if (e.has_prev_kv()) ev["prev_kv"] = keyValue(e.prev_kv());
    events.push_back(std::move(ev));
  }
  j["events"] = std::move(events);
  if (response.canceled()) j["canceled"] = true;
  if (response.compact_revision() != 0) j["compact_revision"] = response.compact_revision();
  append(j.dump());
}

std::uint64_t HistoryRecorder::okInvokedSince(env::Nanos since) const {
  return static_cast<std::uint64_t>(std::count_if(okInvokeTimes_.begin(), okInvokeTimes_.end(),
                                                  [since](env::Nanos t) { return t >= since; }));
}

void HistoryRecorder::append(const std::string& line) {
  text_ += line;
  text_ += '\n';
  ++lines_;
  if (out_ != nullptr) *out_ << line << '\n';
}

}  // namespace detcd::scenarios
