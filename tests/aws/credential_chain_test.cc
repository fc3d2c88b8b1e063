// The default chain with fake environment, files, process runner, HTTP and
// clock: precedence, every broken input, AssumeRole wiring, reload, hygiene.
#include "keyward/aws/credential_chain.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/fake_process_runner.h"
#include "tests/testing/fakes.h"

namespace keyward::aws {
namespace {

using ::keyward::testing::FakeClock;
using ::keyward::testing::FakeEnvironment;
using ::keyward::testing::FakeFileSystem;
using ::keyward::testing::FakeHttpClient;
using ::keyward::testing::FakeProcessRunner;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCanary[] = "CANARYwJalrXUtnFEMIK7MDENGbPxRfiCY";
constexpr char kConfig[] = "/home/u/.aws/config";
constexpr char kCreds[] = "/home/u/.aws/credentials";

std::string StsCredentialsXml(const std::string& akid,
                              const std::string& expiration) {
  return "<AssumeRoleResponse "
         "xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
         "<AssumeRoleResult><Credentials><AccessKeyId>" +
         akid + "</AccessKeyId><SecretAccessKey>" + kCanary +
         "</SecretAccessKey><SessionToken>TOKEN&amp;x</"
         "SessionToken><Expiration>" +
         expiration +
         "</Expiration></"
         "Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:"
         "assumed-role/app/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></"
         "AssumedRoleUser>"
         "</AssumeRoleResult></AssumeRoleResponse>";
}

std::string StsError(const std::string& code, const std::string& message) {
  return "<ErrorResponse><Error><Type>Sender</Type><Code>" + code +
         "</Code><Message>" + message +
         "</Message></Error><RequestId>r</RequestId></ErrorResponse>";
}

class ChainTest : public ::testing::Test {
 protected:
  ChainTest() {
    env_.Set("HOME", "/home/u");
    http_ = std::make_shared<FakeHttpClient>();
  }
  ChainOptions Options(std::string profile = "") {
    ChainOptions o;
    o.profile = std::move(profile);
    o.runtime.env = &env_;
    o.runtime.fs = &fs_;
    o.runtime.clock = &clock_;
    o.http = http_;
    o.runtime.process = &runner_;
    o.runtime.log = &log_;
    return o;
  }
  StatusOr<Credentials> Get(std::string profile = "") {
    StatusOr<Credentials> c =
        NewUncachedCredentialsChain(Options(std::move(profile)))->Get();
    if (!c.ok()) {
      EXPECT_THAT(c.status().message(), Not(HasSubstr(kCanary)));
      EXPECT_THAT(c.status().message(), Not(HasSubstr("CANARY")));
    }
    return c;
  }
  std::string Error(std::string profile = "") {
    StatusOr<Credentials> c = Get(std::move(profile));
    EXPECT_FALSE(c.ok());
    return c.ok() ? "" : c.status().message();
  }
  void StaticCreds(const std::string& section, const std::string& akid) {
    fs_.Write(kCreds, "[" + section + "]\naws_access_key_id = " + akid +
                          "\naws_secret_access_key = " + kCanary + "\n");
  }

  FakeEnvironment env_;
  FakeFileSystem fs_;
  FakeClock clock_;
  FakeProcessRunner runner_;
  std::shared_ptr<FakeHttpClient> http_;
  testing::FakeLogger log_;
  std::vector<std::string> warnings() const {
    std::vector<std::string> out;
    for (const auto& [level, line] : log_.lines()) out.push_back(line);
    return out;
  }
};

TEST_F(ChainTest, EnvironmentComesFirst) {
  env_.Set("AWS_ACCESS_KEY_ID", "AKIDENV");
  env_.Set("AWS_SECRET_ACCESS_KEY", kCanary);
  StaticCreds("default", "AKIDFILE");
  auto c = Get();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->access_key_id, "AKIDENV");
  EXPECT_EQ(c->provider, "environment");
}

TEST_F(ChainTest, ExplicitProfileSkipsEnvironmentLikeAwsCli) {
  env_.Set("AWS_ACCESS_KEY_ID", "AKIDENV");
  env_.Set("AWS_SECRET_ACCESS_KEY", kCanary);
  StaticCreds("app", "AKIDAPP");
  auto c = Get("app");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->access_key_id, "AKIDAPP");
  // AWS_PROFILE does not disable the environment.
  env_.Set("AWS_PROFILE", "app");
  c = Get();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->access_key_id, "AKIDENV");
}

