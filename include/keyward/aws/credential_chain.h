// The default AWS credential provider chain and profile settings, as the AWS
// SDKs and CLI resolve them on an on-premises server:
//   environment variables -> shared credentials/config files for the
//   selected profile (static keys, credential_process, role_arn with
//   source_profile / credential_source) ...
//
// Thread-safety: the returned providers are safe to call concurrently.
#ifndef KEYWARD_AWS_CREDENTIAL_CHAIN_H_
#define KEYWARD_AWS_CREDENTIAL_CHAIN_H_

#include <memory>
#include <string>

#include "keyward/aws/credentials.h"
#include "keyward/env.h"
#include "keyward/http/http_client.h"

namespace keyward::aws {

struct ChainOptions {
  // Empty: AWS_PROFILE, else "default".
  std::string profile;
  const Environment* env = nullptr;  // default: real
  const FileSystem* fs = nullptr;    // default: real
  const Clock* clock = nullptr;      // default: real
  // For STS calls (AssumeRole). Default: libcurl.
  std::shared_ptr<HttpClient> http;
};

// Settings of the selected profile that affect the client (empty / 0 when
// unset).
struct ProfileSettings {
  std::string profile;  // the profile name in effect
  std::string region;
  std::string endpoint_url;
  std::string ca_bundle;
  std::string retry_mode;
  int max_attempts = 0;
};

// Reads the selected profile's settings from the config file. A missing file
// or profile yields empty settings (an explicitly selected profile that
// exists nowhere is NOT_FOUND). Malformed files: INVALID_ARGUMENT with
// file:line.
StatusOr<ProfileSettings> ResolveProfileSettings(const ChainOptions& options);

// The default chain. Errors only for unusable configuration detected up
// front; credential lookup errors surface from Get().
StatusOr<std::shared_ptr<CredentialsProvider>> NewDefaultCredentialsChain(
    const ChainOptions& options);

}  // namespace keyward::aws

#endif  // KEYWARD_AWS_CREDENTIAL_CHAIN_H_
