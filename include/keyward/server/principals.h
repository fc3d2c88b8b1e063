// The principal model of `keyward server`: who a verified request is.
//
// Every access key the server accepts belongs to one Principal: an IAM user
// (one per application with `--inventory`, plus the operator), later also
// an assumed-role session (STS). Policies are evaluated against it: the
// identity policy attached to it, and a secret's resource policy whose
// "Principal" names its ARN, its account ("123456789012" or
// "arn:aws:iam::123456789012:root") or "*".
//
// ARNs follow IAM's forms:
//   arn:aws:iam::123456789012:user/orders
//   arn:aws:iam::123456789012:user/apps/orders      (path "/apps/")
//   arn:aws:iam::123456789012:role/deployer
//   arn:aws:sts::123456789012:assumed-role/deployer/session-name
//
// Thread-safety: value types; immutable once the server runs.
#ifndef KEYWARD_SERVER_PRINCIPALS_H_
#define KEYWARD_SERVER_PRINCIPALS_H_

#include <map>
#include <string>
#include <string_view>

#include "keyward/status.h"

namespace keyward::server {

inline constexpr std::string_view kDefaultAccountId = "123456789012";

struct Principal {
  std::string arn;         // as IAM shows it (see above)
  std::string partition;   // "aws"
  std::string account_id;  // 12 digits
  // "user", "role" or "assumed-role".
  std::string type;
  std::string name;  // user or role name, without the path
  std::string path;  // "/" unless the ARN carries one ("/apps/")
  // For "assumed-role": the session name; else empty.
  std::string session_name;
  // The stable unique id (GetCallerIdentity's UserId): "AIDA..." for users,
  // "AROA...:session" for role sessions. Derived from the ARN when not set.
  std::string user_id;
  // aws:PrincipalTag/<key> values.
  std::map<std::string, std::string, std::less<>> tags;

  // The account root ARN ("arn:aws:iam::123456789012:root").
  std::string AccountRootArn() const;
};

// Parses an IAM user/role ARN or an STS assumed-role ARN. INVALID_ARGUMENT
// naming the problem for anything else (including wildcards).
StatusOr<Principal> ParsePrincipalArn(std::string_view arn);

// The IAM user `name` (path "/") in `account_id`, partition aws.
Principal UserPrincipal(std::string_view account_id, std::string_view name);

// A deterministic IAM-style unique id for `arn` with `prefix` ("AIDA" for
// users, "AROA" for roles): prefix + 17 base32 characters of its SHA-256.
std::string DerivedUniqueId(std::string_view prefix, std::string_view arn);

// True for a 12-digit account id.
bool IsAccountId(std::string_view s);

}  // namespace keyward::server

#endif  // KEYWARD_SERVER_PRINCIPALS_H_
