#pragma once
// A client history in memory: the operations clients performed, each with its
// invocation and completion, plus the watch streams they received. Every
// format the checkers read (docs/history.md: detcd JSON lines, Jepsen logs,
// Jepsen EDN) is turned into this one shape.

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "checkers/EtcdTypes.h"

namespace detcd::checkers {

/// How an operation completed.
///  - kOk: it took effect and the client saw its result.
///  - kFail: a definite failure. For register/kv ops it did not take effect;
///    for etcd ops an error the model produces itself (EtcdError) is checked
///    as an observed outcome, any other error means it did not take effect.
///  - kInfo: the outcome is unknown (a timeout, a crash): the operation may
///    take effect at any point after its invocation, or never.
enum class Outcome { kOk, kFail, kInfo };

/// The function an operation calls. kRead/kWrite/kCas act on a single
/// register (Jepsen's cas-register); kGet/kPut/kAppend on a string-keyed map
/// (Jepsen's / porcupine's kv); kEtcd is any etcd v3 request (etcd model).
enum class OpKind { kRead, kWrite, kCas, kGet, kPut, kAppend, kEtcd };

/// A register / kv value; nullopt is Jepsen's nil.
using Value = std::optional<std::string>;

/// An etcd call and what the client saw of it.
struct EtcdCall {
  EtcdRequest request;
  EtcdResponse response;
};

/// Invocation or return time, in nanoseconds (detcd: virtual or real clock;
/// Jepsen logs and EDN without :time: the line number, which preserves order).
using Timestamp = int64_t;
inline constexpr Timestamp kNever = std::numeric_limits<Timestamp>::max();

/// One operation: an invocation matched with its completion.
struct Operation {
  int64_t client = 0;  ///< process / client id; a client has one pending op at a time
  OpKind kind = OpKind::kRead;
  std::string key;     ///< kv ops; empty for the register
  Value argument;      ///< write/put/append: the value; cas: the expected value
  Value argument2;     ///< cas: the new value
  Value result;        ///< read/get: the value read (meaningful when kOk)
  std::shared_ptr<const EtcdCall> etcd;  ///< kEtcd only
  Outcome outcome = Outcome::kOk;
  Timestamp invokeTime = 0;
  Timestamp returnTime = kNever;  ///< kNever for kInfo (and for ops never completed)
  int64_t invokeLine = 0;         ///< 1-based line of the invocation in its file
  int64_t returnLine = 0;         ///< 1-based line of the completion, 0 if none
};

/// A watch a client opened (etcd WatchCreateRequest).
struct WatchOpen {
  int64_t client = 0;
  int64_t watchId = 0;      ///< unique per history (several opens may resume one stream)
  std::string key;
  std::string rangeEnd;     ///< as in RequestOp
  int64_t startRevision = 0;  ///< 0 = from the current revision + 1
  bool prevKv = false;
  bool noPut = false;       ///< filter NOPUT
  bool noDelete = false;    ///< filter NODELETE
  Timestamp time = 0;
  int64_t line = 0;
};

/// One WatchResponse the client received.
struct WatchResponse {
  int64_t watchId = 0;
  int64_t headerRevision = 0;
  std::vector<WatchEvent> events;  ///< empty + !canceled = a progress notification
  bool canceled = false;
  int64_t compactRevision = 0;     ///< set when canceled by compaction
  Timestamp time = 0;
  int64_t line = 0;
};

/// A whole history.
struct History {
  std::vector<Operation> operations;  ///< in invocation order
  std::vector<WatchOpen> watches;
  std::vector<WatchResponse> watchResponses;  ///< in arrival order
};

/// Bad input: the message names the file line (1-based) and the problem.
class ParseError : public std::runtime_error {
 public:
  ParseError(int64_t line, const std::string& what);
  int64_t line() const { return line_; }

 private:
  int64_t line_;
};

/// The input formats: detcd JSON lines (docs/history.md), Jepsen log lines
/// (`INFO jepsen.util - 3 :ok :cas [1 2]`), Jepsen EDN maps one a line.
enum class Format { kDetcd, kJepsen, kEdn };

/// Parses `text` in `format`. Throws ParseError on the first malformed line,
/// a completion without a pending invocation, or a second invocation while the
/// client's previous operation is pending. Invocations left without a
/// completion at the end are kept as kInfo (outcome unknown).
History parseHistory(const std::string& text, Format format);

/// Reads and parses a file; throws std::runtime_error naming the file when it
/// cannot be read, ParseError (with the line) when it is malformed.
History readHistoryFile(const std::string& path, Format format);

}  // namespace detcd::checkers
