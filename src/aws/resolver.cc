// ResolveAwsConfig: the single place that decides profile, region, endpoint
// and credential chain (see resolver.h for the order).
#include "keyward/aws/resolver.h"

#include <cctype>

namespace keyward::aws {
namespace {

std::string FirstSet(const Environment& env, const char* name) {
  auto v = env.Get(name);
  return v && !v->empty() ? *v : "";
}

bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// "us-east-1": two lowercase letters, one or more "-word", then "-number".
bool LooksLikeRegion(std::string_view r) {
  std::size_t i = 0;
  while (i < r.size() && IsLower(r[i])) ++i;
  if (i != 2) return false;
  int words = 0;
  while (i < r.size() && r[i] == '-') {
    std::size_t start = ++i;
    if (i < r.size() && IsDigit(r[i])) {
      while (i < r.size() && IsDigit(r[i])) ++i;
      return i == r.size() && words > 0 && i > start;
    }
    while (i < r.size() && IsLower(r[i])) ++i;
    if (i == start) return false;
    ++words;
  }
  return false;
}

// A likely intended region for a near miss ("us-east1", "US-EAST-1",
// "us_east_1", " us-east-1"), or "" when none is obvious.
std::string SuggestRegion(std::string_view r) {
  std::string s;
  for (char c : r) {
    if (c == ' ' || c == '\t' || c == '"' || c == '\'') continue;
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    s += c == '_' ? '-' : c;
  }
  // A missing '-' before the trailing number: "us-east1".
  std::size_t d = s.size();
  while (d > 0 && IsDigit(s[d - 1])) --d;
  if (d > 0 && d < s.size() && s[d - 1] != '-') s.insert(d, "-");
  return LooksLikeRegion(s) ? s : "";
}

}  // namespace

Status CheckRegionName(std::string_view region, std::string_view source) {
  if (LooksLikeRegion(region)) return OkStatus();
  // Never echo something that is not region-shaped at all (it could be a
  // value pasted in the wrong place): only short printable names are shown.
  bool printable = region.size() <= 64;
  for (char c : region) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
      printable = false;
  }
  std::string shown = printable ? "'" + std::string(region) + "'" : "the value";
  std::string msg = shown + " (from " + std::string(source) +
                    ") is not an AWS region name; region names look like "
                    "us-east-1 or eu-central-2";
  std::string hint = SuggestRegion(region);
  if (!hint.empty()) msg += "; did you mean '" + hint + "'?";
  return InvalidArgumentError(msg);
}

StatusOr<AwsConfig> ResolveAwsConfig(const AwsConfigOptions& options) {
  ChainOptions chain = options.chain;
  chain.profile = options.profile;
  chain.region = options.region;
  const Environment& env = *chain.runtime.env;
  AwsConfig c;
  KW_ASSIGN_OR_RETURN(c.profile, ResolveProfileSettings(chain));

  // Region: explicit > AWS_REGION > AWS_DEFAULT_REGION > profile.
  if (!options.region.empty()) {
    c.region = options.region;
    c.region_source = options.region_option;
  } else if (std::string v = FirstSet(env, "AWS_REGION"); !v.empty()) {
    c.region = v;
    c.region_source = "AWS_REGION";
  } else if (std::string v = FirstSet(env, "AWS_DEFAULT_REGION"); !v.empty()) {
    c.region = v;
    c.region_source = "AWS_DEFAULT_REGION";
  } else if (!c.profile.region.empty()) {
    c.region = c.profile.region;
    c.region_source = "profile " + c.profile.profile + " in " +
                      c.profile.config_file + " or " +
                      c.profile.credentials_file;
  }
  if (!c.region.empty())
    KW_RETURN_IF_ERROR(CheckRegionName(c.region, c.region_source));

  // Endpoint: explicit > configured (environment, services, profile).
  if (!options.endpoint_url.empty()) {
    c.endpoint_url = options.endpoint_url;
    c.endpoint_source = "--endpoint-url";
  } else {
    c.endpoint_url = c.profile.ConfiguredEndpoint(
        env, "SECRETS_MANAGER", "secrets_manager", &c.endpoint_source);
  }
  c.sts_endpoint_url = ResolveStsEndpoint(env, c.profile, c.region);

  // The chain: with chain.profile set explicitly the environment's keys
  // are skipped (credential_chain.h).
  KW_ASSIGN_OR_RETURN(c.credentials, NewDefaultCredentialsChain(chain));
  return c;
}

Status RequireRegion(const AwsConfig& config, const AwsConfigOptions& options) {
  if (!config.region.empty()) return OkStatus();
  return InvalidArgumentError(
      "no AWS region: set " + options.region_option +
      ", or the environment variable AWS_REGION (or AWS_DEFAULT_REGION), or "
      "'region' in profile '" +
      config.profile.profile + "' of " + config.profile.config_file);
}

}  // namespace keyward::aws
