// A canary value written through every input path must never appear on
// keyward's stdout or stderr, for any command, unless `get --reveal` asked for
// it. (Failures never print the captured output: it could hold the canary.)
#include "tests/integration/cli_harness.h"

namespace keyward::clitest {
namespace {

constexpr char kCanary[] = "canary-all-commands-a9d37e-never-print";

class CliCanaryTest : public CliTest {};

TEST_F(CliCanaryTest, NoCommandPrintsTheValueUnlessRevealed) {
  std::string inv = WriteInventory(kInventory);
  const std::string login = "platform-data/postgres/orders";
  const std::string token = "platform-data/stripe/orders";
  const std::string config = "platform-config/postgres/platform-postgres";
  dir_.Write("login.json",
             std::string(R"({"username":"u","password":")") + kCanary + "\"}");
  std::vector<CommandResult> results;
  auto run = [&](std::vector<std::string> args, const std::string& in = "") {
    args.insert(args.begin(), {"--inventory", inv});
    results.push_back(Keyward(args, in));
    return results.back().exit_code;
  };
  EXPECT_EQ(run({"put", login, "--from-file", dir_.File("login.json")}), 0);
  EXPECT_EQ(run({"put", config},
                std::string(R"({"host":"h-)") + kCanary + R"(","port":"1"})"),
            0);
  auto tty = KeywardPty(
      {"--inventory", inv, "put", token},
      {{"token for " + token + ": ", kCanary}, {"(again): ", kCanary}});
  EXPECT_EQ(tty.exit_code, 0);
  EXPECT_EQ(tty.terminal.find(kCanary), std::string::npos);
  EXPECT_EQ(tty.out.find(kCanary), std::string::npos);
  EXPECT_EQ(tty.err.find(kCanary), std::string::npos);

  // Every command, including failing ones.
  run({"put", login, "--merge"},
      std::string(R"({"password":"2-)") + kCanary + "\"}");
  run({"put", login},
      std::string(R"({"password":"3-)") + kCanary + "\"}");  // missing key
  run({"put", login, "--allow-extra"},
      std::string("{\"username\":\"u\",\"password\":\"") + kCanary);
  run({"put", login, kCanary});
  run({"put", login, std::string("--password=") + kCanary});
  run({"get", login});
  run({"get", login, "-o", "json"});
  run({"get", login, "--property", "nope", "--reveal"});
  run({"describe", login});
  run({"describe", login, "-o", "json"});
  run({"list"});
  run({"list", "-o", "json"});
  run({"history", login});
  run({"history", login, "-o", "json"});
  run({"rollback", login});
  run({"rollback", login, "-o", "json"});
  run({"tag", login, "owner=team"});
  run({"untag", login, "owner"});
  run({"exec", "--app", "orders", "--dry-run"});
  run({"exec", "--app", "orders", "--", "true"});
  run({"exec", "--app", "orders", "--", "/nonexistent/cmd"});
  run({"delete", token});
  run({"put", token},
      std::string(R"({"token":")") + kCanary + "\"}");  // scheduled: error
  run({"restore", token});
  run({"delete", token, "--force"});  // no terminal: refused
  run({"completion", "bash"});
  run({"--help"});
  for (std::size_t i = 0; i < results.size(); ++i) {
    SCOPED_TRACE("command #" + std::to_string(i));
    EXPECT_EQ(results[i].out.find(kCanary), std::string::npos);
    EXPECT_EQ(results[i].err.find(kCanary), std::string::npos);
  }
  // Only --reveal prints it.
  auto revealed = Keyward({"get", config, "--property", "host", "--reveal"});
  EXPECT_EQ(revealed.exit_code, 0);
  EXPECT_NE(revealed.out.find(kCanary), std::string::npos);
}

}  // namespace
}  // namespace keyward::clitest
