// The services in process: one member on the Asio clock and POSIX files, its io_context on one
// thread, a gRPC server on a free loopback port, and etcd's generated client stubs.
#include "server/api/ApiServices.h"

#include <gtest/gtest.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <filesystem>
#include <future>
#include <thread>

#include <unistd.h>

#include "env/AsioClock.h"
#include "env/PosixDisk.h"
#include "proto/rpc.grpc.pb.h"
#include "server/Node.h"
#include "server/api/SnapshotFile.h"

namespace detcd::server::api {
namespace {

using namespace std::chrono_literals;
namespace pb = etcdserverpb;

class NoPeers final : public env::Transport {
 public:
  env::NodeId self() const override { return 1; }
  void send(env::NodeId, std::string) override {}
  void setReceiver(Receiver) override {}
};

class ApiServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("detcd-api-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    NodeConfig cfg;
    cfg.id = 1;
    cfg.name = "n1";
    cfg.dataDir = (dir_ / "member").string();
    cfg.initialCluster = {{1, "n1", "http://127.0.0.1:1"}};
    cfg.clientUrls = {"http://127.0.0.1:2379"};  // published: MemberList shows it
    cfg.tick = 10ms;
    cfg.walSegmentBytes = 1 << 20;
    cfg.maxRequestBytes = 64 * 1024;
    node_ = std::make_unique<Node>(env_, cfg);
    ASSERT_FALSE(node_->stopped()) << node_->status().stopReason;
    services_ = std::make_unique<ApiServices>(io_, *node_,
                                              ApiOptions{});
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.SetMaxReceiveMessageSize(64 * 1024 + static_cast<int>(kGrpcOverheadBytes));
    services_->registerWith(builder);
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_);
    loop_ = std::thread([this] { io_.run(); });
    grpc::ChannelArguments args;
    args.SetMaxSendMessageSize(INT_MAX);
    channel_ = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                         grpc::InsecureChannelCredentials(), args);
    kv_ = pb::KV::NewStub(channel_);
    maintenance_ = pb::Maintenance::NewStub(channel_);
    // Wait for the member to elect itself (a bound for a loaded machine, not a speed check).
    for (int i = 0; i < 400; ++i) {
      pb::StatusResponse st;
      if (call(&pb::Maintenance::Stub::Status, maintenance_.get(), pb::StatusRequest{}, &st).ok() &&
          st.leader() != 0) {
        return;
      }
      std::this_thread::sleep_for(50ms);
    }
    FAIL() << "no leader";
  }

  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + 2s);
    work_.reset();
    boost::asio::post(io_, [this] { io_.stop(); });
    if (loop_.joinable()) loop_.join();
    server_.reset();
    services_.reset();
    node_.reset();
    std::filesystem::remove_all(dir_);
  }

  template <typename Stub, typename Req, typename Resp>
  static grpc::Status call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                           Stub* stub, const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 10s);
    return (stub->*method)(&ctx, req, resp);
  }

  grpc::Status put(const std::string& key, const std::string& value, pb::PutResponse* resp) {
    pb::PutRequest req;
    req.set_key(key);
    req.set_value(value);
    return call(&pb::KV::Stub::Put, kv_.get(), req, resp);
  }

  std::filesystem::path dir_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      io_.get_executor()};
  env::AsioClock clock_{io_};
  env::PosixDisk disk_;
  NoPeers transport_;
  env::NullTracer tracer_;
  env::NoBuggify buggify_;
  env::Env env_{clock_, transport_, disk_, tracer_, buggify_, 7};
  std::unique_ptr<Node> node_;
  std::unique_ptr<ApiServices> services_;
  std::unique_ptr<grpc::Server> server_;
  std::thread loop_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::KV::Stub> kv_;
  std::unique_ptr<pb::Maintenance::Stub> maintenance_;
};

