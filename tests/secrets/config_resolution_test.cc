// Region and endpoint resolution order (flags > environment > defaults).
#include <gtest/gtest.h>

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
  EXPECT_EQ(ResolveClientConfig(env, {}, fs)->region, "eu-central-1");
  env.Set("AWS_REGION", "eu-west-1");
  EXPECT_EQ(ResolveClientConfig(env, {}, fs)->region, "eu-west-1");
  ClientOverrides o;
  o.region = "us-east-2";
  EXPECT_EQ(ResolveClientConfig(env, o, fs)->region, "us-east-2");
}

TEST(ResolveClientConfig, EndpointOrder) {
  FakeFileSystem fs;
  FakeEnvironment env{{"AWS_REGION", "eu-west-1"}, {"HOME", "/nonexistent"}};
  EXPECT_EQ(ResolveClientConfig(env, {}, fs)->endpoint_url, "");
  env.Set("AWS_ENDPOINT_URL", "http://127.0.0.1:1");
  EXPECT_EQ(ResolveClientConfig(env, {}, fs)->endpoint_url,
            "http://127.0.0.1:1");
  env.Set("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:2");
  EXPECT_EQ(ResolveClientConfig(env, {}, fs)->endpoint_url,
            "http://127.0.0.1:2");
  ClientOverrides o;
  o.endpoint_url = "http://127.0.0.1:3";
  EXPECT_EQ(ResolveClientConfig(env, o, fs)->endpoint_url,
            "http://127.0.0.1:3");
}

TEST(ResolveClientConfig, EnvironmentCredentials) {
  FakeFileSystem fs;
  FakeEnvironment env{{"AWS_REGION", "eu-west-1"},
                      {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                      {"AWS_SECRET_ACCESS_KEY", "secret"},
                      {"AWS_SESSION_TOKEN", "token"},
                      {"HOME", "/nonexistent"}};
  auto config = ResolveClientConfig(env, {}, fs);
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
  EXPECT_EQ(ResolveClientConfig(env, {}, fs)->retry.max_attempts, 5);
  env.Set("AWS_MAX_ATTEMPTS", "zero");
  EXPECT_EQ(ResolveClientConfig(env, {}, fs).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace keyward::secrets
