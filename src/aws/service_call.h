// ServiceCaller: the one AWS request loop of keyward. Every service client
// (Secrets Manager over JSON 1.1, STS over the query protocol) is a thin codec
// that builds an HttpRequest and decodes bodies; this component signs (SigV4,
// signing key cached), sends, classifies failures, corrects a skewed clock
// once per call from the server's Date header, and retries in AWS standard
// mode (full-jitter backoff, retry quota).
//
// Thread-safety: Call may run concurrently from many threads; the skew and
// the retry quota are shared atomics.
#ifndef KEYWARD_SRC_AWS_SERVICE_CALL_H_
#define KEYWARD_SRC_AWS_SERVICE_CALL_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "keyward/aws/credentials.h"
#include "keyward/aws/retry.h"
#include "keyward/aws/sigv4.h"
#include "keyward/http/http_client.h"
#include "keyward/runtime.h"
#include "keyward/status.h"

namespace keyward::aws {

struct ServiceCallOptions {
  std::string service;  // SigV4 signing name: "secretsmanager", "sts"
  std::string region;   // SigV4 signing region
  std::shared_ptr<HttpClient> http;  // required
  // Clock (signing, skew), sleep and random (backoff with full jitter).
  Runtime runtime;
  RetryOptions retry;
  // Sent unsigned, as the SDKs do (proxies rewrite it; botocore-based
  // verifiers ignore it).
  std::string user_agent;
};

// Credentials for one attempt (providers refresh between attempts).
using CredentialSource =
    std::function<StatusOr<std::shared_ptr<const Credentials>>()>;
// Turns a non-2xx response into a Status whose error_type() is the AWS error
// type (the protocol's error codec).
using ErrorDecoder = std::function<Status(const HttpResponse&)>;
using RetryClassifier = std::function<bool(const Status&)>;

class ServiceCaller {
 public:
  explicit ServiceCaller(ServiceCallOptions options);

  // Sends `request` until it succeeds or the retry policy gives up. Returns
  // the body of a 2xx response; otherwise the last error: the decoder's
  // Status for an error response, the transport's Status (with `context`
  // prepended) for a network failure, the credential source's Status when it
  // fails, or the last error with "(not retried: … retry quota …)" appended
  // when the quota is exhausted. `retryable` defaults to IsRetryable.
  StatusOr<SecureString> Call(const HttpRequest& request,
                              const CredentialSource& credentials,
                              const ErrorDecoder& decode,
                              std::string_view context,
                              const RetryClassifier& retryable = nullptr);

  const ServiceCallOptions& options() const { return options_; }

 private:
  StatusOr<HttpResponse> Attempt(const HttpRequest& base,
                                 const Credentials& creds);
  bool LearnSkew(const HttpResponse& resp, const Status& error);
  bool AcquireRetry(int cost);
  void ReleaseRetry(int amount);
  void Sleep(std::chrono::milliseconds d);

  ServiceCallOptions options_;
  SigningKeyCache key_cache_;
  std::atomic<std::int64_t> skew_ms_{0};
  std::atomic<int> retry_tokens_{0};
};

// Parses an HTTP Date header ("Sun, 30 Nov 2026 18:00:00 GMT"); false in
// `*ok` when it is not one.
Clock::time_point ParseHttpDate(std::string_view s, bool* ok);

// A uniform random number in [0, 1) from a thread-local PRNG (jitter only).
double JitterRandom();

}  // namespace keyward::aws

#endif  // KEYWARD_SRC_AWS_SERVICE_CALL_H_
