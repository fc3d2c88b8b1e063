// StsService: the part of AWS STS (Query protocol, version 2011-06-15) that
// `keyward server` answers on its Secrets Manager endpoint, so `keyward
// whoami`, `aws sts get-caller-identity`, `role_arn` profiles and
// assumed-role sessions can be rehearsed locally (docs/server.md, "STS").
//
//   GetCallerIdentity  Account, Arn, UserId of the signing principal
//   AssumeRole         temporary credentials (ASIA... key id, secret key,
//                      session token) for a role declared in a roles file
//
// Roles (ParseRolesFile) carry an IAM trust policy and the identity policy
// their sessions act with. AssumeRole needs BOTH an allow in the role's
// trust policy (naming the caller's ARN, its role, the account or "*") and
// an allow of sts:AssumeRole on the role ARN in the caller's identity policy
// (a key without a policy may do everything); an explicit Deny in the trust
// policy wins. AWS also grants within one account when the trust policy
// names the caller's user ARN without an identity allow; keyward asks for
// both, which never grants what AWS would deny.
//
// Session tokens are stateless: "KWS1." + base64(fields) + "." +
// base64(AES-256-GCM blob of the session's secret key under the server's
// master key, with the fields as associated data). Every request signed with
// an ASIA key is checked by SessionKey(): a modified token fails
// authentication (InvalidClientTokenId / UnrecognizedClientException), an
// expired one is refused (ExpiredToken / ExpiredTokenException); sessions
// survive a server restart with the same key file and roles.
//
// Thread-safety: immutable after Create; every method is safe concurrently.
#ifndef KEYWARD_SRC_SERVER_STS_SERVICE_H_
#define KEYWARD_SRC_SERVER_STS_SERVICE_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "keyward/env.h"
#include "keyward/runtime.h"
#include "keyward/secret_value.h"
#include "keyward/server/auth.h"
#include "keyward/server/policy.h"
#include "keyward/server/value_cipher.h"
#include "keyward/status.h"

namespace keyward::server {

// A role's trust policy: Statement(s) with Effect, Principal {"AWS": ARN,
// account id, "arn:aws:iam::ACCOUNT:root" or "*"} (Service/Federated
// principals are accepted and never match) and Action (sts:AssumeRole,
// wildcards allowed). Condition, NotPrincipal, NotAction and unknown elements
// are refused at parse time.
class TrustPolicy {
 public:
  static StatusOr<TrustPolicy> Parse(std::string_view json,
                                     std::string_view source);
  // Who may assume: the caller's ARN, the role ARN behind a session ("" for
  // users), and the account. -1 explicit deny, 0 no statement, 1 allow.
  int Evaluate(std::string_view caller_arn, std::string_view caller_role_arn,
               std::string_view account, std::string_view action) const;

  struct Statement {
    bool allow = true;
    bool any_principal = false;
    std::vector<std::string> principals;  // as written
    std::vector<std::string> actions;
  };

 private:
  std::vector<Statement> statements_;
};

struct Role {
  std::string name;
  std::string arn;      // arn:aws:iam::ACCOUNT:role{path}{name}
  std::string role_id;  // AROA + 17 characters, stable per ARN
  TrustPolicy trust;
  IamPolicy policy;  // what sessions may do (none given: nothing)
  int max_session_seconds = 3600;
};

// Parses a roles file (JSON; docs/server.md):
//   {"Roles": [{"RoleName": "billing-reader", "Path": "/",
//               "AssumeRolePolicyDocument": {...trust policy...},
//               "PolicyDocument": {...identity policy...},
//               "MaxSessionDuration": 3600}]}
// Policies may be objects or JSON strings (as IAM's API takes them).
// INVALID_ARGUMENT naming `path` and the role for anything malformed.
StatusOr<std::vector<Role>> ParseRolesFile(std::string_view json,
                                           std::string_view path,
                                           std::string_view account_id);

// The ARN and user id GetCallerIdentity reports for a long-term key: its
// `arn` when set, else arn:aws:iam::ACCOUNT:user/PROFILE; user id "AIDA" +
// 17 characters derived from the access key id.
std::string PrincipalArn(const AccessKey& key, std::string_view account_id);
std::string PrincipalUserId(const AccessKey& key);

// IAM's name characters ([\w+=,.@-]) for role and session names.
bool IamNameChars(std::string_view s);
// `prefix` ("AIDA", "AROA") + 17 characters derived from `seed`: a stable id.
std::string DerivedId(std::string_view prefix, std::string_view seed);

// Where a request came from, for the condition keys of the caller's identity
// policy (aws:SourceIp, aws:SecureTransport) when AssumeRole evaluates it.
struct StsRequestContext {
  std::string_view source_ip;
  bool secure_transport = false;
};

struct StsServiceOptions {
  std::string account_id = "123456789012";
  // The clock (session expiry) and randomness (key ids, secrets). Default:
  // real.
  Runtime runtime;
};

struct StsResponse {
  int http_status = 200;
  SecureString body;       // XML; AssumeRole's carries a secret key
  std::string error_type;  // "" on success
  std::string action;      // for the access log
};

class StsService : public SessionKeys {
 public:
  // `cipher` seals session secrets (normally the store's master key).
  static StatusOr<std::unique_ptr<StsService>> Create(
      std::vector<Role> roles, std::unique_ptr<ValueCipher> cipher,
      StsServiceOptions options);
  ~StsService() override;

  // Answers one Query request (the form-encoded parameters, from the body of
  // a POST or the query string of a GET) from an authenticated `caller`.
  StsResponse Handle(std::string_view form, const AccessKey& caller,
                     std::string_view request_id,
                     const StsRequestContext& context = {}) const;

  std::size_t role_count() const;

  // SessionKeys: the key of a session token issued by AssumeRole.
  StatusOr<std::shared_ptr<const AccessKey>> SessionKey(
      std::string_view access_key_id, std::string_view token) const override;

  // An error document as STS sends it, with the HTTP status for `code`.
  static StsResponse Error(std::string_view code, std::string_view message,
                           std::string_view request_id);

  struct Impl;

 private:
  explicit StsService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace keyward::server

#endif  // KEYWARD_SRC_SERVER_STS_SERVICE_H_