TEST_F(ChainTest, ProfileSelectionOrder) {
  fs_.Write(kCreds,
            "[default]\naws_access_key_id = D\naws_secret_access_key = s\n"
            "[p1]\naws_access_key_id = P1\naws_secret_access_key = s\n"
            "[p2]\naws_access_key_id = P2\naws_secret_access_key = s\n");
  EXPECT_EQ(Get()->access_key_id, "D");
  env_.Set("AWS_PROFILE", "p1");
  EXPECT_EQ(Get()->access_key_id, "P1");
  env_.Set("AWS_DEFAULT_PROFILE", "p2");  // botocore reads it first
  EXPECT_EQ(Get()->access_key_id, "P2");
  EXPECT_EQ(Get("default")->access_key_id, "D");
}

TEST_F(ChainTest, CredentialsFileStaticKeysAndTokens) {
  fs_.Write(kCreds,
            "[app]\naws_access_key_id = AKIDAPP\naws_secret_access_key = " +
                std::string(kCanary) +
                "\naws_session_token = tok\naws_security_token = legacy\n");
  auto c = Get("app");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->access_key_id, "AKIDAPP");
  EXPECT_EQ(c->secret_access_key.Reveal(), kCanary);
  EXPECT_EQ(c->session_token.Reveal(), "legacy");  // botocore checks it first
  EXPECT_FALSE(c->expiration.has_value());
  EXPECT_EQ(c->provider,
            "shared-credentials-file (profile app, /home/u/.aws/credentials)");
}

TEST_F(ChainTest, ConfigFileNeedsProfilePrefix) {
  fs_.Write(
      kConfig,
      "[app]\naws_access_key_id = WRONG\naws_secret_access_key = s\n"
      "[profile app]\naws_access_key_id = RIGHT\naws_secret_access_key = s\n"
      "[default]\naws_access_key_id = DEF\naws_secret_access_key = s\n");
  auto c = Get("app");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->access_key_id, "RIGHT");
  EXPECT_THAT(c->provider, HasSubstr("config-file"));
  EXPECT_EQ(Get()->access_key_id, "DEF");
}

TEST_F(ChainTest, CredentialsFileBeatsProcessBeatsConfig) {
  fs_.Write(
      kConfig,
      "[profile app]\naws_access_key_id = CONFIG\naws_secret_access_key = s\n"
      "credential_process = helper --x\n");
  runner_.Push(
      R"({"Version": 1, "AccessKeyId": "PROC", "SecretAccessKey": "s"})");
  EXPECT_EQ(Get("app")->access_key_id, "PROC");
  StaticCreds("app", "CREDS");
  EXPECT_EQ(Get("app")->access_key_id, "CREDS");
  EXPECT_EQ(runner_.requests().size(), 1u);
}

TEST_F(ChainTest, FileLocationsFromEnvironment) {
  env_.Set("AWS_SHARED_CREDENTIALS_FILE", "~/keys/$APP_NAME/creds");
  env_.Set("APP_NAME", "orders");
  env_.Set("AWS_CONFIG_FILE", "${HOME}/cfg");
  fs_.Write(
      "/home/u/keys/orders/creds",
      "[default]\naws_access_key_id = MOVED\naws_secret_access_key = s\n");
  fs_.Write("/home/u/cfg", "[default]\nregion = eu-west-3\n");
  EXPECT_EQ(Get()->access_key_id, "MOVED");
  auto s = ResolveProfileSettings(Options());
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->region, "eu-west-3");
  EXPECT_EQ(s->config_file, "/home/u/cfg");
  EXPECT_EQ(s->credentials_file, "/home/u/keys/orders/creds");
}

TEST_F(ChainTest, MissingSecretKeyNamesFileLineProfile) {
  fs_.Write(kCreds, "[other]\n\n[app]\naws_access_key_id = AKIDAPP\n");
  auto c = Get("app");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(
      c.status().message(),
      "/home/u/.aws/credentials:4: profile 'app': aws_access_key_id is set but "
      "aws_secret_access_key is not");
}

