// The conformance scenario (tests/conformance/scenario.json: every operation,
// including error cases, STS GetCallerIdentity/AssumeRole, resource policies,
// rotation and replication) run with boto3, the aws CLI and
// @aws-sdk/client-secrets-manager + client-sts against keyward server and
// moto_server;
// responses compared field by field by run_conformance.py. Differences must
// be listed in known_differences.json (docs/server-conformance.md).
#include <gtest/gtest.h>

#include "tests/integration/server_fixture.h"

namespace keyward::testing {
namespace {

class ServerConformanceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ServerConformanceTest, MatchesMotoFieldByField) {
  const std::string client = GetParam();
  KW_REQUIRE_PEER("python3");
  KW_REQUIRE_PEER("moto_server");
  if (client == "cli") KW_REQUIRE_PEER("aws");
  std::string dir = std::string(KEYWARD_SOURCE_DIR) + "/tests/conformance";
  if (client == "js") {
    KW_REQUIRE_PEER("node");
    KW_REQUIRE_PEER("npm");
    CommandResult install =
        RunCommand({dir + "/js/install.sh"}, {}, "", 300000);
    ASSERT_EQ(install.exit_code, 0) << install.err;
  }
  TempDir tmp;
  // The STS steps assume a role declared like this (docs/server.md, STS); the
  // rotation steps run the example single-user hook (boto3) where AWS would
  // invoke the rotation Lambda (docs/server.md, Rotation).
  auto server = KeywardServer::Start(
      tmp, {"--roles", dir + "/roles.json", "--rotation-hook",
            "python3 " + std::string(KEYWARD_SOURCE_DIR) +
                "/examples/rotation/single_user_hook.py"});
  ASSERT_TRUE(server.ok()) << server.status();
  auto moto = MotoServer::Start();
  ASSERT_TRUE(moto.ok()) << moto.status();
  CommandResult r =
      RunCommand({"python3", dir + "/run_conformance.py", "--client", client,
                  "--keyward", (*server)->endpoint(), "--keyward-credentials",
                  (*server)->credentials_file(), "--moto", (*moto)->endpoint()},
                 {}, "", 540000);
  std::cout << r.out;
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

INSTANTIATE_TEST_SUITE_P(Clients, ServerConformanceTest,
                         ::testing::Values("boto3", "cli", "js"));

}  // namespace
}  // namespace keyward::testing
