// STS on keyward server's endpoint with real peers: `keyward whoami`, the aws
// CLI's `sts get-caller-identity` / `sts assume-role` (--endpoint-url), boto3's
// sts.assume_role followed by Secrets Manager calls with the temporary
// credentials, and a role_arn + source_profile profile used by the keyward
// CLI and the aws CLI. Session expiry is tested with a fake clock in
// tests/server/sts_service_test.cc (the shortest real session is 900 s);
// here a tampered token and a too-short duration are refused by the server
// process.
#include <gmock/gmock.h>

#include <nlohmann/json.hpp>

#include "tests/integration/server_fixture.h"

namespace keyward {
namespace {

using testing::CommandResult;
using ::testing::HasSubstr;
using testing::KeywardServer;
using testing::RunCommand;
using testing::TempDir;

constexpr char kOpsKey[] = "AKIAKWSTSOPS00000001";
constexpr char kAppKey[] = "AKIAKWSTSAPP00000002";
constexpr char kReader[] = "arn:aws:iam::123456789012:role/billing-reader";
constexpr char kSecret[] = "platform-data/postgres/billing";
constexpr char kCanary[] = "CANARY-sts-5b1e";

class StsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("server-credentials",
               std::string("[ops]\naws_access_key_id = ") + kOpsKey +
                   "\naws_secret_access_key = ops-secret\n"
                   "[billing-app]\naws_access_key_id = " +
                   kAppKey + "\naws_secret_access_key = app-secret\n");
    // ops may do everything; billing-app only read its secret (no
    // sts:AssumeRole), although the role trusts it.
    dir_.Write("ops.json",
               R"({"Statement": [{"Effect": "Allow", "Action": "*",
                   "Resource": "*"}]})");
    dir_.Write("app.json",
               R"({"Statement": [{"Effect": "Allow",
                   "Action": "secretsmanager:GetSecretValue",
                   "Resource": "*"}]})");
    dir_.Write("roles.json", R"({"Roles": [{
        "RoleName": "billing-reader",
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "sts:AssumeRole",
           "Principal": {"AWS": ["arn:aws:iam::123456789012:user/ops",
                                 "arn:aws:iam::123456789012:user/billing-app"]}}]},
        "PolicyDocument": {"Statement": [
          {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
           "Resource": "arn:aws:secretsmanager:*:123456789012:secret:platform-data/postgres/billing-*"}]}}]})");
    auto s = KeywardServer::Start(
        dir_, {"--credentials", dir_.File("server-credentials"), "--policy",
               "ops=" + dir_.File("ops.json"), "--policy",
               "billing-app=" + dir_.File("app.json"), "--roles",
               dir_.File("roles.json")});
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
    aws::Credentials ops;
    ops.access_key_id = kOpsKey;
    ops.secret_access_key = SecretValue("ops-secret");
    secrets::CreateSecretRequest create;
    create.name = kSecret;
    create.payload.string = SecretValue(std::string(kCanary));
    auto created = server_->Client(ops)->CreateSecret(create);
    ASSERT_TRUE(created.ok()) << created.status();
    // The operator's own files: a role profile on top of ops' key.
    dir_.Write(".aws/credentials",
               std::string("[ops]\naws_access_key_id = ") + kOpsKey +
                   "\naws_secret_access_key = ops-secret\n");
    dir_.Write(".aws/config",
               "[profile ops]\nregion = us-east-1\n"
               "[profile billing]\nrole_arn = " +
                   std::string(kReader) +
                   "\nsource_profile = ops\nrole_session_name = it-session\n"
                   "region = us-east-1\n");
  }

  // A clean environment aimed at the server (aws CLI v1 reads
  // AWS_DEFAULT_REGION; botocore reads AWS_ENDPOINT_URL).
  std::map<std::string, std::string> Env(std::string profile = "ops") const {
    return {{"HOME", dir_.path()},
            {"AWS_ENDPOINT_URL", server_->endpoint()},
            {"AWS_REGION", "us-east-1"},
            {"AWS_DEFAULT_REGION", "us-east-1"},
            {"AWS_SHARED_CREDENTIALS_FILE", dir_.File(".aws/credentials")},
            {"AWS_CONFIG_FILE", dir_.File(".aws/config")},
            {"AWS_PROFILE", profile},
            {"AWS_DEFAULT_PROFILE", "\x01unset"},
            {"AWS_ACCESS_KEY_ID", "\x01unset"},
            {"AWS_SECRET_ACCESS_KEY", "\x01unset"},
            {"AWS_SESSION_TOKEN", "\x01unset"},
            {"AWS_ENDPOINT_URL_STS", "\x01unset"},
            {"AWS_ENDPOINT_URL_SECRETS_MANAGER", "\x01unset"}};
  }
  CommandResult Keyward(const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env) {
    std::vector<std::string> argv = {testing::KeywardBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, env);
  }
  CommandResult Aws(std::vector<std::string> args,
                    std::map<std::string, std::string> env) {
    args.insert(args.begin(), "aws");
    args.insert(args.end(),
                {"--endpoint-url", server_->endpoint(), "--output", "json"});
    return RunCommand(args, env, "", 120000);
  }
  static nlohmann::json Json(const std::string& s) {
    return nlohmann::json::parse(s, nullptr, false);
  }

  TempDir dir_;
  std::unique_ptr<KeywardServer> server_;
};