TEST_F(ChainTest, SecretWithoutKeyIdIsAnError) {
  fs_.Write(kCreds,
            std::string("[app]\naws_secret_access_key = ") + kCanary + "\n");
  EXPECT_EQ(Error("app"),
            "/home/u/.aws/credentials:2: profile 'app': aws_secret_access_key "
            "is set but "
            "aws_access_key_id is not");
}

TEST_F(ChainTest, EmptyKeyValues) {
  fs_.Write(kCreds, "[app]\naws_access_key_id =\naws_secret_access_key = x\n");
  EXPECT_THAT(Error("app"),
              HasSubstr(":2: profile 'app': aws_access_key_id is empty"));
}

TEST_F(ChainTest, MalformedFileStopsTheChain) {
  fs_.Write(kCreds,
            std::string("[app]\naws_access_key_id = A\n") + kCanary + "\n");
  auto c = Get("app");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(),
              HasSubstr("/home/u/.aws/credentials:3: expected"));
}

TEST_F(ChainTest, UnknownProfileAndNoCredentials) {
  StaticCreds("app", "A");
  auto c = Get("nope");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(c.status().message(),
              HasSubstr("profile 'nope' (from --profile) is not in"));
  c = Get();
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
  fs_.Write(kConfig, "[profile empty]\nregion = us-east-1\n");
  c = Get("empty");
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(c.status().message(),
              HasSubstr("/home/u/.aws/config:1) has no credentials"));
}

TEST_F(ChainTest, SsoAndWebIdentityAreUnsupportedNotIgnored) {
  fs_.Write(kConfig, "[profile sso]\nsso_session = corp\nregion = x\n");
  auto c = Get("sso");
  EXPECT_EQ(c.status().code(), StatusCode::kUnimplemented);
  EXPECT_THAT(c.status().message(),
              HasSubstr("/home/u/.aws/config:2: profile 'sso'"));
}

// ---- credential_process ----------------------------------------------------

TEST_F(ChainTest, CredentialProcessSplitsLikeShlexAndParsesVersion1) {
  fs_.Write(
      kConfig,
      "[profile ra]\ncredential_process = /usr/bin/aws_signing_helper "
      "credential-process --certificate '/etc/pki/my cert.pem' --role-arn "
      "\"arn:aws:iam::1:role/a b\" x\\ y\n");
  runner_.Push(
      std::string(
          R"({"Version": 1, "AccessKeyId": "ASIAPROC", "SecretAccessKey": ")") +
      kCanary +
      R"(", "SessionToken": "tok", "Expiration": "2023-11-14T23:13:20Z"})");
  auto c = Get("ra");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->access_key_id, "ASIAPROC");
  EXPECT_EQ(c->secret_access_key.Reveal(), kCanary);
  EXPECT_EQ(c->session_token.Reveal(), "tok");
  ASSERT_TRUE(c->expiration.has_value());
  EXPECT_EQ(FormatIso8601(*c->expiration), "2023-11-14T23:13:20Z");
  EXPECT_THAT(c->provider, HasSubstr("credential_process (profile ra"));
  auto reqs = runner_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].argv,
            (std::vector<std::string>{"/usr/bin/aws_signing_helper",
                                      "credential-process", "--certificate",
                                      "/etc/pki/my cert.pem", "--role-arn",
                                      "arn:aws:iam::1:role/a b", "x y"}));
  EXPECT_EQ(reqs[0].timeout, std::chrono::milliseconds(60000));
}

TEST_F(ChainTest, CredentialProcessFailureSurfacesStderrNotStdout) {
  fs_.Write(kConfig, "[profile ra]\nregion = x\ncredential_process = helper\n");
  runner_.Push(std::string("{\"SecretAccessKey\": \"") + kCanary + "\"}", 3,
               "helper: certificate expired\n");
  EXPECT_EQ(Error("ra"),
            "/home/u/.aws/config:3: profile 'ra': credential_process 'helper' "
            "exited with "
            "status 3: helper: certificate expired");
}

