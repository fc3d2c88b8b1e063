// `keyward exec` end to end against moto_server: variable names, overrides,
// prefixes, --pristine, --dry-run, error paths, and that keyward itself never
// prints a value.
#include <nlohmann/json.hpp>
#include <set>

#include "tests/integration/cli_harness.h"

namespace keyward::clitest {
namespace {

using Json = nlohmann::json;

constexpr char kCanary[] = "canary-exec-51b0c3-never-print";

class CliExecTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    inv_ = WriteInventory(kInventory);
    if (populated_) return;
    ASSERT_EQ(
        Keyward({"--inventory", inv_, "put", "platform-data/postgres/orders"},
                std::string(R"({"username":"orders","password":")") + kCanary +
                    "\"}")
            .exit_code,
        0);
    ASSERT_EQ(Keyward({"--inventory", inv_, "put",
                       "platform-config/postgres/platform-postgres"},
                      R"({"host":"db.internal","port":5432})")
                  .exit_code,
              0);
    ASSERT_EQ(
        Keyward({"--inventory", inv_, "put", "platform-data/stripe/orders"},
                R"({"token":"sk_test_123"})")
            .exit_code,
        0);
    populated_ = true;
  }
  // Parses `env` output into a map.
  static std::map<std::string, std::string> ParseEnv(const std::string& out) {
    std::map<std::string, std::string> m;
    std::size_t pos = 0;
    while (pos < out.size()) {
      auto nl = out.find('\n', pos);
      std::string line = out.substr(pos, nl - pos);
      auto eq = line.find('=');
      if (eq != std::string::npos) m[line.substr(0, eq)] = line.substr(eq + 1);
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
    return m;
  }
  std::string inv_;
  static bool populated_;
};
bool CliExecTest::populated_ = false;

TEST_F(CliExecTest, ExportsDeclaredPropertiesUnderPredictableNames) {
  auto r =
      Keyward({"--inventory", inv_, "exec", "--app", "orders", "--", "env"}, "",
              {{"KEYWARD_TEST_MARKER", "kept"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find(kCanary), std::string::npos);
  auto env = ParseEnv(r.out);
  EXPECT_EQ(env["POSTGRES_ORDERS_USERNAME"], "orders");
  EXPECT_TRUE(env["POSTGRES_ORDERS_PASSWORD"] == kCanary);
  EXPECT_EQ(env["POSTGRES_PLATFORM_POSTGRES_HOST"], "db.internal");
  EXPECT_EQ(env["POSTGRES_PLATFORM_POSTGRES_PORT"], "5432");
  EXPECT_EQ(env["STRIPE_ORDERS_TOKEN"], "sk_test_123");
  EXPECT_EQ(env["KEYWARD_TEST_MARKER"], "kept");
}

TEST_F(CliExecTest, PristinePassesOnlyTheSecrets) {
  auto r = Keyward({"--inventory", inv_, "exec", "--app", "orders",
                    "--pristine", "--", "env"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto env = ParseEnv(r.out);
  std::set<std::string> names;
  for (const auto& [k, v] : env) names.insert(k);
  EXPECT_EQ(names,
            (std::set<std::string>{
                "POSTGRES_ORDERS_USERNAME", "POSTGRES_ORDERS_PASSWORD",
                "POSTGRES_PLATFORM_POSTGRES_HOST",
                "POSTGRES_PLATFORM_POSTGRES_PORT", "STRIPE_ORDERS_TOKEN"}));
}

TEST_F(CliExecTest, OverridesAndPrefix) {
  auto r = Keyward({"--inventory", inv_, "exec", "--app", "orders",
                    "--pristine", "--env-prefix", "APP_", "--env",
                    "DATABASE_PASSWORD=platform-data/postgres/orders#password",
                    "--", "env"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto env = ParseEnv(r.out);
  EXPECT_TRUE(env["DATABASE_PASSWORD"] == kCanary);
  EXPECT_EQ(env.count("APP_POSTGRES_ORDERS_PASSWORD"), 0u);
  EXPECT_EQ(env["APP_POSTGRES_ORDERS_USERNAME"], "orders");
  EXPECT_EQ(env["APP_STRIPE_ORDERS_TOKEN"], "sk_test_123");
}

TEST_F(CliExecTest, DryRunListsNamesOnly) {
  auto r =
      Keyward({"--inventory", inv_, "exec", "--app", "orders", "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("VARIABLE")) << r.out;
  EXPECT_TRUE(Contains(r.out, "\nPOSTGRES_ORDERS_PASSWORD ")) << r.out;
  EXPECT_TRUE(Contains(r.out, " platform-data/postgres/orders ")) << r.out;
  EXPECT_EQ(r.out.find(kCanary), std::string::npos);
  auto j = Keyward({"--inventory", inv_, "exec", "--app", "orders", "--dry-run",
                    "-o", "json"});
  ASSERT_EQ(j.exit_code, 0);
  EXPECT_EQ(Json::parse(j.out).size(), 5u);
}

TEST_F(CliExecTest, KeywardItselfPrintsNothingAndPassesTheExitCode) {
  auto r = Keyward({"--inventory", inv_, "exec", "--app", "orders", "--", "sh",
                    "-c", "exit 7"});
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_TRUE(r.out.empty());
  EXPECT_TRUE(r.err.empty()) << r.err;
}

// Everything after the first "--" is the child's, untouched: -e, -c,
// --env, --help and "--" of its own (issue 12).
TEST_F(CliExecTest, ChildArgumentsAfterDoubleDashAreNeverParsed) {
  auto r = Keyward({"--inventory", inv_, "exec", "--app", "orders", "--", "sh",
                    "-c", "printf '%s\\n' \"$@\"", "child", "-e", "--env",
                    "X=platform-data/stripe/orders#token", "--help", "--", "-c",
                    "--app", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "-e\n--env\nX=platform-data/stripe/orders#token\n--help\n--\n"
            "-c\n--app\n-o\njson\n");
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_F(CliExecTest, OptionsInAnyOrderBeforeDoubleDash) {
  // The issue's repro: --env before "--" and `sh -c` after it.
  auto r = Keyward({"--inventory", inv_, "exec", "--app", "orders", "--env",
                    "DB_PASSWORD=platform-data/postgres/orders#password", "--",
                    "sh", "-c", "echo ok"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ok\n");
  // Every order of the options, globals between them, -e twice.
  auto e = Keyward(
      {"exec", "-e", "A_TOKEN=platform-data/stripe/orders#token", "--pristine",
       "--inventory", inv_, "-a", "orders", "--env-prefix", "APP_", "-e",
       "B_USER=platform-data/postgres/orders#username", "--", "sh", "-c",
       "echo \"$A_TOKEN $B_USER ${#APP_POSTGRES_ORDERS_PASSWORD}\""});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(e.out, "sk_test_123 orders " +
                       std::to_string(std::strlen(kCanary)) + "\n");
}

TEST_F(CliExecTest, NodeDashEIsTheChildsNotKeywards) {
  KW_REQUIRE_PEER("node");
  auto r = Keyward({"--inventory", inv_, "exec", "--app", "orders", "--",
                    "node", "-e",
                    "console.log(process.argv.slice(1).join(' '), "
                    "process.env.STRIPE_ORDERS_TOKEN)",
                    "--", "--env", "--help"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "--env --help sk_test_123\n");
}

// No argument of the child ever appears in keyward's own errors, whatever
// goes wrong before the child starts.
TEST_F(CliExecTest, ChildArgumentsNeverAppearInKeywardErrors) {
  const std::string canary = "child-arg-canary-7f3e";
  std::vector<std::vector<std::string>> cases = {
      {"exec", "--", "sh", "-c", canary},                   // no inventory
      {"--inventory", inv_, "exec", "--", "echo", canary},  // no --app
      {"--inventory", inv_, "exec", "--app", "nope", "--", "echo", canary},
      {"--inventory", inv_, "exec", "--app", "orders", "--bogus", "--", "echo",
       canary},
      {"--inventory", inv_, "exec", "--app", "orders", "stray", "--", "echo",
       canary},
      {"--inventory", inv_, "exec", "--app", "orders", "--env", "1X=a#b", "--",
       "echo", canary},
      {"--inventory", inv_, "-o", "json", "exec", "--", "-e", canary},
      {"--inventory", inv_, "list", "--", canary},
      {"--inventory", inv_, "exec", "--app", "orders", "--", "/nonexistent/x",
       canary},
  };
  for (const auto& args : cases) {
    auto r = Keyward(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    SCOPED_TRACE(joined);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_FALSE(r.err.empty());
    EXPECT_EQ(r.err.find(canary), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find(canary), std::string::npos) << r.out;
  }
  // A stray argument before "--" gets a hint about where the command goes.
  auto r = Keyward({"--inventory", inv_, "exec", "--app", "orders", "env"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "goes after '--'")) << r.err;
}

TEST_F(CliExecTest, ErrorPaths) {
  dir_.Write("partial.yaml",
             std::string(kInventory) + R"(  - name: platform-data/missing/orders
    description: Not in the store
    consumers: [orders]
    properties: [token]
    rotation: {status: none}
)");
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string message;
  };
  std::string inv2 = dir_.File("partial.yaml");
  std::vector<Case> cases = {
      {{"exec", "--app", "orders", "--", "true"},
       2,
       "exec needs the inventory"},
      {{"--inventory", inv2, "exec", "--app", "billing", "--", "true"},
       2,
       "application 'billing' consumes no secrets"},
      {{"--inventory", inv2, "exec", "--app", "orders", "--", "true"},
       3,
       "cannot read: platform-data/missing/orders (ResourceNotFoundException)"},
      {{"--inventory", inv_, "exec", "--app", "orders", "--env",
        "1BAD=platform-data/stripe/orders#token", "--", "true"},
       2,
       "'1BAD' is not a valid variable name"},
      {{"--inventory", inv_, "exec", "--app", "orders", "--env",
        "X=platform-data/stripe/orders#nope", "--", "true"},
       2,
       "app 'orders' has no such secret/property in the inventory"},
      {{"--inventory", inv_, "exec", "--app", "orders", "--env",
        "STRIPE_ORDERS_TOKEN=platform-data/postgres/orders#password", "--",
        "true"},
       2,
       "variable STRIPE_ORDERS_TOKEN would be set by both"},
      {{"--inventory", inv_, "exec", "--app", "orders"}, 2, "no command given"},
      {{"--inventory", inv_, "exec", "--app", "orders", "--",
        "/nonexistent/cmd"},
       127,
       "cannot run '/nonexistent/cmd'"},
      {{"--inventory", inv_, "exec", "--", "true"}, 2, "--app"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.message);
    auto r = Keyward(c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
    EXPECT_TRUE(Contains(r.err, c.message)) << r.err;
    EXPECT_EQ(r.err.find(kCanary), std::string::npos);
    EXPECT_EQ(r.out.find(kCanary), std::string::npos);
  }
}

}  // namespace
}  // namespace keyward::clitest
