// RequestAuthenticator: SigV4 verification of requests to `keyward server`
// against the access keys of an AWS shared-credentials file, with AWS's
// error types for each failure:
//
//   no Authorization header          MissingAuthenticationTokenException
//   malformed header / no X-Amz-Date IncompleteSignatureException
//   unknown access key id / token    UnrecognizedClientException
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

#include "keyward/env.h"
#include "keyward/http/http_client.h"
#include "keyward/secret_value.h"
#include "keyward/server/policy.h"
#include "keyward/status.h"

namespace keyward::server {

struct AccessKey {
  std::string access_key_id;
  SecretValue secret_access_key;
  SecretValue session_token;  // empty: requests must not carry one
  std::string profile;        // the section it came from
  std::optional<IamPolicy> policy;
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
  const Clock* clock = nullptr;  // default: real
};

// A verified request: the key it was signed with and the region of its
// SigV4 credential scope (the region the request is for).
struct VerifiedRequest {
  const AccessKey* key = nullptr;
  std::string region;
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
  // carry the AWS error type.
  StatusOr<VerifiedRequest> Verify(const HttpRequest& request) const;

 private:
  std::map<std::string, AccessKey, std::less<>> keys_;
  AuthOptions options_;
};

}  // namespace keyward::server

#endif  // KEYWARD_SERVER_AUTH_H_
