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

// The operator policy: create/update/tag/restore and read metadata of the
// platform-data/* and platform-config/* secrets, list secrets, generate
// passwords. No DeleteSecret (deletion is a deliberate, separate grant).
// INVALID_ARGUMENT when region/account are missing or malformed.
StatusOr<std::string> OperatorPolicy(const inventory::Inventory& inventory,
                                     const PolicyOptions& options);

}  // namespace keyward::iam

#endif  // KEYWARD_IAM_POLICY_H_
