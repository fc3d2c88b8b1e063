// Every credentials route end to end against moto_server with signature
// verification on: environment, static profile, credential_process, and
// role_arn + source_profile through moto's STS. For each, `keyward --profile P
// get NAME --reveal` returns the value and `keyward whoami` the right ARN.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/testing/peers.h"

namespace keyward {
namespace {

using ::keyward::testing::CommandResult;
using ::keyward::testing::KeywardBinary;
using ::keyward::testing::MotoServer;
using ::keyward::testing::RunCommand;
using ::keyward::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kValue[] = "CANARY-db-password-7d1f";
constexpr char kName[] = "platform-data/postgres/orders";

// Unauthenticated setup calls; every later request must be signed with a
// key moto knows.
constexpr int kSetupCalls = 6;
constexpr char kSetup[] = R"(
import boto3, json, sys
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1",
          aws_access_key_id="x", aws_secret_access_key="y")
iam = boto3.client("iam", **kw)
iam.create_user(UserName="orders")
k = iam.create_access_key(UserName="orders")["AccessKey"]
allow = lambda a: json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": a, "Resource": "*"}]})
iam.put_user_policy(UserName="orders", PolicyName="p", PolicyDocument=allow("*"))
trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]})
iam.create_role(RoleName="orders-reader", AssumeRolePolicyDocument=trust)
iam.put_role_policy(RoleName="orders-reader", PolicyName="p",
                    PolicyDocument=allow(["secretsmanager:*", "sts:*"]))
sm = boto3.client("secretsmanager", **kw)
sm.create_secret(Name=sys.argv[2], SecretString=sys.argv[3])
print(k["AccessKeyId"], k["SecretAccessKey"])
)";

class CredentialsMotoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!::keyward::testing::OnPath("moto_server") ||
        !::keyward::testing::OnPath("python3")) {
      return;
    }
    auto m = MotoServer::Start({.initial_no_auth_action_count = kSetupCalls});
    ASSERT_TRUE(m.ok()) << m.status();
    moto_ = m->release();
    CommandResult r =
        RunCommand({"python3", "-c", kSetup, moto_->endpoint(), kName, kValue});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    key_id_ = new std::string(r.out.substr(0, r.out.find(' ')));
    secret_ = new std::string(r.out.substr(r.out.find(' ') + 1));
    secret_->erase(secret_->find_last_not_of('\n') + 1);
  }
  static void TearDownTestSuite() {
    delete moto_;  // stops moto_server
    moto_ = nullptr;
  }
  void SetUp() override {
    KW_REQUIRE_PEER("moto_server");
    KW_REQUIRE_PEER("python3");
    ASSERT_NE(moto_, nullptr);
    ASSERT_NE(key_id_, nullptr);
    RunCommand({"mkdir", "-p", dir_.File(".aws")});
  }

  // Runs keyward with a clean AWS environment pointing at moto.
  CommandResult Keyward(std::vector<std::string> args,
                        std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> env = {
        {"HOME", dir_.path()},
        {"AWS_CONFIG_FILE", dir_.File(".aws/config")},
        {"AWS_SHARED_CREDENTIALS_FILE", dir_.File(".aws/credentials")},
        {"AWS_ENDPOINT_URL", endpoint_.empty() ? moto_->endpoint() : endpoint_},
        {"AWS_REGION", "us-east-1"},
        {"AWS_ACCESS_KEY_ID", "\x01unset"},
        {"AWS_SECRET_ACCESS_KEY", "\x01unset"},
        {"AWS_SESSION_TOKEN", "\x01unset"},
        {"AWS_PROFILE", "\x01unset"},
        {"AWS_DEFAULT_PROFILE", "\x01unset"},
        {"AWS_DEFAULT_REGION", "\x01unset"},
        {"AWS_ENDPOINT_URL_STS", "\x01unset"},
        {"AWS_ENDPOINT_URL_SECRETS_MANAGER", "\x01unset"},
    };
    for (auto& [k, v] : extra) env[k] = v;
    args.insert(args.begin(), KeywardBinary());
    CommandResult r = RunCommand(args, env);
    // Hygiene: the secret access key never appears in any output.
    EXPECT_THAT(r.out, Not(HasSubstr(*secret_)));
    EXPECT_THAT(r.err, Not(HasSubstr(*secret_)));
    return r;
  }
  void ExpectRoute(const std::string& profile, const std::string& arn_prefix,
                   const std::string& provider_prefix,
                   std::map<std::string, std::string> extra = {}) {
    std::vector<std::string> p;
    if (!profile.empty()) p = {"--profile", profile};
    std::vector<std::string> get = p;
    get.insert(get.end(), {"get", kName, "--reveal"});
    CommandResult r = Keyward(get, extra);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, std::string(kValue) + "\n");
    std::vector<std::string> who = p;
    who.insert(who.end(), {"whoami", "-o", "json"});
    r = Keyward(who, extra);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["Account"], "123456789012");
    EXPECT_THAT(j["Arn"].get<std::string>(), ::testing::StartsWith(arn_prefix));
    EXPECT_THAT(j["Provider"].get<std::string>(),
                ::testing::StartsWith(provider_prefix));
    EXPECT_EQ(j["StsEndpoint"],
              endpoint_.empty() ? moto_->endpoint() : endpoint_);
  }
  std::string StaticCredentials(const std::string& section) {
    return "[" + section + "]\naws_access_key_id = " + *key_id_ +
           "\naws_secret_access_key = " + *secret_ + "\n";
  }

  static MotoServer* moto_;
  static std::string* key_id_;
  static std::string* secret_;
  TempDir dir_;
  std::string endpoint_;  // overrides the shared moto's endpoint
};

