#include "interop/ResultComparator.h"

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <vector>

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>

namespace detcd::interop {
namespace {

using etcdserverpb::RangeRequest;
using etcdserverpb::RangeResponse;
using etcdserverpb::RequestOp;
using etcdserverpb::ResponseHeader;
using etcdserverpb::ResponseOp;
using etcdserverpb::TxnRequest;
using etcdserverpb::TxnResponse;
using mvccpb::KeyValue;

void clearIds(ResponseHeader* header) {
  header->clear_cluster_id();
  header->clear_member_id();
  header->clear_raft_term();
}

// -1, 0 or 1 as a's sort value is below, equal to or above b's.
int compareOn(RangeRequest::SortTarget target, const KeyValue& a, const KeyValue& b) {
  auto cmp = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
  switch (target) {
    case RangeRequest::VERSION: return cmp(a.version(), b.version());
    case RangeRequest::CREATE: return cmp(a.create_revision(), b.create_revision());
    case RangeRequest::MOD: return cmp(a.mod_revision(), b.mod_revision());
    case RangeRequest::VALUE: return cmp(std::string_view(a.value()), std::string_view(b.value()));
    default: return cmp(std::string_view(a.key()), std::string_view(b.key()));
  }
}

void normaliseRange(const RangeRequest& req, RangeResponse* resp) {
  if (resp->has_header()) clearIds(resp->mutable_header());
  RangeRequest::SortTarget target = req.sort_target();
  if (target == RangeRequest::KEY || resp->kvs_size() < 2) return;
  // Only runs of adjacent equal sort values are put in key order: an out-of-order answer stays
  // out of order and is caught.
  std::vector<KeyValue> kvs(resp->kvs().begin(), resp->kvs().end());
  for (auto run = kvs.begin(); run != kvs.end();) {
    auto end = std::find_if(run, kvs.end(),
                            [&](const KeyValue& kv) { return compareOn(target, kv, *run) != 0; });
    std::sort(run, end, [](const KeyValue& a, const KeyValue& b) { return a.key() < b.key(); });
    run = end;
  }
  if (resp->more()) {
    KeyValue last = kvs.back();
    while (!kvs.empty() && compareOn(target, kvs.back(), last) == 0) kvs.pop_back();
  }
  resp->clear_kvs();
  for (auto& kv : kvs) *resp->add_kvs() = std::move(kv);
}

void normaliseTxn(const TxnRequest& req, TxnResponse* resp);

void normaliseResponseOp(const RequestOp& req, ResponseOp* resp) {
  if (req.has_request_range() && resp->has_response_range()) {
    normaliseRange(req.request_range(), resp->mutable_response_range());
  } else if (resp->has_response_put()) {
    clearIds(resp->mutable_response_put()->mutable_header());
  } else if (resp->has_response_delete_range()) {
    clearIds(resp->mutable_response_delete_range()->mutable_header());
  } else if (req.has_request_txn() && resp->has_response_txn()) {
    normaliseTxn(req.request_txn(), resp->mutable_response_txn());
  }
}

void normaliseTxn(const TxnRequest& req, TxnResponse* resp) {
  if (resp->has_header()) clearIds(resp->mutable_header());
  const auto& branch = resp->succeeded() ? req.success() : req.failure();
  int n = std::min(branch.size(), resp->responses_size());
  for (int i = 0; i < n; ++i) normaliseResponseOp(branch.Get(i), resp->mutable_responses(i));
}

}  // namespace

void normalise(const Op& op, Result& result) {
  switch (result.response_case()) {
    case Result::kRange:
      normaliseRange(op.range(), result.mutable_range());
      break;
    case Result::kPut: clearIds(result.mutable_put()->mutable_header()); break;
    case Result::kDeleteRange: clearIds(result.mutable_delete_range()->mutable_header()); break;
    case Result::kTxn: normaliseTxn(op.txn(), result.mutable_txn()); break;
    case Result::kCompact: clearIds(result.mutable_compact()->mutable_header()); break;
    case Result::kLeaseGrant: clearIds(result.mutable_lease_grant()->mutable_header()); break;
    case Result::kLeaseRevoke: clearIds(result.mutable_lease_revoke()->mutable_header()); break;
    case Result::kLeaseTimeToLive: {
      auto* ttl = result.mutable_lease_time_to_live();
      clearIds(ttl->mutable_header());
      std::sort(ttl->mutable_keys()->begin(), ttl->mutable_keys()->end());
      break;
    }
    case Result::kLeaseLeases: {
      auto* leases = result.mutable_lease_leases();
      clearIds(leases->mutable_header());
      std::sort(leases->mutable_leases()->begin(), leases->mutable_leases()->end(),
                [](const auto& a, const auto& b) { return a.id() < b.id(); });
      break;
    }
    case Result::kLeaseKeepAlive:
      clearIds(result.mutable_lease_keep_alive()->mutable_header());
      break;
    case Result::kWatchCreated:
      clearIds(result.mutable_watch_created()->mutable_header());
      break;
    case Result::kWatchProgress:
      clearIds(result.mutable_watch_progress()->mutable_header());
      break;
    default: break;
  }
}

std::string difference(const Result& a, const Result& b) {
  Result bb = b;
  if (a.has_lease_time_to_live() && bb.has_lease_time_to_live() &&
      std::abs(a.lease_time_to_live().ttl() - bb.lease_time_to_live().ttl()) <= 1) {
    bb.mutable_lease_time_to_live()->set_ttl(a.lease_time_to_live().ttl());
  }
  google::protobuf::util::MessageDifferencer differencer;
  std::string report;
  differencer.ReportDifferencesToString(&report);
  if (differencer.Compare(a, bb)) return "";
  return report.empty() ? std::string("results differ\n") : report;
}

namespace {

// The top-level response message of `result` and its "header" field; null when it has none.
const google::protobuf::FieldDescriptor* headerField(const Result& result,
                                                     const google::protobuf::Message** message) {
  if (result.response_case() == Result::RESPONSE_NOT_SET) return nullptr;
  const auto* field = result.GetDescriptor()->FindFieldByNumber(result.response_case());
  *message = &result.GetReflection()->GetMessage(result, field);
  return (*message)->GetDescriptor()->FindFieldByName("header");
}

}  // namespace

int64_t revisionOf(const Result& result) {
  const google::protobuf::Message* message = nullptr;
  const auto* field = headerField(result, &message);
  if (field == nullptr) return 0;
  const auto& header =
      static_cast<const ResponseHeader&>(message->GetReflection()->GetMessage(*message, field));
  return header.revision();
}

void perturb(Result& result) {
  switch (result.response_case()) {
    case Result::kWatch: {
      auto* event = result.mutable_watch()->add_events();
      event->mutable_kv()->set_key("perturbed");
      return;
    }
    case Result::RESPONSE_NOT_SET:
      result.set_message(result.message() + " (perturbed)");
      return;
    default: break;
  }
  // Every other response kind carries a ResponseHeader as its field 1.
  auto* message = [&]() -> google::protobuf::Message* {
    const auto* field = result.GetDescriptor()->FindFieldByNumber(result.response_case());
    return result.GetReflection()->MutableMessage(&result, field);
  }();
  const auto* headerField = message->GetDescriptor()->FindFieldByName("header");
  auto* header = static_cast<ResponseHeader*>(
      message->GetReflection()->MutableMessage(message, headerField));
  header->set_revision(header->revision() + 1);
}

std::string toText(const google::protobuf::Message& message) {
  google::protobuf::TextFormat::Printer printer;
  printer.SetTruncateStringFieldLongerThan(200);
  std::string text;
  printer.PrintToString(message, &text);
  return text;
}

}  // namespace detcd::interop
