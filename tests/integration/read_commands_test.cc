// The built `keyward` binary's read commands (get, describe, list) against
// moto_server: masking, --reveal, properties, versions, JSON output, exit
// codes, and a canary value that only `get --reveal` may print.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/testing/peers.h"

namespace keyward {
namespace {

using testing::CommandResult;
using testing::MotoServer;
using testing::RunCommand;

constexpr char kCanary[] = "canary-cli-8d41aa-never-print";

class ReadCommandsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testing::OnPath("moto_server") || !testing::OnPath("python3")) return;
    auto m = MotoServer::Start();
    if (!m.ok()) return;
    moto_ = std::move(*m).release();
    // Seed with boto3 (an independent client).
    std::string script = std::string(R"(
import boto3, sys
sm = boto3.client("secretsmanager", endpoint_url=sys.argv[1], region_name="eu-west-1",
                  aws_access_key_id="t", aws_secret_access_key="t")
sm.create_secret(Name="platform-data/postgres/orders", Description="Orders login",
                 SecretString='{"username":"orders","password":")") +
                         kCanary + R"(","port":5432}')
sm.put_secret_value(SecretId="platform-data/postgres/orders",
                    SecretString='{"username":"orders","password":"second-)" +
                         kCanary + R"("}')
sm.create_secret(Name="platform-config/postgres/platform-postgres", SecretString="plain-)" +
                         kCanary + R"(")
sm.create_secret(Name="platform-data/binary/blob", SecretBinary=b"\x00\x01bin)" +
                         kCanary + R"(")
)";
    seeded_ =
        RunCommand({"python3", "-c", script, moto_->endpoint()}).exit_code == 0;
  }
  static void TearDownTestSuite() {
    delete moto_;
    moto_ = nullptr;
  }
  void SetUp() override {
    KW_REQUIRE_PEER("moto_server");
    KW_REQUIRE_PEER("python3");
    ASSERT_NE(moto_, nullptr);
    ASSERT_TRUE(seeded_);
  }
  CommandResult Keyward(std::vector<std::string> args) {
    args.insert(args.begin(), testing::KeywardBinary());
    return RunCommand(args, {{"AWS_ACCESS_KEY_ID", "t"},
                             {"AWS_SECRET_ACCESS_KEY", "t"},
                             {"AWS_REGION", "eu-west-1"},
                             {"AWS_ENDPOINT_URL", moto_->endpoint()},
                             {"AWS_PROFILE", "\x01unset"}});
  }
  static bool Leaks(const CommandResult& r) {
    return r.out.find(kCanary) != std::string::npos ||
           r.err.find(kCanary) != std::string::npos;
  }

  static MotoServer* moto_;
  static bool seeded_;
};
MotoServer* ReadCommandsTest::moto_ = nullptr;
bool ReadCommandsTest::seeded_ = false;

