// IamPolicy: the subset of IAM identity-policy evaluation `keyward server`
// uses to try least-privilege policies (e.g. those `keyward iam policy`
// generates) locally before they are deployed to AWS.
//
// Supported: "Statement" (object or array) with "Effect" Allow|Deny,
// "Action" and "Resource" (string or array) with IAM's '*' and '?'
// wildcards; actions match case-insensitively, resources case-sensitively.
// An explicit Deny wins; otherwise a request needs a matching Allow.
// NotAction, NotResource, Principal, NotPrincipal and Condition are rejected
// at parse time (evaluating them partially would grant what AWS would deny),
// and so is any element IAM does not know (e.g. a lowercase "condition"),
// as IAM rejects it with MalformedPolicyDocument instead of ignoring it.
//
// Thread-safety: immutable after Parse; Allowed is safe concurrently.
#ifndef KEYWARD_SERVER_POLICY_H_
#define KEYWARD_SERVER_POLICY_H_

#include <string>
#include <string_view>
#include <vector>

#include "keyward/status.h"

namespace keyward::server {

class IamPolicy {
 public:
  // Parses policy JSON. INVALID_ARGUMENT (error type
  // MalformedPolicyDocumentException) naming `source` and the statement for
  // malformed, unknown or unsupported policy elements.
  static StatusOr<IamPolicy> Parse(std::string_view json,
                                   std::string_view source);

  // True when `action` ("secretsmanager:GetSecretValue") on `resource` (an
  // ARN or "*") is allowed.
  bool Allowed(std::string_view action, std::string_view resource) const;

 private:
  struct Statement {
    bool allow = true;
    std::vector<std::string> actions;
    std::vector<std::string> resources;
  };
  std::vector<Statement> statements_;
};

// IAM wildcard match: '*' any run, '?' any one character.
bool WildcardMatch(std::string_view pattern, std::string_view text,
                   bool ignore_case);

}  // namespace keyward::server

#endif  // KEYWARD_SERVER_POLICY_H_
