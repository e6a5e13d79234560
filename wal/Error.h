#pragma once
// Errors of the WAL and the snapshotter: what went wrong, and where on disk.

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>

namespace detcd::wal {

/// Why a WAL or snapshot operation failed.
enum class ErrorCode {
  kNone = 0,
  kIo,                ///< the disk returned an error (io() holds the errno)
  kCorrupt,           ///< damage that is not a torn tail: the node must not start on it
  kNotFound,          ///< no WAL (or no snapshot) where one was expected
  kExists,            ///< create() found a WAL already there
  kSnapshotNotFound,  ///< the WAL holds no marker for the snapshot it was opened at
  kSnapshotMismatch,  ///< the WAL's marker at that index has another term
  kBadInput,          ///< the caller broke a precondition (non-contiguous entries, ...)
  kFailed,            ///< an earlier write or fsync failed; the WAL refuses all further work
};

/// An error with a message that names the file and byte offset when the error is about a place on
/// disk. A default-constructed Error means success (like std::error_code).
class Error {
 public:
  Error() = default;
  Error(ErrorCode code, std::string message, std::string file = {}, std::uint64_t offset = 0,
        std::error_code io = {})
      : code_(code), message_(std::move(message)), file_(std::move(file)), offset_(offset),
        io_(io) {}

  explicit operator bool() const { return code_ != ErrorCode::kNone; }
  ErrorCode code() const { return code_; }
  /// Human-readable, complete: includes file, offset and errno text where they apply.
  const std::string& message() const { return message_; }
  /// The file the error is about (a path as given to the Disk), or empty.
  const std::string& file() const { return file_; }
  /// Byte offset in file() where the damage starts (meaningful when file() is set).
  std::uint64_t offset() const { return offset_; }
  /// The disk's error for kIo and kFailed.
  std::error_code io() const { return io_; }

 private:
  ErrorCode code_ = ErrorCode::kNone;
  std::string message_;
  std::string file_;
  std::uint64_t offset_ = 0;
  std::error_code io_;
};

/// kIo: "`what` `path`: <errno text>" (e.g. what = "fdatasync"), with file() `path`, io() `ec`.
Error ioError(std::string_view what, const std::string& path, std::error_code ec);

/// kCorrupt: "wal corrupt: `path` at offset `offset`: `what`", with file() and offset() set.
Error corrupt(const std::string& path, std::uint64_t offset, std::string_view what);

/// A T or an Error (which must not be success).
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design, like std::expected.
  Result(Error error) : v_(std::move(error)) { assert(std::get<Error>(v_)); }  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return std::get<Error>(v_); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace detcd::wal
