// The Secret Config Module cache's refresh decisions as pure functions of
// the entry's state, the outcome, the time and the options: when to refresh
// next, and what readers see after a failed refresh. SecretCache::Impl
// applies them under the entry's lock (publishing, logging and listeners
// stay there); tests/config/refresh_policy_test.cc covers them without
// threads or clocks.
#ifndef KEYWARD_SRC_CONFIG_REFRESH_POLICY_H_
#define KEYWARD_SRC_CONFIG_REFRESH_POLICY_H_

#include "keyward/env.h"
#include "keyward/secret_cache.h"
#include "keyward/status.h"

namespace keyward::internal {

// What the cache knew about an entry before the refresh.
struct RefreshState {
  bool has_value = false;    // a value is published
  bool has_success = false;  // a fetch or verify ever succeeded
  Clock::time_point last_success{};
  Clock::time_point expires_at{};
  int failures = 0;  // consecutive failures, this one included
};

// Errors after which the last good value keeps being served.
bool IsTransient(const Status& s);

// Delay before retry number `failures` (1-based): initial_backoff doubled
// per failure, capped at max_backoff, times a jitter factor in [0.5, 1)
// (`random` in [0, 1)).
Clock::duration Backoff(int failures, const SecretCacheOptions& o,
                        double random);

// After a successful fetch or verify at `now`.
struct SuccessSchedule {
  Clock::time_point expires_at;    // now + ttl
  Clock::time_point next_refresh;  // refresh_ahead (+ jitter) before expiry
};
SuccessSchedule ScheduleOnSuccess(Clock::time_point now,
                                  const SecretCacheOptions& o, double random);

// What readers see after a failed refresh.
enum class FailureView {
  kNoValue,       // nothing was ever published: publish the error
  kKeepServing,   // keep serving the last good value
  kStale,         // transient, but the value is older than max_staleness
  kExpiredError,  // a non-transient error and the value has expired
};
FailureView DecideOnFailure(const RefreshState& s, const Status& error,
                            bool rejected, Clock::time_point now,
                            const SecretCacheOptions& o);

}  // namespace keyward::internal

#endif  // KEYWARD_SRC_CONFIG_REFRESH_POLICY_H_
