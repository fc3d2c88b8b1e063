// RunCli in-process: every command's error goes through the one report
// (Cli::ReportError) and the one exit-code table (ExitCodeFor), in text and
// under -o json; usage errors point to --help.
#include <gtest/gtest.h>

#include <sstream>

#include "cli/cli.h"
#include "cli/commands.h"
#include "tests/testing/fakes.h"

namespace keyward::cli {
namespace {

struct Ran {
  int code;
  std::string out, err;
};

Ran Keyward(std::vector<const char*> args) {
  args.insert(args.begin(), "keyward");
  std::ostringstream out, err;
  keyward::testing::FakeEnvironment env;
  Runtime rt;
  rt.env = &env;
  int code = RunCli(static_cast<int>(args.size()), args.data(), out, err, rt);
  return {code, out.str(), err.str()};
}

TEST(RunCliTest, ACommandsErrorIsReportedOnceWithItsExitCode) {
  Ran r = Keyward({"put", "Not A Name"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(r.err.rfind("keyward: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(RunCliTest, UnderJsonTheErrorIsOneJsonObject) {
  Ran r = Keyward({"-o", "json", "put", "Not A Name"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(r.err.rfind("{\"Error\":", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("\"ExitCode\":2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"Code\":\"INVALID_ARGUMENT\""), std::string::npos);
}

TEST(RunCliTest, UsageErrorsPointToHelpInTextOnly) {
  Ran r = Keyward({"lsit"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("did you mean 'list'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\n(run 'keyward --help' for usage)\n"),
            std::string::npos)
      << r.err;
  Ran j = Keyward({"-o", "json", "lsit"});
  EXPECT_EQ(j.code, kExitUsage);
  EXPECT_EQ(j.err.find("--help"), std::string::npos) << j.err;
  EXPECT_NE(j.err.find("\"ExitCode\":2"), std::string::npos) << j.err;
}

TEST(RunCliTest, ArgumentsAfterDoubleDashOnlyForExec) {
  Ran r = Keyward({"list", "--", "x"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("only taken by 'keyward exec'"), std::string::npos);
  EXPECT_EQ(r.err.find(" x"), std::string::npos);  // never echoed
}

TEST(RunCliTest, HelpAndVersionExitZero) {
  Ran v = Keyward({"--version"});
  EXPECT_EQ(v.code, kExitOk);
  EXPECT_EQ(v.out.rfind("keyward ", 0), 0u);
  Ran h = Keyward({"get", "--help"});
  EXPECT_EQ(h.code, kExitOk);
  EXPECT_NE(h.out.find("Global options"), std::string::npos);
}

TEST(ExitCodeTest, TheOneTable) {
  EXPECT_EQ(ExitCodeFor(OkStatus()), kExitOk);
  EXPECT_EQ(ExitCodeFor(InvalidArgumentError("x")), kExitUsage);
  EXPECT_EQ(ExitCodeFor(UsageError("x")), kExitUsage);
  EXPECT_EQ(ExitCodeFor(NotFoundError("x")), kExitStore);
  EXPECT_EQ(ExitCodeFor(UnavailableError("x")), kExitStore);
  EXPECT_EQ(ExitCodeFor(UnauthenticatedError("x")), kExitAuth);
  EXPECT_EQ(ExitCodeFor(PermissionDeniedError("x")), kExitAuth);
  EXPECT_EQ(ExitCodeFor(InternalError("x")), kExitInternal);
  Status s = AsInputError(Status(StatusCode::kNotFound, "m", "T"));
  EXPECT_EQ(ExitCodeFor(s), kExitUsage);
  EXPECT_EQ(s.message(), "m");
  EXPECT_EQ(s.error_type(), "T");
}

TEST(CommandsTest, SortedAndUnique) {
  auto cmds = Commands();
  ASSERT_FALSE(cmds.empty());
  for (std::size_t i = 1; i < cmds.size(); ++i)
    EXPECT_LT(std::string_view(cmds[i - 1].name), cmds[i].name);
}

}  // namespace
}  // namespace keyward::cli