TEST_F(ReadCommandsTest, GetMasksValuesByDefault) {
  auto r = Keyward({"get", "platform-data/postgres/orders"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(Leaks(r));
  EXPECT_NE(r.out.find("Name:     platform-data/postgres/orders"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  password: ********"), std::string::npos);
  EXPECT_NE(r.out.find("  username: ********"), std::string::npos);
  EXPECT_NE(r.out.find("use --reveal"), std::string::npos);

  auto j = Keyward({"get", "platform-data/postgres/orders", "-o", "json"});
  EXPECT_EQ(j.exit_code, 0);
  EXPECT_FALSE(Leaks(j));
  auto parsed = nlohmann::json::parse(j.out);
  EXPECT_EQ(parsed["Type"], "json");
  EXPECT_EQ(parsed["Properties"]["password"], "********");
  EXPECT_EQ(parsed["VersionStages"], nlohmann::json::array({"AWSCURRENT"}));
}

TEST_F(ReadCommandsTest, RevealPrintsValueAndOneNewline) {
  auto r = Keyward({"get", "platform-data/postgres/orders", "--property",
                    "password", "--reveal"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "second-" + std::string(kCanary) + "\n");
  auto prev = Keyward({"get", "platform-data/postgres/orders", "-p", "password",
                       "--reveal", "--version-stage", "AWSPREVIOUS"});
  EXPECT_EQ(prev.out, std::string(kCanary) + "\n");
  auto plain = Keyward(
      {"--reveal", "get", "platform-config/postgres/platform-postgres"});
  // Flags belong to their subcommand; globals go either side.
  auto plain2 = Keyward(
      {"get", "platform-config/postgres/platform-postgres", "--reveal"});
  EXPECT_EQ(plain2.out, "plain-" + std::string(kCanary) + "\n");
  EXPECT_NE(plain.exit_code, 0);
  EXPECT_FALSE(Leaks(plain));
}

TEST_F(ReadCommandsTest, GlobalOptionsAfterTheSubcommand) {
  auto r =
      RunCommand({testing::KeywardBinary(), "get",
                  "platform-data/postgres/orders", "--endpoint-url",
                  moto_->endpoint(), "--region", "eu-west-1", "-o", "json"},
                 {{"AWS_ACCESS_KEY_ID", "t"},
                  {"AWS_SECRET_ACCESS_KEY", "t"},
                  {"AWS_REGION", "\x01unset"},
                  {"AWS_DEFAULT_REGION", "\x01unset"},
                  {"AWS_ENDPOINT_URL", "\x01unset"}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["Name"],
            "platform-data/postgres/orders");
}

TEST_F(ReadCommandsTest, BinaryAndPlainStrings) {
  auto r = Keyward({"get", "platform-data/binary/blob"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Type:     binary"), std::string::npos) << r.out;
  EXPECT_FALSE(Leaks(r));
  auto p = Keyward(
      {"get", "platform-config/postgres/platform-postgres", "-p", "host"});
  EXPECT_EQ(p.exit_code, 3);
  EXPECT_FALSE(Leaks(p));
}

TEST_F(ReadCommandsTest, MissingPropertyListsTheKeysNotValues) {
  auto r = Keyward(
      {"get", "platform-data/postgres/orders", "-p", "token", "--reveal"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err,
            "keyward: error: secret 'platform-data/postgres/orders' has no "
            "property 'token' "
            "(it has: password, username)\n");
  EXPECT_TRUE(r.out.empty());
}

TEST_F(ReadCommandsTest, DescribeAndList) {
  auto d = Keyward({"describe", "platform-data/postgres/orders"});
  EXPECT_EQ(d.exit_code, 0) << d.err;
  EXPECT_NE(d.out.find("Description:    Orders login"), std::string::npos)
      << d.out;
  EXPECT_NE(d.out.find("AWSCURRENT"), std::string::npos);
  EXPECT_NE(d.out.find("AWSPREVIOUS"), std::string::npos);
  EXPECT_FALSE(Leaks(d));

  auto l = Keyward({"list", "--prefix", "platform-data/"});
  EXPECT_EQ(l.exit_code, 0) << l.err;
  EXPECT_EQ(l.out.find("platform-config/"), std::string::npos);
  EXPECT_NE(l.out.find("platform-data/binary/blob"), std::string::npos);
  EXPECT_TRUE(l.out.starts_with("NAME "));
  auto lj = Keyward({"list", "-o", "json"});
  EXPECT_EQ(nlohmann::json::parse(lj.out).size(), 3u);
}

TEST_F(ReadCommandsTest, ErrorsAndExitCodes) {
  auto nf = Keyward({"get", "platform-data/none/here"});
  EXPECT_EQ(nf.exit_code, 3);
  EXPECT_NE(nf.err.find("was not found"), std::string::npos);
  EXPECT_NE(nf.err.find("[ResourceNotFoundException]"), std::string::npos);

  auto usage = Keyward({"get"});
  EXPECT_EQ(usage.exit_code, 2);
  auto both =
      Keyward({"get", "x", "--version-stage", "A", "--version-id", "B"});
  EXPECT_EQ(both.exit_code, 2);

  auto refused =
      RunCommand({testing::KeywardBinary(), "get", "platform-data/a/b",
                  "--endpoint-url", "http://127.0.0.1:1"},
                 {{"AWS_ACCESS_KEY_ID", "t"},
                  {"AWS_SECRET_ACCESS_KEY", "t"},
                  {"AWS_REGION", "eu-west-1"}});
  EXPECT_EQ(refused.exit_code, 3);
  EXPECT_NE(refused.err.find("cannot reach http://127.0.0.1:1"),
            std::string::npos);

  auto no_creds =
      RunCommand({testing::KeywardBinary(), "get", "platform-data/a/b",
                  "--endpoint-url", moto_->endpoint()},
                 {{"AWS_ACCESS_KEY_ID", "\x01unset"},
                  {"AWS_SECRET_ACCESS_KEY", "\x01unset"},
                  {"AWS_PROFILE", "\x01unset"},
                  {"HOME", "/nonexistent"},
                  {"AWS_REGION", "eu-west-1"}});
  EXPECT_EQ(no_creds.exit_code, 4) << no_creds.err;
  EXPECT_NE(no_creds.err.find("no AWS credentials"), std::string::npos)
      << no_creds.err;

  auto no_region = RunCommand({testing::KeywardBinary(), "list"},
                              {{"AWS_REGION", "\x01unset"},
                               {"AWS_DEFAULT_REGION", "\x01unset"},
                               {"AWS_PROFILE", "\x01unset"},
                               {"HOME", "/nonexistent"}});
  EXPECT_EQ(no_region.exit_code, 2);
  EXPECT_NE(no_region.err.find("no AWS region"), std::string::npos)
      << no_region.err;
}

TEST_F(ReadCommandsTest, HelpShowsExamples) {
  auto r = Keyward({"get", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--reveal"), std::string::npos);
  EXPECT_NE(r.out.find("Examples:"), std::string::npos);
  auto top = Keyward({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("describe"), std::string::npos);
}

}  // namespace
}  // namespace keyward
