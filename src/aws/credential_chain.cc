// The default credential chain. This first version resolves environment
// credentials and the AWS_PROFILE name only; shared files, credential_process
// and AssumeRole arrive with the access-layer work (see issue 3).
#include "keyward/aws/credential_chain.h"

namespace keyward::aws {

StatusOr<ProfileSettings> ResolveProfileSettings(const ChainOptions& options) {
  const Environment& env = options.env ? *options.env : Environment::Real();
  ProfileSettings s;
  s.profile = options.profile;
  if (s.profile.empty()) s.profile = env.Get("AWS_PROFILE").value_or("");
  if (s.profile.empty()) s.profile = "default";
  return s;
}

StatusOr<std::shared_ptr<CredentialsProvider>> NewDefaultCredentialsChain(
    const ChainOptions& options) {
  const Environment& env = options.env ? *options.env : Environment::Real();
  return std::shared_ptr<CredentialsProvider>(NewEnvironmentCredentialsProvider(env));
}

}  // namespace keyward::aws
