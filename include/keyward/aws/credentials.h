// AWS credentials and the provider interface.
//
// Credentials hold the secret access key and session token as SecretValue
// (never printed, wiped on destruction). A CredentialsProvider returns the
// current credentials; providers are composed (chain, cache) in
// keyward/aws/credential_chain.h.
//
// Thread-safety: providers are safe to call concurrently.
#ifndef KEYWARD_AWS_CREDENTIALS_H_
#define KEYWARD_AWS_CREDENTIALS_H_

#include <memory>
#include <optional>
#include <string>

#include "keyward/env.h"
#include "keyward/secret_value.h"
#include "keyward/status.h"

namespace keyward::aws {

struct Credentials {
  std::string access_key_id;
  SecretValue secret_access_key;
  SecretValue session_token;  // empty for long-term keys
  // Set for temporary credentials.
  std::optional<Clock::time_point> expiration;
  // Where they came from, for `keyward whoami` and errors: "environment",
  // "static", "shared-credentials-file (profile app)", ...
  std::string provider;

  friend bool operator==(const Credentials&, const Credentials&) = default;
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Returns credentials, NOT_FOUND when this provider has none (a chain then
  // asks the next one), or another error when it found something broken.
  virtual StatusOr<Credentials> Get() = 0;
  // The same, without copying the credentials: the caching provider returns
  // its cached object (no allocation). The default wraps Get().
  virtual StatusOr<std::shared_ptr<const Credentials>> GetShared();
};

// Always returns the given credentials.
std::unique_ptr<CredentialsProvider> NewStaticCredentialsProvider(
    Credentials creds);

// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN (and the
// legacy AWS_ACCESS_KEY / AWS_SECRET_KEY). NOT_FOUND when neither is set;
// INVALID_ARGUMENT when only one half of the key pair is set.
std::unique_ptr<CredentialsProvider> NewEnvironmentCredentialsProvider(
    const Environment& env);

}  // namespace keyward::aws

#endif  // KEYWARD_AWS_CREDENTIALS_H_
