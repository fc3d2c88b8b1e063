// The real ProcessRunner (spawns /bin/sh scripts) and ShellSplit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "keyward/process.h"

namespace keyward::aws {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

StatusOr<ProcessResult> Sh(
    const std::string& script,
    std::chrono::milliseconds timeout = std::chrono::milliseconds(20000)) {
  ProcessRequest r;
  r.argv = {"/bin/sh", "-c", script};
  r.timeout = timeout;
  return ProcessRunner::Real().Run(r);
}

TEST(RealProcessRunnerTest, CapturesStdoutStderrAndExitCode) {
  auto r = Sh("printf 'out'; printf 'err' >&2; exit 7");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(std::string(r->out.begin(), r->out.end()), "out");
  EXPECT_EQ(r->err, "err");
  EXPECT_EQ(r->exit_code, 7);
  EXPECT_EQ(r->term_signal, 0);
}

TEST(RealProcessRunnerTest, NoShellInterpretationOfArguments) {
  ProcessRequest req;
  req.argv = {"printf", "%s|", "$HOME", "a b", "`id`"};
  auto r = ProcessRunner::Real().Run(req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(std::string(r->out.begin(), r->out.end()), "$HOME|a b|`id`|");
}

TEST(RealProcessRunnerTest, StdinIsDevNull) {
  auto r = Sh("cat; echo done");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::string(r->out.begin(), r->out.end()), "done\n");
}

TEST(RealProcessRunnerTest, MissingProgram) {
  ProcessRequest req;
  req.argv = {"/nonexistent/helper", "x"};
  auto r = ProcessRunner::Real().Run(req);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr("/nonexistent/helper"));
  req.argv = {};
  EXPECT_EQ(ProcessRunner::Real().Run(req).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(RealProcessRunnerTest, TimeoutKillsTheProcessGroup) {
  // The child and its background grandchild both hold the pipe; both die.
  auto r = Sh("sleep 30 & sleep 30", std::chrono::milliseconds(300));
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_THAT(r.status().message(), HasSubstr("300 ms"));
}

TEST(RealProcessRunnerTest, KilledBySignal) {
  auto r = Sh("kill -TERM $$");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->term_signal, 15);
}

TEST(RealProcessRunnerTest, StdoutLimit) {
  ProcessRequest req;
  req.argv = {"/bin/sh", "-c", "head -c 100000 /dev/zero"};
  req.max_stdout_bytes = 1000;
  EXPECT_EQ(ProcessRunner::Real().Run(req).status().code(),
            StatusCode::kResourceExhausted);
}

TEST(ShellSplitTest, LikePythonShlexSplit) {
  EXPECT_THAT(*ShellSplit("a  b\tc\n"), ElementsAre("a", "b", "c"));
  EXPECT_THAT(*ShellSplit("'a b' \"c d\" e\\ f"),
              ElementsAre("a b", "c d", "e f"));
  EXPECT_THAT(*ShellSplit("x'y'\"z\""), ElementsAre("xyz"));
  EXPECT_THAT(*ShellSplit("'' \"\""), ElementsAre("", ""));
  EXPECT_THAT(*ShellSplit("\"a\\\"b\\\\c\\d\""), ElementsAre("a\"b\\c\\d"));
  EXPECT_THAT(*ShellSplit("'a\\b'"), ElementsAre("a\\b"));
  EXPECT_THAT(*ShellSplit("a#b # c"), ElementsAre("a#b", "#", "c"));
  EXPECT_TRUE(ShellSplit("   ")->empty());
  EXPECT_EQ(ShellSplit("'open").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ShellSplit("\"open").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ShellSplit("trailing\\").status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace keyward::aws
