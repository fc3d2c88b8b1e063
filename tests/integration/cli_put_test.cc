// `keyward put` end to end against moto_server: stdin, file and interactive
// (pseudo-terminal, no echo) input, --generate, --merge, the identical-value
// no-op, inventory checks, and every error path with its exit code.
#include <nlohmann/json.hpp>

#include "tests/integration/cli_harness.h"

namespace keyward::clitest {
namespace {

using Json = nlohmann::json;

constexpr char kCanary[] = "canary-put-7e2f90-never-print";

class CliPutTest : public CliTest {
 protected:
  std::string Reveal(const std::string& name,
                     const std::string& property = "") {
    std::vector<std::string> args = {"get", name, "--reveal"};
    if (!property.empty()) args.insert(args.end(), {"--property", property});
    auto r = Keyward(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
    return r.out;
  }
  int VersionCount(const std::string& name) {
    auto r = Keyward({"history", name, "-o", "json"});
    auto j = Json::parse(r.out, nullptr, false);
    return j.is_object() ? static_cast<int>(j["Versions"].size()) : -1;
  }
};

TEST_F(CliPutTest, StdinJsonCreatesWithInventoryDescriptionAndTags) {
  std::string inv = WriteInventory(kInventory);
  auto r = Keyward(
      {"--inventory", inv, "put", "platform-data/postgres/orders"},
      R"({"username":"orders","password":")" + std::string(kCanary) + "\"}\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find(kCanary), std::string::npos);
  EXPECT_EQ(r.err.find(kCanary), std::string::npos);
  EXPECT_TRUE(Contains(r.out, "created platform-data/postgres/orders"))
      << r.out;
  EXPECT_TRUE(Contains(r.out, "stages:     AWSCURRENT")) << r.out;
  EXPECT_TRUE(Contains(r.out, "properties: password, username")) << r.out;

  auto d = Keyward({"describe", "platform-data/postgres/orders", "-o", "json"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  Json j = Json::parse(d.out);
  EXPECT_EQ(j["Description"], "Orders PostgreSQL login");
  Json tags = Json::object();
  for (const auto& t : j["Tags"])
    tags[t["Key"].get<std::string>()] = t["Value"];
  EXPECT_EQ(tags["category"], "platform-data");
  EXPECT_EQ(tags["consumers"], "orders");
  EXPECT_EQ(tags["managed-by"], "keyward");
  EXPECT_TRUE(Reveal("platform-data/postgres/orders", "password") == kCanary);
}

TEST_F(CliPutTest, InteractivePromptAsksTwiceWithoutEcho) {
  std::string inv = WriteInventory(kInventory);
  std::string value = std::string("tty-") + kCanary;
  auto r = KeywardPty(
      {"--inventory", inv, "put", "platform-data/stripe/orders"},
      {{"token for platform-data/stripe/orders: ", "first-try"},
       {"token for platform-data/stripe/orders (again): ", "different"},
       {"token for platform-data/stripe/orders: ", value},
       {"token for platform-data/stripe/orders (again): ", value}});
  EXPECT_TRUE(r.all_prompts_seen);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.terminal, "the two entries differ; try again"));
  // Echo was off: nothing typed appears on the terminal.
  EXPECT_EQ(r.terminal.find(value), std::string::npos);
  EXPECT_EQ(r.terminal.find("first-try"), std::string::npos);
  EXPECT_EQ(r.out.find(value), std::string::npos);
  EXPECT_EQ(r.err.find(value), std::string::npos);
  EXPECT_TRUE(Contains(r.out, "created platform-data/stripe/orders"));
  EXPECT_TRUE(Reveal("platform-data/stripe/orders", "token") == value);
}

TEST_F(CliPutTest, InteractiveGivesUpAfterThreeMismatches) {
  std::string inv = WriteInventory(kInventory);
  std::vector<Exchange> script;
  for (int i = 0; i < 3; ++i) {
    script.push_back(
        {"host for platform-config/postgres/platform-postgres: ", "a"});
    script.push_back({"(again): ", "b"});
  }
  auto r = KeywardPty(
      {"--inventory", inv, "put", "platform-config/postgres/platform-postgres",
       "--generate", "port=8"},
      script);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(
      r.err, "no matching value entered after 3 tries; nothing written"));
  EXPECT_EQ(Keyward({"describe", "platform-config/postgres/platform-postgres"})
                .exit_code,
            3);
}

TEST_F(CliPutTest, PlainStringFromFileWithoutInventory) {
  dir_.Write("token.txt", std::string(kCanary) + "\n");
  auto r = Keyward({"put", "platform-data/github/ci", "--from-file",
                    dir_.File("token.txt")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find(kCanary), std::string::npos);
  EXPECT_TRUE(Reveal("platform-data/github/ci") ==
              kCanary);  // trailing newline dropped
}

TEST_F(CliPutTest, GenerateFillsPropertyWithRandomPassword) {
  std::string inv = WriteInventory(kInventory);
  auto r = Keyward(
      {"--inventory", inv, "put", "platform-data/postgres/orders", "--generate",
       "password=40", "--exclude-punctuation", "-o", "json"},
      R"({"username":"gen-user"})");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json j = Json::parse(r.out);
  EXPECT_TRUE(j["Action"] == "created" || j["Action"] == "updated");
  EXPECT_EQ(j["Generated"], Json::array({"password"}));
  EXPECT_FALSE(j["VersionId"].get<std::string>().empty());
  std::string pw = Reveal("platform-data/postgres/orders", "password");
  EXPECT_EQ(pw.size(), 40u);
  EXPECT_EQ(r.out.find(pw), std::string::npos);
  EXPECT_TRUE(std::all_of(pw.begin(), pw.end(),
                          [](char c) { return std::isalnum(c); }));
}

TEST_F(CliPutTest, MergeKeepsOtherPropertiesAndIdenticalValueWritesNothing) {
  const std::string name = "platform-data/redis/cache";
  ASSERT_EQ(
      Keyward({"put", name}, R"({"username":"u1","password":"p1"})").exit_code,
      0);
  auto m = Keyward({"put", name, "--merge"}, R"({"password":"p2"})");
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_TRUE(Contains(m.out, "updated " + name));
  EXPECT_TRUE(Reveal(name) == R"({"password":"p2","username":"u1"})");
  EXPECT_EQ(VersionCount(name), 2);

  // Same value again, key order and whitespace aside: nothing written.
  auto same =
      Keyward({"put", name}, "{ \"username\": \"u1\", \"password\": \"p2\" }");
  ASSERT_EQ(same.exit_code, 0) << same.err;
  EXPECT_TRUE(Contains(
      same.out, "unchanged: the value is identical to the current version"))
      << same.out;
  EXPECT_TRUE(Contains(same.out, "nothing written"));
  EXPECT_EQ(VersionCount(name), 2);

  // --merge with --generate only: rotate one password, keep the user.
  auto rot = Keyward({"put", name, "--merge", "--generate", "password"});
  ASSERT_EQ(rot.exit_code, 0) << rot.err;
  EXPECT_EQ(Reveal(name, "username"), "u1");
  EXPECT_EQ(Reveal(name, "password").size(), 32u);
  EXPECT_EQ(VersionCount(name), 3);
}

TEST_F(CliPutTest, MergeInteractiveEmptyKeepsCurrent) {
  std::string inv = WriteInventory(kInventory);
  const std::string name = "platform-config/postgres/platform-postgres";
  ASSERT_EQ(Keyward({"--inventory", inv, "put", name},
                    R"({"host":"db1","port":"5432"})")
                .exit_code,
            0);
  auto r = KeywardPty({"--inventory", inv, "put", name, "--merge"},
                      {{"host for " + name + ": ", "db2"},
                       {"(again): ", "db2"},
                       {"port for " + name + ": ", ""}});
  EXPECT_TRUE(r.all_prompts_seen);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Reveal(name), R"({"host":"db2","port":"5432"})");
}

TEST_F(CliPutTest, ValueOnCommandLineIsRefusedWithoutEcho) {
  for (std::vector<std::string> args :
       {std::vector<std::string>{"put", "platform-data/x/y", kCanary},
        {"put", "platform-data/x/y", std::string("password=") + kCanary},
        {"put", "platform-data/x/y", std::string("--password=") + kCanary},
        {"put", "platform-data/x/y", "--value", kCanary},
        {"put", "platform-data/x/y",
         std::string("--unknown-flag=") + kCanary}}) {
    auto r = Keyward(args);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_TRUE(
        Contains(r.err, "refusing a value on the command line (not shown)"));
    EXPECT_TRUE(Contains(r.err, "shell history"));
    EXPECT_EQ(r.err.find(kCanary), std::string::npos);
    EXPECT_EQ(r.out.find(kCanary), std::string::npos);
  }
}

TEST_F(CliPutTest, ErrorPaths) {
  std::string inv = WriteInventory(kInventory);
  struct Case {
    std::vector<std::string> args;
    std::string stdin_data;
    int exit_code;
    std::string message;
  };
  const std::string kOrders = "platform-data/postgres/orders";
  std::vector<Case> cases = {
      {{"put", "Platform-Data/x/y"}, "v", 2, "keyward: error: "},
      {{"put", "platform-data/postgres/orders-prod"}, "v", 2, "environment"},
      {{"--inventory", inv, "put", "platform-data/postgres/billing"},
       "{}",
       2,
       "'platform-data/postgres/billing' is not declared in " + inv},
      {{"--inventory", inv, "put", kOrders},
       R"({"username":"u"})",
       2,
       "missing property password declared in " + inv +
           " (use --merge to keep current values)"},
      {{"--inventory", inv, "put", kOrders},
       R"({"username":"u","password":"p","x":"1"})",
       2,
       "property x not declared in " + inv +
           " (declare them, or pass --allow-extra)"},
      {{"--inventory", inv, "put", kOrders},
       "just-a-string",
       2,
       "declares properties [username, password] for "
       "'platform-data/postgres/orders': supply a "
       "JSON object"},
      {{"put", "platform-data/a/b"},
       std::string("{\"password\": \"") + kCanary,
       2,
       "stdin starts with '{' but is not a valid JSON object (contents not "
       "shown)"},
      {{"put", "platform-data/a/b"}, "", 2, "stdin is empty: no value given"},
      {{"put", "platform-data/a/b"},
       R"({"password":""})",
       2,
       "property 'password' in stdin is empty"},
      {{"put", "platform-data/a/b"},
       R"({"nested":{"a":1}})",
       2,
       "property 'nested' in stdin must be a string, number or boolean"},
      {{"put", "platform-data/a/b", "--from-file", "/nonexistent/v.json"},
       "",
       2,
       "cannot open '/nonexistent/v.json'"},
      {{"put", "platform-data/a/b", "--generate", "password=3"},
       "",
       2,
       "--generate password=3: LENGTH must be a number from 8 to 4096"},
      {{"put", "platform-data/a/b", "--generate", "password"},
       "plain",
       2,
       "--generate fills properties of a JSON object"},
      {{"--inventory", "/nonexistent/inv.yaml", "put", "platform-data/a/b"},
       "v",
       2,
       "inventory file '/nonexistent/inv.yaml' does not exist"},
      {{"--endpoint-url", "http://127.0.0.1:1", "put", "platform-data/a/b"},
       "v",
       3,
       ""},
      {{"put", "platform-data/a/b"},
       std::string(70000, 'x'),
       2,
       "the value is 70000 bytes; Secrets Manager accepts at most 65536"},
  };
  for (const auto& c : cases) {
    auto r = Keyward(c.args, c.stdin_data);
    SCOPED_TRACE(c.args.back());
    EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
    EXPECT_TRUE(Contains(r.err, c.message)) << r.err;
    EXPECT_EQ(r.err.find(kCanary), std::string::npos);
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  // --allow-extra accepts the undeclared key.
  auto ok = Keyward({"--inventory", inv, "put", kOrders, "--allow-extra"},
                    R"({"username":"u","password":"p","x":"1"})");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST_F(CliPutTest, ScheduledForDeletionMustBeRestoredFirst) {
  const std::string name = "platform-data/kafka/ingest";
  ASSERT_EQ(Keyward({"put", name}, "v1").exit_code, 0);
  ASSERT_EQ(Keyward({"delete", name}).exit_code, 0);
  auto r = Keyward({"put", name}, "v2");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(Contains(
      r.err, "is scheduled for deletion; run 'keyward restore " + name))
      << r.err;
}

}  // namespace
}  // namespace keyward::clitest
