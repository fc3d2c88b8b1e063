// keyward whoami: who the resolved AWS credentials belong to (STS
// GetCallerIdentity), and which provider / profile supplied them. Never
// prints a secret; the access key id is masked like `aws configure list`.
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "keyward/aws/credential_chain.h"
#include "keyward/aws/sts.h"

namespace keyward::cli {
namespace {

struct WhoamiOptions {
  std::string sts_endpoint_url;
};

std::string MaskKeyId(const std::string& id) {
  if (id.size() <= 4) return "****";
  return std::string(id.size() - 4, '*') + id.substr(id.size() - 4);
}

// What whoami found: the credentials and where they came from, and STS's
// answer (an error when there was none).
struct Identity {
  aws::Credentials creds;
  std::string profile;         // the profile in effect
  std::string profile_source;  // where its name came from
  std::string region;
  std::string sts_endpoint;
  StatusOr<aws::CallerIdentity> id = UnknownError("not asked");
};

// The resolved credentials (UNAUTHENTICATED when there are none).
StatusOr<aws::Credentials> FindCredentials(const aws::AwsConfig& resolved) {
  StatusOr<aws::Credentials> creds = resolved.credentials->Get();
  if (creds.ok() || creds.status().code() != StatusCode::kNotFound)
    return creds;
  return UnauthenticatedError(
      "no AWS credentials found: set AWS_ACCESS_KEY_ID and "
      "AWS_SECRET_ACCESS_KEY, or "
      "choose a profile with --profile / AWS_PROFILE (" +
      creds.status().message() + ")");
}

StatusOr<Identity> Identify(Cli& cli, const WhoamiOptions& o) {
  KW_ASSIGN_OR_RETURN(aws::AwsConfig resolved, cli.ResolveAws());
  Identity r;
  KW_ASSIGN_OR_RETURN(r.creds, FindCredentials(resolved));
  r.profile = resolved.profile.profile;
  r.profile_source = resolved.profile.profile_source;
  r.region = resolved.region;
  aws::StsOptions so;
  so.region = r.region;
  so.endpoint_url = !o.sts_endpoint_url.empty() ? o.sts_endpoint_url
                                                : resolved.sts_endpoint_url;
  HttpClientOptions http;
  http.ca_bundle = resolved.profile.ca_bundle;
  so.http = NewCurlHttpClient(http, cli.env());
  KW_ASSIGN_OR_RETURN(auto sts, aws::StsClient::Create(std::move(so)));
  r.sts_endpoint = sts->endpoint();
  r.id = sts->GetCallerIdentity(r.creds);
  if (!r.id.ok() && (r.id.status().code() == StatusCode::kUnauthenticated ||
                     r.id.status().code() == StatusCode::kPermissionDenied)) {
    // STS answered and refused these credentials: an authentication error.
    return r.id.status().WithContext("credentials from " + r.creds.provider);
  }
  return r;
}

void PrintJson(Cli& cli, const Identity& r) {
  const auto& id = r.id;
  auto or_null = [&](const std::string& v) {
    return id.ok() ? nlohmann::json(v) : nlohmann::json();
  };
  nlohmann::json j{
      {"Account", or_null(id.ok() ? id->account : "")},
      {"Arn", or_null(id.ok() ? id->arn : "")},
      {"UserId", or_null(id.ok() ? id->user_id : "")},
      {"AccessKeyId", MaskKeyId(r.creds.access_key_id)},
      {"Provider", r.creds.provider},
      {"Profile", r.creds.provider == "environment" ? "" : r.profile},
      {"ProfileSource", r.profile_source},
      {"Region", r.region},
      {"Expiration", r.creds.expiration ? TimeOrDash(r.creds.expiration) : ""},
      {"StsEndpoint", r.sts_endpoint}};
  cli.out() << j.dump(2) << "\n";
}

void PrintText(Cli& cli, const Identity& r) {
  // Without an STS answer (an endpoint without STS, e.g. keyward server or
  // moto without sts) keyward still says what it did determine.
  const std::string unknown = "- (not determined: no STS answer)";
  const auto& id = r.id;
  std::string profile = r.profile + " (from " + r.profile_source + ")";
  if (r.creds.provider == "environment") profile = "- (environment variables)";
  std::string expires = r.creds.expiration ? TimeOrDash(r.creds.expiration)
                                           : "never (long-term key)";
  PrintTable(cli.out(), {{"Account:", id.ok() ? id->account : unknown},
                         {"ARN:", id.ok() ? id->arn : unknown},
                         {"UserId:", id.ok() ? id->user_id : unknown},
                         {"AccessKeyId:", MaskKeyId(r.creds.access_key_id)},
                         {"Provider:", r.creds.provider},
                         {"Profile:", profile},
                         {"Region:", r.region.empty() ? "-" : r.region},
                         {"Expires:", expires}});
}

CommandResult Run(Cli& cli, const WhoamiOptions& o) {
  KW_ASSIGN_OR_RETURN(Identity r, Identify(cli, o));
  if (cli.json()) {
    PrintJson(cli, r);
  } else {
    PrintText(cli, r);
  }
  if (r.id.ok()) return kExitOk;
  return UnavailableError(
      "could not determine the account, ARN and user id: STS "
      "GetCallerIdentity at " +
      r.sts_endpoint + " failed (" + r.id.status().message() +
      "); the credentials above were found (" + r.creds.provider +
      ") but not verified. Pass --sts-endpoint-url for an endpoint that "
      "serves STS");
}

void SetupWhoami(CLI::App& app, Cli& cli) {
  auto o = std::make_shared<WhoamiOptions>();
  CLI::App* sub = app.add_subcommand("whoami",
                                     "Show the AWS identity of the resolved "
                                     "credentials (STS GetCallerIdentity)");
  sub->add_option(
      "--sts-endpoint-url", o->sts_endpoint_url,
      "STS endpoint (default: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, the "
      "profile's endpoint_url, else the regional endpoint)");
  sub->footer(
      "Examples:\n"
      "  keyward whoami\n"
      "  keyward --profile orders-app whoami -o json\n"
      "See docs/credentials.md for how credentials are found.");
  cli.SetRunner(sub, [&cli, o] { return Run(cli, *o); });
}

}  // namespace

void AddWhoamiCommand(CLI::App& app, Cli& cli) { SetupWhoami(app, cli); }

}  // namespace keyward::cli
