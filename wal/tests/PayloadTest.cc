// Record payloads: a reused entry encoder against a fresh one (encodeEntry()), and decoding.
#include "wal/Payload.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <tuple>
#include <vector>

namespace detcd::wal {
namespace {

std::string encodeWith(EntryEncoder& encoder, const Entry& entry) {
  std::string out(encoder.load(entry), '\0');
  encoder.write(out);
  return out;
}

// One encoder over a sequence of entries, as the WAL uses it: the reused message must never
// carry anything over from an earlier entry (a longer payload, a non-zero field).
RC_GTEST_PROP(EntryEncoderTest, EqualsEncodeEntryAcrossASequence,
              (const std::vector<std::tuple<std::uint64_t, std::uint64_t, std::uint32_t,
                                            std::string>>& raw)) {
  EntryEncoder encoder;
  for (const auto& [index, term, type, data] : raw) {
    const Entry entry{index, term, type, data};
    const std::string bytes = encodeWith(encoder, entry);
    RC_ASSERT(bytes == encodeEntry(entry));
    RC_ASSERT(decodeEntry(bytes) == entry);
  }
}

TEST(EntryEncoderTest, ShorterAndZeroEntriesAfterALongOne) {
  EntryEncoder encoder;
  const Entry longEntry{1000, 7, 2, std::string(300, 'x')};
  EXPECT_EQ(encodeWith(encoder, longEntry), encodeEntry(longEntry));
  const Entry shortEntry{1001, 7, 0, "ab"};
  EXPECT_EQ(encodeWith(encoder, shortEntry), encodeEntry(shortEntry));
  const Entry zero{};
  EXPECT_EQ(encodeWith(encoder, zero), "");  // proto3 omits zero fields
}

}  // namespace
}  // namespace detcd::wal
