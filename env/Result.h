#pragma once
// A value or a std::error_code, for the seams' fallible calls (the POSIX error model).

#include <cassert>
#include <optional>
#include <system_error>
#include <utility>

namespace detcd::env {

/// Holds either a T or a non-zero std::error_code (system_category for POSIX errors, e.g. EIO,
/// ENOSPC, ENOENT). Reading value() of an error, or error() of a value, is a programming error.
template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design, like std::expected.
  Result(std::error_code error) : error_(error) { assert(error); }  // NOLINT

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }

  const std::error_code& error() const { return error_; }

  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  /// By value on a temporary, so `for (auto& x : *disk.list(dir))` does not dangle.
  T operator*() && { return std::move(*this).value(); }

 private:
  std::optional<T> value_;
  std::error_code error_;
};

/// The error_code for a POSIX errno value (EIO, ENOSPC, ...).
inline std::error_code posixError(int errnoValue) {
  return {errnoValue, std::system_category()};
}

}  // namespace detcd::env
