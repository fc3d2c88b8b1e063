// Least-privilege IAM identity policies generated from the inventory: one per
// application (exactly the secrets it consumes) and one for the operators who
// populate and rotate secrets by hand (Phase 0).
//
// Secret ARNs end in "-??????": Secrets Manager appends a random six-character
// suffix to every secret's ARN, and "?" matches exactly one character, so the
// pattern cannot match a longer name that merely shares the prefix (which
// "name*" would).
//
// Thread-safety: pure functions.
#ifndef KEYWARD_IAM_POLICY_H_
#define KEYWARD_IAM_POLICY_H_

#include <string>
#include <string_view>
#include <vector>

#include "keyward/inventory/inventory.h"
#include "keyward/status.h"

namespace keyward::iam {

struct PolicyOptions {
  std::string partition;  // empty: from the app's iam_principal, else "aws"
  std::string region;     // required ("*" allowed for every region)
  std::string account;    // empty: from the app's iam_principal (12 digits)
  // Add secretsmanager:BatchGetSecretValue (it only accepts Resource "*";
  // the per-secret GetSecretValue grants still decide which values it returns).
  bool batch_get = false;
};

// The ARN pattern for one secret.
std::string SecretArnPattern(std::string_view partition,
                             std::string_view region, std::string_view account,
                             std::string_view name);

// The identity policy (JSON, 2-space indented) for `app`. NOT_FOUND for an
// unknown application; FAILED_PRECONDITION when it consumes no secrets;
// INVALID_ARGUMENT when region/account cannot be determined or are malformed.
StatusOr<std::string> ApplicationPolicy(const inventory::Inventory& inventory,
                                        std::string_view app,
                                        const PolicyOptions& options);

// The operator policy: create/update/tag/restore, read metadata and manage
// the resource policies of the platform-data/* and platform-config/*
// secrets, list secrets, generate passwords, validate resource policies. No
// DeleteSecret (deletion is a deliberate, separate grant). INVALID_ARGUMENT
// when region/account are missing or malformed.
StatusOr<std::string> OperatorPolicy(const inventory::Inventory& inventory,
                                     const PolicyOptions& options);

// The IAM principal ARN of `app`: its iam_principal when declared, else the
// derived IAM user "arn:PARTITION:iam::ACCOUNT:user/APP" (what `keyward
// server --inventory` creates).
std::string ApplicationPrincipalArn(const inventory::Application& app,
                                    std::string_view partition,
                                    std::string_view account);

// The default operator principal of `keyward server --inventory`.
std::string DefaultOperatorArn(std::string_view partition,
                               std::string_view account);

struct ResourcePolicyOptions {
  std::string partition = "aws";
  // For consumers without an iam_principal (12 digits).
  std::string account;
  // Principals that manage secrets (populate, rotate, apply policies); never
  // denied by the generated policy. Empty: DefaultOperatorArn().
  std::vector<std::string> operator_arns;
};

// The resource policy for `secret` (JSON, 2-space indented): one Deny
// statement for every principal except the secret's consumers and the
// operators ("Principal": "*" with a StringNotEquals condition on
// aws:PrincipalArn), so a too-broad identity policy elsewhere still cannot
// read it. NOT_FOUND for an unknown secret; INVALID_ARGUMENT for a
// malformed account or operator ARN.
StatusOr<std::string> SecretResourcePolicy(
    const inventory::Inventory& inventory, std::string_view secret,
    const ResourcePolicyOptions& options);

}  // namespace keyward::iam

#endif  // KEYWARD_IAM_POLICY_H_
