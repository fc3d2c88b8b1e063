// A profile's settings other than credentials (region, endpoints, retries,
// the files they came from), and the endpoint and region rules built on them.
#include <cctype>
#include <cstdlib>

#include "aws/profile_files.h"
#include "core/text.h"
#include "keyward/aws/credential_chain.h"
#include "keyward/aws/sts.h"

namespace keyward::aws {

using internal::ProfileError;
using internal::ProfileFiles;
using internal::WarnTo;

bool IsValidRegionName(std::string_view region) {
  if (region.empty() || region.size() > 63) return false;
  if (region.front() == '-' || region.back() == '-') return false;
  for (char c : region) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

std::string ProfileSettings::ConfiguredEndpoint(const Environment& env,
                                                std::string_view env_suffix,
                                                std::string_view service_id,
                                                std::string* source) const {
  std::string ignored;
  std::string& from = source != nullptr ? *source : ignored;
  from.clear();
  if (ignore_configured_endpoint_urls) return "";
  std::string service_var = "AWS_ENDPOINT_URL_" + std::string(env_suffix);
  if (auto v = text::NonEmptyEnv(env, service_var)) {
    from = service_var;
    return *v;
  }
  if (auto v = text::NonEmptyEnv(env, "AWS_ENDPOINT_URL")) {
    from = "AWS_ENDPOINT_URL";
    return *v;
  }
  if (auto it = service_endpoints.find(std::string(service_id));
      it != service_endpoints.end()) {
    from = "services section";
    return it->second;
  }
  if (!endpoint_url.empty()) from = "profile endpoint_url";
  return endpoint_url;
}

std::string ResolveStsEndpoint(const Environment& env,
                               const ProfileSettings& settings,
                               std::string_view region) {
  std::string configured = settings.ConfiguredEndpoint(env, "STS", "sts");
  return configured.empty() ? StsEndpointFor(region) : configured;
}

namespace {

// retry_mode and max_attempts, checked.
Status ReadRetrySettings(const ProfileFiles& files, const std::string& profile,
                         ProfileSettings* s) {
  if (auto v = files.Get(profile, "retry_mode")) {
    s->retry_mode = std::string(v->value);
    if (!s->retry_mode.empty() && s->retry_mode != "legacy" &&
        s->retry_mode != "standard" && s->retry_mode != "adaptive") {
      return ProfileError(StatusCode::kInvalidArgument, v->Where(), profile,
                          "retry_mode must be legacy, standard or adaptive");
    }
  }
  if (auto v = files.Get(profile, "max_attempts")) {
    std::string text(v->value);
    char* end = nullptr;
    long n = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || n < 1 || n > 100) {
      return ProfileError(StatusCode::kInvalidArgument, v->Where(), profile,
                          "max_attempts must be a whole number from 1 to 100");
    }
    s->max_attempts = static_cast<int>(n);
  }
  return OkStatus();
}

// The endpoint_url of each service in the profile's [services NAME] section.
Status ReadServiceEndpoints(const ProfileFiles& files,
                            const std::string& profile, ProfileSettings* s) {
  auto services = files.Get(profile, "services");
  if (!services) return OkStatus();
  std::string name(services->value);
  const IniSection* section =
      files.config ? files.config->Find("services " + name) : nullptr;
  if (section == nullptr) {
    return ProfileError(StatusCode::kInvalidArgument, services->Where(),
                        profile,
                        "services = " + name + " names no [services " + name +
                            "] section in " + files.config_path);
  }
  for (const IniEntry& e : section->entries) {
    if (!e.nested) continue;  // botocore ignores flat keys here too
    for (const IniEntry& c : e.children) {
      if (c.key == "endpoint_url" && !c.value.empty())
        s->service_endpoints[e.key] = c.value;
    }
  }
  return OkStatus();
}

}  // namespace

StatusOr<ProfileSettings> ResolveProfileSettings(const ChainOptions& options) {
  const Environment& env = *options.runtime.env;
  const FileSystem& fs = *options.runtime.fs;
  internal::ProfileChoice choice =
      internal::ChooseProfile(options.profile, env);
  internal::ProfileFileLoader loader(env, fs, WarnTo(*options.runtime.log));
  KW_ASSIGN_OR_RETURN(std::shared_ptr<const ProfileFiles> files, loader.Load());
  ProfileSettings s;
  s.profile = choice.name;
  s.profile_source = choice.source;
  s.config_file = files->config_path;
  s.credentials_file = files->credentials_path;
  if (!files->Has(choice.name) && choice.name != "default") {
    return NotFoundError("profile '" + choice.name + "' (from " +
                         choice.source + ") is not in " + files->config_path +
                         " or " + files->credentials_path);
  }
  auto get = [&](const char* key) {
    auto v = files->Get(choice.name, key);
    return v ? std::string(v->value) : std::string();
  };
  s.region = get("region");
  s.endpoint_url = get("endpoint_url");
  s.ca_bundle = internal::ExpandPath(get("ca_bundle"), env);
  KW_RETURN_IF_ERROR(ReadRetrySettings(*files, choice.name, &s));
  // Service-specific endpoints and the switch that ignores them all.
  auto truthy = [](std::string v) {
    for (char& c : v) c = static_cast<char>(std::tolower(c));
    return v == "true";
  };
  if (auto v = env.Get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
      v && !v->empty()) {
    s.ignore_configured_endpoint_urls = truthy(*v);
  } else if (auto p =
                 files->Get(choice.name, "ignore_configured_endpoint_urls")) {
    s.ignore_configured_endpoint_urls = truthy(std::string(p->value));
  }
  KW_RETURN_IF_ERROR(ReadServiceEndpoints(*files, choice.name, &s));
  return s;
}

}  // namespace keyward::aws
