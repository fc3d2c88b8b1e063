// The cache's refresh decisions, without threads, clocks or a store.
#include "config/refresh_policy.h"

#include <gtest/gtest.h>

namespace keyward::internal {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

const Clock::time_point kT0{seconds(1700000000)};

SecretCacheOptions Options() {
  SecretCacheOptions o;
  o.ttl = seconds(3600);
  o.refresh_ahead = seconds(300);
  o.ttl_jitter = 0.1;
  o.max_staleness = seconds(24 * 3600);
  o.initial_backoff = milliseconds(1000);
  o.max_backoff = milliseconds(300000);
  return o;
}

TEST(RefreshPolicyTest, BackoffDoublesPerFailureWithJitterAndACap) {
  SecretCacheOptions o = Options();
  EXPECT_EQ(Backoff(1, o, 0.0), milliseconds(500));
  EXPECT_EQ(Backoff(1, o, 0.5), milliseconds(750));
  EXPECT_EQ(Backoff(2, o, 0.5), milliseconds(1500));
  EXPECT_EQ(Backoff(3, o, 0.5), milliseconds(3000));
  EXPECT_EQ(Backoff(30, o, 0.5), milliseconds(225000));  // capped, 0.75x
  EXPECT_LT(Backoff(30, o, 0.999999), milliseconds(300000) + milliseconds(1));
}

TEST(RefreshPolicyTest, SuccessRefreshesAheadOfExpiryMinusJitter) {
  SecretCacheOptions o = Options();
  SuccessSchedule s = ScheduleOnSuccess(kT0, o, 0.0);
  EXPECT_EQ(s.expires_at, kT0 + hours(1));
  EXPECT_EQ(s.next_refresh, kT0 + seconds(3300));
  // Full jitter: 10% of the TTL (360 s) earlier.
  EXPECT_EQ(ScheduleOnSuccess(kT0, o, 1.0).next_refresh, kT0 + seconds(2940));
  // refresh_ahead beyond the TTL still refreshes after a tenth of it.
  o.refresh_ahead = seconds(7200);
  EXPECT_EQ(ScheduleOnSuccess(kT0, o, 0.0).next_refresh, kT0 + seconds(360));
}

TEST(RefreshPolicyTest, FailureWithoutAValuePublishesTheError) {
  RefreshState s;
  EXPECT_EQ(DecideOnFailure(s, UnavailableError("down"), false, kT0, Options()),
            FailureView::kNoValue);
  EXPECT_EQ(DecideOnFailure(s, NotFoundError("gone"), false, kT0, Options()),
            FailureView::kNoValue);
}

TEST(RefreshPolicyTest, TransientFailuresServeTheLastValueUntilMaxStaleness) {
  RefreshState s{true, true, kT0, kT0 + hours(1), 3};
  Status down = UnavailableError("endpoint unreachable");
  EXPECT_EQ(DecideOnFailure(s, down, false, kT0 + hours(23), Options()),
            FailureView::kKeepServing);
  EXPECT_EQ(DecideOnFailure(s, down, false, kT0 + hours(24), Options()),
            FailureView::kKeepServing);  // exactly max_staleness: still fine
  EXPECT_EQ(
      DecideOnFailure(s, down, false, kT0 + hours(24) + seconds(1), Options()),
      FailureView::kStale);
  // A value that failed validation counts like a transient error.
  EXPECT_EQ(DecideOnFailure(s, InvalidArgumentError("not JSON"), true,
                            kT0 + hours(2), Options()),
            FailureView::kKeepServing);
}

TEST(RefreshPolicyTest, PermanentFailuresWithholdTheValueOnceItExpires) {
  RefreshState s{true, true, kT0, kT0 + hours(1), 1};
  Status denied = PermissionDeniedError("AccessDeniedException");
  EXPECT_EQ(DecideOnFailure(s, denied, false, kT0 + seconds(3599), Options()),
            FailureView::kKeepServing);
  EXPECT_EQ(DecideOnFailure(s, denied, false, kT0 + hours(1), Options()),
            FailureView::kExpiredError);
}

TEST(RefreshPolicyTest, TransientErrorsAreTheRetryableOnes) {
  EXPECT_TRUE(IsTransient(UnavailableError("x")));
  EXPECT_TRUE(IsTransient(DeadlineExceededError("x")));
  EXPECT_TRUE(IsTransient(InternalError("x")));
  EXPECT_FALSE(IsTransient(NotFoundError("x")));
  EXPECT_FALSE(IsTransient(PermissionDeniedError("x")));
  EXPECT_FALSE(IsTransient(InvalidArgumentError("x")));
}

}  // namespace
}  // namespace keyward::internal
