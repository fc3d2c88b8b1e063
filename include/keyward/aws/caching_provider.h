// A caching decorator for any CredentialsProvider, with refresh ahead of
// expiry in the background.
//
// For credentials with an expiration (STS, credential_process):
//   more than `prefetch` left     cached credentials, no other work (fast
//                                 path: one atomic load and a clock read)
//   between `stale` and `prefetch` cached credentials; one background refresh
//                                 is started (at most one at a time; after a
//                                 failure, the next try waits `retry_delay`)
//   less than `stale` left        the caller blocks on a refresh; concurrent
//                                 callers share that one refresh
// If a blocking refresh fails, the old credentials are still returned while
// more than `expiry_margin` remains; otherwise the error is. Credentials
// past expiration - expiry_margin are never returned.
// Credentials without an expiration (static keys in a file) are re-fetched in
// the background every `recheck_interval`, so a rewritten credentials file is
// picked up (the file providers re-read a file only when it changed).
//
// Thread-safety: safe to call concurrently. A background refresh holds a
// reference to the provider while it runs (the clock passed in must outlive
// it); one that is queued but not started when the provider goes away does
// nothing.
#ifndef KEYWARD_AWS_CACHING_PROVIDER_H_
#define KEYWARD_AWS_CACHING_PROVIDER_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "keyward/aws/credentials.h"
#include "keyward/runtime.h"

namespace keyward::aws {

struct CachingOptions {
  // Clock, and the log that receives one-line warnings (a failed refresh
  // while old credentials are still served).
  Runtime runtime;
  // Background refresh starts this long before expiry. Default 5 min (the
  // Java SDK's prefetch time).
  Clock::duration prefetch = std::chrono::minutes(5);
  // Callers block on a refresh from this long before expiry. Default 1 min.
  Clock::duration stale = std::chrono::minutes(1);
  // Never hand out credentials with less than this left. Default 10 s.
  Clock::duration expiry_margin = std::chrono::seconds(10);
  // Non-expiring credentials are re-fetched (in the background) this often.
  // Default 60 s.
  Clock::duration recheck_interval = std::chrono::seconds(60);
  // After a failed background refresh, wait this long before the next one.
  // Default 30 s.
  Clock::duration retry_delay = std::chrono::seconds(30);
  // Runs a background refresh. Default: the provider's own worker thread.
  // Tests pass a function that queues the task and run it when they like.
  std::function<void(std::function<void()>)> run_in_background;
};

// Wraps `inner`. The first Get() fetches synchronously.
std::shared_ptr<CredentialsProvider> NewCachingCredentialsProvider(
    std::shared_ptr<CredentialsProvider> inner, CachingOptions options = {});

}  // namespace keyward::aws

#endif  // KEYWARD_AWS_CACHING_PROVIDER_H_
