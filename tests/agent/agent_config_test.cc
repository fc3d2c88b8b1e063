// The agent's YAML configuration: every key, file:line:col errors, the
// reserved templates/exec sections, and validation placed at its origin.
#include <gtest/gtest.h>

#include "agent/config.h"
#include "tests/testing/small_stack.h"

namespace keyward::agent {
namespace {

TEST(AgentConfigTest, ParsesEveryKey) {
  AgentConfig c;
  Status s = ParseAgentConfig(R"(# keyward agent
listen: 127.0.0.1:3773
allow_non_loopback: false
path_prefix: /secrets/
ssrf_headers: [X-Token]
ssrf_env_variables: [MY_TOKEN]
ttl_seconds: 120
max_staleness_seconds: 7200
refresh_now_min_interval_seconds: 5
cache_size: 50
max_conn: 10
threads: 2
region: eu-west-1
profile: agent
endpoint_url: http://127.0.0.1:4585
log_level: warn
inventory: secrets-inventory.yaml
apps: [orders]
token_mode: per-app
token_dir: /run/keyward-agent
applications:
  billing: {profile: billing, group: billing, token_file: /run/b.token}
)",
                              "agent.yaml", FileSystem::Real(), &c);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 3773);
  EXPECT_EQ(c.path_prefix, "/secrets/");
  EXPECT_EQ(c.ssrf_headers, std::vector<std::string>{"X-Token"});
  EXPECT_EQ(c.ssrf_env_variables, std::vector<std::string>{"MY_TOKEN"});
  EXPECT_EQ(c.ttl_seconds, 120);
  EXPECT_EQ(c.max_staleness_seconds, 7200);
  EXPECT_EQ(c.refresh_now_min_interval_seconds, 5);
  EXPECT_EQ(c.cache_size, 50);
  EXPECT_EQ(c.max_conn, 10);
  EXPECT_EQ(c.threads, 2);
  EXPECT_EQ(c.region, "eu-west-1");
  EXPECT_EQ(c.profile, "agent");
  EXPECT_EQ(c.endpoint_url, "http://127.0.0.1:4585");
  EXPECT_EQ(c.log_level, "warn");
  EXPECT_EQ(c.inventory, "secrets-inventory.yaml");
  EXPECT_TRUE(c.per_app());
  EXPECT_EQ(c.AllApps(), (std::vector<std::string>{"orders", "billing"}));
  EXPECT_EQ(c.TokenFileFor("orders"), "/run/keyward-agent/orders.token");
  EXPECT_EQ(c.TokenFileFor("billing"), "/run/b.token");
  EXPECT_EQ(c.applications["billing"].profile, "billing");
  EXPECT_TRUE(ValidateAgentConfig(c).ok()) << ValidateAgentConfig(c);
}

TEST(AgentConfigTest, DefaultsAreTheAwsAgentsWhereTheyOverlap) {
  AgentConfig c;
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 2773);
  EXPECT_EQ(c.path_prefix, "/v1/");
  EXPECT_EQ(c.ttl_seconds, 300);
  EXPECT_EQ(c.max_conn, 800);
  EXPECT_EQ(c.cache_size, 1000);
  EXPECT_EQ(c.ssrf_headers,
            (std::vector<std::string>{"X-Aws-Parameters-Secrets-Token",
                                      "X-Vault-Token"}));
  EXPECT_EQ(c.ssrf_env_variables,
            (std::vector<std::string>{"AWS_TOKEN", "AWS_SESSION_TOKEN",
                                      "AWS_CONTAINER_AUTHORIZATION_TOKEN"}));
  EXPECT_TRUE(ValidateAgentConfig(c).ok());
}

