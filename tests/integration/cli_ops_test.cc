// `keyward history`, `rollback`, `delete`, `restore`, `tag` and `untag` end to
// end against moto_server, with their error paths and exit codes.
#include <nlohmann/json.hpp>

#include "tests/integration/cli_harness.h"

namespace keyward::clitest {
namespace {

using Json = nlohmann::json;

class CliOpsTest : public CliTest {
 protected:
  std::string Current(const std::string& name) {
    auto r =
        Keyward({"get", name, "--reveal", "--version-stage", "AWSCURRENT"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (!r.out.empty()) r.out.pop_back();
    return r.out;
  }
  Json History(const std::string& name) {
    auto r = Keyward({"history", name, "-o", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Json::parse(r.out, nullptr, false);
  }
  // Writes v1..vN; returns the version ids, oldest first.
  std::vector<std::string> PutVersions(const std::string& name, int n) {
    std::vector<std::string> ids;
    for (int i = 1; i <= n; ++i) {
      auto r =
          Keyward({"put", name, "-o", "json"}, "value-" + std::to_string(i));
      EXPECT_EQ(r.exit_code, 0) << r.err;
      ids.push_back(Json::parse(r.out)["VersionId"].get<std::string>());
    }
    return ids;
  }
};

TEST_F(CliOpsTest, HistoryListsEveryVersionNewestFirst) {
  const std::string name = "platform-data/history/app";
  auto ids = PutVersions(name, 3);
  Json h = History(name);
  ASSERT_EQ(h["Versions"].size(), 3u);
  EXPECT_EQ(h["Name"], name);
  EXPECT_EQ(h["Versions"][0]["VersionId"], ids[2]);
  EXPECT_EQ(h["Versions"][0]["VersionStages"], Json::array({"AWSCURRENT"}));
  EXPECT_EQ(h["Versions"][1]["VersionId"], ids[1]);
  EXPECT_EQ(h["Versions"][1]["VersionStages"], Json::array({"AWSPREVIOUS"}));
  EXPECT_EQ(h["Versions"][2]["VersionStages"], Json::array());

  auto text = Keyward({"history", name});
  ASSERT_EQ(text.exit_code, 0);
  EXPECT_TRUE(text.out.starts_with("VERSION ID")) << text.out;
  EXPECT_TRUE(Contains(text.out, "(deprecated)"));
  EXPECT_EQ(text.out.find("value-"), std::string::npos);
}

TEST_F(CliOpsTest, RollbackToPreviousAndBack) {
  const std::string name = "platform-data/rollback/app";
  auto ids = PutVersions(name, 3);
  auto r = Keyward({"rollback", name});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.out, "AWSCURRENT is now version " + ids[1])) << r.out;
  EXPECT_EQ(Current(name), "value-2");
  // The rolled-back-from version is now AWSPREVIOUS: rolling back again undoes.
  ASSERT_EQ(Keyward({"rollback", name}).exit_code, 0);
  EXPECT_EQ(Current(name), "value-3");
  // --to any version id from history.
  auto to = Keyward({"rollback", name, "--to", ids[0], "-o", "json"});
  ASSERT_EQ(to.exit_code, 0) << to.err;
  Json j = Json::parse(to.out);
  EXPECT_EQ(j["VersionId"], ids[0]);
  EXPECT_EQ(j["PreviousCurrentVersionId"], ids[2]);
  EXPECT_EQ(j["Changed"], true);
  EXPECT_EQ(Current(name), "value-1");
  // Already current: nothing to do.
  auto same = Keyward({"rollback", name, "--to", ids[0]});
  EXPECT_EQ(same.exit_code, 0);
  EXPECT_TRUE(Contains(same.out, "is already AWSCURRENT"));
}

TEST_F(CliOpsTest, RollbackErrors) {
  const std::string name = "platform-data/rollback/single";
  PutVersions(name, 1);
  auto none = Keyward({"rollback", name});
  EXPECT_EQ(none.exit_code, 3);
  EXPECT_TRUE(Contains(none.err, "has no AWSPREVIOUS version to roll back to"))
      << none.err;
  auto bad = Keyward(
      {"rollback", name, "--to", "00000000-0000-0000-0000-000000000000"});
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_TRUE(Contains(
      bad.err, "has no version '00000000-0000-0000-0000-000000000000'"));
  auto missing = Keyward({"rollback", "platform-data/nope/nope"});
  EXPECT_EQ(missing.exit_code, 3);
  // (moto answers ListSecretVersionIds for an unknown secret with HTTP 500,
  // AWS with ResourceNotFoundException: both are store errors.)
}

TEST_F(CliOpsTest, DeleteWithRecoveryWindowThenRestore) {
  const std::string name = "platform-data/delete/app";
  PutVersions(name, 1);
  auto d = Keyward({"delete", name, "--recovery-window", "7"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_TRUE(Contains(d.out, "scheduled " + name + " for deletion on "))
      << d.out;
  EXPECT_TRUE(Contains(d.out, "(7-day recovery window)"));
  EXPECT_TRUE(Contains(d.out, "undo with: keyward restore " + name));
  EXPECT_EQ(Keyward({"get", name}).exit_code, 3);
  auto listed = Keyward({"list", "--include-deleted"});
  EXPECT_TRUE(Contains(listed.out, "[scheduled for deletion]"));

  auto r = Keyward({"restore", name});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "restored " + name + " (deletion cancelled)\n");
  EXPECT_EQ(Current(name), "value-1");

  auto j = Keyward({"delete", name, "-o", "json"});
  ASSERT_EQ(j.exit_code, 0);
  EXPECT_EQ(Json::parse(j.out)["Recoverable"], true);
  ASSERT_EQ(Keyward({"restore", name}).exit_code, 0);
}

TEST_F(CliOpsTest, DeleteErrors) {
  const std::string name = "platform-data/delete/guarded";
  PutVersions(name, 1);
  auto window = Keyward({"delete", name, "--recovery-window", "3"});
  EXPECT_EQ(window.exit_code, 2);
  EXPECT_TRUE(Contains(window.err, "--recovery-window")) << window.err;
  auto both = Keyward({"delete", name, "--force", "--recovery-window", "7"});
  EXPECT_EQ(both.exit_code, 2);
  // --force without --yes and without a terminal: refused, nothing deleted.
  auto force = Keyward({"delete", name, "--force"});
  EXPECT_EQ(force.exit_code, 2);
  EXPECT_TRUE(Contains(force.err, "no terminal to prompt on")) << force.err;
  EXPECT_TRUE(Contains(force.err, "--yes"));
  EXPECT_EQ(Current(name), "value-1");
  auto missing = Keyward({"delete", "platform-data/nope/nope"});
  EXPECT_EQ(missing.exit_code, 3);
  auto restore =
      Keyward({"restore", name});  // not scheduled: AWS refuses or no-ops
  EXPECT_TRUE(restore.exit_code == 0 || restore.exit_code == 3);
}

TEST_F(CliOpsTest, ForceDeleteNeedsTheNameTypedOrYes) {
  const std::string name = "platform-data/delete/forced";
  PutVersions(name, 1);
  auto wrong =
      KeywardPty({"delete", name, "--force"}, {{"to confirm: ", "yes"}});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_TRUE(Contains(wrong.err, "not confirmed; nothing deleted"));
  EXPECT_EQ(Current(name), "value-1");
  auto typed =
      KeywardPty({"delete", name, "--force"}, {{"to confirm: ", name}});
  EXPECT_TRUE(typed.all_prompts_seen);
  ASSERT_EQ(typed.exit_code, 0) << typed.err;
  EXPECT_TRUE(Contains(typed.terminal, "IMMEDIATELY"));
  EXPECT_TRUE(Contains(typed.out, "deleted " + name + " permanently"));
  EXPECT_EQ(Keyward({"describe", name}).exit_code, 3);

  const std::string other = "platform-data/delete/forced-yes";
  PutVersions(other, 1);
  auto yes = Keyward({"delete", other, "--force", "--yes"});
  ASSERT_EQ(yes.exit_code, 0) << yes.err;
  EXPECT_EQ(Keyward({"describe", other}).exit_code, 3);
}

TEST_F(CliOpsTest, TagListAndUntag) {
  const std::string name = "platform-data/tag/app";
  PutVersions(name, 1);
  auto t = Keyward({"tag", name, "owner=platform-team", "rotation=manual"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_TRUE(Contains(t.out, "tagged " + name + " (2 tags set)"));
  EXPECT_TRUE(Contains(t.out, "owner     platform-team") ||
              Contains(t.out, "owner"))
      << t.out;
  auto list = Keyward({"tag", name, "-o", "json"});
  ASSERT_EQ(list.exit_code, 0);
  Json tags = Json::parse(list.out)["Tags"];
  EXPECT_EQ(tags.size(), 3u);  // + managed-by from put
  auto u = Keyward({"untag", name, "rotation"});
  ASSERT_EQ(u.exit_code, 0) << u.err;
  EXPECT_FALSE(Contains(u.out, "rotation"));
  auto bad = Keyward({"tag", name, "novalue"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(Contains(bad.err, "tag 'novalue' is not KEY=VALUE"));
  EXPECT_EQ(Keyward({"tag", "platform-data/nope/nope", "a=b"}).exit_code, 3);
  EXPECT_EQ(Keyward({"untag", name}).exit_code, 2);  // keys required
}

}  // namespace
}  // namespace keyward::clitest
