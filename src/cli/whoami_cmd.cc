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

int Run(Cli& cli, const WhoamiOptions& o) {
  const Environment& env = cli.env();
  auto resolved = cli.ResolveAws();
  if (!resolved.ok()) return cli.Fail(resolved.status());
  const aws::ProfileSettings* settings = &resolved->profile;
  const std::string& region = resolved->region;
  auto provider = &resolved->credentials;
  StatusOr<aws::Credentials> creds = (*provider)->Get();
  if (!creds.ok()) {
    Status s = creds.status();
    if (s.code() == StatusCode::kNotFound) {
      s = UnauthenticatedError(
          "no AWS credentials found: set AWS_ACCESS_KEY_ID and "
          "AWS_SECRET_ACCESS_KEY, or "
          "choose a profile with --profile / AWS_PROFILE (" +
          s.message() + ")");
    }
    return cli.Fail(s);
  }

  aws::StsOptions so;
  so.region = region;
  so.endpoint_url = !o.sts_endpoint_url.empty() ? o.sts_endpoint_url
                                                : resolved->sts_endpoint_url;
  HttpClientOptions http;
  http.ca_bundle = settings->ca_bundle;
  so.http = NewCurlHttpClient(http, env);
  auto sts = aws::StsClient::Create(std::move(so));
  if (!sts.ok()) return cli.Fail(sts.status());
  auto id = (*sts)->GetCallerIdentity(*creds);
  if (!id.ok() && (id.status().code() == StatusCode::kUnauthenticated ||
                   id.status().code() == StatusCode::kPermissionDenied)) {
    // STS answered and refused these credentials: an authentication error.
    return cli.Fail(
        id.status().WithContext("credentials from " + creds->provider));
  }
  // Without an STS answer (an endpoint without STS, e.g. keyward server or
  // moto without sts) keyward still says what it did determine.
  const std::string unknown = "- (not determined: no STS answer)";
  std::string profile =
      settings->profile + " (from " + settings->profile_source + ")";
  if (creds->provider == "environment") profile = "- (environment variables)";
  std::string expires = creds->expiration ? TimeOrDash(creds->expiration)
                                          : "never (long-term key)";
  if (cli.json()) {
    auto or_null = [&](const std::string& v) {
      return id.ok() ? nlohmann::json(v) : nlohmann::json();
    };
    nlohmann::json j{
        {"Account", or_null(id.ok() ? id->account : "")},
        {"Arn", or_null(id.ok() ? id->arn : "")},
        {"UserId", or_null(id.ok() ? id->user_id : "")},
        {"AccessKeyId", MaskKeyId(creds->access_key_id)},
        {"Provider", creds->provider},
        {"Profile", creds->provider == "environment" ? "" : settings->profile},
        {"ProfileSource", settings->profile_source},
        {"Region", region},
        {"Expiration", creds->expiration ? TimeOrDash(creds->expiration) : ""},
        {"StsEndpoint", (*sts)->endpoint()}};
    cli.out() << j.dump(2) << "\n";
  } else {
    PrintTable(cli.out(), {{"Account:", id.ok() ? id->account : unknown},
                           {"ARN:", id.ok() ? id->arn : unknown},
                           {"UserId:", id.ok() ? id->user_id : unknown},
                           {"AccessKeyId:", MaskKeyId(creds->access_key_id)},
                           {"Provider:", creds->provider},
                           {"Profile:", profile},
                           {"Region:", region.empty() ? "-" : region},
                           {"Expires:", expires}});
  }
  if (id.ok()) return kExitOk;
  return cli.Fail(UnavailableError(
      "could not determine the account, ARN and user id: STS "
      "GetCallerIdentity at " +
      (*sts)->endpoint() + " failed (" + id.status().message() +
      "); the credentials above were found (" + creds->provider +
      ") but not verified. Pass --sts-endpoint-url for an endpoint that "
      "serves STS"));
}

void Setup(CLI::App& app, Cli& cli) {
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

void AddWhoamiCommand(CLI::App& app, Cli& cli) { Setup(app, cli); }

}  // namespace keyward::cli