TEST(AgentConfigTest, ErrorsNameFileLineAndColumn) {
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {"ttl_seconds: 300\nttl_secnds: 5\n",
       "agent.yaml:2:1: unknown key 'ttl_secnds'"},
      {"ttl_seconds: soon\n",
       "agent.yaml:1:14: ttl_seconds: expected an integer, got 'soon'"},
      {"apps: orders\n", "agent.yaml:1:7: apps: expected a list of strings"},
      {"allow_non_loopback: maybe\n",
       "agent.yaml:1:21: allow_non_loopback: expected true or false, got "
       "'maybe'"},
      {"listen: nowhere\n",
       "agent.yaml:1:9: listen: expected HOST:PORT, got 'nowhere'"},
      {"applications:\n  orders: {profle: x}\n",
       "agent.yaml:2:12: unknown key 'applications.orders.profle' (expected "
       "profile, group, token_file)"},
      {"templates:\n  - destination: /tmp/x\n    bogus: 1\n", "agent.yaml:3:"},
      {"exec: {command: [app]}\n",
       "agent.yaml:1:1: exec: not yet supported by keyward agent"},
      {"listen: [unclosed\n", "agent.yaml:2:1: "},
  };
  for (const Case& k : cases) {
    AgentConfig c;
    Status s = ParseAgentConfig(k.text, "agent.yaml", FileSystem::Real(), &c);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << k.text;
    EXPECT_TRUE(s.message().starts_with(k.error)) << s.message();
  }
}

TEST(AgentConfigTest, TemplatesAreParsedByTheTemplateModule) {
  AgentConfig c;
  Status s = ParseAgentConfig(R"(templates:
  - destination: /tmp/kw-agent-config-test.env
    format: dotenv
    values:
      DB_PASSWORD: platform-data/postgres/orders#password
    mode: "0640"
)",
                              "agent.yaml", FileSystem::Real(), &c);
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_EQ(c.templates.size(), 1u);
  EXPECT_EQ(c.templates[0].destination, "/tmp/kw-agent-config-test.env");
  EXPECT_EQ(c.templates[0].mode, 0640u);
}

TEST(AgentConfigTest, ValidationIsPlacedWhereTheValueCameFrom) {
  AgentConfig c;
  ASSERT_TRUE(ParseAgentConfig("ttl_seconds: 300\nmax_conn: 0\n", "a.yaml",
                               FileSystem::Real(), &c)
                  .ok());
  Status s = ValidateAgentConfig(c);
  EXPECT_EQ(s.message(), "a.yaml:2:11: must be in 1..10000");
  c.max_conn = 5;
  c.host = "0.0.0.0";
  c.origin["listen"] = "--listen";
  s = ValidateAgentConfig(c);
  EXPECT_TRUE(s.message().starts_with("--listen: 0.0.0.0 is not a loopback"))
      << s;
  c.allow_non_loopback = true;
  EXPECT_TRUE(ValidateAgentConfig(c).ok());
  c.apps = {"orders"};
  EXPECT_NE(ValidateAgentConfig(c).message().find("need an inventory"),
            std::string::npos);
  c.inventory = "inv.yaml";
  c.token_mode = "per-app";
  EXPECT_NE(ValidateAgentConfig(c).message().find("per-app needs token_dir"),
            std::string::npos);
  c.token_dir = "/run/x";
  EXPECT_TRUE(ValidateAgentConfig(c).ok());
  c.max_staleness_seconds = 10;
  EXPECT_NE(ValidateAgentConfig(c).message().find("at least ttl_seconds"),
            std::string::npos);
}

// yaml-cpp builds nodes recursively: a config nested 120,000 deep must be
// refused with its place before the builder sees it, on a 1 MiB stack.
TEST(AgentConfigTest, DeepNestingIsRefusedWithItsPlace) {
  std::string text = "listen: 127.0.0.1:2773\nextra: ";
  text += std::string(120000, '[');
  Status st;
  ASSERT_TRUE(keyward::testing::RunOnSmallStack([&] {
    AgentConfig config;
    st = ParseAgentConfig(text, "agent.yaml", FileSystem::Real(), &config);
  }));
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("agent.yaml:2:"), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("yaml-depth"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace keyward::agent
