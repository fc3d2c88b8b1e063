// Status and StatusOr<T>: keyward's error vocabulary, modelled on absl::Status.
//
// Every fallible keyward function returns Status or StatusOr<T>; no exception
// crosses a keyward API. A Status carries a canonical code, a human message
// that says what to check, and (for errors that came from AWS or a compatible
// endpoint) the service's error type, e.g. "ResourceNotFoundException".
// Messages never contain secret values.
//
// Thread-safety: value types; const methods are safe to call concurrently.
#ifndef KEYWARD_STATUS_H_
#define KEYWARD_STATUS_H_

#include <cassert>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "keyward/attributes.h"

namespace keyward {

// Canonical codes, numerically identical to absl::StatusCode.
enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// Returns the name of `code`, e.g. "NOT_FOUND".
std::string_view StatusCodeToString(StatusCode code);

class [[nodiscard]] Status {
 public:
  // An OK status.
  Status() = default;
  Status(StatusCode code, std::string message, std::string error_type = "")
      : code_(code),
        message_(std::move(message)),
        error_type_(std::move(error_type)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const KEYWARD_LIFETIMEBOUND { return message_; }
  // The service error type ("ThrottlingException", ...) or "" when the error
  // did not come from a service response.
  const std::string& error_type() const KEYWARD_LIFETIMEBOUND {
    return error_type_;
  }

  // "NOT_FOUND: message" (plus " [ErrorType]" when known); "OK" for ok().
  std::string ToString() const;

  // Returns a copy whose message is `prefix + ": " + message()`.
  Status WithContext(std::string_view prefix) const;

  // Explicitly ignores this status (for best-effort calls).
  void IgnoreError() const {}

  friend bool operator==(const Status&, const Status&) = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string error_type_;
};

inline Status OkStatus() { return Status(); }
Status CancelledError(std::string message);
Status UnknownError(std::string message);
Status InvalidArgumentError(std::string message);
Status DeadlineExceededError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status PermissionDeniedError(std::string message);
Status ResourceExhaustedError(std::string message);
Status FailedPreconditionError(std::string message);
Status AbortedError(std::string message);
Status OutOfRangeError(std::string message);
Status UnimplementedError(std::string message);
Status InternalError(std::string message);
Status UnavailableError(std::string message);
Status DataLossError(std::string message);
Status UnauthenticatedError(std::string message);

std::ostream& operator<<(std::ostream& os, const Status& status);

// Holds either a value of type T or a non-OK Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  // Constructing from an OK status is a programming error (becomes kInternal).
  StatusOr(Status status) : rep_(std::move(status)) {  // NOLINT: implicit
    if (std::get<0>(rep_).ok()) {
      rep_ = Status(StatusCode::kInternal, "StatusOr built from OK status");
    }
  }
  StatusOr(T value) : rep_(std::move(value)) {}  // NOLINT: implicit
  template <typename U, typename = std::enable_if_t<
                            std::is_constructible_v<T, U&&> &&
                            !std::is_same_v<std::decay_t<U>, T> &&
                            !std::is_same_v<std::decay_t<U>, Status>>>
  StatusOr(U&& value) : rep_(T(std::forward<U>(value))) {}  // NOLINT

  bool ok() const { return rep_.index() == 1; }
  const Status& status() const& {
    static const Status* const kOk = new Status();
    return ok() ? *kOk : std::get<0>(rep_);
  }
  Status status() && { return ok() ? Status() : std::get<0>(std::move(rep_)); }

  // Precondition: ok().
  const T& value() const& KEYWARD_LIFETIMEBOUND { return std::get<1>(rep_); }
  T& value() & KEYWARD_LIFETIMEBOUND { return std::get<1>(rep_); }
  T&& value() && KEYWARD_LIFETIMEBOUND { return std::get<1>(std::move(rep_)); }
  const T& operator*() const& KEYWARD_LIFETIMEBOUND { return value(); }
  T& operator*() & KEYWARD_LIFETIMEBOUND { return value(); }
  T&& operator*() && KEYWARD_LIFETIMEBOUND { return std::move(*this).value(); }
  const T* operator->() const KEYWARD_LIFETIMEBOUND { return &value(); }
  T* operator->() KEYWARD_LIFETIMEBOUND { return &value(); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<Status, T> rep_;
};

}  // namespace keyward

#define KW_STATUS_CONCAT_INNER_(a, b) a##b
#define KW_STATUS_CONCAT_(a, b) KW_STATUS_CONCAT_INNER_(a, b)

// Returns from the current function if `expr` (a Status) is not OK.
#define KW_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::keyward::Status kw_status_ = (expr);   \
    if (!kw_status_.ok()) return kw_status_; \
  } while (0)

// `lhs = value of expr` (a StatusOr), or returns its error.
#define KW_ASSIGN_OR_RETURN(lhs, expr)                                         \
  KW_ASSIGN_OR_RETURN_IMPL_(KW_STATUS_CONCAT_(kw_statusor_, __COUNTER__), lhs, \
                            expr)
#define KW_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return std::move(tmp).status();  \
  lhs = std::move(tmp).value()

#endif  // KEYWARD_STATUS_H_
