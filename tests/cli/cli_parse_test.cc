// The CLI's parsing helpers: "--" splitting, exec's options, "did you mean".
#include <gtest/gtest.h>

#include "cli/cli.h"
#include "cli/exec_args.h"

namespace keyward::cli {
namespace {

TEST(SplitAtDoubleDashTest, OnlyTheFirstDoubleDashSplits) {
  const char* argv[] = {"keyward", "exec", "-a", "x", "--", "sh", "--", "-e"};
  SplitArgs s = SplitAtDoubleDash(8, argv);
  EXPECT_EQ(s.head, (std::vector<std::string>{"keyward", "exec", "-a", "x"}));
  EXPECT_EQ(s.tail, (std::vector<std::string>{"sh", "--", "-e"}));
  EXPECT_TRUE(s.has_tail);
  const char* none[] = {"keyward", "list"};
  s = SplitAtDoubleDash(2, none);
  EXPECT_FALSE(s.has_tail);
  EXPECT_TRUE(s.tail.empty());
}

TEST(ParseExecArgsTest, OptionsInAnyOrderChildUntouched) {
  auto o = ParseExecArgs({"-e", "A=s#p", "--pristine", "--app", "orders",
                          "--env", "B=t#q", "--", "node", "-e", "x", "--env",
                          "--help", "--"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->app, "orders");
  EXPECT_TRUE(o->pristine);
  EXPECT_EQ(o->env_overrides, (std::vector<std::string>{"A=s#p", "B=t#q"}));
  EXPECT_EQ(o->command, (std::vector<std::string>{"node", "-e", "x", "--env",
                                                  "--help", "--"}));
}

TEST(ParseExecArgsTest, StrayArgumentsAreNotEchoed) {
  auto o = ParseExecArgs({"--app", "orders", "hunter2", "--", "true"});
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().message().find("hunter2"), std::string::npos);
  EXPECT_NE(o.status().message().find("goes after '--'"), std::string::npos);
  // --env takes exactly one value per occurrence.
  o = ParseExecArgs({"--app", "orders", "--env", "A=s#p", "hunter2"});
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().message().find("hunter2"), std::string::npos);
}

TEST(ClosestTest, SuggestsNearNames) {
  std::vector<std::string> cmds = {
      "list", "get", "put", "describe", "history", "rollback", "inventory"};
  EXPECT_EQ(Closest("lsit", cmds), (std::vector<std::string>{"list"}));
  EXPECT_EQ(Closest("inventroy", cmds)[0], "inventory");
  EXPECT_EQ(Closest("desc", cmds)[0], "describe");
  EXPECT_TRUE(Closest("zzzzzz", cmds).empty());
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

}  // namespace
}  // namespace keyward::cli