TEST_F(ApiServicesTest, KvRoundTripWithEtcdHeaders) {
  pb::PutResponse put1;
  ASSERT_TRUE(put("k", "v", &put1).ok());
  EXPECT_EQ(put1.header().revision(), 2);
  EXPECT_EQ(put1.header().member_id(), 1u);
  EXPECT_NE(put1.header().cluster_id(), 0u);
  EXPECT_GT(put1.header().raft_term(), 0u);
  pb::RangeRequest get;
  get.set_key("k");
  pb::RangeResponse got;
  ASSERT_TRUE(call(&pb::KV::Stub::Range, kv_.get(), get, &got).ok());
  ASSERT_EQ(got.kvs_size(), 1);
  EXPECT_EQ(got.kvs(0).value(), "v");
  EXPECT_EQ(got.header().revision(), 2);
  pb::StatusResponse st;
  ASSERT_TRUE(call(&pb::Maintenance::Stub::Status, maintenance_.get(), pb::StatusRequest{}, &st)
                  .ok());
  EXPECT_EQ(st.leader(), 1u);
  EXPECT_EQ(st.version(), "3.4.23");
  EXPECT_EQ(st.header().cluster_id(), put1.header().cluster_id());
  EXPECT_GT(st.dbsize(), 0);
}

TEST_F(ApiServicesTest, EtcdErrorCodesAndMessages) {
  pb::PutResponse resp;
  grpc::Status st = put("", "v", &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "etcdserver: key is not provided");

  for (int i = 0; i < 3; ++i) ASSERT_TRUE(put("a", std::to_string(i), &resp).ok());
  pb::CompactionRequest compact;
  compact.set_revision(3);
  pb::CompactionResponse compacted;
  ASSERT_TRUE(call(&pb::KV::Stub::Compact, kv_.get(), compact, &compacted).ok());
  pb::RangeRequest old;
  old.set_key("a");
  old.set_revision(2);
  pb::RangeResponse got;
  st = call(&pb::KV::Stub::Range, kv_.get(), old, &got);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(st.error_message(), "etcdserver: mvcc: required revision has been compacted");

  pb::TxnRequest txn;
  for (int i = 0; i < 129; ++i) txn.add_success()->mutable_request_put()->set_key(
      "t" + std::to_string(i));
  pb::TxnResponse txnResp;
  st = call(&pb::KV::Stub::Txn, kv_.get(), txn, &txnResp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "etcdserver: too many operations in txn request");

  auto cluster = pb::Cluster::NewStub(channel_);
  pb::MemberRemoveRequest remove;
  remove.set_id(0x1234);
  pb::MemberRemoveResponse removed;
  st = call(&pb::Cluster::Stub::MemberRemove, cluster.get(), remove, &removed);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(st.error_message(), "etcdserver: member not found");

  auto lease = pb::Lease::NewStub(channel_);
  pb::LeaseTimeToLiveRequest ttl;
  ttl.set_id(42);
  pb::LeaseTimeToLiveResponse ttlResp;
  ASSERT_TRUE(call(&pb::Lease::Stub::LeaseTimeToLive, lease.get(), ttl, &ttlResp).ok());
  EXPECT_EQ(ttlResp.ttl(), -1);  // etcd's answer for a lease it does not know

  auto auth = pb::Auth::NewStub(channel_);
  pb::AuthenticateRequest login;
  pb::AuthenticateResponse token;
  st = call(&pb::Auth::Stub::Authenticate, auth.get(), login, &token);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(st.error_message(), "etcdserver: authentication is not enabled");
}

