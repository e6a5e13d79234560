// libFuzzer target for the WAL record decoder and the segment scanner: on arbitrary bytes they
// never crash and never read outside their input (built with AddressSanitizer and UBSan).
//
//   build (clang): ninja -C build-clang wal_record_fuzz
//   run:           build-clang/bin/wal_record_fuzz -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "wal/Payload.h"
#include "wal/Record.h"
#include "wal/Segment.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace detcd::wal;
  // The buffer libFuzzer hands over has exactly `size` bytes: ASan catches any read past it.
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (std::uint64_t at = 0; at <= size; at += kAlignment) {
    const Decoded d = decodeFrame(bytes, at);
    if (d.status != Decoded::Status::kOk) continue;
    if (d.frame.offset + d.frame.bytes > size) std::abort();
    switch (d.frame.type) {
      case RecordType::kEntry: (void)decodeEntry(d.frame.data); break;
      case RecordType::kHardState: (void)decodeHardState(d.frame.data); break;
      case RecordType::kSnapshot: (void)decodeSnapshotMarker(d.frame.data); break;
      case RecordType::kCrc: (void)decodeCrcRecord(d.frame.data); break;
      case RecordType::kMetadata: break;
    }
  }
  const SegmentScan scan = scanSegment(bytes);
  if (scan.dataEnd > size) std::abort();
  for (const Frame& f : scan.records) {
    if (f.offset + f.bytes > scan.dataEnd) std::abort();
  }
  return 0;
}
