// ResolveClientConfig: a Secrets Manager client configuration from the one
// AWS resolver (keyward/aws/resolver.h).
#include "keyward/aws/resolver.h"
#include "keyward/secrets/client.h"

namespace keyward::secrets {

StatusOr<ClientConfig> ResolveClientConfig(const Runtime& rt,
                                           const ClientOverrides& overrides) {
  const Environment& env = *rt.env;
  aws::AwsConfigOptions options;
  options.profile = overrides.profile;
  options.region = overrides.region;
  options.endpoint_url = overrides.endpoint_url;
  options.region_option = overrides.region_option;
  options.chain.runtime = rt;
  KW_ASSIGN_OR_RETURN(aws::AwsConfig aws, aws::ResolveAwsConfig(options));
  KW_RETURN_IF_ERROR(aws::RequireRegion(aws, options));

  ClientConfig config;
  config.runtime = rt;
  config.region = aws.region;
  config.endpoint_url = aws.endpoint_url;
  if (!aws.profile.ca_bundle.empty())
    config.http_options.ca_bundle = aws.profile.ca_bundle;
  if (aws.profile.max_attempts > 0)
    config.retry.max_attempts = aws.profile.max_attempts;
  if (auto v = env.Get("AWS_MAX_ATTEMPTS"); v && !v->empty()) {
    int n = std::atoi(v->c_str());
    if (n < 1)
      return InvalidArgumentError(
          "AWS_MAX_ATTEMPTS must be a positive integer");
    config.retry.max_attempts = n;
  }
  config.credentials = std::move(aws.credentials);
  return config;
}

}  // namespace keyward::secrets