MotoServer* CredentialsMotoTest::moto_ = nullptr;
std::string* CredentialsMotoTest::key_id_ = nullptr;
std::string* CredentialsMotoTest::secret_ = nullptr;

TEST_F(CredentialsMotoTest, EnvironmentRoute) {
  ExpectRoute(
      "", "arn:aws:iam::123456789012:user/orders", "environment",
      {{"AWS_ACCESS_KEY_ID", *key_id_}, {"AWS_SECRET_ACCESS_KEY", *secret_}});
}

TEST_F(CredentialsMotoTest, StaticProfileRoute) {
  dir_.Write(".aws/credentials", StaticCredentials("orders"));
  ExpectRoute("orders", "arn:aws:iam::123456789012:user/orders",
              "shared-credentials-file");
  // AWS_PROFILE works the same way.
  CommandResult r =
      Keyward({"get", kName, "--reveal"}, {{"AWS_PROFILE", "orders"}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(CredentialsMotoTest, CredentialProcessRoute) {
  dir_.Write("helper.sh",
             "#!/bin/sh\nprintf '{\"Version\": 1, \"AccessKeyId\": \"%s\", "
             "\"SecretAccessKey\": "
             "\"%s\"}' \"$1\" \"$2\"\n",
             0700);
  dir_.Write(".aws/config",
             "[profile ra]\ncredential_process = " + dir_.File("helper.sh") +
                 " " + *key_id_ + " " + *secret_ + "\n");
  ExpectRoute("ra", "arn:aws:iam::123456789012:user/orders",
              "credential_process");
}

TEST_F(CredentialsMotoTest, AssumeRoleRoute) {
  // moto (5.x) denies every sts:AssumeRole once signature verification is on,
  // whatever the policies (boto3 gets the same AccessDenied), so this route
  // runs against its own moto without verification. The STS query call, the
  // XML parsing and signing with the returned session credentials are still
  // exercised end to end.
  auto own = MotoServer::Start();
  ASSERT_TRUE(own.ok()) << own.status();
  endpoint_ = (*own)->endpoint();
  CommandResult r =
      RunCommand({"python3", "-c", kSetup, endpoint_, kName, kValue});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string id = r.out.substr(0, r.out.find(' '));
  dir_.Write(".aws/credentials", "[base]\naws_access_key_id = " + id +
                                     "\naws_secret_access_key = " + *secret_ +
                                     "\n");
  dir_.Write(".aws/config",
             "[profile deploy]\nrole_arn = "
             "arn:aws:iam::123456789012:role/orders-reader\n"
             "source_profile = base\nrole_session_name = it-session\n");
  ExpectRoute("deploy",
              "arn:aws:sts::123456789012:assumed-role/orders-reader/it-session",
              "assume-role (profile deploy");
}

TEST_F(CredentialsMotoTest, CredentialProcessFailureShowsStderrOnly) {
  dir_.Write("helper.sh",
             "#!/bin/sh\necho '{\"SecretAccessKey\": \"CANARY-stdout\"}'\n"
             "echo 'signing helper: certificate expired' >&2\nexit 1\n",
             0700);
  dir_.Write(".aws/config", "[profile ra]\ncredential_process = " +
                                dir_.File("helper.sh") + "\n");
  CommandResult r = Keyward({"--profile", "ra", "whoami"});
  EXPECT_EQ(r.exit_code, 4) << r.err;  // authentication error
  EXPECT_THAT(r.err, HasSubstr("config:2: profile 'ra': credential_process"));
  EXPECT_THAT(
      r.err,
      HasSubstr("exited with status 1: signing helper: certificate expired"));
  EXPECT_THAT(r.err + r.out, Not(HasSubstr("CANARY-stdout")));
}

TEST_F(CredentialsMotoTest, WrongSecretIsUnauthenticatedAndLooseFileWarns) {
  dir_.Write(".aws/credentials",
             "[bad]\naws_access_key_id = " + *key_id_ +
                 "\naws_secret_access_key = wrong\n",
             0644);
  CommandResult r = Keyward({"--profile", "bad", "whoami"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("readable by group or others (mode 0644)"));
  EXPECT_THAT(
      r.err,
      HasSubstr("credentials from shared-credentials-file (profile bad"));
}

TEST_F(CredentialsMotoTest, UnknownProfile) {
  CommandResult r = Keyward({"--profile", "ghost", "get", kName});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("profile 'ghost' (from --profile) is not in"));
}

}  // namespace
}  // namespace keyward
