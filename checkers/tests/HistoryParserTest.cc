#include <gtest/gtest.h>

#include "checkers/History.h"

namespace detcd::checkers {
namespace {

// Expects parsing to fail with a ParseError naming `line` and containing `what`.
void expectError(const std::string& text, Format format, int64_t line, const std::string& what) {
  try {
    parseHistory(text, format);
    FAIL() << "expected a ParseError for:\n" << text;
  } catch (const ParseError& e) {
    EXPECT_EQ(e.line(), line) << e.what();
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("line " + std::to_string(line)), std::string::npos);
  }
}

TEST(HistoryParserTest, JepsenLogPairsInvocationsWithCompletions) {
  History h = parseHistory(
      "INFO  jepsen.util - 0\t:invoke\t:read\tnil\n"
      "INFO  jepsen.util - 1\t:invoke\t:cas\t[1 2]\n"
      "INFO  jepsen.core - some other logger line\n"
      "INFO  jepsen.util - 0\t:ok\t:read\t3\n"
      "INFO  jepsen.util - 1\t:fail\t:cas\t[1 2]\n"
      "INFO  jepsen.util - 2\t:invoke\t:write\t4\n"
      "INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n"
      "INFO  jepsen.util - 2\t:info\t:write\t:timed-out\n"
      "INFO  jepsen.util - 3\t:invoke\t:write\t1\n",
      Format::kJepsen);
  ASSERT_EQ(h.operations.size(), 4u);
  const Operation& read = h.operations[0];
  EXPECT_EQ(read.kind, OpKind::kRead);
  EXPECT_EQ(read.outcome, Outcome::kOk);
  EXPECT_EQ(read.result, "3");
  EXPECT_EQ(read.invokeLine, 1);
  EXPECT_EQ(read.returnLine, 4);
  const Operation& cas = h.operations[1];
  EXPECT_EQ(cas.kind, OpKind::kCas);
  EXPECT_EQ(cas.argument, "1");
  EXPECT_EQ(cas.argument2, "2");
  EXPECT_EQ(cas.outcome, Outcome::kFail);
  const Operation& write = h.operations[2];
  EXPECT_EQ(write.outcome, Outcome::kInfo);
  EXPECT_EQ(write.argument, "4");
  EXPECT_EQ(write.returnTime, kNever);
  EXPECT_EQ(h.operations[3].outcome, Outcome::kInfo) << "never completed: outcome unknown";
}

TEST(HistoryParserTest, JepsenLogErrorsNameTheLine) {
  expectError("INFO  jepsen.util - 0\t:ok\t:read\t1\n", Format::kJepsen, 1, "no pending");
  expectError("INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:invoke\t:read\tnil\n",
              Format::kJepsen, 2, "still pending");
  expectError("\nhello\n", Format::kJepsen, 2, "not a Jepsen log line");
  expectError("INFO  jepsen.util - 0\t:invoke\t:frob\tnil\n", Format::kJepsen, 1, "unknown :f");
  expectError("INFO  jepsen.util - 0\t:invoke\t:cas\t[1\n", Format::kJepsen, 1, "bad value");
  expectError("INFO  jepsen.util - x\t:invoke\t:read\tnil\n", Format::kJepsen, 1, "not an integer");
  expectError("INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:ok\t:write\t1\n",
              Format::kJepsen, 2, "completion :write for a pending :read");
}

TEST(HistoryParserTest, EdnReadsKvAndRegisterFormsAndSkipsTheNemesis) {
  History kv = parseHistory(
      "{:process 0, :type :invoke, :f :append, :key \"0\", :value \"x 0 0 y\"}\n"
      "{:process :nemesis, :type :info, :f :start, :value nil}\n"
      "{:process 1, :type :invoke, :f :get, :key \"0\", :value nil}\n"
      "{:process 0, :type :ok, :f :append, :key \"0\", :value \"x 0 0 y\"}\n"
      "{:process 1, :type :ok, :f :get, :key \"0\", :value \"x 0 0 y\"}\n",
      Format::kEdn);
  ASSERT_EQ(kv.operations.size(), 2u);
  EXPECT_EQ(kv.operations[0].kind, OpKind::kAppend);
  EXPECT_EQ(kv.operations[0].key, "0");
  EXPECT_EQ(kv.operations[1].result, "x 0 0 y");
  EXPECT_EQ(kv.operations[1].returnLine, 5);

  History reg = parseHistory(
      "{:process 0, :type :invoke, :f :cas, :value [0 1]}\n"
      "{:process 0, :type :fail, :f :cas, :value [0 1]}\n"
      "{:process 1, :type :invoke, :f :write, :value 3}\n"
      "{:process 1, :type :info, :f :write, :value 3}\n",
      Format::kEdn);
  ASSERT_EQ(reg.operations.size(), 2u);
  EXPECT_EQ(reg.operations[0].outcome, Outcome::kFail);
  EXPECT_EQ(reg.operations[1].outcome, Outcome::kInfo);
}

TEST(HistoryParserTest, EdnErrorsNameTheLine) {
  expectError("{:process 0, :type :invoke, :f :get, :value nil}\n", Format::kEdn, 1, "without :key");
  expectError("{:process 0 :type :invoke\n", Format::kEdn, 1, "missing '}'");
  expectError("\n[1 2]\n", Format::kEdn, 2, "op map");
  expectError("{:type :invoke, :f :read}\n", Format::kEdn, 1, "missing :process");
  expectError("{:process 0, :type :begin, :f :read}\n", Format::kEdn, 1, "unknown :type");
  expectError("{:process 0, :type :invoke, :f :read, :key \"a\"}\n", Format::kEdn, 1, "has a :key");
  expectError("{:process 0, :type :invoke, :f :get, :key \"a\", :value nil}\n"
              "{:process 0, :type :ok, :f :get, :key \"b\", :value \"1\"}\n",
              Format::kEdn, 2, "pending op on \"a\"");
}

TEST(HistoryParserTest, DetcdReadsEveryOperationAndWatchRecords) {
  History h = parseHistory(
      R"({"type":"invoke","client":1,"time":10,"op":"put","key":"a","value":"1","prev_kv":true}
{"type":"ok","client":1,"time":20,"header":{"revision":2},"prev_kv":null}
{"type":"invoke","client":2,"time":30,"op":"range","key":"a","range_end":"b","limit":1}
{"type":"ok","client":2,"time":40,"header":{"revision":2},"kvs":[{"key":"a","value":"1","create_revision":2,"mod_revision":2,"version":1}],"count":1,"more":false}
{"type":"invoke","client":3,"time":50,"op":"txn","compare":[{"key":"a","target":"value","result":"=","value":"1"},{"key":"a","target":"version","result":">","value":0}],"success":[{"op":"delete","key":"a","prev_kv":true}],"failure":[{"op":"get","key":"a"}]}
{"type":"ok","client":3,"time":60,"header":{"revision":3},"succeeded":true,"responses":[{"deleted":1,"prev_kvs":[{"key":"a","value":"1","create_revision":2,"mod_revision":2,"version":1}]}]}
{"type":"invoke","client":4,"time":70,"op":"lease_grant","ttl":60}
{"type":"ok","client":4,"time":80,"header":{"revision":3},"id":7,"ttl":60}
{"type":"invoke","client":4,"time":90,"op":"compact","revision":9}
{"type":"fail","client":4,"time":95,"error":"etcdserver: mvcc: required revision is a future revision"}
{"type":"watch","client":5,"time":1,"watch_id":1,"key":"a","range_end":"b","start_revision":2,"prev_kv":true,"filters":["nodelete"]}
{"type":"watch_response","client":5,"time":25,"watch_id":1,"header":{"revision":2},"events":[{"type":"put","kv":{"key":"a","value":"1","create_revision":2,"mod_revision":2,"version":1}}]}
{"type":"invoke","client":6,"time":100,"op":"lease_revoke","id":7}
)",
      Format::kDetcd);
  ASSERT_EQ(h.operations.size(), 6u);
  const EtcdCall& put = *h.operations[0].etcd;
  EXPECT_EQ(put.request.kind, EtcdRequest::Kind::kRequestOp);
  EXPECT_EQ(put.request.op.kind, RequestOp::Kind::kPut);
  EXPECT_TRUE(put.request.op.prevKv);
  EXPECT_EQ(put.response.revision, 2);
  ASSERT_TRUE(put.response.responses.at(0).prevKvs.has_value());
  EXPECT_TRUE(put.response.responses[0].prevKvs->empty());
  const EtcdCall& range = *h.operations[1].etcd;
  EXPECT_EQ(range.request.op.rangeEnd, "b");
  EXPECT_EQ(range.request.op.limit, 1);
  EXPECT_EQ(range.response.responses[0].kvs->at(0).createRevision, 2);
  EXPECT_EQ(range.response.responses[0].more, false);
  const EtcdCall& txn = *h.operations[2].etcd;
  ASSERT_EQ(txn.request.compares.size(), 2u);
  EXPECT_EQ(txn.request.compares[0].target, Compare::Target::kValue);
  EXPECT_EQ(txn.request.compares[1].result, Compare::Result::kGreater);
  EXPECT_EQ(txn.request.compares[1].number, 0);
  EXPECT_EQ(txn.request.success.at(0).kind, RequestOp::Kind::kDeleteRange);
  EXPECT_EQ(txn.request.failure.at(0).kind, RequestOp::Kind::kRange);
  EXPECT_EQ(txn.response.succeeded, true);
  EXPECT_EQ(txn.response.responses.at(0).deleted, 1);
  EXPECT_EQ(h.operations[3].etcd->response.leaseId, 7);
  EXPECT_EQ(h.operations[4].outcome, Outcome::kFail);
  EXPECT_EQ(parseEtcdError(h.operations[4].etcd->response.error), EtcdError::kFutureRevision);
  EXPECT_EQ(h.operations[5].outcome, Outcome::kInfo);
  ASSERT_EQ(h.watches.size(), 1u);
  EXPECT_TRUE(h.watches[0].noDelete);
  EXPECT_FALSE(h.watches[0].noPut);
  EXPECT_EQ(h.watches[0].startRevision, 2);
  ASSERT_EQ(h.watchResponses.size(), 1u);
  EXPECT_EQ(h.watchResponses[0].events.at(0).kv.value, "1");
}

