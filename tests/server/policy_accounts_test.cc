// Policies naming another account than the server's --account-id (issue 12,
// 3.5): found from the Allow statements' Resource ARNs, and worded.
#include "server/policy_accounts.h"

#include <gmock/gmock.h>

namespace keyward::server {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(PolicyAccountsTest, FindsOtherAccountsInAllowResources) {
  const char* policy = R"({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
     "Resource": ["arn:aws:secretsmanager:us-east-1:111122223333:secret:a-*",
                  "arn:aws:secretsmanager:*:111122223333:secret:b-*",
                  "arn:aws:secretsmanager:us-east-1:123456789012:secret:c-*",
                  "arn:aws:secretsmanager:us-east-1:*:secret:d-*",
                  "*"]},
    {"Effect": "Allow", "Action": "sts:AssumeRole",
     "Resource": "arn:aws:iam::444455556666:role/x"},
    {"Effect": "Deny", "Action": "*",
     "Resource": "arn:aws:secretsmanager:us-east-1:777788889999:secret:e"}]})";
  EXPECT_THAT(ForeignResourceAccounts(policy, "123456789012"),
              ElementsAre("111122223333", "444455556666"));
  EXPECT_THAT(ForeignResourceAccounts(policy, "111122223333"),
              ElementsAre("123456789012", "444455556666"));
  EXPECT_THAT(ForeignResourceAccounts("not json", "123456789012"), IsEmpty());
  EXPECT_THAT(ForeignResourceAccounts(
                  R"({"Statement": {"Effect": "Allow", "Action": "*",
                      "Resource": "*"}})",
                  "123456789012"),
              IsEmpty());
}

TEST(PolicyAccountsTest, WarningNamesBothAccountsAndTheFix) {
  EXPECT_EQ(ForeignAccountWarning("ops.json", "ops", {}, "123456789012"), "");
  EXPECT_EQ(ForeignAccountWarning("ops.json", "ops", {"111122223333"},
                                  "123456789012"),
            "--policy ops=ops.json: its Allow statements name resources of "
            "account 111122223333, but this keyward server's --account-id is "
            "123456789012, so requests they should allow are denied (start "
            "with --account-id 111122223333 or fix the policy's ARNs)");
}

}  // namespace
}  // namespace keyward::server