TEST_F(ChainTest, CredentialProcessBadOutputs) {
  fs_.Write(kConfig, "[profile ra]\ncredential_process = helper\n");
  const std::string c(kCanary);
  struct Case {
    std::string out;
    std::string error;
  } cases[] = {
      {"not json " + c, "is not a JSON object"},
      {"[\"" + c + "\"]", "is not a JSON object"},
      {R"({"Version": 2, "AccessKeyId": "A", "SecretAccessKey": ")" + c + "\"}",
       "has no \"Version\": 1"},
      {R"({"AccessKeyId": "A", "SecretAccessKey": ")" + c + "\"}",
       "has no \"Version\": 1"},
      {R"({"Version": 1, "SecretAccessKey": ")" + c + "\"}",
       "has no \"AccessKeyId\""},
      {R"({"Version": 1, "AccessKeyId": "A"})", "has no \"SecretAccessKey\""},
      {R"({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": ")" + c +
           R"(", "Expiration": "tomorrow"})",
       "\"Expiration\" that is not an ISO 8601"},
  };
  for (const Case& k : cases) {
    runner_.Push(k.out);
    std::string e = Error("ra");
    EXPECT_THAT(
        e,
        HasSubstr(
            "/home/u/.aws/config:2: profile 'ra': credential_process output"));
    EXPECT_THAT(e, HasSubstr(k.error));
  }
}

TEST_F(ChainTest, CredentialProcessRunnerErrorsAndBadCommandLines) {
  fs_.Write(kConfig, "[profile ra]\ncredential_process = helper --flag\n");
  runner_.PushError(DeadlineExceededError("did not finish within 60000 ms"));
  auto c = Get("ra");
  EXPECT_EQ(c.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_THAT(c.status().message(),
              HasSubstr("credential_process 'helper': did not finish"));
  fs_.Write(kConfig, "[profile ra]\ncredential_process = helper 'unclosed\n");
  EXPECT_THAT(
      Error("ra"),
      HasSubstr(":2: profile 'ra': credential_process: the command has an "
                "unclosed ' quote"));
  fs_.Write(kConfig, "[profile ra]\ncredential_process =\n");
  EXPECT_THAT(Error("ra"), HasSubstr("credential_process is empty"));
}

// ---- AssumeRole
// --------------------------------------------------------------

TEST_F(ChainTest, AssumeRoleWithSourceProfile) {
  fs_.Write(
      kConfig,
      "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/app\n"
      "source_profile = base\nexternal_id = ext-1\nduration_seconds = 1800\n"
      "role_session_name = orders\nregion = eu-west-1\n");
  StaticCreds("base", "AKIDBASE");
  http_->Push(200, StsCredentialsXml("ASIAROLE", "2023-11-15T00:00:00Z"));
  auto c = Get("deploy");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->access_key_id, "ASIAROLE");
  EXPECT_EQ(c->secret_access_key.Reveal(), kCanary);
  EXPECT_EQ(c->session_token.Reveal(), "TOKEN&x");
  EXPECT_EQ(FormatIso8601(*c->expiration), "2023-11-15T00:00:00Z");
  EXPECT_EQ(c->provider,
            "assume-role (profile deploy, arn:aws:iam::123456789012:role/app)");
  auto reqs = http_->requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].url, "https://sts.eu-west-1.amazonaws.com/");
  std::string body(reqs[0].body.begin(), reqs[0].body.end());
  EXPECT_EQ(body,
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%"
            "3A123456789012%3A"
            "role%2Fapp&RoleSessionName=orders&ExternalId=ext-1&"
            "DurationSeconds=1800");
  auto auth = reqs[0].Header("Authorization");
  ASSERT_TRUE(auth.has_value());
  EXPECT_THAT(std::string(*auth),
              HasSubstr("Credential=AKIDBASE/20231114/eu-west-1/sts/"));
}

TEST_F(ChainTest, AssumeRoleEndpointAndRegionOverrides) {
  fs_.Write(kConfig,
            "[profile deploy]\nrole_arn = "
            "arn:aws:iam::1:role/app\nsource_profile = base\n");
  StaticCreds("base", "AKIDBASE");
  http_->Push(200, StsCredentialsXml("A1", "2023-11-15T00:00:00Z"));
  ASSERT_TRUE(Get("deploy").ok());
  EXPECT_EQ(http_->requests().back().url,
            "https://sts.amazonaws.com/");  // no region: global
  auto sent = http_->requests();  // a copy: take both iterators from it
  std::string body(sent.back().body.begin(), sent.back().body.end());
  EXPECT_THAT(body, HasSubstr("RoleSessionName=keyward-session-1700000000"));
  env_.Set("AWS_DEFAULT_REGION", "ap-south-1");
  env_.Set("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9/");
  http_->Push(200, StsCredentialsXml("A2", "2023-11-15T00:00:00Z"));
  ASSERT_TRUE(Get("deploy").ok());
  EXPECT_EQ(http_->requests().back().url, "http://127.0.0.1:9/");
  EXPECT_THAT(std::string(*http_->requests().back().Header("Authorization")),
              HasSubstr("/ap-south-1/sts/aws4_request"));
}

