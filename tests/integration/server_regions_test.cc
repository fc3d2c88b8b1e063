// keyward server serves every region of the aws partition, each with its
// own secrets (issue 19), as AWS's regional endpoints do: a secret created
// in us-west-2 is not visible in eu-west-1, ARNs carry the region, and an
// ARN of another region names nothing. `--region` restricts the set.
#include <gtest/gtest.h>

#include "tests/integration/server_fixture.h"

namespace keyward::testing {
namespace {

std::unique_ptr<secrets::SecretsManagerClient> RegionClient(
    KeywardServer& server, const std::string& region) {
  secrets::ClientConfig config;
  config.region = region;
  config.endpoint_url = server.endpoint();
  config.credentials = aws::NewStaticCredentialsProvider(server.Credentials());
  config.retry.max_attempts = 1;
  auto client = secrets::SecretsManagerClient::Create(std::move(config));
  return client.ok() ? std::move(*client) : nullptr;
}

std::string Create(secrets::SecretsManagerClient& c, const std::string& name,
                   const std::string& value) {
  secrets::CreateSecretRequest req;
  req.name = name;
  req.payload.string = SecretValue(value);
  auto r = c.CreateSecret(req);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? r->arn : "";
}

std::vector<std::string> Names(secrets::SecretsManagerClient& c) {
  auto r = c.ListSecrets({});
  EXPECT_TRUE(r.ok()) << r.status();
  std::vector<std::string> out;
  if (r.ok()) {
    for (const auto& s : r->secrets) out.push_back(s.name);
  }
  return out;
}

std::string Value(secrets::SecretsManagerClient& c, const std::string& id) {
  auto r = c.GetSecretValue({id, "", ""});
  if (!r.ok()) return r.status().error_type();
  return std::string(r->payload.string->Reveal());
}

TEST(ServerRegionsTest, EachRegionKeepsItsOwnSecrets) {
  TempDir dir;
  std::string west_arn, eu_arn;
  {
    auto server = KeywardServer::Start(dir);
    ASSERT_TRUE(server.ok()) << server.status();
    auto west = RegionClient(**server, "us-west-2");
    auto eu = RegionClient(**server, "eu-west-1");
    auto ap = RegionClient(**server, "ap-southeast-2");
    // The same name in two regions: two secrets.
    west_arn = Create(*west, "platform-data/postgres/orders", "west value");
    eu_arn = Create(*eu, "platform-data/postgres/orders", "eu value");
    Create(*west, "platform-data/redis/cache", "only in the west");
    EXPECT_TRUE(west_arn.starts_with(
        "arn:aws:secretsmanager:us-west-2:123456789012:secret:"
        "platform-data/postgres/orders-"))
        << west_arn;
    EXPECT_TRUE(eu_arn.starts_with("arn:aws:secretsmanager:eu-west-1:"))
        << eu_arn;
    EXPECT_EQ(Names(*west),
              (std::vector<std::string>{"platform-data/postgres/orders",
                                        "platform-data/redis/cache"}));
    EXPECT_EQ(Names(*eu),
              std::vector<std::string>{"platform-data/postgres/orders"});
    EXPECT_TRUE(Names(*ap).empty());
    EXPECT_EQ(Value(*west, "platform-data/postgres/orders"), "west value");
    EXPECT_EQ(Value(*eu, "platform-data/postgres/orders"), "eu value");
    // An ARN names a secret only in its own region.
    EXPECT_EQ(Value(*west, west_arn), "west value");
    EXPECT_EQ(Value(*eu, west_arn), "ResourceNotFoundException");
    EXPECT_EQ(Value(*ap, "platform-data/redis/cache"),
              "ResourceNotFoundException");
    // Deleting in one region leaves the other alone.
    secrets::DeleteSecretRequest del;
    del.secret_id = "platform-data/postgres/orders";
    del.force_delete_without_recovery = true;
    ASSERT_TRUE(eu->DeleteSecret(del).ok());
    EXPECT_EQ(Value(*west, "platform-data/postgres/orders"), "west value");
    (*server)->process().Kill(SIGTERM);
  }
  // The separation survives a restart (the store keeps each region).
  auto server = KeywardServer::Start(dir);
  ASSERT_TRUE(server.ok()) << server.status();
  auto west = RegionClient(**server, "us-west-2");
  auto eu = RegionClient(**server, "eu-west-1");
  EXPECT_EQ(Value(*west, west_arn), "west value");
  EXPECT_TRUE(Names(*eu).empty());
}

TEST(ServerRegionsTest, RegionFlagRestrictsTheSetAndNamesTheDefault) {
  TempDir dir;
  auto server = KeywardServer::Start(
      dir, {"--region", "eu-central-1", "--regions", "us-west-2,eu-west-1"});
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_NE(Slurp(dir.File("env")).find("export AWS_REGION=eu-central-1"),
            std::string::npos)
      << Slurp(dir.File("env"));
  for (const char* r : {"eu-central-1", "us-west-2", "eu-west-1"}) {
    auto c = RegionClient(**server, r);
    EXPECT_TRUE(c->ListSecrets({}).ok()) << r;
  }
  auto other = RegionClient(**server, "us-east-1");
  auto refused = other->ListSecrets({});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().error_type(), "InvalidSignatureException");
  EXPECT_NE(refused.status().message().find("eu-central-1"), std::string::npos)
      << refused.status();
  CommandResult bad = RunCommand({KeywardBinary(), "server", "--store",
                                  dir.File("other.db"), "--region", "mars-1"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("mars-1"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace keyward::testing
