// Every subcommand's --help (with examples), the completion scripts (bash
// driven for real; zsh syntax-checked and driven with stubbed completion
// builtins when zsh is installed) and usage errors.
#include "tests/integration/cli_harness.h"

namespace keyward::clitest {
namespace {

const std::vector<std::string> kCommands = {
    "put",   "history", "rollback",   "delete", "restore",  "tag",
    "untag", "exec",    "completion", "get",    "describe", "list"};

CommandResult RunKw(std::vector<std::string> args, const std::string& in = "") {
  args.insert(args.begin(), testing::KeywardBinary());
  return testing::RunCommand(args, {}, in);
}

bool Has(const std::string& s, const std::string& n) {
  return s.find(n) != std::string::npos;
}

TEST(CliHelpTest, EverySubcommandHasHelpWithExamples) {
  auto top = RunKw({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  for (const auto& c : kCommands) {
    SCOPED_TRACE(c);
    EXPECT_TRUE(Has(top.out, c)) << top.out;
    auto r = RunKw({c, "--help"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(Has(r.out, "Example")) << r.out;
  }
}

TEST(CliHelpTest, UsageErrorsExitTwo) {
  auto r = RunKw({"history"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Has(r.err, "keyward: error: "));
  EXPECT_EQ(RunKw({"completion", "fish"}).exit_code, 2);
  EXPECT_EQ(RunKw({"--output", "yaml", "history", "x"}).exit_code, 2);
}

// Runs the bash completion function for `line` (cursor at the end).
std::string Complete(const std::string& script_path, const std::string& line,
                     const std::string& cwd) {
  std::string cmd = "cd '" + cwd + "' && source '" + script_path +
                    "' && COMP_WORDS=(" + line +
                    ") && COMP_CWORD=$((${#COMP_WORDS[@]}-1)) && "
                    "_keyward && printf '%s\\n' \"${COMPREPLY[@]}\"";
  if (!line.empty() && line.back() == ' ') {
    cmd = "cd '" + cwd + "' && source '" + script_path + "' && COMP_WORDS=(" +
          line +
          " '') && COMP_CWORD=$((${#COMP_WORDS[@]}-1)) && _keyward && printf "
          "'%s\\n' "
          "\"${COMPREPLY[@]}\"";
  }
  return testing::RunCommand({"bash", "-c", cmd}).out;
}

TEST(CliCompletionTest, BashCompletesCommandsFlagsAndInventoryNames) {
  KW_REQUIRE_PEER("bash");
  testing::TempDir dir;
  auto script = RunKw({"completion", "bash"});
  ASSERT_EQ(script.exit_code, 0);
  dir.Write("keyward.bash", script.out);
  dir.Write("secrets-inventory.yaml", kInventory);
  std::string path = dir.File("keyward.bash");
  EXPECT_EQ(testing::RunCommand({"bash", "-n", path}).exit_code, 0);
  EXPECT_EQ(Complete(path, "keyward hi", dir.path()), "history\n");
  EXPECT_EQ(Complete(path, "keyward re", dir.path()), "restore\n");
  std::string put_flags = Complete(path, "keyward put --ge", dir.path());
  EXPECT_EQ(put_flags, "--generate\n");
  std::string globals = Complete(path, "keyward history --reg", dir.path());
  EXPECT_EQ(globals, "--region\n");
  EXPECT_EQ(Complete(path, "keyward get -o j", dir.path()), "json\n");
  std::string names = Complete(path, "keyward put platform-data/", dir.path());
  EXPECT_TRUE(Has(names, "platform-data/postgres/orders\n")) << names;
  EXPECT_TRUE(Has(names, "platform-data/stripe/orders\n")) << names;
  EXPECT_FALSE(Has(names, "platform-config")) << names;
  EXPECT_EQ(Complete(path, "keyward completion ", dir.path()), "bash\nzsh\n");
  // --app offers the inventory's application names.
  EXPECT_EQ(Complete(path, "keyward exec --app or", dir.path()), "orders\n");
  EXPECT_EQ(Complete(path, "keyward exec -a ", dir.path()), "orders\n");
}

// Every subcommand's --help shows the global options; --endpoint-url names
// keyward server's real default port.
TEST(CliHelpTest, SubcommandHelpShowsGlobalOptions) {
  for (const auto& c : kCommands) {
    SCOPED_TRACE(c);
    auto r = RunKw({c, "--help"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(Has(r.out, "--profile")) << r.out;
    EXPECT_TRUE(Has(r.out, "--endpoint-url")) << r.out;
    EXPECT_TRUE(Has(r.out, "--no-color")) << r.out;
  }
  auto top = RunKw({"--help"});
  EXPECT_TRUE(Has(top.out, "http://127.0.0.1:4585")) << top.out;
  EXPECT_FALSE(Has(top.out, "8200")) << top.out;
}

// Mistyped commands and flags: "did you mean", the flag's name but never a
// stray value (issue 12, 3.3).
TEST(CliHelpTest, DidYouMean) {
  auto r = RunKw({"lsit"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Has(r.err, "did you mean 'list'?")) << r.err;
  EXPECT_FALSE(Has(r.err, "lsit")) << r.err;
  r = RunKw({"history", "x", "--regoin", "eu-west-1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Has(r.err, "unknown option --regoin")) << r.err;
  EXPECT_TRUE(Has(r.err, "did you mean --region?")) << r.err;
  r = RunKw({"history", "x", "--prifile=hunter2-canary"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Has(r.err, "did you mean --profile?")) << r.err;
  EXPECT_FALSE(Has(r.err, "hunter2-canary")) << r.err;
  r = RunKw({"history", "x", "hunter2-canary"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(Has(r.err, "hunter2-canary")) << r.err;
}

// Under -o json errors are one JSON object on stderr, same exit codes.
TEST(CliHelpTest, JsonErrors) {
  auto r = RunKw({"-o", "json", "lsit"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.err.starts_with("{\"Error\":{\"Code\":\"INVALID_ARGUMENT\""))
      << r.err;
  EXPECT_TRUE(Has(r.err, "\"ExitCode\":2")) << r.err;
  r = RunKw({"history", "x", "--region", "us-east1", "--output", "json"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Has(r.err, "did you mean 'us-east-1'?")) << r.err;
  EXPECT_TRUE(r.err.starts_with("{\"Error\":")) << r.err;
}

TEST(CliCompletionTest, ZshScriptIsValid) {
  auto script = RunKw({"completion", "zsh"});
  ASSERT_EQ(script.exit_code, 0);
  EXPECT_TRUE(script.out.starts_with("#compdef keyward\n"));
  EXPECT_TRUE(Has(script.out, "'history:List a secret"));
  EXPECT_TRUE(Has(script.out, "put '"));
  // zsh is optional (not in scripts/install-deps.sh): syntax-check when
  // present.
  if (!testing::OnPath("zsh"))
    GTEST_SKIP() << "zsh not installed; script content checked";
  testing::TempDir dir;
  dir.Write("_keyward", script.out);
  EXPECT_EQ(testing::RunCommand({"zsh", "-n", dir.File("_keyward")}).exit_code,
            0);
}

// Runs the zsh completion function for `words` (cursor on the last word)
// with compadd/_describe/_files stubbed to print their candidates.
std::string ZshComplete(const std::string& script_path,
                        const std::string& words, const std::string& cwd) {
  std::string cmd =
      "cd '" + cwd +
      "' && compdef() { :; } && "
      "compadd() { while [[ $1 == -* && $1 != -- ]]; do shift; done; "
      "[[ $1 == -- ]] && shift; printf '%s\n' \"$@\"; } && "
      "_describe() { printf 'described:%s\n' \"$3\"; } && "
      "_files() { print files; } && source '" +
      script_path + "' && words=(" + words +
      ") && CURRENT=${#words} && PREFIX=${words[CURRENT]} && _keyward";
  return testing::RunCommand({"zsh", "-f", "-c", cmd}).out;
}

// Secret names (NAME) and application names (--app) come from the
// inventory in zsh too.
TEST(CliCompletionTest, ZshCompletesInventoryNamesAndApps) {
  if (!testing::OnPath("zsh")) GTEST_SKIP() << "zsh not installed";
  testing::TempDir dir;
  auto script = RunKw({"completion", "zsh"});
  ASSERT_EQ(script.exit_code, 0);
  dir.Write("_keyward", script.out);
  dir.Write("secrets-inventory.yaml", kInventory);
  std::string path = dir.File("_keyward");
  std::string names =
      ZshComplete(path, "keyward get platform-data/", dir.path());
  EXPECT_TRUE(Has(names, "platform-data/postgres/orders\n")) << names;
  EXPECT_TRUE(Has(names, "platform-data/stripe/orders\n")) << names;
  std::string apps = ZshComplete(path, "keyward exec --app ''", dir.path());
  EXPECT_EQ(apps, "orders\n");
  EXPECT_TRUE(
      Has(ZshComplete(path, "keyward get -o ''", dir.path()), "json\n"));
  // Outside a directory with an inventory, NAME falls back to files.
  testing::TempDir empty;
  EXPECT_EQ(ZshComplete(path, "keyward get x", empty.path()), "files\n");
}

}  // namespace
}  // namespace keyward::clitest