TEST_F(ChainTest, ChainedRoles) {
  fs_.Write(
      kConfig,
      "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
      "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = c\n");
  StaticCreds("c", "AKIDC");
  http_->Push(200, StsCredentialsXml("ASIAB", "2023-11-15T00:00:00Z"));
  http_->Push(200, StsCredentialsXml("ASIAA", "2023-11-15T00:00:00Z"));
  auto c = Get("a");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->access_key_id, "ASIAA");
  auto reqs = http_->requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_THAT(std::string(*reqs[0].Header("Authorization")),
              HasSubstr("Credential=AKIDC/"));
  EXPECT_THAT(std::string(reqs[0].body.begin(), reqs[0].body.end()),
              HasSubstr("role%2Fb"));
  EXPECT_THAT(std::string(*reqs[1].Header("Authorization")),
              HasSubstr("Credential=ASIAB/"));
  EXPECT_THAT(std::string(reqs[1].body.begin(), reqs[1].body.end()),
              HasSubstr("role%2Fa"));
}

TEST_F(ChainTest, SourceProfileWithStaticKeysIsNotAssumedAgain) {
  // botocore: a source profile with static keys supplies them directly, even
  // when it also has a role_arn (which allows self-reference).
  fs_.Write(
      kConfig,
      "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
      "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = b\n");
  StaticCreds("b", "AKIDB");
  http_->Push(200, StsCredentialsXml("ASIAA", "2023-11-15T00:00:00Z"));
  auto c = Get("a");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->access_key_id, "ASIAA");
  ASSERT_EQ(http_->requests().size(), 1u);
  EXPECT_THAT(std::string(*http_->requests()[0].Header("Authorization")),
              HasSubstr("Credential=AKIDB/"));
  // Top-level self reference: b assumes role/b with its own keys.
  http_->Push(200, StsCredentialsXml("ASIAB", "2023-11-15T00:00:00Z"));
  c = Get("b");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->access_key_id, "ASIAB");
}

TEST_F(ChainTest, SourceProfileLoop) {
  fs_.Write(
      kConfig,
      "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
      "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n");
  EXPECT_EQ(
      Error("a"),
      "/home/u/.aws/config:6: profile 'b': source_profile loop: a -> b -> a");
  fs_.Write(
      kConfig,
      "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = a\n");
  EXPECT_THAT(Error("a"), HasSubstr("source_profile loop: a -> a"));
}

TEST_F(ChainTest, RoleConfigErrors) {
  struct Case {
    std::string config;
    StatusCode code;
    std::string error;
  } cases[] = {
      {"[profile a]\nrole_arn = r\n", StatusCode::kInvalidArgument,
       "config:2: profile 'a': role_arn is set but neither source_profile nor "
       "credential_source is"},
      {"[profile a]\nrole_arn = r\nsource_profile = b\ncredential_source = "
       "Environment\n",
       StatusCode::kInvalidArgument, "config:4: profile 'a': sets both"},
      {"[profile a]\nrole_arn = r\nsource_profile = ghost\n",
       StatusCode::kInvalidArgument,
       "config:3: profile 'a': source_profile 'ghost' does not exist"},
      {"[profile a]\nrole_arn = r\ncredential_source = Ec2InstanceMetadata\n",
       StatusCode::kUnimplemented, "not available on an on-premises server"},
      {"[profile a]\nrole_arn = r\ncredential_source = Bogus\n",
       StatusCode::kInvalidArgument, "credential_source 'Bogus' is not valid"},
      {"[profile a]\nrole_arn = r\ncredential_source = Environment\n",
       StatusCode::kInvalidArgument,
       "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not set"},
      {"[profile a]\nrole_arn = r\nsource_profile = b\nduration_seconds = "
       "1h\n[profile b]\n"
       "region = x\n",
       StatusCode::kInvalidArgument,
       "config:4: profile 'a': duration_seconds must be"},
      {"[profile a]\nrole_arn = r\nsource_profile = b\n[profile b]\nregion = "
       "x\n",
       StatusCode::kInvalidArgument,
       "config:4: profile 'b': is used as a source_profile but has no "
       "credentials"},
      {"[profile a]\nrole_arn = r\nsource_profile = a\nmfa_serial = arn:mfa\n",
       StatusCode::kUnimplemented, "config:4: profile 'a': mfa_serial"},
  };
  for (const Case& k : cases) {
    fs_.Write(kConfig, k.config);
    auto c = Get("a");
    ASSERT_FALSE(c.ok()) << k.config;
    EXPECT_EQ(c.status().code(), k.code) << k.config;
    EXPECT_THAT(c.status().message(), HasSubstr(k.error));
  }
  EXPECT_TRUE(http_->requests().empty());
}

