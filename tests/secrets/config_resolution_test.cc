// Region and endpoint resolution order (flags > environment > defaults).
#include <gtest/gtest.h>

#include "keyward/aws/credential_chain.h"
#include "keyward/secrets/client.h"
#include "tests/testing/fakes.h"

namespace keyward::secrets {
namespace {

using keyward::testing::FakeEnvironment;
using keyward::testing::FakeFileSystem;

TEST(ResolveClientConfig, RegionOrder) {
  FakeFileSystem fs;
  FakeEnvironment env{{"AWS_DEFAULT_REGION", "eu-central-1"},
                      {"HOME", "/nonexistent"}};
  EXPECT_EQ(ResolveClientConfig(testing::RuntimeWith(env, fs), {})->region,
            "eu-central-1");
  env.Set("AWS_REGION", "eu-west-1");
  EXPECT_EQ(ResolveClientConfig(testing::RuntimeWith(env, fs), {})->region,
            "eu-west-1");
  ClientOverrides o;
  o.region = "us-east-2";
  EXPECT_EQ(ResolveClientConfig(testing::RuntimeWith(env, fs), o)->region,
            "us-east-2");
}

TEST(ResolveClientConfig, EndpointOrder) {
  FakeFileSystem fs;
  FakeEnvironment env{{"AWS_REGION", "eu-west-1"}, {"HOME", "/nonexistent"}};
  EXPECT_EQ(
      ResolveClientConfig(testing::RuntimeWith(env, fs), {})->endpoint_url, "");
  env.Set("AWS_ENDPOINT_URL", "http://127.0.0.1:1");
  EXPECT_EQ(
      ResolveClientConfig(testing::RuntimeWith(env, fs), {})->endpoint_url,
      "http://127.0.0.1:1");
  env.Set("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:2");
  EXPECT_EQ(
      ResolveClientConfig(testing::RuntimeWith(env, fs), {})->endpoint_url,
      "http://127.0.0.1:2");
  ClientOverrides o;
  o.endpoint_url = "http://127.0.0.1:3";
  EXPECT_EQ(ResolveClientConfig(testing::RuntimeWith(env, fs), o)->endpoint_url,
            "http://127.0.0.1:3");
}

TEST(ResolveClientConfig, ServicesSectionAndIgnoreConfiguredEndpoints) {
  FakeFileSystem fs;
  fs.Write("/cfg",
           "[profile local]\n"
           "region = eu-west-1\n"
           "endpoint_url = http://127.0.0.1:10\n"
           "services = kw\n"
           "[services kw]\n"
           "secrets_manager =\n"
           "  endpoint_url = http://127.0.0.1:4585\n"
           "sts =\n"
           "  endpoint_url = http://127.0.0.1:4586\n"
           "[profile other]\n"
           "region = eu-west-1\n"  // ResolveClientConfig requires a region
           "endpoint_url = http://127.0.0.1:10\n"
           "[profile broken]\n"
           "services = missing\n");
  FakeEnvironment env{{"AWS_CONFIG_FILE", "/cfg"},
                      {"AWS_SHARED_CREDENTIALS_FILE", "/none"},
                      {"AWS_PROFILE", "local"},
                      {"HOME", "/nonexistent"}};
  // The services section beats the profile's endpoint_url...
  EXPECT_EQ(
      ResolveClientConfig(testing::RuntimeWith(env, fs), {})->endpoint_url,
      "http://127.0.0.1:4585");
  aws::ChainOptions chain;
  chain.runtime.env = &env;
  chain.runtime.fs = &fs;
  auto settings = aws::ResolveProfileSettings(chain);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(aws::ResolveStsEndpoint(env, *settings, "eu-west-1"),
            "http://127.0.0.1:4586");
  // ... the environment beats the services section ...
  env.Set("AWS_ENDPOINT_URL", "http://127.0.0.1:20");
  EXPECT_EQ(
      ResolveClientConfig(testing::RuntimeWith(env, fs), {})->endpoint_url,
      "http://127.0.0.1:20");
  // ... and AWS_IGNORE_CONFIGURED_ENDPOINT_URLS drops them all (AWS's
  // regional endpoint), but not an explicit --endpoint-url.
  env.Set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE");
  EXPECT_EQ(
      ResolveClientConfig(testing::RuntimeWith(env, fs), {})->endpoint_url, "");
  settings = aws::ResolveProfileSettings(chain);
  EXPECT_EQ(aws::ResolveStsEndpoint(env, *settings, "eu-west-1"),
            "https://sts.eu-west-1.amazonaws.com");
  ClientOverrides o;
  o.endpoint_url = "http://127.0.0.1:3";
  EXPECT_EQ(ResolveClientConfig(testing::RuntimeWith(env, fs), o)->endpoint_url,
            "http://127.0.0.1:3");
  // A profile without a services section keeps its endpoint_url.
  env.Set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false");
  env.Set("AWS_ENDPOINT_URL", "");
  env.Set("AWS_PROFILE", "other");
  EXPECT_EQ(
      ResolveClientConfig(testing::RuntimeWith(env, fs), {})->endpoint_url,
      "http://127.0.0.1:10");
  // services = NAME without its section: an error naming file:line.
  env.Set("AWS_PROFILE", "broken");
  auto broken = ResolveClientConfig(testing::RuntimeWith(env, fs), {});
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("/cfg:"), std::string::npos)
      << broken.status();
  EXPECT_NE(broken.status().message().find("[services missing]"),
            std::string::npos)
      << broken.status();
}

TEST(ResolveClientConfig, EnvironmentCredentials) {
  FakeFileSystem fs;
  FakeEnvironment env{{"AWS_REGION", "eu-west-1"},
                      {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                      {"AWS_SECRET_ACCESS_KEY", "secret"},
                      {"AWS_SESSION_TOKEN", "token"},
                      {"HOME", "/nonexistent"}};
  auto config = ResolveClientConfig(testing::RuntimeWith(env, fs), {});
  ASSERT_TRUE(config.ok()) << config.status();
  auto creds = config->credentials->Get();
  ASSERT_TRUE(creds.ok());
  EXPECT_EQ(creds->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(creds->secret_access_key.Reveal(), "secret");
  EXPECT_EQ(creds->session_token.Reveal(), "token");
  EXPECT_EQ(creds->provider, "environment");
}

TEST(ResolveClientConfig, MaxAttemptsFromEnvironment) {
  FakeFileSystem fs;
  FakeEnvironment env{{"AWS_REGION", "eu-west-1"},
                      {"AWS_MAX_ATTEMPTS", "5"},
                      {"HOME", "/nonexistent"}};
  EXPECT_EQ(ResolveClientConfig(testing::RuntimeWith(env, fs), {})
                ->retry.max_attempts,
            5);
  env.Set("AWS_MAX_ATTEMPTS", "zero");
  EXPECT_EQ(
      ResolveClientConfig(testing::RuntimeWith(env, fs), {}).status().code(),
      StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace keyward::secrets
