// Differential test: for a table of CLI flags (--profile, --region,
// --endpoint-url) x environments x shared config/credentials files, keyward's
// one resolver (aws::ResolveAwsConfig, used by the CLI and the Secret Config
// Module) and botocore's (the AWS CLI's) must find the same access key id and
// credentials (compared as SHA-256 digests), the same provider kind, the same
// region and the same Secrets Manager endpoint, or must both fail.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "keyward/aws/credential_chain.h"
#include "keyward/aws/resolver.h"
#include "keyward/aws/sigv4.h"
#include "tests/testing/fakes.h"
#include "tests/testing/peers.h"

namespace keyward::aws {
namespace {

using ::keyward::testing::FakeEnvironment;
using ::keyward::testing::RunCommand;
using ::keyward::testing::TempDir;
using Json = nlohmann::json;

struct Case {
  std::string name;
  std::string config;       // written to DIR/.aws/config when not empty
  std::string credentials;  // written to DIR/.aws/credentials when not empty
  std::map<std::string, std::string> env;
  std::string profile;  // explicit (--profile); empty: none
  std::string script;   // written to DIR/proc.sh when not empty
};

const char kProc[] =
    R"(printf '{"Version": 1, "AccessKeyId": "ASIAPROC", "SecretAccessKey": "procsecret", "SessionToken": "proctoken", "Expiration": "2099-01-01T00:00:00Z"}')";

// One set of files for the flags x environment cases: an operator's
// workstation with the keyward-local profile of `keyward server --env-file`,
// an `ops` profile, a default and an incomplete profile.
Case Fleet(std::string name, std::string profile,
           std::map<std::string, std::string> env) {
  const std::string config =
      "[default]\nregion = ap-south-1\n"
      "[profile ops]\nregion = eu-west-2\n"
      "[profile keyward-local]\nregion = us-east-1\n"
      "endpoint_url = http://127.0.0.1:30\n"
      "[profile half]\nregion = us-east-2\n";
  const std::string credentials =
      "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = d\n"
      "[ops]\naws_access_key_id = AKIDOPS\naws_secret_access_key = o\n"
      "[keyward-local]\naws_access_key_id = AKIDLOCAL\n"
      "aws_secret_access_key = l\n"
      "[half]\naws_access_key_id = AKIDHALF\n";
  return Case{std::move(name),    config, credentials, std::move(env),
              std::move(profile), ""};
}

std::vector<Case> Cases() {
  const std::string s = "aws_secret_access_key = sec\n";
  return {
      {"default-static",
       "",
       "[default]\naws_access_key_id = AKID1\n" + s,
       {},
       "",
       ""},
      {"no-files", "", "", {}, "", ""},
      {"env-only",
       "",
       "",
       {{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "envsec"}},
       "",
       ""},
      {"env-beats-AWS_PROFILE",
       "",
       "[p]\naws_access_key_id = AKIDP\n" + s,
       {{"AWS_ACCESS_KEY_ID", "AKIDENV"},
        {"AWS_SECRET_ACCESS_KEY", "e"},
        {"AWS_PROFILE", "p"}},
       "",
       ""},
      {"explicit-profile-beats-env",
       "",
       "[p]\naws_access_key_id = AKIDP\n" + s,
       {{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "e"}},
       "p",
       ""},
      {"env-session-token",
       "",
       "",
       {{"AWS_ACCESS_KEY_ID", "AKIDENV"},
        {"AWS_SECRET_ACCESS_KEY", "e"},
        {"AWS_SESSION_TOKEN", "tok"}},
       "",
       ""},
      {"config-profile-prefix",
       "[profile app]\naws_access_key_id = AKIDCFG\n" + s +
           "region = eu-west-1\n",
       "",
       {},
       "app",
       ""},
      {"config-without-prefix-is-no-profile",
       "[app]\naws_access_key_id = X\n" + s,
       "",
       {},
       "app",
       ""},
      {"credentials-file-beats-config",
       "[profile app]\naws_access_key_id = AKIDCFG\n" + s,
       "[app]\naws_access_key_id = AKIDCRED\n" + s,
       {},
       "app",
       ""},
      {"profile-spacing-and-quotes",
       "[profile   spaced  ]\naws_access_key_id = A1\n" + s +
           "[profile \"two words\"]\naws_access_key_id = A2\n" + s,
       "",
       {{"AWS_PROFILE", "two words"}},
       "",
       ""},
      {"profile-spacing",
       "[profile   spaced  ]\naws_access_key_id = A1\n" + s,
       "",
       {},
       "spaced",
       ""},
      {"default-spaced-header-is-not-default",
       "[ default ]\naws_access_key_id = A1\n" + s,
       "",
       {},
       "",
       ""},
      {"case-comments-whitespace",
       "# c\n; c\n[default]\n  REGION=us-west-2\n",
       "[default]\n# "
       "comment\nAWS_Access_Key_ID:AKIDCASE\n\taws_secret_access_key   =   sec "
       " \n",
       {},
       "",
       ""},
      {"inline-hash-is-part-of-value",
       "[default]\nregion = eu-central-1 # prod\n",
       "[default]\naws_access_key_id = AKID # not a comment\n" + s,
       {},
       "",
       ""},
      {"continuation-line",
       "",
       "[default]\naws_access_key_id = AKID\n  MORE\n" + s,
       {},
       "",
       ""},
      {"nested-section-ignored",
       "[default]\ns3 =\n  max_concurrent_requests = 10\nregion = ap-south-1\n",
       "[default]\naws_access_key_id = AKID\n" + s,
       {},
       "",
       ""},
      {"DEFAULT-section-inherited",
       "[DEFAULT]\nregion = sa-east-1\n[profile x]\noutput = json\n",
       "[DEFAULT]\n" + s + "[x]\naws_access_key_id = AKIDX\n",
       {},
       "x",
       ""},
      {"region-credentials-file-wins",
       "[profile r]\nregion = us-east-1\n",
       "[r]\nregion = us-east-2\naws_access_key_id = A\n" + s,
       {},
       "r",
       ""},
      {"AWS_DEFAULT_REGION-wins",
       "[default]\nregion = us-east-1\n",
       "",
       {{"AWS_DEFAULT_REGION", "eu-north-1"}},
       "",
       ""},
      {"AWS_DEFAULT_PROFILE-before-AWS_PROFILE",
       "",
       "[a]\naws_access_key_id = AKIDA\n" + s +
           "[b]\naws_access_key_id = AKIDB\n" + s,
       {{"AWS_DEFAULT_PROFILE", "a"}, {"AWS_PROFILE", "b"}},
       "",
       ""},
      {"file-env-vars",
       "",
       "",
       {{"AWS_SHARED_CREDENTIALS_FILE", "@DIR@/elsewhere"}},
       "",
       ""},
      {"tokens-security-before-session",
       "",
       "[default]\naws_access_key_id = A\n" + s +
           "aws_session_token = st\naws_security_token = sec2\n",
       {},
       "",
       ""},
      {"later-default-section-wins",
       "[default]\nregion = us-east-1\n[profile default]\nregion = us-west-1\n",
       "",
       {},
       "",
       ""},
      {"credential-process",
       "[profile p]\ncredential_process = /bin/sh '@DIR@/proc.sh'\n",
       "",
       {},
       "p",
       kProc},
      {"credentials-file-beats-process",
       "[profile p]\ncredential_process = /bin/sh @DIR@/proc.sh\n",
       "[p]\naws_access_key_id = AKIDFILE\n" + s,
       {},
       "p",
       kProc},
      {"process-beats-config-keys",
       "[profile p]\naws_access_key_id = AKIDCFG\n" + s +
           "credential_process = /bin/sh @DIR@/proc.sh\n",
       "",
       {},
       "p",
       kProc},
      // Errors: both must fail.
      {"unknown-profile",
       "",
       "[default]\naws_access_key_id = A\n" + s,
       {},
       "nope",
       ""},
      {"unknown-AWS_PROFILE", "", "", {{"AWS_PROFILE", "nope"}}, "", ""},
      {"missing-secret", "", "[default]\naws_access_key_id = A\n", {}, "", ""},
      {"duplicate-key",
       "",
       "[default]\naws_access_key_id = A\nAWS_ACCESS_KEY_ID = B\n",
       {},
       "",
       ""},
      {"duplicate-section", "", "[default]\n[default]\n", {}, "", ""},
      {"key-before-section",
       "",
       "aws_access_key_id = A\n[default]\n",
       {},
       "",
       ""},
      {"line-without-equals", "", "[default]\naws_access_key_id\n", {}, "", ""},
      {"process-fails",
       "[profile p]\ncredential_process = /bin/sh @DIR@/proc.sh\n",
       "",
       {},
       "p",
       "echo broken >&2; exit 3"},
      {"process-version-2",
       "[profile p]\ncredential_process = /bin/sh @DIR@/proc.sh\n",
       "",
       {},
       "p",
       R"(printf '{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "s"}')"},
      {"process-missing-secret",
       "[profile p]\ncredential_process = /bin/sh @DIR@/proc.sh\n",
       "",
       {},
       "p",
       R"(printf '{"Version": 1, "AccessKeyId": "A"}')"},
      {"role-without-source",
       "[profile r]\nrole_arn = arn:aws:iam::1:role/x\n",
       "",
       {},
       "r",
       ""},
      {"role-both-sources",
       "[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = b\n"
       "credential_source = Environment\n[profile b]\naws_access_key_id = A\n" +
           s,
       "",
       {},
       "r",
       ""},
      {"role-missing-source-profile",
       "[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = "
       "ghost\n",
       "",
       {},
       "r",
       ""},
      {"role-loop",
       "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
       "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n",
       "",
       {},
       "a",
       ""},
      {"role-invalid-credential-source",
       "[profile r]\nrole_arn = arn:aws:iam::1:role/x\ncredential_source = "
       "Bogus\n",
       "",
       {},
       "r",
       ""},
      // Endpoints: services sections, the environment, the ignore switch.
      {"endpoint-profile",
       "[default]\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:10\n",
       "",
       {},
       "",
       ""},
      {"endpoint-services-section",
       "[default]\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:10\n"
       "services = kw\n[services kw]\nsecrets_manager =\n  endpoint_url = "
       "http://127.0.0.1:4585\nsts =\n  endpoint_url = http://127.0.0.1:1\n",
       "",
       {},
       "",
       ""},
      {"endpoint-env-beats-services",
       "[default]\nservices = kw\n[services kw]\nsecrets_manager =\n  "
       "endpoint_url = http://127.0.0.1:4585\n",
       "",
       {{"AWS_ENDPOINT_URL", "http://127.0.0.1:20"}},
       "",
       ""},
      {"endpoint-service-env-beats-global",
       "",
       "",
       {{"AWS_ENDPOINT_URL", "http://127.0.0.1:20"},
        {"AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:21"}},
       "",
       ""},
      {"endpoint-ignore-env",
       "[default]\nregion = ap-south-1\nservices = kw\n[services kw]\n"
       "secrets_manager =\n  endpoint_url = http://127.0.0.1:4585\n",
       "",
       {{"AWS_ENDPOINT_URL", "http://127.0.0.1:20"},
        {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}},
       "",
       ""},
      {"endpoint-ignore-profile",
       "[default]\nendpoint_url = http://127.0.0.1:10\n"
       "ignore_configured_endpoint_urls = true\n",
       "",
       {},
       "",
       ""},
      // Flags x environment x files (issue 12): --profile, --region and
      // --endpoint-url against environment keys, AWS_PROFILE /
      // AWS_DEFAULT_PROFILE, region and endpoint variables, one set of files.
      // The first three are the issue's repro cases.
      Fleet("repro-profile-flag-beats-AWS_PROFILE", "ops",
            {{"AWS_PROFILE", "keyward-local"}}),
      Fleet("repro-env-keys-beat-AWS_PROFILE", "",
            {{"AWS_PROFILE", "keyward-local"},
             {"AWS_ACCESS_KEY_ID", "AKIDENV"},
             {"AWS_SECRET_ACCESS_KEY", "envsec"}}),
      Fleet("repro-env-keys-with-incomplete-AWS_PROFILE", "",
            {{"AWS_PROFILE", "half"},
             {"AWS_ACCESS_KEY_ID", "AKIDENV"},
             {"AWS_SECRET_ACCESS_KEY", "envsec"}}),
      Fleet("profile-flag-ignores-env-keys", "ops",
            {{"AWS_ACCESS_KEY_ID", "AKIDENV"},
             {"AWS_SECRET_ACCESS_KEY", "envsec"}}),
      Fleet("profile-flag-incomplete-fails-despite-env-keys", "half",
            {{"AWS_ACCESS_KEY_ID", "AKIDENV"},
             {"AWS_SECRET_ACCESS_KEY", "envsec"}}),
      Fleet("profile-flag-beats-AWS_DEFAULT_PROFILE", "ops",
            {{"AWS_DEFAULT_PROFILE", "keyward-local"},
             {"AWS_PROFILE", "keyward-local"}}),
      Fleet("AWS_DEFAULT_PROFILE-incomplete-with-env-keys", "",
            {{"AWS_DEFAULT_PROFILE", "half"},
             {"AWS_ACCESS_KEY_ID", "AKIDENV"},
             {"AWS_SECRET_ACCESS_KEY", "envsec"}}),
      Fleet("env-keys-and-token-with-AWS_PROFILE", "",
            {{"AWS_PROFILE", "ops"},
             {"AWS_ACCESS_KEY_ID", "AKIDENV"},
             {"AWS_SECRET_ACCESS_KEY", "envsec"},
             {"AWS_SESSION_TOKEN", "envtok"}}),
      Fleet("env-keys-take-default-profile-region", "",
            {{"AWS_ACCESS_KEY_ID", "AKIDENV"},
             {"AWS_SECRET_ACCESS_KEY", "envsec"}}),
      Fleet("unknown-AWS_PROFILE-fails-despite-env-keys", "",
            {{"AWS_PROFILE", "nope"},
             {"AWS_ACCESS_KEY_ID", "AKIDENV"},
             {"AWS_SECRET_ACCESS_KEY", "envsec"}}),
      Fleet("unknown-AWS_DEFAULT_PROFILE-beats-known-AWS_PROFILE", "",
            {{"AWS_DEFAULT_PROFILE", "nope"}, {"AWS_PROFILE", "ops"}}),
      Fleet("AWS_PROFILE-selects-profile-region-and-endpoint", "",
            {{"AWS_PROFILE", "keyward-local"}}),
      Fleet("profile-flag-selects-profile-region", "ops", {}),
      Fleet("region-flag-beats-everything", "ops",
            {{"--region", "eu-north-1"},
             {"AWS_REGION", "us-west-2"},
             {"AWS_DEFAULT_REGION", "eu-west-1"}}),
      Fleet("AWS_REGION-beats-AWS_DEFAULT_REGION", "",
            {{"AWS_REGION", "us-west-2"}, {"AWS_DEFAULT_REGION", "eu-west-1"}}),
      Fleet("AWS_DEFAULT_REGION-beats-flag-profile-region", "ops",
            {{"AWS_DEFAULT_REGION", "eu-west-1"}}),
      Fleet("region-flag-keeps-profile-endpoint", "",
            {{"AWS_PROFILE", "keyward-local"}, {"--region", "ca-central-1"}}),
      Fleet("endpoint-flag-beats-environment", "",
            {{"--endpoint-url", "http://127.0.0.1:40"},
             {"AWS_ENDPOINT_URL", "http://127.0.0.1:20"},
             {"AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:21"}}),
      Fleet("endpoint-flag-survives-ignore-switch", "",
            {{"--endpoint-url", "http://127.0.0.1:40"},
             {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}}),
      Fleet("ignore-switch-drops-profile-endpoint", "",
            {{"AWS_PROFILE", "keyward-local"},
             {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}}),
      Fleet("environment-endpoint-applies-with-profile-flag", "ops",
            {{"AWS_ENDPOINT_URL", "http://127.0.0.1:20"}}),
      Fleet("service-endpoint-variable-beats-profile-endpoint", "keyward-local",
            {{"AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:21"}}),
      Fleet("all-three-flags", "ops",
            {{"--region", "sa-east-1"},
             {"--endpoint-url", "http://127.0.0.1:41"},
             {"AWS_PROFILE", "keyward-local"},
             {"AWS_ACCESS_KEY_ID", "AKIDENV"},
             {"AWS_SECRET_ACCESS_KEY", "envsec"}}),
      Fleet("partial-env-keys-fail", "",
            {{"AWS_PROFILE", "ops"}, {"AWS_ACCESS_KEY_ID", "AKIDENV"}}),
      {"role-source-without-credentials",
       "[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = "
       "b\n[profile b]\n"
       "region = us-east-1\n",
       "",
       {},
       "r",
       ""},
  };
}

std::string Replace(std::string s, const std::string& from,
                    const std::string& to) {
  for (std::size_t p = s.find(from); p != std::string::npos;
       p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
  return s;
}

std::string MethodOf(const std::string& provider) {
  for (auto [prefix, method] : std::vector<std::pair<std::string, std::string>>{
           {"environment", "env"},
           {"shared-credentials-file", "shared-credentials-file"},
           {"config-file", "config-file"},
           {"credential_process", "custom-process"},
           {"assume-role", "assume-role"}}) {
    if (provider.starts_with(prefix)) return method;
  }
  return provider;
}

std::string Sha(const SecretValue& v) {
  return v.empty() ? "" : HexSha256(v.Reveal());
}

// keyward's answer in the script's format, from the one resolver every entry
// point uses (aws::ResolveAwsConfig). Keys of `env` starting with "--" are
// the CLI's flags (--region, --endpoint-url), not variables.
Json Keyward(const Case& c, const std::string& dir) {
  FakeEnvironment env;
  env.Set("HOME", dir);
  AwsConfigOptions o;
  for (const auto& [k, v] : c.env) {
    std::string value = Replace(v, "@DIR@", dir);
    if (k == "--region") {
      o.region = value;
    } else if (k == "--endpoint-url") {
      o.endpoint_url = value;
    } else {
      env.Set(k, value);
    }
  }
  o.profile = c.profile;
  o.chain.runtime.env = &env;
  o.chain.runtime.log = &Logger::Null();
  Json out{{"name", c.name},     {"access_key", ""}, {"secret_sha256", ""},
           {"token_sha256", ""}, {"method", ""},     {"region", ""},
           {"endpoint", ""},     {"error", ""}};
  auto resolved = ResolveAwsConfig(o);
  if (!resolved.ok()) {
    out["error"] = resolved.status().ToString();
    return out;
  }
  auto creds = resolved->credentials->Get();
  if (creds.ok()) {
    out["access_key"] = creds->access_key_id;
    out["secret_sha256"] = Sha(creds->secret_access_key);
    out["token_sha256"] = Sha(creds->session_token);
    out["method"] = MethodOf(creds->provider);
  } else if (creds.status().code() != StatusCode::kNotFound) {
    out["error"] = creds.status().ToString();
  }
  out["region"] = resolved->region;
  std::string endpoint = resolved->endpoint_url;
  if (endpoint.empty()) {
    std::string r = resolved->region;
    endpoint = "https://secretsmanager." + (r.empty() ? "us-east-1" : r) +
               ".amazonaws.com";
  }
  out["endpoint"] = endpoint;
  return out;
}

TEST(CredentialsBotocoreDiffTest, KeywardResolvesLikeBotocore) {
  KW_REQUIRE_PEER("python3");
  if (RunCommand({"python3", "-c", "import botocore"}).exit_code != 0) {
    if (::keyward::testing::InCi())
      FAIL() << "botocore is not installed (CI=true)";
    GTEST_SKIP() << "SKIPPED: botocore is not installed";
  }
  std::vector<Case> cases = Cases();
  std::vector<std::unique_ptr<TempDir>> dirs;
  Json input = Json::array();
  for (const Case& c : cases) {
    dirs.push_back(std::make_unique<TempDir>());
    const TempDir& d = *dirs.back();
    RunCommand({"mkdir", "-p", d.File(".aws")});
    if (!c.config.empty())
      d.Write(".aws/config", Replace(c.config, "@DIR@", d.path()));
    if (!c.credentials.empty()) {
      d.Write(".aws/credentials", Replace(c.credentials, "@DIR@", d.path()));
    }
    if (c.name == "file-env-vars") {
      d.Write("elsewhere",
              "[default]\naws_access_key_id = AKIDMOVED\naws_secret_access_key "
              "= x\n");
    }
    if (!c.script.empty()) d.Write("proc.sh", c.script + "\n", 0700);
    Json env = Json::object();
    for (const auto& [k, v] : c.env) env[k] = Replace(v, "@DIR@", d.path());
    input.push_back(
        {{"name", c.name},
         {"dir", d.path()},
         {"env", env},
         {"profile", c.profile.empty() ? Json() : Json(c.profile)}});
  }
  TempDir work;
  work.Write("cases.json", input.dump());
  auto r = RunCommand({"python3",
                       std::string(KEYWARD_SOURCE_DIR) +
                           "/tests/integration/credentials_botocore_resolve.py",
                       work.File("cases.json")},
                      {}, "", /*timeout_ms=*/600000);  // slow on a loaded CI
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json botocore = Json::parse(r.out);
  ASSERT_EQ(botocore.size(), cases.size());
  int agreed = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    Json mine = Keyward(cases[i], dirs[i]->path());
    Json theirs = botocore[i];
    SCOPED_TRACE(cases[i].name + " keyward=" + mine.dump() +
                 " botocore=" + theirs.dump());
    bool mine_failed = !mine["error"].get<std::string>().empty();
    bool theirs_failed = !theirs["error"].get<std::string>().empty();
    EXPECT_EQ(mine_failed, theirs_failed);
    if (mine_failed || theirs_failed) {
      agreed += mine_failed == theirs_failed;
      continue;
    }
    bool same = true;
    for (const char* k : {"access_key", "secret_sha256", "token_sha256",
                          "method", "region", "endpoint"}) {
      EXPECT_EQ(mine[k], theirs[k]) << k;
      same = same && mine[k] == theirs[k];
    }
    agreed += same;
  }
  std::cout << "botocore differential: " << agreed << "/" << cases.size()
            << " cases agree\n";
}

}  // namespace
}  // namespace keyward::aws