TEST_F(ApiServicesTest, AlarmsGoThroughRaftAndCapWrites) {
  pb::PutResponse resp;
  ASSERT_TRUE(put("a", "1", &resp).ok());
  pb::AlarmRequest activate;
  activate.set_action(pb::AlarmRequest::ACTIVATE);
  activate.set_memberid(1);
  activate.set_alarm(pb::NOSPACE);
  pb::AlarmResponse alarms;
  ASSERT_TRUE(call(&pb::Maintenance::Stub::Alarm, maintenance_.get(), activate, &alarms).ok());
  ASSERT_EQ(alarms.alarms_size(), 1);
  EXPECT_EQ(alarms.header().member_id(), 1u);
  EXPECT_EQ(alarms.header().revision(), 2);

  // etcd's ErrGRPCNoSpace; reads go on; Status lists the alarm among its errors.
  grpc::Status st = put("a", "2", &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(st.error_message(), "etcdserver: mvcc: database space exceeded");
  pb::RangeRequest get;
  get.set_key("a");
  pb::RangeResponse got;
  ASSERT_TRUE(call(&pb::KV::Stub::Range, kv_.get(), get, &got).ok());
  pb::StatusResponse status;
  ASSERT_TRUE(
      call(&pb::Maintenance::Stub::Status, maintenance_.get(), pb::StatusRequest{}, &status).ok());
  ASSERT_EQ(status.errors_size(), 1);
  EXPECT_EQ(status.errors(0), "memberID:1 alarm:NOSPACE ");

  pb::AlarmRequest list;  // GET of NONE: every alarm
  ASSERT_TRUE(call(&pb::Maintenance::Stub::Alarm, maintenance_.get(), list, &alarms).ok());
  ASSERT_EQ(alarms.alarms_size(), 1);
  EXPECT_EQ(alarms.alarms(0).alarm(), pb::NOSPACE);
  pb::AlarmRequest deactivate = activate;
  deactivate.set_action(pb::AlarmRequest::DEACTIVATE);
  ASSERT_TRUE(call(&pb::Maintenance::Stub::Alarm, maintenance_.get(), deactivate, &alarms).ok());
  EXPECT_EQ(alarms.alarms_size(), 1);
  EXPECT_TRUE(put("a", "2", &resp).ok());

  // CORRUPT: etcd's ErrGRPCCorrupt (DATA_LOSS) for writes.
  activate.set_alarm(pb::CORRUPT);
  ASSERT_TRUE(call(&pb::Maintenance::Stub::Alarm, maintenance_.get(), activate, &alarms).ok());
  st = put("a", "3", &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::DATA_LOSS);
  EXPECT_EQ(st.error_message(), "etcdserver: corrupt cluster");
  activate.set_alarm(pb::NONE);
  st = call(&pb::Maintenance::Stub::Alarm, maintenance_.get(), activate, &alarms);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ApiServicesTest, MemberListShowsPublishedAttributesAndMemberUpdateMovesAPeerUrl) {
  auto cluster = pb::Cluster::NewStub(channel_);
  pb::MemberListResponse list;
  for (int i = 0; i < 400; ++i) {  // a bound for a loaded machine: publish applies after the
    list.Clear();                  // election
    ASSERT_TRUE(call(&pb::Cluster::Stub::MemberList, cluster.get(), pb::MemberListRequest{},
                     &list).ok());
    if (list.members_size() == 1 && list.members(0).clienturls_size() == 1) break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(list.members_size(), 1);
  ASSERT_EQ(list.members(0).clienturls_size(), 1);
  EXPECT_EQ(list.members(0).clienturls(0), "http://127.0.0.1:2379");
  EXPECT_EQ(list.members(0).name(), "n1");

  pb::MemberUpdateRequest update;
  update.set_id(1);
  update.add_peerurls("http://127.0.0.1:2");
  pb::MemberUpdateResponse updated;
  ASSERT_TRUE(call(&pb::Cluster::Stub::MemberUpdate, cluster.get(), update, &updated).ok());
  ASSERT_EQ(updated.members_size(), 1);
  ASSERT_EQ(updated.members(0).peerurls_size(), 1);
  EXPECT_EQ(updated.members(0).peerurls(0), "http://127.0.0.1:2");
  EXPECT_EQ(updated.members(0).name(), "n1");
  EXPECT_NE(updated.header().cluster_id(), 0u);

  // A learner (a single voter commits alone) to collide with, removed and added again: the same
  // peer URLs get a new ID, as etcd's time-based IDs do.
  pb::MemberAddRequest add;
  add.add_peerurls("http://127.0.0.1:3");
  add.set_islearner(true);
  pb::MemberAddResponse added;
  ASSERT_TRUE(call(&pb::Cluster::Stub::MemberAdd, cluster.get(), add, &added).ok());
  const std::uint64_t first = added.member().id();
  update.clear_peerurls();
  update.add_peerurls("http://127.0.0.1:3");
  grpc::Status st = call(&pb::Cluster::Stub::MemberUpdate, cluster.get(), update, &updated);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(st.error_message(), "etcdserver: Peer URLs already exists");
  pb::MemberRemoveRequest remove;
  remove.set_id(first);
  pb::MemberRemoveResponse removed;
  ASSERT_TRUE(call(&pb::Cluster::Stub::MemberRemove, cluster.get(), remove, &removed).ok());
  ASSERT_TRUE(call(&pb::Cluster::Stub::MemberAdd, cluster.get(), add, &added).ok());
  EXPECT_NE(added.member().id(), first);
  EXPECT_EQ(added.member().peerurls(0), "http://127.0.0.1:3");

  update.set_id(0x1234);
  st = call(&pb::Cluster::Stub::MemberUpdate, cluster.get(), update, &updated);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(st.error_message(), "etcdserver: member not found");
  update.set_id(1);
  update.clear_peerurls();
  update.add_peerurls("not a url");
  st = call(&pb::Cluster::Stub::MemberUpdate, cluster.get(), update, &updated);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "etcdserver: given member URLs are invalid");
}

TEST_F(ApiServicesTest, OversizedRequestsAreRefusedAndTheServerStaysUp) {
  pb::PutResponse resp;
  // Over --max-request-bytes (64 KiB here) but within gRPC's allowance: the node refuses it.
  grpc::Status st = put("big", std::string(80 * 1024, 'x'), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "etcdserver: request is too large");
  // Over the allowance too: gRPC refuses the message before the node sees it.
  st = put("bigger", std::string(700 * 1024, 'x'), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << st.error_message();
  EXPECT_NE(st.error_message().find("larger than max"), std::string::npos)
      << st.error_message();
  EXPECT_TRUE(put("small", "ok", &resp).ok());
}

TEST_F(ApiServicesTest, MalformedProtobufIsRefusedAndTheServerStaysUp) {
  grpc::GenericStub generic(channel_);
  const std::string garbage = "\xff\xff\xff\xff\x0f\x12";
  grpc::Slice slice(garbage);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer reply;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 10s);
  std::promise<grpc::Status> done;
  generic.UnaryCall(&ctx, "/etcdserverpb.KV/Put", grpc::StubOptions(), &request, &reply,
                    [&](grpc::Status s) { done.set_value(s); });
  const grpc::Status st = done.get_future().get();
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INTERNAL) << st.error_message();
  EXPECT_EQ(st.error_message(),
            "grpc: error unmarshalling request: not a valid etcdserverpb.PutRequest message");
  pb::PutResponse resp;
  EXPECT_TRUE(put("after", "garbage", &resp).ok());
}

