// ResolveClientConfig: region, endpoint and credentials from flags and the
// environment, in the AWS CLI's order.
#include "keyward/aws/credential_chain.h"
#include "keyward/secrets/client.h"

namespace keyward::secrets {
namespace {

std::string FirstSet(const Environment& env,
                     std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (auto v = env.Get(n); v && !v->empty()) return *v;
  }
  return "";
}

}  // namespace

StatusOr<ClientConfig> ResolveClientConfig(const Environment& env,
                                           const ClientOverrides& overrides,
                                           const FileSystem& fs) {
  aws::ChainOptions chain_options;
  chain_options.profile = overrides.profile;
  chain_options.region = overrides.region;
  chain_options.env = &env;
  chain_options.fs = &fs;
  KW_ASSIGN_OR_RETURN(aws::ProfileSettings profile,
                      aws::ResolveProfileSettings(chain_options));

  ClientConfig config;
  config.region = !overrides.region.empty() ? overrides.region
                  : !FirstSet(env, {"AWS_REGION", "AWS_DEFAULT_REGION"}).empty()
                      ? FirstSet(env, {"AWS_REGION", "AWS_DEFAULT_REGION"})
                      : profile.region;
  config.endpoint_url = !overrides.endpoint_url.empty()
                            ? overrides.endpoint_url
                            : profile.ConfiguredEndpoint(env, "SECRETS_MANAGER",
                                                         "secrets_manager");
  if (!profile.ca_bundle.empty())
    config.http_options.ca_bundle = profile.ca_bundle;
  if (profile.max_attempts > 0)
    config.retry.max_attempts = profile.max_attempts;
  if (auto v = env.Get("AWS_MAX_ATTEMPTS"); v && !v->empty()) {
    int n = std::atoi(v->c_str());
    if (n < 1)
      return InvalidArgumentError(
          "AWS_MAX_ATTEMPTS must be a positive integer");
    config.retry.max_attempts = n;
  }
  KW_ASSIGN_OR_RETURN(config.credentials,
                      aws::NewDefaultCredentialsChain(chain_options));
  return config;
}

}  // namespace keyward::secrets
