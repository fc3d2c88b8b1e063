// The default AWS credential provider chain and profile settings, resolved
// the way the AWS CLI (botocore) does on an on-premises server:
//
//   1. environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
//      AWS_SESSION_TOKEN) -- skipped when a profile is given explicitly
//      (ChainOptions::profile, i.e. --profile), exactly like `aws --profile`;
//   2. the selected profile (options.profile > AWS_DEFAULT_PROFILE >
//      AWS_PROFILE > "default") in the shared files (AWS_CONFIG_FILE, default
//      ~/.aws/config, sections "[profile name]" / "[default]";
//      AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials, sections
//      "[name]"), in botocore's order:
//        a. role_arn with source_profile or credential_source = Environment:
//           STS AssumeRole with the source credentials (chains allowed,
//           loops rejected);
//        b. aws_access_key_id / aws_secret_access_key (/ aws_session_token)
//           in the credentials file;
//        c. credential_process (how IAM Roles Anywhere's aws_signing_helper
//           delivers credentials; see docs/credentials.md);
//        d. aws_access_key_id / ... in the config file.
//      For every other setting the credentials file's value wins over the
//      config file's for the same profile (botocore's full_config).
//
// A step that finds nothing passes on (NOT_FOUND); a step that finds
// something broken stops the chain with an error naming "file:line: profile
// 'p': ..." and never a secret. NewDefaultCredentialsChain caches what the
// chain returns and refreshes it ahead of expiry (caching_provider.h); the
// files are re-read when they change.
//
// Thread-safety: the returned providers are safe to call concurrently.
#ifndef KEYWARD_AWS_CREDENTIAL_CHAIN_H_
#define KEYWARD_AWS_CREDENTIAL_CHAIN_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "keyward/aws/caching_provider.h"
#include "keyward/aws/credentials.h"
#include "keyward/http/http_client.h"
#include "keyward/runtime.h"

namespace keyward::aws {

struct ChainOptions {
  // Explicit profile (--profile). Empty: AWS_DEFAULT_PROFILE, AWS_PROFILE,
  // else "default". An explicit profile disables environment credentials.
  std::string profile;
  // Explicit region (--region) for STS calls. Empty: AWS_REGION,
  // AWS_DEFAULT_REGION, then the profile's region.
  std::string region;
  // Environment, files, clock, the credential_process runner, and the log
  // for one-line warnings (e.g. a credentials file readable by group/others;
  // each file is warned about once per process).
  Runtime runtime;
  // For STS calls (AssumeRole). Default: libcurl.
  std::shared_ptr<HttpClient> http;
  // Time limit for one credential_process run. Default 60 s.
  std::chrono::milliseconds process_timeout{60000};
  // Refresh timing of NewDefaultCredentialsChain's cache (its runtime is
  // this struct's).
  CachingOptions caching;
};

// Settings of the selected profile that affect the client (empty / 0 when
// unset).
struct ProfileSettings {
  std::string profile;  // the profile name in effect
  // Where it came from: "--profile", "AWS_PROFILE", "AWS_DEFAULT_PROFILE" or
  // "default".
  std::string profile_source;
  std::string config_file;  // paths after ~ / $VAR expansion
  std::string credentials_file;
  std::string region;
  std::string endpoint_url;
  std::string ca_bundle;
  std::string retry_mode;  // "", "legacy", "standard" or "adaptive"
  int max_attempts = 0;
  // Service-specific endpoints from the profile's `services = NAME` and the
  // config file's "[services NAME]" section, by service identifier
  // ("secrets_manager", "sts"), e.g.
  //   [services local]
  //   secrets_manager =
  //     endpoint_url = http://127.0.0.1:4585
  std::map<std::string, std::string> service_endpoints;
  // AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true (or the profile's
  // ignore_configured_endpoint_urls = true): every configured endpoint
  // (environment, services section, profile endpoint_url) is ignored; only
  // an explicit --endpoint-url still applies.
  bool ignore_configured_endpoint_urls = false;

  // The configured endpoint for a service: AWS_ENDPOINT_URL_<SERVICE_ID> >
  // AWS_ENDPOINT_URL > the services section > the profile's endpoint_url;
  // "" when none (or when configured endpoints are ignored).
  // `env_suffix` is e.g. "SECRETS_MANAGER", `service_id` "secrets_manager".
  // When `source` is given it receives where the endpoint came from
  // ("AWS_ENDPOINT_URL_<SERVICE_ID>", "AWS_ENDPOINT_URL", "services
  // section", "profile endpoint_url" or "").
  std::string ConfiguredEndpoint(const Environment& env,
                                 std::string_view env_suffix,
                                 std::string_view service_id,
                                 std::string* source = nullptr) const;
};

// botocore's rule for a region name: letters, digits and '-', 1-63
// characters, not starting or ending with '-' ("eu-west-1"; not
// "eu-west-1 # prod", which an INI file yields for an inline comment).
bool IsValidRegionName(std::string_view region);

// Reads the selected profile's settings from the shared files. A missing file
// or a missing "default" profile yields empty settings; a profile selected
// by name (--profile / AWS_PROFILE) that exists in neither file is NOT_FOUND.
// Malformed files or values: INVALID_ARGUMENT "file:line: ...".
StatusOr<ProfileSettings> ResolveProfileSettings(const ChainOptions& options);

// The STS endpoint the chain uses: AWS_ENDPOINT_URL_STS > AWS_ENDPOINT_URL >
// the services section's sts endpoint_url > the profile's endpoint_url > the
// regional endpoint for `region` (see ProfileSettings::ConfiguredEndpoint).
std::string ResolveStsEndpoint(const Environment& env,
                               const ProfileSettings& settings,
                               std::string_view region);

// The chain without a cache: every Get() walks it (re-reading changed files,
// re-running credential_process, calling STS). For tests and tools.
std::shared_ptr<CredentialsProvider> NewUncachedCredentialsChain(
    const ChainOptions& options);

// The default chain: NewUncachedCredentialsChain behind a caching provider.
// Errors only for unusable configuration detected up front; credential
// lookup errors surface from Get().
StatusOr<std::shared_ptr<CredentialsProvider>> NewDefaultCredentialsChain(
    const ChainOptions& options);

}  // namespace keyward::aws

#endif  // KEYWARD_AWS_CREDENTIAL_CHAIN_H_
