// The principal model of keyward server (principals.h).
#include "keyward/server/principals.h"

#include <gtest/gtest.h>

namespace keyward::server {
namespace {

TEST(PrincipalsTest, ParsesIamArns) {
  auto u = ParsePrincipalArn("arn:aws:iam::123456789012:user/apps/orders");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->type, "user");
  EXPECT_EQ(u->name, "orders");
  EXPECT_EQ(u->path, "/apps/");
  EXPECT_EQ(u->account_id, "123456789012");
  EXPECT_EQ(u->AccountRootArn(), "arn:aws:iam::123456789012:root");
  EXPECT_TRUE(u->user_id.starts_with("AIDA"));
  EXPECT_EQ(u->user_id.size(), 21u);
  auto s = ParsePrincipalArn(
      "arn:aws:sts::123456789012:assumed-role/deployer/ci-42");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->type, "assumed-role");
  EXPECT_EQ(s->name, "deployer");
  EXPECT_EQ(s->session_name, "ci-42");
  EXPECT_TRUE(s->user_id.ends_with(":ci-42"));
  for (const char* bad :
       {"arn:aws:iam::12345:user/x", "arn:aws:iam::123456789012:group/x",
        "arn:aws:iam:us-east-1:123456789012:user/x",
        "arn:aws:iam::123456789012:user/*", "user/x", ""}) {
    EXPECT_FALSE(ParsePrincipalArn(bad).ok()) << bad;
  }
  Principal p = UserPrincipal("123456789012", "orders");
  EXPECT_EQ(p.arn, "arn:aws:iam::123456789012:user/orders");
  EXPECT_EQ(p.user_id, DerivedUniqueId("AIDA", p.arn));
  EXPECT_NE(p.user_id, u->user_id);  // another ARN, another id
}

}  // namespace
}  // namespace keyward::server
