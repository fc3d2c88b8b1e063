// The one resolver for "which AWS identity, region and endpoint": every
// entry point (the keyward CLI, the Secret Config Module, migrate, the
// agent) calls ResolveAwsConfig, so an operator's command and an
// application started from the same environment act as the same principal.
//
// Precedence (botocore's, i.e. the AWS CLI's; docs/credentials.md):
//   profile:     explicit (--profile / option) > AWS_DEFAULT_PROFILE >
//                AWS_PROFILE > "default"
//   credentials: explicit profile -> that profile ONLY (environment keys are
//                ignored, like `aws --profile`); otherwise AWS_ACCESS_KEY_ID /
//                AWS_SECRET_ACCESS_KEY first, then the selected profile (an
//                incomplete profile is never consulted when environment keys
//                are set). A profile named by AWS_PROFILE that does not
//                exist at all is still an error, as in botocore.
//   region:      explicit (--region) > AWS_REGION > AWS_DEFAULT_REGION >
//                the profile's region (AWS_REGION as in AWS CLI v2 and the
//                SDKs; botocore alone reads only AWS_DEFAULT_REGION)
//   endpoint:    explicit (--endpoint-url) > AWS_ENDPOINT_URL_SECRETS_MANAGER
//                > AWS_ENDPOINT_URL > the profile's services section > the
//                profile's endpoint_url > the regional endpoint; every
//                configured (non-explicit) endpoint is ignored under
//                AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true.
//
// Thread-safety: ResolveAwsConfig is a pure function of its options (it
// reads the environment and the shared files); the returned provider is
// safe to call concurrently.
#ifndef KEYWARD_AWS_RESOLVER_H_
#define KEYWARD_AWS_RESOLVER_H_

#include <memory>
#include <string>

#include "keyward/aws/credential_chain.h"

namespace keyward::aws {

struct AwsConfigOptions {
  // Explicit settings (CLI flags, library options). Each one, when not
  // empty, beats every other source. An explicit profile also disables the
  // environment's access keys.
  std::string profile;
  std::string region;
  std::string endpoint_url;  // Secrets Manager endpoint
  // Seams and chain tuning (env, fs, clock, http, process runner, warn,
  // caching). Its `profile` and `region` fields are ignored: the two above
  // are used.
  ChainOptions chain;
  // How the caller's user sets a region, for the "no region" error:
  // "--region" for the CLI; e.g. "SecretConfigOptions.aws.region" for the
  // library. Default: "--region".
  std::string region_option = "--region";
};

struct AwsConfig {
  // The selected profile's settings (profile name and where it came from,
  // files, ca_bundle, retry settings, endpoints).
  ProfileSettings profile;
  std::string region;
  // "--region" (the explicit option), "AWS_REGION", "AWS_DEFAULT_REGION",
  // "profile NAME" or "" when no region was found.
  std::string region_source;
  // The Secrets Manager endpoint: explicit or configured; empty means the
  // regional endpoint https://secretsmanager.REGION.amazonaws.com.
  std::string endpoint_url;
  // "--endpoint-url", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL",
  // "services section", "profile endpoint_url" or "" (regional).
  std::string endpoint_source;
  // STS endpoint for this region (configured or regional).
  std::string sts_endpoint_url;
  // The credential chain for this selection (cached; nothing is looked up
  // until Get()).
  std::shared_ptr<CredentialsProvider> credentials;
};

// Resolves profile, region, endpoints and the credential chain.
// NOT_FOUND when an explicitly selected profile (option, AWS_PROFILE,
// AWS_DEFAULT_PROFILE) exists in neither shared file; INVALID_ARGUMENT
// "file:line: ..." for malformed files or settings, and for a region that
// is not an AWS region name (with a hint, e.g. "us-east1" -> "us-east-1").
// A missing region is NOT an error here (RequireRegion says how to set
// one); missing credentials surface from credentials->Get().
StatusOr<AwsConfig> ResolveAwsConfig(const AwsConfigOptions& options);

// OK when config.region is set; else INVALID_ARGUMENT naming how to set a
// region for this caller (options.region_option, AWS_REGION,
// AWS_DEFAULT_REGION, the profile's `region`).
Status RequireRegion(const AwsConfig& config, const AwsConfigOptions& options);

// A region typed by a person is checked before any request: AWS region
// names look like "us-east-1", "eu-central-2", "us-gov-west-1",
// "cn-north-1" (two letters, words, a number, joined by '-'; lowercase).
// OK, or INVALID_ARGUMENT "'us-east1' is not an AWS region name (from
// SOURCE); did you mean 'us-east-1'?".
Status CheckRegionName(std::string_view region, std::string_view source);

}  // namespace keyward::aws

#endif  // KEYWARD_AWS_RESOLVER_H_
