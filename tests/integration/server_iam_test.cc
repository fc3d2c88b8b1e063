// The architecture's access layer, enforced by a real keyward server
// (issue 15, point 3): `keyward server --inventory` gives every application
// its own IAM user and generated identity policy, `keyward iam
// resource-policy --apply` puts per-secret resource policies, and then each
// application reads exactly its own secrets; every other read is denied by
// the identity policy, the resource policy, or both (each case shown
// separately). boto3 and the aws CLI manage resource policies on it too.
#include <gtest/gtest.h>

#include <set>

#include "keyward/server/principals.h"
#include "tests/integration/server_fixture.h"

namespace keyward::testing {
namespace {

constexpr const char* kInventory = R"(version: 1
applications:
  orders:
    description: Order service
    owner: platform-team
    iam_principal: arn:aws:iam::123456789012:user/orders
  billing:
    description: Billing service
  search:
    description: Search service (given an over-broad identity policy below)
secrets:
  - name: platform-data/postgres/orders
    description: Orders database login
    consumers: [orders]
    properties: [username, password]
    rotation: {status: none}
  - name: platform-data/stripe/billing
    description: Stripe token for billing
    consumers: [billing]
    properties: [token]
    rotation: {status: none}
  - name: platform-config/postgres/main
    description: Shared database endpoint
    consumers: [orders, billing]
    properties: [host, port]
    rotation: {status: none}
  - name: platform-data/search/index
    description: Search index key
    consumers: [search]
    properties: [token]
    rotation: {status: none}
)";

// search's identity policy allows every secret: only resource policies can
// keep it out of the others' secrets.
constexpr const char* kBroad = R"({"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}]})";

aws::Credentials ProfileCredentials(const std::string& file,
                                    const std::string& profile) {
  aws::Credentials c;
  auto ini = aws::ParseIni(Slurp(file), file);
  if (!ini.ok()) return c;
  for (const auto& section : ini->sections) {
    if (section.name != profile) continue;
    for (const auto& e : section.entries) {
      if (e.key == "aws_access_key_id") c.access_key_id = e.value;
      if (e.key == "aws_secret_access_key")
        c.secret_access_key = SecretValue(e.value);
    }
  }
  return c;
}

class ServerIamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("inventory.yaml", kInventory);
    dir_.Write("broad.json", kBroad);
    auto s = KeywardServer::Start(
        dir_, {"--inventory", dir_.File("inventory.yaml"), "--policy",
               "search=" + dir_.File("broad.json")});
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
    for (const char* app : {"orders", "billing", "search", "keyward-operator"})
      clients_[app] = server_->Client(
          ProfileCredentials(server_->credentials_file(), app), 1);
    auto* op = clients_["keyward-operator"].get();
    ASSERT_NE(op, nullptr);
    for (const char* name :
         {"platform-data/postgres/orders", "platform-data/stripe/billing",
          "platform-config/postgres/main", "platform-data/search/index",
          "platform-data/extra/unlisted"}) {
      secrets::CreateSecretRequest req;
      req.name = name;
      req.payload.string = SecretValue(std::string("value of ") + name);
      auto r = op->CreateSecret(req);
      ASSERT_TRUE(r.ok()) << name << ": " << r.status();
    }
  }

  std::map<std::string, std::string> CliEnv(const std::string& profile) {
    return {{"AWS_ENDPOINT_URL", server_->endpoint()},
            {"AWS_SHARED_CREDENTIALS_FILE", server_->credentials_file()},
            {"AWS_CONFIG_FILE", dir_.File("no-config")},
            {"AWS_PROFILE", profile},
            {"AWS_REGION", "us-east-1"},
            {"AWS_DEFAULT_REGION", "us-east-1"},
            {"AWS_ACCESS_KEY_ID", "\x01unset"},
            {"AWS_SECRET_ACCESS_KEY", "\x01unset"},
            {"AWS_SESSION_TOKEN", "\x01unset"}};
  }

  Status Read(const std::string& app, const std::string& secret) {
    secrets::GetSecretValueRequest req;
    req.secret_id = secret;
    auto v = clients_[app]->GetSecretValue(req);
    return v.ok() ? OkStatus() : v.status();
  }

  TempDir dir_;
  std::unique_ptr<KeywardServer> server_;
  std::map<std::string, std::unique_ptr<secrets::SecretsManagerClient>>
      clients_;
};