TEST_F(ApiServicesTest, MalformedWatchStreamMessageEndsTheStreamAndTheServerStaysUp) {
  grpc::GenericStub generic(channel_);
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 10s);
  auto call = generic.PrepareCall(&ctx, "/etcdserverpb.Watch/Watch", &cq);
  void* tag = nullptr;
  bool ok = false;
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(cq.Next(&tag, &ok));
  ASSERT_TRUE(ok);
  const std::string garbage = "\xff\xff\xff\xff\x0f\x12";
  grpc::Slice slice(garbage);
  grpc::ByteBuffer message(&slice, 1);
  call->Write(message, reinterpret_cast<void*>(2));
  ASSERT_TRUE(cq.Next(&tag, &ok));
  grpc::ByteBuffer reply;
  call->Read(&reply, reinterpret_cast<void*>(3));
  ASSERT_TRUE(cq.Next(&tag, &ok));
  EXPECT_FALSE(ok);  // the server ended the stream: nothing to read
  grpc::Status st;
  call->Finish(&st, reinterpret_cast<void*>(4));
  ASSERT_TRUE(cq.Next(&tag, &ok));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(st.error_message(),
            "grpc: error unmarshalling request: not a valid etcdserverpb.WatchRequest message");
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  pb::PutResponse resp;
  EXPECT_TRUE(put("after", "garbage", &resp).ok());
}

