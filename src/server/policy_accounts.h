// The accounts an IAM identity policy's Resource ARNs name, compared with
// the account `keyward server` serves (--account-id): a policy written for
// account 111122223333 matches none of the server's ARNs
// (arn:aws:secretsmanager:REGION:123456789012:secret:...), so every request
// it should allow is denied. The server says so when it starts (issue 12,
// 3.5).
//
// Thread-safety: pure functions.
#ifndef KEYWARD_SRC_SERVER_POLICY_ACCOUNTS_H_
#define KEYWARD_SRC_SERVER_POLICY_ACCOUNTS_H_

#include <string>
#include <string_view>
#include <vector>

namespace keyward::server {

// The account field of an ARN ("arn:PARTITION:SERVICE:REGION:ACCOUNT:..."),
// or "" when it is not an ARN or the field is empty or has a wildcard.
std::string ArnAccount(std::string_view arn);

// The distinct account ids other than `account_id` named by the Resource
// ARNs of `policy_json`'s Allow statements (in first-seen order). ARNs with
// a wildcard or an empty account field are skipped; malformed JSON yields
// nothing (IamPolicy::Parse reports it).
std::vector<std::string> ForeignResourceAccounts(std::string_view policy_json,
                                                 std::string_view account_id);

// The warning for a policy file `source` attached to `who` whose resources
// name `accounts` while the server serves `account_id`; "" when `accounts`
// is empty.
std::string ForeignAccountWarning(std::string_view source, std::string_view who,
                                  const std::vector<std::string>& accounts,
                                  std::string_view account_id);

}  // namespace keyward::server

#endif  // KEYWARD_SRC_SERVER_POLICY_ACCOUNTS_H_
