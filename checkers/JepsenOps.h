#pragma once
// Jepsen's operation vocabulary, shared by the log and EDN readers: the
// cas-register (`:read` / `:write N` / `:cas [old new]`, no key) and the kv
// map (`:get` / `:put` / `:append` with a key).

#include <cstdint>
#include <string_view>

#include "checkers/Edn.h"
#include "checkers/History.h"
#include "checkers/HistoryBuilder.h"

namespace detcd::checkers {

/// Fills op.kind / key / arguments from an invocation of `f` with `value`
/// (and `key`, required for kv ops, null for the register). Throws
/// std::invalid_argument naming the problem (unknown :f, bad :value shape).
void setJepsenInvocation(Operation& op, std::string_view f, const EdnValue& value,
                         const EdnValue* key);

/// Records the result of an `:ok` completion (the value a read / get saw).
/// `f` (and `key`, when not null) must match the invocation's; throws
/// std::invalid_argument otherwise.
void setJepsenResult(Operation& op, std::string_view f, const EdnValue& value,
                     const EdnValue* key);

/// Records one Jepsen event of a client (`type` invoke, ok, fail or info, without
/// the colon) read at `line` (also its time) in `builder`: an invocation
/// starts an op, a completion ends the client's pending one (an :ok one with
/// its result). Throws std::invalid_argument for another `type` and whatever
/// setJepsenInvocation / setJepsenResult / the builder throw.
void addJepsenEvent(HistoryBuilder& builder, int64_t client, std::string_view type,
                    std::string_view f, const EdnValue& value, const EdnValue* key, int64_t line);

/// The Jepsen value as a Value: nil -> nullopt, integers in decimal, strings
/// as they are, keywords as ":name". Throws std::invalid_argument for collections.
Value jepsenValue(const EdnValue& value);

}  // namespace detcd::checkers