TEST_F(ApiServicesTest, OneWatchStreamCarriesSeveralWatchers) {
  auto watch = pb::Watch::NewStub(channel_);
  grpc::ClientContext ctx;
  auto stream = watch->Watch(&ctx);
  for (const char* key : {"a", "b"}) {
    pb::WatchRequest create;
    create.mutable_create_request()->set_key(key);
    ASSERT_TRUE(stream->Write(create));
  }
  pb::WatchResponse r;
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(stream->Read(&r));
    EXPECT_TRUE(r.created());
    ids.push_back(r.watch_id());
  }
  EXPECT_NE(ids[0], ids[1]);
  pb::PutResponse put1;
  ASSERT_TRUE(put("a", "1", &put1).ok());
  ASSERT_TRUE(put("b", "2", &put1).ok());
  ASSERT_TRUE(stream->Read(&r));
  EXPECT_EQ(r.watch_id(), ids[0]);
  ASSERT_EQ(r.events_size(), 1);
  EXPECT_EQ(r.events(0).kv().value(), "1");
  ASSERT_TRUE(stream->Read(&r));
  EXPECT_EQ(r.watch_id(), ids[1]);
  ASSERT_EQ(r.events_size(), 1);
  EXPECT_EQ(r.events(0).kv().key(), "b");
  pb::WatchRequest progress;
  progress.mutable_progress_request();
  ASSERT_TRUE(stream->Write(progress));
  ASSERT_TRUE(stream->Read(&r));
  EXPECT_EQ(r.events_size(), 0);
  EXPECT_EQ(r.header().revision(), put1.header().revision());
  pb::WatchRequest cancel;
  cancel.mutable_cancel_request()->set_watch_id(ids[0]);
  ASSERT_TRUE(stream->Write(cancel));
  ASSERT_TRUE(stream->Read(&r));
  EXPECT_TRUE(r.canceled());
  EXPECT_EQ(r.watch_id(), ids[0]);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(ApiServicesTest, KeepAliveStreamRenewsAndAnswersTtlZeroForUnknownLeases) {
  auto lease = pb::Lease::NewStub(channel_);
  pb::LeaseGrantRequest grant;
  grant.set_ttl(30);
  pb::LeaseGrantResponse granted;
  ASSERT_TRUE(call(&pb::Lease::Stub::LeaseGrant, lease.get(), grant, &granted).ok());
  grpc::ClientContext ctx;
  auto stream = lease->LeaseKeepAlive(&ctx);
  pb::LeaseKeepAliveRequest ka;
  ka.set_id(granted.id());
  pb::LeaseKeepAliveResponse r;
  ASSERT_TRUE(stream->Write(ka));
  ASSERT_TRUE(stream->Read(&r));
  EXPECT_EQ(r.id(), granted.id());
  EXPECT_EQ(r.ttl(), 30);
  ka.set_id(granted.id() + 1);
  ASSERT_TRUE(stream->Write(ka));
  ASSERT_TRUE(stream->Read(&r));
  EXPECT_EQ(r.id(), granted.id() + 1);
  EXPECT_EQ(r.ttl(), 0);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(ApiServicesTest, SnapshotStreamEndsWithEtcdsDigestTrailer) {
  pb::PutResponse resp;
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(put("key" + std::to_string(i), std::string(2000, 'v'), &resp).ok());
  }
  grpc::ClientContext ctx;
  auto reader = maintenance_->Snapshot(&ctx, pb::SnapshotRequest{});
  std::string file;
  pb::SnapshotResponse chunk;
  int chunks = 0;
  while (reader->Read(&chunk)) {
    file += chunk.blob();
    ++chunks;
    EXPECT_LE(chunk.blob().size(), kSnapshotChunkBytes);
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_GT(chunks, 1);
  EXPECT_EQ(chunk.remaining_bytes(), 0u);
  mvccsnappb::Snapshot snap;
  std::string error;
  ASSERT_TRUE(decodeSnapshotFile(file, &snap, &error)) << error;
}

}  // namespace
}  // namespace detcd::server::api