TEST_F(ChainTest, CredentialSourceEnvironmentWorksWithExplicitProfile) {
  fs_.Write(kConfig,
            "[profile a]\nrole_arn = arn:aws:iam::1:role/a\ncredential_source "
            "= Environment\n");
  env_.Set("AWS_ACCESS_KEY_ID", "AKIDENV");
  env_.Set("AWS_SECRET_ACCESS_KEY", kCanary);
  http_->Push(200, StsCredentialsXml("ASIAA", "2023-11-15T00:00:00Z"));
  auto c = Get("a");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->access_key_id, "ASIAA");
  EXPECT_THAT(std::string(*http_->requests()[0].Header("Authorization")),
              HasSubstr("Credential=AKIDENV/"));
}

TEST_F(ChainTest, AssumeRoleErrorsAreMappedClearly) {
  fs_.Write(
      kConfig,
      "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = base\n");
  StaticCreds("base", "AKIDBASE");
  http_->Push(403, StsError("AccessDenied",
                            "User: arn:aws:iam::1:user/u is not authorized"));
  auto c = Get("a");
  EXPECT_EQ(c.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(c.status().message(),
              HasSubstr("config:2: profile 'a': assuming "
                        "arn:aws:iam::1:role/a with credentials from "
                        "shared-credentials-file (profile base"));
  EXPECT_THAT(c.status().message(), HasSubstr("trust policy"));
  EXPECT_EQ(c.status().error_type(), "AccessDenied");
  http_->Push(
      403, StsError("InvalidClientTokenId", "The security token is invalid."));
  c = Get("a");
  EXPECT_EQ(c.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(c.status().message(),
              HasSubstr("rejected the source credentials"));
}

// ---- hygiene and reload
// --------------------------------------------------------

TEST_F(ChainTest, WarnsOnceAboutGroupReadableCredentialsFile) {
  fs_.Write("/home/u/loose",
            "[default]\naws_access_key_id = A\naws_secret_access_key = s\n",
            0644);
  env_.Set("AWS_SHARED_CREDENTIALS_FILE", "/home/u/loose");
  ASSERT_TRUE(Get().ok());
  ASSERT_TRUE(Get().ok());
  ASSERT_EQ(warnings().size(), 1u);
  EXPECT_EQ(warnings()[0],
            "/home/u/loose is readable by group or others (mode 0644); it "
            "holds AWS keys: run "
            "chmod 600 /home/u/loose");
  StaticCreds("default", "A");  // 0600: no warning
  env_.Unset("AWS_SHARED_CREDENTIALS_FILE");
  ASSERT_TRUE(Get().ok());
  EXPECT_EQ(warnings().size(), 1u);
}

// /dev/null (mode 0666) or an empty file holds no keys: no chmod advice.
TEST_F(ChainTest, NoLooseFileWarningForAFileWithoutContent) {
  fs_.Write("/home/u/empty", "", 0666);
  env_.Set("AWS_SHARED_CREDENTIALS_FILE", "/home/u/empty");
  EXPECT_FALSE(Get().ok());  // no credentials anywhere
  EXPECT_TRUE(warnings().empty()) << warnings()[0];
}

TEST_F(ChainTest, ReloadsAChangedFile) {
  auto chain = NewUncachedCredentialsChain(Options());
  fs_.Write(kCreds,
            "[default]\naws_access_key_id = OLD\naws_secret_access_key = s\n",
            0600, Clock::time_point(std::chrono::seconds(10)));
  EXPECT_EQ(chain->Get()->access_key_id, "OLD");
  fs_.Write(kCreds,
            "[default]\naws_access_key_id = NEW\naws_secret_access_key = s\n",
            0600, Clock::time_point(std::chrono::seconds(20)));
  EXPECT_EQ(chain->Get()->access_key_id, "NEW");
  fs_.Remove(kCreds);
  EXPECT_EQ(chain->Get().status().code(), StatusCode::kNotFound);
}

TEST_F(ChainTest, CachedChainRefreshesStaticFileInBackground) {
  std::vector<std::function<void()>> tasks;
  ChainOptions o = Options();
  o.caching.run_in_background = [&](std::function<void()> t) {
    tasks.push_back(std::move(t));
  };
  fs_.Write(kCreds,
            "[default]\naws_access_key_id = OLD\naws_secret_access_key = s\n",
            0600, Clock::time_point(std::chrono::seconds(10)));
  auto chain = NewDefaultCredentialsChain(o);
  ASSERT_TRUE(chain.ok());
  EXPECT_EQ((*chain)->Get()->access_key_id, "OLD");
  fs_.Write(kCreds,
            "[default]\naws_access_key_id = NEW\naws_secret_access_key = s\n",
            0600, Clock::time_point(std::chrono::seconds(20)));
  EXPECT_EQ((*chain)->Get()->access_key_id, "OLD");  // cached
  clock_.Advance(std::chrono::seconds(61));
  EXPECT_EQ((*chain)->Get()->access_key_id,
            "OLD");  // refresh started, not awaited
  ASSERT_EQ(tasks.size(), 1u);
  tasks[0]();
  EXPECT_EQ((*chain)->Get()->access_key_id, "NEW");
}

// ---- profile settings
// ----------------------------------------------------------

TEST_F(ChainTest, ProfileSettings) {
  fs_.Write(kConfig,
            "[default]\nregion = us-east-1\n"
            "[profile app]\nregion = eu-west-1\nendpoint_url = "
            "http://127.0.0.1:4566\n"
            "ca_bundle = ~/ca.pem\nretry_mode = standard\nmax_attempts = 7\n");
  fs_.Write(kCreds, "[app]\nregion = eu-north-1\n");
  auto s = ResolveProfileSettings(Options("app"));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->profile, "app");
  EXPECT_EQ(s->profile_source, "--profile");
  EXPECT_EQ(s->region, "eu-north-1");  // the credentials file wins (botocore)
  EXPECT_EQ(s->endpoint_url, "http://127.0.0.1:4566");
  EXPECT_EQ(s->ca_bundle, "/home/u/ca.pem");
  EXPECT_EQ(s->retry_mode, "standard");
  EXPECT_EQ(s->max_attempts, 7);
  s = ResolveProfileSettings(Options());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->profile, "default");
  EXPECT_EQ(s->region, "us-east-1");
}

TEST_F(ChainTest, ProfileSettingsErrors) {
  fs_.Write(kConfig, "[profile app]\nmax_attempts = many\n");
  auto s = ResolveProfileSettings(Options("app"));
  EXPECT_EQ(s.status().message(),
            "/home/u/.aws/config:2: profile 'app': max_attempts must be a "
            "whole number from 1 "
            "to 100");
  fs_.Write(kConfig, "[profile app]\nretry_mode = eager\n");
  EXPECT_THAT(ResolveProfileSettings(Options("app")).status().message(),
              HasSubstr("retry_mode must be legacy, standard or adaptive"));
  env_.Set("AWS_PROFILE", "ghost");
  s = ResolveProfileSettings(Options());
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(s.status().message(),
              HasSubstr("profile 'ghost' (from AWS_PROFILE)"));
  env_.Unset("AWS_PROFILE");
  fs_.Remove(kConfig);
  s = ResolveProfileSettings(Options());
  ASSERT_TRUE(s.ok());  // no files at all is fine
  EXPECT_EQ(s->region, "");
}

}  // namespace
}  // namespace keyward::aws