TEST_F(StsServerTest, KeywardWhoamiAnswersWithTheCallersArn) {
  CommandResult r = Keyward({"whoami", "-o", "json"}, Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = Json(r.out);
  EXPECT_EQ(j["Arn"], "arn:aws:iam::123456789012:user/ops");
  EXPECT_EQ(j["Account"], "123456789012");
  EXPECT_THAT(j["UserId"].get<std::string>(), ::testing::StartsWith("AIDA"));
}

TEST_F(StsServerTest, AwsCliGetCallerIdentityAndAssumeRole) {
  KW_REQUIRE_PEER("aws");
  CommandResult id = Aws({"sts", "get-caller-identity"}, Env());
  ASSERT_EQ(id.exit_code, 0) << id.err;
  EXPECT_EQ(Json(id.out)["Arn"], "arn:aws:iam::123456789012:user/ops");

  CommandResult ar =
      Aws({"sts", "assume-role", "--role-arn", kReader, "--role-session-name",
           "cli-session", "--duration-seconds", "900"},
          Env());
  ASSERT_EQ(ar.exit_code, 0) << ar.err;
  auto j = Json(ar.out);
  std::string key = j["Credentials"]["AccessKeyId"];
  EXPECT_THAT(key, ::testing::StartsWith("ASIA"));
  EXPECT_EQ(j["AssumedRoleUser"]["Arn"],
            "arn:aws:sts::123456789012:assumed-role/billing-reader/"
            "cli-session");
  auto env = Env();
  env["AWS_PROFILE"] = "\x01unset";
  env["AWS_ACCESS_KEY_ID"] = key;
  env["AWS_SECRET_ACCESS_KEY"] = j["Credentials"]["SecretAccessKey"];
  env["AWS_SESSION_TOKEN"] = j["Credentials"]["SessionToken"];
  CommandResult get = Aws({"secretsmanager", "get-secret-value", "--secret-id",
                           kSecret, "--query", "SecretString"},
                          env);
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_THAT(get.out, HasSubstr(kCanary));
  CommandResult list = Aws({"secretsmanager", "list-secrets"}, env);
  EXPECT_NE(list.exit_code, 0);
  EXPECT_THAT(list.err, HasSubstr("AccessDeniedException"));

  // Longer than the role's MaxSessionDuration (3600 by default).
  CommandResult too_long =
      Aws({"sts", "assume-role", "--role-arn", kReader, "--role-session-name",
           "cli-session", "--duration-seconds", "7200"},
          Env());
  EXPECT_NE(too_long.exit_code, 0);
  EXPECT_THAT(too_long.err, HasSubstr("ValidationError"));
  EXPECT_THAT(too_long.err, HasSubstr("MaxSessionDuration"));
}

constexpr char kBoto3[] = R"(
import sys, boto3, botocore.exceptions as E
endpoint, role, name = sys.argv[1:4]
session = boto3.session.Session(region_name="us-east-1")
sts = session.client("sts", endpoint_url=endpoint)
def code(f):
    try:
        f(); return "ok"
    except E.ClientError as e:
        return e.response["Error"]["Code"]
out = []
r = sts.assume_role(RoleArn=role, RoleSessionName="boto3", DurationSeconds=900)
c = r["Credentials"]
out.append(c["AccessKeyId"][:4])
out.append(str(hasattr(c["Expiration"], "timestamp")))
temp = boto3.session.Session(aws_access_key_id=c["AccessKeyId"],
    aws_secret_access_key=c["SecretAccessKey"],
    aws_session_token=c["SessionToken"], region_name="us-east-1")
sm = temp.client("secretsmanager", endpoint_url=endpoint)
v = sm.get_secret_value(SecretId=name)["SecretString"]
out.append("value-ok" if v.startswith("CANARY") else "value-wrong")
out.append(temp.client("sts", endpoint_url=endpoint).get_caller_identity()["Arn"])
out.append(code(lambda: sm.list_secrets()))
tampered = c["SessionToken"][:-4] + ("AAAA" if not c["SessionToken"].endswith("AAAA") else "BBBB")
bad = boto3.session.Session(aws_access_key_id=c["AccessKeyId"],
    aws_secret_access_key=c["SecretAccessKey"], aws_session_token=tampered,
    region_name="us-east-1")
out.append(code(lambda: bad.client("secretsmanager", endpoint_url=endpoint).get_secret_value(SecretId=name)))
out.append(code(lambda: bad.client("sts", endpoint_url=endpoint).get_caller_identity()))
print(" ".join(out))
)";

