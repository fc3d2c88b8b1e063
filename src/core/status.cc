#include "keyward/status.h"

namespace keyward {

std::string_view StatusCodeToString(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kCancelled:
      return "CANCELLED";
    case StatusCode::kUnknown:
      return "UNKNOWN";
    case StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case StatusCode::kNotFound:
      return "NOT_FOUND";
    case StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case StatusCode::kAborted:
      return "ABORTED";
    case StatusCode::kOutOfRange:
      return "OUT_OF_RANGE";
    case StatusCode::kUnimplemented:
      return "UNIMPLEMENTED";
    case StatusCode::kInternal:
      return "INTERNAL";
    case StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case StatusCode::kDataLoss:
      return "DATA_LOSS";
    case StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
  }
  return "UNKNOWN";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeToString(code_));
  out += ": ";
  out += message_;
  if (!error_type_.empty()) {
    out += " [";
    out += error_type_;
    out += "]";
  }
  return out;
}

Status Status::WithContext(std::string_view prefix) const {
  if (ok()) return *this;
  std::string msg(prefix);
  msg += ": ";
  msg += message_;
  return Status(code_, std::move(msg), error_type_);
}

std::ostream& operator<<(std::ostream& os, const Status& status) {
  return os << status.ToString();
}

#define KW_DEFINE_ERROR(Name, Code)                      \
  Status Name(std::string message) {                     \
    return Status(StatusCode::Code, std::move(message)); \
  }
KW_DEFINE_ERROR(CancelledError, kCancelled)
KW_DEFINE_ERROR(UnknownError, kUnknown)
KW_DEFINE_ERROR(InvalidArgumentError, kInvalidArgument)
KW_DEFINE_ERROR(DeadlineExceededError, kDeadlineExceeded)
KW_DEFINE_ERROR(NotFoundError, kNotFound)
KW_DEFINE_ERROR(AlreadyExistsError, kAlreadyExists)
KW_DEFINE_ERROR(PermissionDeniedError, kPermissionDenied)
KW_DEFINE_ERROR(ResourceExhaustedError, kResourceExhausted)
KW_DEFINE_ERROR(FailedPreconditionError, kFailedPrecondition)
KW_DEFINE_ERROR(AbortedError, kAborted)
KW_DEFINE_ERROR(OutOfRangeError, kOutOfRange)
KW_DEFINE_ERROR(UnimplementedError, kUnimplemented)
KW_DEFINE_ERROR(InternalError, kInternal)
KW_DEFINE_ERROR(UnavailableError, kUnavailable)
KW_DEFINE_ERROR(DataLossError, kDataLoss)
KW_DEFINE_ERROR(UnauthenticatedError, kUnauthenticated)
#undef KW_DEFINE_ERROR

}  // namespace keyward
