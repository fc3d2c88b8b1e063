// A minimal AWS STS client (query protocol: POST form-urlencoded
// "Action=...&Version=2011-06-15", XML responses, SigV4 for service "sts"):
// AssumeRole for role_arn profiles and GetCallerIdentity for `keyward whoami`.
//
// Requests go through the one AWS call loop (src/aws/service_call.h): SigV4,
// standard-mode retries with quota, clock-skew correction.
// Errors (both calls) map in one place (MapStsError):
//   PERMISSION_DENIED   AccessDenied (AssumeRole: the role's trust policy or
//                       the caller's sts:AssumeRole permission)
//   UNAUTHENTICATED     InvalidClientTokenId, SignatureDoesNotMatch,
//                       ExpiredToken, IncompleteSignature, ...: the SOURCE
//                       credentials are bad
//   INVALID_ARGUMENT    ValidationError (e.g. duration_seconds above the
//                       role's maximum), MalformedPolicyDocument
//   FAILED_PRECONDITION RegionDisabledException
//   RESOURCE_EXHAUSTED  throttling (after retries)
//   UNAVAILABLE / DEADLINE_EXCEEDED  5xx, network (after retries)
//   INTERNAL            malformed responses
// Messages never contain keys or tokens.
//
// Thread-safety: StsClient is safe to use from many threads.
#ifndef KEYWARD_AWS_STS_H_
#define KEYWARD_AWS_STS_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "keyward/aws/credentials.h"
#include "keyward/aws/retry.h"
#include "keyward/http/http_client.h"
#include "keyward/runtime.h"
#include "keyward/status.h"

namespace keyward::aws {

struct StsOptions {
  // Signing region and regional endpoint. Empty: the global endpoint
  // https://sts.amazonaws.com, signed for us-east-1.
  std::string region;
  // Overrides the endpoint (AWS_ENDPOINT_URL_STS, a local emulator...).
  std::string endpoint_url;
  // Default: libcurl.
  std::shared_ptr<HttpClient> http;
  // Clock, and sleep and random for the retry backoff (full jitter, base
  // 100 ms).
  Runtime runtime;
  // Total attempts for retryable errors (throttling, 5xx, network). Default 3.
  int max_attempts = 3;
  // Backoff and retry quota (AWS standard mode, as for Secrets Manager);
  // max_attempts above wins over retry.max_attempts.
  RetryOptions retry;
};

// "https://sts.{region}.amazonaws.com" (".amazonaws.com.cn" for cn-
// regions); "https://sts.amazonaws.com" for an empty region.
std::string StsEndpointFor(std::string_view region);

struct AssumeRoleRequest {
  std::string role_arn;
  std::string role_session_name;  // required by STS
  std::string external_id;        // optional
  int duration_seconds = 0;       // 0: STS default (3600)
};

struct AssumeRoleResult {
  Credentials credentials;  // expiration set; provider left empty
  std::string assumed_role_arn;
};

struct CallerIdentity {
  std::string account;
  std::string arn;
  std::string user_id;
};

class StsClient {
 public:
  // INVALID_ARGUMENT for a malformed endpoint.
  static StatusOr<std::unique_ptr<StsClient>> Create(StsOptions options);
  ~StsClient();

  StatusOr<AssumeRoleResult> AssumeRole(const Credentials& source,
                                        const AssumeRoleRequest& request);
  StatusOr<CallerIdentity> GetCallerIdentity(const Credentials& credentials);

  const std::string& endpoint() const;

 private:
  struct Impl;
  explicit StsClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Maps an STS error response (HTTP status, <Code>, <Message>) for
// `operation` to a Status (see the table above). Exposed for tests.
Status MapStsError(int http_status, std::string_view code,
                   std::string_view message, std::string_view operation);

// The text of the first <tag>...</tag> element in `xml`, XML entities
// decoded, into a wiping buffer; nullopt when absent. Exposed for tests.
std::optional<SecureString> XmlText(std::string_view xml, std::string_view tag);

}  // namespace keyward::aws

#endif  // KEYWARD_AWS_STS_H_