TEST_F(ServerIamTest, EachApplicationReadsExactlyItsOwnSecrets) {
  // The credentials file: one profile per application plus the operator.
  std::string creds = Slurp(server_->credentials_file());
  for (const char* p :
       {"[orders]", "[billing]", "[search]", "[keyward-operator]"})
    EXPECT_NE(creds.find(p), std::string::npos) << p;

  // Identity policies alone: orders cannot read billing's secret (identity
  // deny only: there is no resource policy yet) ...
  Status st = Read("orders", "platform-data/stripe/billing");
  EXPECT_EQ(st.error_type(), "AccessDeniedException");
  EXPECT_NE(st.message().find("arn:aws:iam::123456789012:user/orders"),
            std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("no identity-based policy allows"),
            std::string::npos);
  // ... but search's over-broad identity policy lets it read orders'.
  EXPECT_TRUE(Read("search", "platform-data/postgres/orders").ok());

  CommandResult apply =
      RunCommand({KeywardBinary(), "iam", "resource-policy", "--apply",
                  "--file", dir_.File("inventory.yaml")},
                 CliEnv("keyward-operator"));
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  EXPECT_NE(apply.out.find("applied platform-data/search/index"),
            std::string::npos);

  const std::map<std::string, std::set<std::string>> consumers = {
      {"platform-data/postgres/orders", {"orders"}},
      {"platform-data/stripe/billing", {"billing"}},
      {"platform-config/postgres/main", {"orders", "billing"}},
      {"platform-data/search/index", {"search"}}};
  int allowed = 0, denied = 0;
  for (const auto& [secret, apps] : consumers) {
    for (const char* app : {"orders", "billing", "search"}) {
      Status r = Read(app, secret);
      if (apps.count(app)) {
        EXPECT_TRUE(r.ok()) << app << " reading " << secret << ": " << r;
        ++allowed;
      } else {
        EXPECT_EQ(r.error_type(), "AccessDeniedException")
            << app << " reading " << secret;
        ++denied;
      }
    }
  }
  EXPECT_EQ(allowed, 5);
  EXPECT_EQ(denied, 7);

  // Denied by the resource policy only: search's identity policy allows
  // everything, the secret's resource policy denies it.
  st = Read("search", "platform-data/postgres/orders");
  EXPECT_EQ(st.error_type(), "AccessDeniedException") << st;
  // Denied by both: orders has no grant and the resource policy denies.
  EXPECT_EQ(Read("orders", "platform-data/stripe/billing").error_type(),
            "AccessDeniedException");
  // Denied by the identity policy only: a secret without a resource policy.
  auto op = clients_["keyward-operator"].get();
  auto rp = op->GetResourcePolicy("platform-data/extra/unlisted");
  ASSERT_TRUE(rp.ok()) << rp.status();
  EXPECT_EQ(rp->resource_policy, "");
  EXPECT_EQ(Read("orders", "platform-data/extra/unlisted").error_type(),
            "AccessDeniedException");
  EXPECT_TRUE(Read("search", "platform-data/extra/unlisted").ok());
  // Writes stay with the identity policies: orders may not change its own
  // secret, and may not touch the policies.
  EXPECT_EQ(clients_["orders"]
                ->DeleteResourcePolicy("platform-data/postgres/orders")
                .error_type(),
            "AccessDeniedException");

  // The operator reads the applied policy back; deleting it reopens the
  // secret to search's over-broad identity policy.
  rp = op->GetResourcePolicy("platform-data/postgres/orders");
  ASSERT_TRUE(rp.ok()) << rp.status();
  EXPECT_NE(rp->resource_policy.find("arn:aws:iam::123456789012:user/orders"),
            std::string::npos);
  EXPECT_NE(rp->arn.find(":secret:platform-data/postgres/orders-"),
            std::string::npos);
  ASSERT_TRUE(op->DeleteResourcePolicy("platform-data/postgres/orders").ok());
  EXPECT_TRUE(Read("search", "platform-data/postgres/orders").ok());

  // Policies survive a restart (kept in the store, parsed at load).
  server_.reset();
  auto again = KeywardServer::Start(
      dir_, {"--inventory", dir_.File("inventory.yaml"), "--policy",
             "search=" + dir_.File("broad.json")});
  ASSERT_TRUE(again.ok()) << again.status();
  server_ = std::move(*again);
  clients_["search"] = server_->Client(
      ProfileCredentials(server_->credentials_file(), "search"), 1);
  EXPECT_EQ(Read("search", "platform-data/stripe/billing").error_type(),
            "AccessDeniedException");
  EXPECT_TRUE(Read("search", "platform-data/postgres/orders").ok());
}

