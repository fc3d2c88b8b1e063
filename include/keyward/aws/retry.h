// AWS "standard" retry mode: the options every AWS service client of keyward
// takes (Secrets Manager, STS), and the one classifier of retryable errors.
// The loop that applies them lives in one place (src/aws/service_call.h).
#ifndef KEYWARD_AWS_RETRY_H_
#define KEYWARD_AWS_RETRY_H_

#include <chrono>

#include "keyward/status.h"

namespace keyward::aws {

struct RetryOptions {
  // Total attempts including the first. Default 3 (AWS standard mode).
  int max_attempts = 3;
  // Backoff: random in [0, min(max_backoff, base * 2^attempt)] (full jitter).
  std::chrono::milliseconds base_delay{100};
  std::chrono::milliseconds max_backoff{20000};
  // Standard mode's retry quota (token bucket shared by every call of one
  // client): a retry costs 5 tokens (10 after a timeout); a call that
  // succeeds first time returns 1, one that succeeds after retrying returns
  // its last retry's cost; with too few tokens a failure is returned without
  // retrying, so a client cannot multiply an outage's load. 0 disables it.
  int retry_quota = 500;
};

// True for errors worth retrying in AWS standard mode: throttling, 5xx,
// transient network failures and timeouts (by error type, else by code:
// UNAVAILABLE, DEADLINE_EXCEEDED). LimitExceededException is not retried.
bool IsRetryable(const Status& status);

}  // namespace keyward::aws

#endif  // KEYWARD_AWS_RETRY_H_
