// One key style for every `-o json` output of the CLI (docs/cli.md, "JSON
// output"): AWS's PascalCase, in every object of every command's output and
// in the JSON error on stderr. A table of commands runs against keyward
// server (which also answers STS, for whoami); each output is walked
// recursively. Maps whose keys are data (a secret's property names, version
// ids, outcome counters) are not walked.
#include <gmock/gmock.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "tests/integration/cli_harness.h"
#include "tests/integration/server_fixture.h"

namespace keyward::clitest {
namespace {

using testing::KeywardServer;
using testing::TempDir;

constexpr char kLogin[] = "platform-data/postgres/orders";
constexpr char kToken[] = "platform-data/stripe/orders";

// Keys whose values are maps keyed by data, not by field names.
const std::set<std::string> kDataMaps = {"Properties", "VersionIdsToStages",
                                         "Counts"};

void CollectBadKeys(const nlohmann::json& j, const std::string& path,
                    std::vector<std::string>& bad) {
  static const std::regex kPascal("[A-Z][A-Za-z0-9]*");
  if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i)
      CollectBadKeys(j[i], path + "[" + std::to_string(i) + "]", bad);
  }
  if (!j.is_object()) return;
  for (const auto& [k, v] : j.items()) {
    if (!std::regex_match(k, kPascal)) bad.push_back(path + "/" + k);
    if (!kDataMaps.count(k)) CollectBadKeys(v, path + "/" + k, bad);
  }
}

struct Row {
  Row(std::vector<std::string> a, std::string in = "", int code = 0,
      bool err = false)
      : args(std::move(a)),
        stdin_data(std::move(in)),
        exit_code(code),
        from_stderr(err) {}
  std::vector<std::string> args;
  std::string stdin_data;
  int exit_code = 0;
  bool from_stderr = false;  // the JSON error
};

class CliJsonKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = KeywardServer::Start(dir_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
    dir_.Write("secrets-inventory.yaml", kInventory);
    dir_.Write("scan/.env", "STRIPE_KEY=sk_live_51Habcdefghijklmnopqrstuv\n");
  }
  std::map<std::string, std::string> Env() const {
    return {{"HOME", dir_.path()},
            {"AWS_ENDPOINT_URL", server_->endpoint()},
            {"AWS_REGION", "us-east-1"},
            {"AWS_DEFAULT_REGION", "us-east-1"},
            {"AWS_SHARED_CREDENTIALS_FILE", server_->credentials_file()},
            {"AWS_CONFIG_FILE", dir_.File("no-config")},
            {"AWS_PROFILE", "keyward-local"},
            {"AWS_ACCESS_KEY_ID", "\x01unset"},
            {"AWS_SECRET_ACCESS_KEY", "\x01unset"},
            {"AWS_SESSION_TOKEN", "\x01unset"}};
  }

  TempDir dir_;
  std::unique_ptr<KeywardServer> server_;
};

TEST_F(CliJsonKeysTest, EveryCommandsJsonUsesPascalCaseKeys) {
  const std::string inv = dir_.File("secrets-inventory.yaml");
  const std::vector<Row> rows = {
      {{"put", kLogin}, R"({"username": "u", "password": "p1"})"},
      {{"put", kLogin}, R"({"username": "u", "password": "p2"})"},
      {{"put", kToken}, R"({"token": "t1"})"},
      {{"list"}},
      {{"describe", kLogin}},
      {{"get", kLogin}},
      {{"history", kLogin}},
      {{"tag", kLogin, "team=payments"}},
      {{"tag", kLogin}},
      {{"rollback", kLogin}},
      {{"delete", kToken, "--yes"}},
      {{"restore", kToken}},
      {{"whoami"}},
      {{"exec", "--app", "orders", "--dry-run", "--", "true"}},
      {{"inventory", "lint", inv}},
      {{"inventory", "check", inv}, "", 1},  // drift: config not in store
      {{"inventory", "report", inv}, "", 1},
      {{"scan", dir_.File("scan")}, "", 1},
      {{"export", "eso", "--phase", "1", "--out-dir", dir_.File("p1")}},
      {{"lsit"}, "", 2, true},
      {{"get", "platform-data/none/here"}, "", 3, true},
  };
  for (const Row& row : rows) {
    std::vector<std::string> argv = {testing::KeywardBinary(), "-o", "json",
                                     "--inventory", inv};
    argv.insert(argv.end(), row.args.begin(), row.args.end());
    CommandResult r = testing::RunCommand(argv, Env(), row.stdin_data);
    std::string where = ::testing::PrintToString(row.args);
    EXPECT_EQ(r.exit_code, row.exit_code) << where << "\n" << r.err;
    const std::string& text = row.from_stderr ? r.err : r.out;
    auto j = nlohmann::json::parse(text, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << where << ": not JSON:\n" << text;
    std::vector<std::string> bad;
    CollectBadKeys(j, "", bad);
    EXPECT_THAT(bad, ::testing::IsEmpty()) << where << "\n" << text;
    EXPECT_TRUE(!row.from_stderr || j.contains("Error")) << text;
  }
}

}  // namespace
}  // namespace keyward::clitest
