// RequestAuthenticator: SigV4 verification of requests to `keyward server`
// against the access keys of an AWS shared-credentials file, with AWS's
// error types for each failure:
//
//   no Authorization header          MissingAuthenticationTokenException
//   malformed header / no X-Amz-Date IncompleteSignatureException
//   unknown access key id / token    UnrecognizedClientException
//   expired STS session token        ExpiredTokenException
//   wrong scope, date out of the     InvalidSignatureException
//   +-15 min window, bad signature
//
// Each access key may carry an IamPolicy (see policy.h); with none, the key
// may do everything.
//
// Thread-safety: immutable after construction; Verify is safe concurrently.
#ifndef KEYWARD_SERVER_AUTH_H_
#define KEYWARD_SERVER_AUTH_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "keyward/aws/sigv4.h"
#include "keyward/env.h"
#include "keyward/http/http_client.h"
#include "keyward/runtime.h"
#include "keyward/secret_value.h"
#include "keyward/server/policy.h"
#include "keyward/server/principals.h"
#include "keyward/status.h"

namespace keyward::server {

// The characters of generated access key ids (after "AKIA"/"ASIA", 16 of
// them: AWS's base32) and of generated secret access keys (40 of them).
inline constexpr std::string_view kAccessKeyIdAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
inline constexpr std::string_view kSecretKeyAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

struct AccessKey {
  std::string access_key_id;
  SecretValue secret_access_key;
  SecretValue session_token;  // empty: requests must not carry one
  std::string profile;        // the section it came from
  std::optional<IamPolicy> policy;
  // The principal's ARN. Empty for a credentials file's keys (STS reports
  // arn:aws:iam::ACCOUNT:user/PROFILE); for an STS session
  // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION.
  std::string arn;
  std::string user_id;   // STS sessions: ROLE_ID:SESSION; else derived
  std::string role_arn;  // STS sessions: the role they act as
  // Who signs with this key (principals.h), for policy evaluation (resource
  // policies' Principal, aws:PrincipalArn, aws:PrincipalTag/...). Null: the
  // server names the caller arn:aws:iam::ACCOUNT:user/<access key id>.
  std::shared_ptr<const Principal> principal;
};

// Temporary (STS session) keys, which are not in any file: given an access
// key id the authenticator does not know and the request's session token,
// returns the key to verify the signature with. UNAUTHENTICATED with error
// type UnrecognizedClientException for an unknown or modified token,
// ExpiredTokenException for an expired one. Implemented by StsService.
class SessionKeys {
 public:
  virtual ~SessionKeys() = default;
  virtual StatusOr<std::shared_ptr<const AccessKey>> SessionKey(
      std::string_view access_key_id, std::string_view token) const = 0;
};

// The key pairs of a shared-credentials file's text: every section with both
// aws_access_key_id and aws_secret_access_key. INVALID_ARGUMENT
// "path:line: ..." for malformed files or a section with only half a pair.
StatusOr<std::vector<AccessKey>> ParseCredentialsFile(std::string_view text,
                                                      std::string_view path);

struct AuthOptions {
  // The regions requests may be signed for. Empty: every region of the aws
  // partition (as AWS has them: us-, eu-, ap-, sa-, ca-, me-, af-, il-, mx-
  // followed by a name and a number, e.g. eu-central-1).
  std::vector<std::string> regions;
  std::string service = "secretsmanager";
  // Allowed difference between X-Amz-Date and the server clock.
  std::chrono::minutes max_skew{15};
  // The clock requests are checked against. Default: the real OS.
  Runtime runtime;
  // Resolves access key ids not in the credentials file (null: none).
  const SessionKeys* sessions = nullptr;
};

// A verified request: the key it was signed with and the region of its
// SigV4 credential scope (the region the request is for).
struct VerifiedRequest {
  const AccessKey* key = nullptr;
  std::string region;
  std::shared_ptr<const AccessKey> session;  // owns `key` for STS sessions
  const AccessKey* operator->() const { return key; }
};

// True for a region name of the aws partition (botocore's regionRegex for
// it: ^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$).
bool IsPartitionRegion(std::string_view region);

class RequestAuthenticator {
 public:
  RequestAuthenticator(std::vector<AccessKey> keys, AuthOptions options);

  // Verifies `request` (url "http://host/path?query", all received headers,
  // the body). Returns the matching key and the request's region; errors
  // carry the AWS error type. `service` is the SigV4 credential scope's
  // service the request must be signed for (empty: AuthOptions::service).
  StatusOr<VerifiedRequest> Verify(const HttpRequest& request,
                                   std::string_view service = {}) const;

 private:
  // The credentials file's key, else an STS session's (owned by *session).
  StatusOr<const AccessKey*> FindKey(
      std::string_view access_key_id, std::optional<std::string_view> token,
      std::shared_ptr<const AccessKey>* session) const;

  std::map<std::string, AccessKey, std::less<>> keys_;
  AuthOptions options_;
  // Signing keys derived once per key, day, region and service, in
  // kKeyCaches caches chosen by the access key id: each holds a few keys, so
  // a server with many principals (one per application) neither re-derives
  // keys that a small cache would evict nor serializes every verification
  // on one mutex.
  static constexpr std::size_t kKeyCaches = 64;
  aws::SigningKeyCache& KeyCacheFor(std::string_view access_key_id) const;
  std::unique_ptr<aws::SigningKeyCache[]> key_caches_ =
      std::make_unique<aws::SigningKeyCache[]>(kKeyCaches);
};

}  // namespace keyward::server

#endif  // KEYWARD_SERVER_AUTH_H_
