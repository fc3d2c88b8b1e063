// Templates declared in `keyward agent`'s configuration file, end to end
// against `keyward server`: rendered once the agent is ready, re-rendered
// (atomically, with the declared mode) after `keyward put` rotates a secret
// it uses, untouched by rotations of other secrets, and never a value in the
// agent's log.
#include <sys/stat.h>

#include <filesystem>

#include "tests/integration/agent_fixture.h"

namespace keyward::testing {
namespace {

constexpr char kOrders[] = "platform-data/postgres/orders";
constexpr char kStripe[] = "platform-data/stripe/orders";

bool WaitFor(const std::string& path, const std::string& needle) {
  for (int i = 0; i < 2000; ++i) {
    if (Slurp(path).find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(AgentTemplateTest, AgentConfigTemplatesFollowRotations) {
  KW_REQUIRE_PEER("curl");
  TempDir dir;
  auto server = KeywardServer::Start(dir);
  ASSERT_TRUE(server.ok()) << server.status();
  std::map<std::string, std::string> env = {
      {"AWS_ENDPOINT_URL", (*server)->endpoint()},
      {"AWS_SHARED_CREDENTIALS_FILE", (*server)->credentials_file()},
      {"AWS_PROFILE", "keyward-local"},
      {"AWS_CONFIG_FILE", "/dev/null"},
      {"AWS_REGION", "us-east-1"},
      {"AWS_ACCESS_KEY_ID", "\x01unset"},
      {"AWS_SECRET_ACCESS_KEY", "\x01unset"}};
  auto put = [&](const std::string& name, const std::string& value) {
    auto r = RunCommand({KeywardBinary(), "put", name}, env, value);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  };
  put(kOrders, R"({"username":"orders","password":"agent-pw-one"})");
  put(kStripe, R"({"token":"sk-one"})");

  std::string dotenv = dir.File("orders.env");
  std::string props = dir.File("orders.properties");
  dir.Write("agent.yaml", std::string("ttl_seconds: 1\n") +
                              "templates:\n"
                              "  - destination: " +
                              dotenv +
                              "\n"
                              "    format: dotenv\n"
                              "    mode: \"0640\"\n"
                              "    values:\n"
                              "      DB_PASSWORD: " +
                              kOrders +
                              "#password\n"
                              "  - destination: " +
                              props +
                              "\n"
                              "    format: properties\n"
                              "    values:\n"
                              "      stripe.token: " +
                              kStripe + "#token\n");
  auto agent =
      KeywardAgent::Start(dir, **server, {"--config", dir.File("agent.yaml")},
                          {{"AWS_TOKEN", "agent-template-token"}});
  ASSERT_TRUE(agent.ok()) << agent.status();
  ASSERT_TRUE(WaitFor(dotenv, "DB_PASSWORD='agent-pw-one'\n"))
      << (*agent)->log();
  ASSERT_TRUE(WaitFor(props, "stripe.token=sk-one\n")) << (*agent)->log();
  struct stat st {};
  ASSERT_EQ(::stat(dotenv.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  auto props_mtime = std::filesystem::last_write_time(props);

  put(kOrders, R"({"username":"orders","password":"agent-pw-two"})");
  ASSERT_TRUE(WaitFor(dotenv, "DB_PASSWORD='agent-pw-two'\n"))
      << (*agent)->log();
  // The properties file does not use the rotated secret: not rewritten.
  EXPECT_EQ(std::filesystem::last_write_time(props), props_mtime);
  for (const char* v : {"agent-pw-one", "agent-pw-two", "sk-one"})
    EXPECT_EQ((*agent)->log().find(v), std::string::npos) << v;
}

}  // namespace
}  // namespace keyward::testing