TEST_F(StsServerTest, Boto3AssumeRoleThenSecretsManager) {
  KW_REQUIRE_PEER("python3");
  auto env = Env();
  CommandResult r = RunCommand(
      {"python3", "-c", kBoto3, server_->endpoint(), kReader, kSecret}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "ASIA True value-ok "
            "arn:aws:sts::123456789012:assumed-role/billing-reader/boto3 "
            "AccessDeniedException UnrecognizedClientException "
            "InvalidClientTokenId\n");
  EXPECT_THAT(r.out + r.err, ::testing::Not(HasSubstr(kCanary)));
}

TEST_F(StsServerTest, CallerWithoutSTSAssumeRoleIsDenied) {
  KW_REQUIRE_PEER("aws");
  auto env = Env();
  env["AWS_PROFILE"] = "\x01unset";
  env["AWS_ACCESS_KEY_ID"] = kAppKey;
  env["AWS_SECRET_ACCESS_KEY"] = "app-secret";
  CommandResult r = Aws({"sts", "assume-role", "--role-arn", kReader,
                         "--role-session-name", "app"},
                        env);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("AccessDenied"));
  EXPECT_THAT(r.err, HasSubstr("user/billing-app is not authorized to "
                               "perform: sts:AssumeRole"));
}

TEST_F(StsServerTest, RoleArnProfileWithTheKeywardCliAndTheAwsCli) {
  CommandResult who = Keyward({"--profile", "billing", "whoami", "-o", "json"},
                              Env("\x01unset"));
  ASSERT_EQ(who.exit_code, 0) << who.err;
  auto j = Json(who.out);
  EXPECT_EQ(j["Arn"],
            "arn:aws:sts::123456789012:assumed-role/billing-reader/it-session");
  EXPECT_THAT(j["AccessKeyId"].get<std::string>(), HasSubstr("*"));
  EXPECT_NE(j["Expiration"], "");
  CommandResult get = Keyward(
      {"--profile", "billing", "get", kSecret, "--reveal"}, Env("\x01unset"));
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_THAT(get.out, HasSubstr(kCanary));
  // The role may read only that secret: listing is denied.
  CommandResult list =
      Keyward({"--profile", "billing", "list"}, Env("\x01unset"));
  EXPECT_NE(list.exit_code, 0);

  if (!testing::OnPath("aws")) return;
  CommandResult aws = Aws({"sts", "get-caller-identity"}, Env("billing"));
  ASSERT_EQ(aws.exit_code, 0) << aws.err;
  EXPECT_EQ(Json(aws.out)["Arn"],
            "arn:aws:sts::123456789012:assumed-role/billing-reader/it-session");
}

// Issue 12, 3.5: a policy written for another account than --account-id
// is named at start (its requests would all be denied).
TEST(ServerPolicyAccountTest, ForeignAccountPolicyIsNamedAtStart) {
  TempDir dir;
  dir.Write("creds",
            "[ops]\naws_access_key_id = AKIAKWSTSOPS00000009\n"
            "aws_secret_access_key = s\n");
  dir.Write("ops.json", R"({"Statement": [{"Effect": "Allow",
      "Action": "secretsmanager:*",
      "Resource": "arn:aws:secretsmanager:*:111122223333:secret:*"}]})");
  auto s =
      KeywardServer::Start(dir, {"--credentials", dir.File("creds"), "--policy",
                                 "ops=" + dir.File("ops.json")});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_THAT(testing::Slurp(dir.File("server.log")),
              HasSubstr("its Allow statements name resources of account "
                        "111122223333, but this keyward server's "
                        "--account-id is 123456789012"));
}

}  // namespace
}  // namespace keyward