TEST(HistoryParserTest, DetcdErrorsNameTheLine) {
  expectError("{\"type\":\"invoke\",\"client\":1,\"op\":\"put\",\"key\":\"a\",\"value\":\"1\"}\n{oops\n",
              Format::kDetcd, 2, "parse error");
  expectError("{\"type\":\"invoke\",\"op\":\"put\",\"key\":\"a\",\"value\":\"1\"}\n", Format::kDetcd, 1,
              "missing field \"client\"");
  expectError("{\"type\":\"invoke\",\"client\":1,\"op\":\"frob\",\"key\":\"a\"}\n", Format::kDetcd, 1,
              "unknown op \"frob\"");
  expectError("{\"type\":\"invoke\",\"client\":1,\"op\":\"put\",\"key\":\"a\",\"value\":2}\n",
              Format::kDetcd, 1, "must be a string");
  expectError("{\"type\":\"invoke\",\"client\":1,\"op\":\"get\",\"key\":\"a\"}\n"
              "{\"type\":\"fail\",\"client\":1}\n",
              Format::kDetcd, 2, "without \"error\"");
  expectError("{\"type\":\"invoke\",\"client\":1,\"time\":5,\"op\":\"get\",\"key\":\"a\"}\n"
              "{\"type\":\"ok\",\"client\":1,\"time\":4}\n",
              Format::kDetcd, 2, "before its invocation");
  expectError("{\"type\":\"watch_response\",\"client\":1,\"watch_id\":1}\n", Format::kDetcd, 1,
              "missing field \"header\"");
  expectError("{\"type\":\"invoke\",\"client\":1,\"op\":\"txn\",\"compare\":[{\"key\":\"a\","
              "\"target\":\"size\",\"result\":\"=\"}]}\n",
              Format::kDetcd, 1, "compare target");
}

