#include "config/refresh_policy.h"

#include <algorithm>
#include <chrono>

#include "keyward/secrets/errors.h"

namespace keyward::internal {

bool IsTransient(const Status& s) {
  switch (s.code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kResourceExhausted:
    case StatusCode::kInternal:
    case StatusCode::kUnknown:
    case StatusCode::kAborted:
      return true;
    default:
      return secrets::IsRetryable(s);
  }
}

Clock::duration Backoff(int failures, const SecretCacheOptions& o,
                        double random) {
  double base = static_cast<double>(o.initial_backoff.count());
  for (int i = 1; i < failures && base < o.max_backoff.count(); ++i) base *= 2;
  base = std::min(base, static_cast<double>(o.max_backoff.count()));
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double, std::milli>(base * (0.5 + 0.5 * random)));
}

SuccessSchedule ScheduleOnSuccess(Clock::time_point now,
                                  const SecretCacheOptions& o, double random) {
  auto ttl = std::chrono::duration_cast<Clock::duration>(o.ttl);
  auto jitter =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
          o.ttl_jitter * random * static_cast<double>(o.ttl.count())));
  auto lead =
      std::chrono::duration_cast<Clock::duration>(o.refresh_ahead) + jitter;
  return {now + ttl, now + std::max<Clock::duration>(ttl - lead, ttl / 10)};
}

FailureView DecideOnFailure(const RefreshState& s, const Status& error,
                            bool rejected, Clock::time_point now,
                            const SecretCacheOptions& o) {
  if (!s.has_value) return FailureView::kNoValue;
  if (IsTransient(error) || rejected) {
    return s.has_success && now - s.last_success > o.max_staleness
               ? FailureView::kStale
               : FailureView::kKeepServing;
  }
  return now >= s.expires_at ? FailureView::kExpiredError
                             : FailureView::kKeepServing;
}

}  // namespace keyward::internal
