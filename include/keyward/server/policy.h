// IamPolicy: the subset of IAM policy evaluation `keyward server` uses to
// try least-privilege identity policies (e.g. those `keyward iam policy`
// generates) and secrets' resource policies (PutResourcePolicy, `keyward iam
// resource-policy`) locally before they are deployed to AWS.
//
// Supported: "Statement" (object or array) with "Effect" Allow|Deny,
// "Action" and "Resource" (string or array) with IAM's '*' and '?'
// wildcards (actions match case-insensitively, resources case-sensitively),
// "Condition" with the operators and keys listed in docs/server.md, and, in
// resource policies only, "Principal" / "NotPrincipal" ({"AWS": ...} with an
// IAM user/role ARN, an account id, an account root ARN or "*"; "*" alone;
// "Service"/"Federated"/"CanonicalUser" principals never match a keyward
// caller). Identity policies reject Principal/NotPrincipal, resource
// policies require one of them; both reject NotAction/NotResource, unknown
// elements (e.g. a lowercase "condition"), unknown condition operators and
// condition keys keyward does not evaluate, with MalformedPolicyDocument:
// evaluating them partially could grant what AWS would deny.
//
// Everything is parsed once (Parse); Evaluate allocates nothing.
//
// Thread-safety: immutable after Parse; Evaluate is safe concurrently.
#ifndef KEYWARD_SERVER_POLICY_H_
#define KEYWARD_SERVER_POLICY_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "keyward/secrets/types.h"
#include "keyward/server/principals.h"
#include "keyward/status.h"

namespace keyward::server {

enum class PolicyKind { kIdentity, kResource };

// The result of one policy for one request: no statement applied, an Allow
// applied (and no Deny), or a Deny applied.
enum class Decision { kNone, kAllow, kDeny };

// A request as policy evaluation sees it. Views into the caller's data,
// valid during evaluation only; absent values are empty / null.
struct RequestContext {
  std::string_view action;               // "secretsmanager:GetSecretValue"
  std::string_view resource;             // the secret's ARN, or "*"
  const Principal* principal = nullptr;  // null: an unnamed caller
  std::string_view source_ip;            // "127.0.0.1", "::1"
  bool secure_transport = false;         // TLS
  std::string_view region;               // aws:RequestedRegion
  // The secret the request names, when it exists.
  const std::vector<secrets::Tag>* resource_tags = nullptr;
  std::string_view secret_id;      // secretsmanager:SecretId (its ARN)
  std::string_view version_stage;  // secretsmanager:VersionStage
  std::string_view version_id;     // secretsmanager:VersionId
};

class IamPolicy {
 public:
  // Parses policy JSON. INVALID_ARGUMENT (error type
  // MalformedPolicyDocumentException) naming `source` and the statement for
  // malformed, unknown or unsupported policy elements.
  static StatusOr<IamPolicy> Parse(std::string_view json,
                                   std::string_view source,
                                   PolicyKind kind = PolicyKind::kIdentity);

  // What this policy says about `ctx`: kDeny when a matching Deny statement
  // applies, else kAllow when a matching Allow applies, else kNone.
  Decision Evaluate(const RequestContext& ctx) const;

  // Identity policies without conditions: true when `action` on `resource`
  // is allowed (Evaluate == kAllow with no other context).
  bool Allowed(std::string_view action, std::string_view resource) const;

  // Resource policies: the first Allow statement that grants broad access
  // (a "*" principal, or another account's, without a condition that pins
  // the caller's ARN, account or source address), as AWS's BlockPublicPolicy
  // check refuses it; empty when there is none.
  std::string BroadAccessStatement(std::string_view own_account) const;

  // The account ids named by the Resource ARNs of Allow statements (ARNs
  // with a wildcard account skipped), first seen first: a policy written for
  // another account than the server's is the likely cause of a denial.
  std::vector<std::string> ResourceAccounts() const;

 private:
  enum class Op : std::uint8_t {
    kStringEquals,
    kStringNotEquals,
    kStringEqualsIgnoreCase,
    kStringNotEqualsIgnoreCase,
    kStringLike,
    kStringNotLike,
    kArnEquals,
    kArnLike,
    kArnNotEquals,
    kArnNotLike,
    kIpAddress,
    kNotIpAddress,
    kBool,
    kNull,
  };
  enum class Key : std::uint8_t {
    kPrincipalArn,
    kPrincipalAccount,
    kPrincipalTag,
    kPrincipalType,
    kUserId,
    kUsername,
    kSourceIp,
    kSecureTransport,
    kRequestedRegion,
    kResourceTag,
    kSecretId,
    kVersionStage,
    kVersionId,
  };
  enum class SetOp : std::uint8_t { kNone, kForAnyValue, kForAllValues };
  struct Cidr {
    std::array<std::uint8_t, 16> bytes{};
    int family = 0;  // 4 or 6
    int prefix = 0;
  };
  struct Condition {
    Op op;
    SetOp set = SetOp::kNone;
    bool if_exists = false;
    Key key;
    std::string key_name;  // as written, for messages
    std::string suffix;    // the tag key of .../Tag/<k>
    std::vector<std::string> values;
    std::vector<Cidr> cidrs;
  };
  struct PrincipalMatch {
    enum Kind : std::uint8_t { kAny, kAccount, kArn, kNever } kind = kNever;
    std::string value;  // account id or ARN
  };
  struct Statement {
    std::string sid;
    bool allow = true;
    std::vector<std::string> actions;
    std::vector<std::string> resources;
    // Length of each resource pattern's literal prefix (before its first
    // '*' or '?'), computed at parse time for the fast reject in Evaluate.
    std::vector<std::size_t> resource_literals;
    bool has_principal = false;  // Principal or NotPrincipal present
    bool not_principal = false;
    std::vector<PrincipalMatch> principals;
    std::vector<Condition> conditions;
  };
  static bool PrincipalMatches(const Statement& st, const RequestContext& ctx);
  static bool ConditionHolds(const Condition& c, const RequestContext& ctx);
  static bool KeyValue(const Condition& c, const RequestContext& ctx,
                       std::string_view* out);
  static bool ValueMatches(const Condition& c, std::string_view have);
  friend class PolicyParser;
  std::vector<Statement> statements_;
};

// AWS's policy evaluation logic for one request, with the caller's identity
// policy (null: the caller has none, which keyward treats as "everything",
// the behaviour of a key without --policy) and the secret's resource policy
// (null: none):
//   an explicit Deny in either wins;
//   a caller of `resource_account`: an Allow in either grants;
//   a caller of another account: both must allow;
//   otherwise the request is implicitly denied.
enum class Verdict { kAllowed, kImplicitDeny, kIdentityDeny, kResourceDeny };
Verdict Evaluate(const IamPolicy* identity, const IamPolicy* resource,
                 const RequestContext& ctx, std::string_view resource_account);
inline bool Authorized(const IamPolicy* identity, const IamPolicy* resource,
                       const RequestContext& ctx,
                       std::string_view resource_account) {
  return Evaluate(identity, resource, ctx, resource_account) ==
         Verdict::kAllowed;
}

// IAM wildcard match: '*' any run, '?' any one character.
bool WildcardMatch(std::string_view pattern, std::string_view text,
                   bool ignore_case);

}  // namespace keyward::server

#endif  // KEYWARD_SERVER_POLICY_H_
