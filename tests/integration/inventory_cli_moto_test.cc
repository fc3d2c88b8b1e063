// keyward inventory/iam/scan end to end: the built binary against a real
// moto_server (drift, import, report) and moto's IAM policy validation.
#include <gtest/gtest.h>

#include "keyward/aws/credentials.h"
#include "keyward/secrets/client.h"
#include "tests/testing/peers.h"

namespace keyward {
namespace {

using testing::CommandResult;
using testing::MotoServer;
using testing::RunCommand;
using testing::TempDir;

constexpr char kCanary[] = "canary-inventory-5e7a1f-never-print";

const std::string kExample =
    std::string(KEYWARD_SOURCE_DIR) + "/examples/secrets-inventory.yaml";

class InventoryCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KW_REQUIRE_PEER("moto_server");
    auto m = MotoServer::Start();
    ASSERT_TRUE(m.ok()) << m.status();
    moto_ = std::move(*m);
    env_ = moto_->ClientEnv();  // the endpoint is also passed explicitly
    client_ = moto_->Client();
  }
  void Create(const std::string& name, const std::string& description,
              const std::string& value) {
    secrets::CreateSecretRequest req;
    req.name = name;
    req.description = description;
    req.payload.string = SecretValue(value);
    req.tags = {{"consumers", "orders"}};
    ASSERT_TRUE(client_->CreateSecret(req).ok());
  }
  CommandResult Keyward(std::vector<std::string> args) {
    std::vector<std::string> argv = {testing::KeywardBinary(), "--endpoint-url",
                                     moto_->endpoint()};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult r = RunCommand(argv, env_);
    EXPECT_EQ(r.out.find(kCanary), std::string::npos);
    EXPECT_EQ(r.err.find(kCanary), std::string::npos);
    return r;
  }

  std::unique_ptr<MotoServer> moto_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<secrets::SecretsManagerClient> client_;
};

TEST_F(InventoryCliTest, LintExitCodes) {
  CommandResult r = Keyward({"inventory", "lint", kExample});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  TempDir dir;
  dir.Write("bad.yaml", "version: 1\napplications: {}\nsecrets: [{name: x}]\n");
  r = Keyward({"inventory", "lint", dir.File("bad.yaml")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(dir.File("bad.yaml") + ":3:18: name-prefix: "),
            std::string::npos)
      << r.out;
  dir.Write("alias.yaml", "a: &x 1\nb: *x\n");
  r = Keyward({"inventory", "lint", dir.File("alias.yaml")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("yaml-alias"), std::string::npos) << r.err;
}

TEST_F(InventoryCliTest, CheckImportReport) {
  Create("platform-data/postgres/orders", "Orders service PostgreSQL login",
         std::string(R"({"username":"orders","password":")") + kCanary + "\"}");
  Create("platform-config/postgres/platform-postgres",
         "Shared PostgreSQL endpoint", R"({"host":"db","port":"5432"})");
  Create("platform-data/stripe/orders",
         "Stripe API token for the orders service",
         std::string(R"({"token":")") + kCanary + "\"}");
  CommandResult r = Keyward({"inventory", "check", kExample});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("in sync: 3 declared, 3 in the store"),
            std::string::npos)
      << r.err;

  Create("platform-data/redis/orders", "unmanaged",
         std::string(R"({"password":")") + kCanary + "\"}");
  r = Keyward({"-o", "json", "inventory", "check", kExample});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("\"Kind\": \"unmanaged\""), std::string::npos) << r.out;

  TempDir dir;
  r = Keyward({"inventory", "import", "--out", dir.File("imported.yaml")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Keyward({"inventory", "lint", dir.File("imported.yaml")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = Keyward({"inventory", "check", dir.File("imported.yaml")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  dir.Write(".env", std::string("DB_PASSWORD=") + kCanary + "\n");
  r = Keyward({"inventory", "report", kExample, "--scan", dir.path()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("FAIL    all secrets centralized"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("PASS    every consumer has an IAM principal"),
            std::string::npos)
      << r.out;
}

// "met" only when nothing is SKIPped; LAST ROTATED next to the store's
// AWSCURRENT date, OVERDUE and disagreeing dates flagged (issue 12, 6).
TEST_F(InventoryCliTest, ReportVerdictAndRotationDates) {
  CommandResult r = Keyward({"inventory", "report", kExample, "--no-store"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("Phase 0 exit criteria met, 2 not checked"),
            std::string::npos)
      << r.out;
  r = Keyward({"-o", "json", "inventory", "report", kExample, "--no-store"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("\"Verdict\": \"met, 2 not checked\""),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\"Phase0ExitCriteriaMet\": false"), std::string::npos)
      << r.out;

  TempDir dir;
  dir.Write("inv.yaml", R"(version: 1
applications:
  orders:
    description: Order service
    iam_principal: arn:aws:iam::123456789012:user/orders
secrets:
  - name: platform-data/postgres/orders
    description: Orders login
    consumers: [orders]
    properties: [password]
    rotation: {status: manual, interval_days: 30, last_rotated: 2020-01-01}
)");
  r = Keyward({"inventory", "report", dir.File("inv.yaml"), "--no-store"});
  EXPECT_NE(r.out.find("2020-01-01"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("OVERDUE"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("STORE AWSCURRENT"), std::string::npos) << r.out;
  // With the store: its AWSCURRENT date (today) disagrees with 2020-01-01.
  Create("platform-data/postgres/orders", "login",
         std::string(R"({"password":")") + kCanary + "\"}");
  r = Keyward({"inventory", "report", dir.File("inv.yaml")});
  std::string today = FormatIso8601(Clock::Real().Now()).substr(0, 10);
  EXPECT_NE(r.out.find(today), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dates disagree"), std::string::npos) << r.out;
  // No colour when the output is not a terminal.
  EXPECT_EQ(r.out.find("\033["), std::string::npos);
}

TEST_F(InventoryCliTest, PoliciesAreValidIam) {
  KW_REQUIRE_PEER("aws");
  TempDir dir;
  CommandResult r =
      Keyward({"--region", "eu-west-1", "iam", "policies", "--out-dir",
               dir.path(), "--file", kExample, "--batch-get"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"orders", "operator"}) {
    CommandResult c =
        RunCommand({"aws", "--endpoint-url", moto_->endpoint(), "iam",
                    "create-policy", "--policy-name", name, "--policy-document",
                    "file://" + dir.File(std::string(name) + ".json")},
                   env_);
    EXPECT_EQ(c.exit_code, 0) << name << ": " << c.err;
  }
  CommandResult bad = RunCommand(
      {"aws", "--endpoint-url", moto_->endpoint(), "iam", "create-policy",
       "--policy-name", "bad", "--policy-document",
       R"({"Version":"2012-10-17","Statement":[{"Effect":"Maybe"}]})"},
      env_);
  EXPECT_NE(bad.exit_code, 0)
      << "moto must reject malformed policies for this test to mean anything";
}

}  // namespace
}  // namespace keyward