TEST_F(ServerIamTest, PutValidatesAndBlocksPublicPolicies) {
  auto* op = clients_["keyward-operator"].get();
  const std::string open = R"({"Version":"2012-10-17","Statement":[{
      "Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue",
      "Resource":"*"}]})";
  Status st =
      op->PutResourcePolicy("platform-data/postgres/orders", open, true);
  EXPECT_EQ(st.error_type(), "PublicPolicyException") << st;
  st = op->PutResourcePolicy("platform-data/postgres/orders",
                             R"({"Statement":[{"Effect":"Allow","Action":"*",
                                 "Resource":"*"}]})",
                             false);
  EXPECT_EQ(st.error_type(), "MalformedPolicyDocumentException") << st;
  st = op->PutResourcePolicy("platform-data/nope", open, false);
  EXPECT_EQ(st.error_type(), "ResourceNotFoundException") << st;
  // Without BlockPublicPolicy (AWS's default) the open policy is accepted,
  // and grants billing a read its identity policy does not.
  ASSERT_TRUE(
      op->PutResourcePolicy("platform-data/postgres/orders", open, false).ok());
  EXPECT_TRUE(Read("billing", "platform-data/postgres/orders").ok());
}

TEST_F(ServerIamTest, Boto3AndAwsCliManageResourcePolicies) {
  KW_REQUIRE_PEER("python3");
  const std::string script = R"(
import json, boto3, botocore
c = boto3.client('secretsmanager')
sid = 'platform-data/postgres/orders'
pol = json.dumps({'Version': '2012-10-17', 'Statement': [{
    'Effect': 'Deny', 'Principal': {'AWS': 'arn:aws:iam::123456789012:user/billing'},
    'Action': 'secretsmanager:*', 'Resource': '*'}]})
r = c.put_resource_policy(SecretId=sid, ResourcePolicy=pol, BlockPublicPolicy=True)
print('put', r['Name'])
r = c.get_resource_policy(SecretId=sid)
print('get', json.loads(r['ResourcePolicy'])['Statement'][0]['Effect'])
v = c.validate_resource_policy(ResourcePolicy=json.dumps({'Statement': [{
    'Effect': 'Allow', 'Principal': '*', 'Action': '*', 'Resource': '*'}]}))
print('validate', v['PolicyValidationPassed'], v['ValidationErrors'][0]['CheckName'])
v = c.validate_resource_policy(SecretId=sid, ResourcePolicy=pol)
print('validate', v['PolicyValidationPassed'], len(v['ValidationErrors']))
try:
    c.put_resource_policy(SecretId=sid, ResourcePolicy='{"Statement": 1}')
except botocore.exceptions.ClientError as e:
    print('error', e.response['Error']['Code'])
r = c.delete_resource_policy(SecretId=sid)
print('delete', r['Name'], 'ResourcePolicy' in c.get_resource_policy(SecretId=sid))
)";
  CommandResult py =
      RunCommand({"python3", "-c", script}, CliEnv("keyward-operator"));
  ASSERT_EQ(py.exit_code, 0) << py.err;
  EXPECT_EQ(py.out,
            "put platform-data/postgres/orders\n"
            "get Deny\n"
            "validate False PUBLIC_ACCESS_CHECK\n"
            "validate True 0\n"
            "error MalformedPolicyDocumentException\n"
            "delete platform-data/postgres/orders False\n");
  KW_REQUIRE_PEER("aws");
  CommandResult cli = RunCommand(
      {"aws", "secretsmanager", "put-resource-policy", "--secret-id",
       "platform-data/stripe/billing", "--resource-policy",
       R"({"Statement":[{"Effect":"Deny","Principal":{"AWS":"123456789012"},"Action":"secretsmanager:DeleteSecret","Resource":"*"}]})",
       "--block-public-policy", "--query", "Name", "--output", "text"},
      CliEnv("keyward-operator"), "", 300000);
  EXPECT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(cli.out, "platform-data/stripe/billing\n");
  cli = RunCommand({"aws", "secretsmanager", "get-resource-policy",
                    "--secret-id", "platform-data/stripe/billing", "--query",
                    "ResourcePolicy", "--output", "text"},
                   CliEnv("keyward-operator"), "", 300000);
  EXPECT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find("secretsmanager:DeleteSecret"), std::string::npos);
}

}  // namespace
}  // namespace keyward::testing
