// aws::ResolveAwsConfig: botocore's precedence for profile, credentials,
// region and endpoint, the region-name check and the "no region" message.
#include "keyward/aws/resolver.h"

#include <gtest/gtest.h>

#include "tests/testing/fakes.h"

namespace keyward::aws {
namespace {

using keyward::testing::FakeEnvironment;
using keyward::testing::FakeFileSystem;

class ResolverTest : public ::testing::Test {
 protected:
  ResolverTest() {
    fs_.Write("/c",
              "[profile ops]\nregion = eu-west-2\n"
              "[profile keyward-local]\nregion = us-east-1\n"
              "endpoint_url = http://127.0.0.1:30\n");
    fs_.Write("/k",
              "[ops]\naws_access_key_id = AKIDOPS\naws_secret_access_key = o\n"
              "[keyward-local]\naws_access_key_id = AKIDLOCAL\n"
              "aws_secret_access_key = l\n"
              "[half]\naws_access_key_id = AKIDHALF\n");
    env_.Set("HOME", "/nonexistent");
    env_.Set("AWS_CONFIG_FILE", "/c");
    env_.Set("AWS_SHARED_CREDENTIALS_FILE", "/k");
  }
  StatusOr<AwsConfig> Resolve(std::string profile = "",
                              std::string region = "") {
    AwsConfigOptions o;
    o.profile = std::move(profile);
    o.region = std::move(region);
    o.chain.runtime.env = &env_;
    o.chain.runtime.fs = &fs_;
    o.chain.runtime.log = &Logger::Null();
    return ResolveAwsConfig(o);
  }
  std::string KeyOf(StatusOr<AwsConfig> c) {
    if (!c.ok()) return "error: " + c.status().ToString();
    auto creds = c->credentials->Get();
    return creds.ok() ? creds->access_key_id
                      : "error: " + creds.status().ToString();
  }
  void SetEnvKeys() {
    env_.Set("AWS_ACCESS_KEY_ID", "AKIDENV");
    env_.Set("AWS_SECRET_ACCESS_KEY", "e");
  }
  FakeEnvironment env_;
  FakeFileSystem fs_;
};

TEST_F(ResolverTest, ExplicitProfileBeatsAwsProfile) {
  env_.Set("AWS_PROFILE", "keyward-local");
  EXPECT_EQ(KeyOf(Resolve("ops")), "AKIDOPS");
  auto c = Resolve("ops");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->profile.profile, "ops");
  EXPECT_EQ(c->profile.profile_source, "--profile");
  EXPECT_EQ(c->region, "eu-west-2");
  EXPECT_EQ(c->endpoint_url, "");  // ops has none: not keyward-local's
}

TEST_F(ResolverTest, EnvironmentKeysBeatAwsProfileButNotExplicitProfile) {
  env_.Set("AWS_PROFILE", "keyward-local");
  SetEnvKeys();
  EXPECT_EQ(KeyOf(Resolve()), "AKIDENV");
  EXPECT_EQ(KeyOf(Resolve("ops")), "AKIDOPS");
  // Region and endpoint still come from AWS_PROFILE's profile.
  auto c = Resolve();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->region, "us-east-1");
  EXPECT_EQ(c->endpoint_url, "http://127.0.0.1:30");
  EXPECT_EQ(c->endpoint_source, "profile endpoint_url");
}

TEST_F(ResolverTest, IncompleteAwsProfileIsNotConsultedWithEnvKeys) {
  env_.Set("AWS_PROFILE", "half");
  SetEnvKeys();
  EXPECT_EQ(KeyOf(Resolve()), "AKIDENV");
  // ... but an explicit --profile half is that profile only: an error.
  std::string explicit_half = KeyOf(Resolve("half"));
  EXPECT_NE(explicit_half.find("aws_secret_access_key is not"),
            std::string::npos)
      << explicit_half;
}

TEST_F(ResolverTest, RegionSources) {
  auto c = Resolve("ops");
  EXPECT_EQ(c->region_source, "profile ops in /c or /k");
  env_.Set("AWS_DEFAULT_REGION", "eu-west-1");
  EXPECT_EQ(Resolve("ops")->region, "eu-west-1");
  env_.Set("AWS_REGION", "us-west-2");
  EXPECT_EQ(Resolve("ops")->region, "us-west-2");
  EXPECT_EQ(Resolve("ops")->region_source, "AWS_REGION");
  EXPECT_EQ(Resolve("ops", "ca-central-1")->region, "ca-central-1");
  EXPECT_EQ(Resolve("ops", "ca-central-1")->region_source, "--region");
}

TEST_F(ResolverTest, RegionThatIsNotARegionNameIsRefusedWithAHint) {
  auto c = Resolve("ops", "us-east1");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message(),
            "'us-east1' (from --region) is not an AWS region name; region "
            "names look like us-east-1 or eu-central-2; did you mean "
            "'us-east-1'?");
  env_.Set("AWS_REGION", "EU-WEST-1");
  c = Resolve("ops");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("(from AWS_REGION)"), std::string::npos);
  EXPECT_NE(c.status().message().find("did you mean 'eu-west-1'?"),
            std::string::npos);
}

TEST_F(ResolverTest, CheckRegionName) {
  for (const char* ok : {"us-east-1", "eu-central-2", "us-gov-west-1",
                         "cn-north-1", "ap-southeast-4", "il-central-1"}) {
    EXPECT_TRUE(CheckRegionName(ok, "x").ok()) << ok;
  }
  for (const char* bad : {"us-east1", "useast1", "us-east-", "us--east-1",
                          "east-1", "us", "", "us-east-1a", "us_east_1"}) {
    EXPECT_FALSE(CheckRegionName(bad, "x").ok()) << bad;
  }
  // Something that is not name-shaped is not echoed (it may be a value).
  Status s = CheckRegionName("hunter2 secret!", "x");
  EXPECT_EQ(s.message().find("hunter2"), std::string::npos) << s;
}

TEST_F(ResolverTest, NoRegionSpeaksTheCallersLanguage) {
  env_.Set("AWS_CONFIG_FILE", "/none");
  AwsConfigOptions o;
  o.chain.runtime.env = &env_;
  o.chain.runtime.fs = &fs_;
  o.region_option = "SecretConfigOptions.cache.aws.region";
  auto c = ResolveAwsConfig(o);
  ASSERT_TRUE(c.ok()) << c.status();
  Status s = RequireRegion(*c, o);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "no AWS region: set SecretConfigOptions.cache.aws.region, or the "
            "environment variable AWS_REGION (or AWS_DEFAULT_REGION), or "
            "'region' in profile 'default' of /none");
}

TEST_F(ResolverTest, UnknownAwsProfileFailsEvenWithEnvKeys) {
  env_.Set("AWS_PROFILE", "nope");
  SetEnvKeys();
  auto c = Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
  EXPECT_NE(c.status().message().find("profile 'nope' (from AWS_PROFILE)"),
            std::string::npos);
}

}  // namespace
}  // namespace keyward::aws