TEST(HistoryParserTest, DetcdLeavesSerializableReadsOut) {
  History h = parseHistory(
      R"({"type":"invoke","client":1,"time":10,"op":"get","key":"a","serializable":true}
{"type":"invoke","client":2,"time":11,"op":"put","key":"a","value":"1"}
{"type":"ok","client":1,"time":20,"header":{"revision":1},"kvs":[]}
{"type":"invoke","client":1,"time":30,"op":"get","key":"a","serializable":false}
{"type":"ok","client":2,"time":31,"header":{"revision":2}}
{"type":"ok","client":1,"time":40,"header":{"revision":2},"kvs":[]}
{"type":"invoke","client":1,"time":50,"op":"range","key":"a","range_end":"b","serializable":true}
)",
      Format::kDetcd);
  ASSERT_EQ(h.operations.size(), 2u);
  EXPECT_EQ(h.operations[0].client, 2);
  EXPECT_EQ(h.operations[1].client, 1);
  EXPECT_EQ(h.operations[1].invokeTime, 30);
  EXPECT_EQ(h.operations[1].outcome, Outcome::kOk);
}

TEST(HistoryParserTest, DetcdSerializableErrorsNameTheLine) {
  expectError("{\"type\":\"invoke\",\"client\":1,\"op\":\"put\",\"key\":\"a\","
              "\"value\":\"1\",\"serializable\":true}\n",
              Format::kDetcd, 1, "only for get and range");
  expectError("{\"type\":\"invoke\",\"client\":1,\"op\":\"get\",\"key\":\"a\","
              "\"serializable\":true}\n"
              "{\"type\":\"invoke\",\"client\":1,\"op\":\"get\",\"key\":\"a\"}\n",
              Format::kDetcd, 2, "still pending");
}

TEST(HistoryParserTest, ReadingAMissingFileNamesIt) {
  try {
    readHistoryFile("/nonexistent/history.jsonl", Format::kDetcd);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/history.jsonl"), std::string::npos);
  }
}

}  // namespace
}  // namespace detcd::checkers
