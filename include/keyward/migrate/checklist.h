// The supersession criteria and the retirement checklist of the interim
// architecture (RFC-SECOPS-0002), evaluated from evidence:
//
//   supersession:every-secret-in-vault      LocateSecrets: all inventoried
//   secrets in Vault supersession:external-secrets-on-vault  ScanManifests:
//   every ExternalSecret references
//                                           the Vault ClusterSecretStore
//   supersession:store-empty                no live platform-* secret left in
//   the store retirement:store-secrets-deleted        none left, not even
//   scheduled for deletion retirement:iam-credentials-removed      manual
//   (keyward cannot see IAM): confirmed by flag retirement:modules-removed
//   ScanForModuleUse over application sources retirement:inventory-archived
//   manual: confirmed by flag
//
// Thread-safety: pure functions except the scans, which read files.
#ifndef KEYWARD_MIGRATE_CHECKLIST_H_
#define KEYWARD_MIGRATE_CHECKLIST_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "keyward/env.h"
#include "keyward/migrate/vault_copy.h"
#include "keyward/status.h"

namespace keyward::migrate {

enum class CheckResult { kPass, kFail, kUnknown, kManual };
std::string_view CheckResultName(
    CheckResult r);  // "PASS", "FAIL", "UNKNOWN", "MANUAL"

struct ChecklistItem {
  std::string id;  // e.g. "supersession:store-empty"
  CheckResult result = CheckResult::kUnknown;
  std::string evidence;  // names and counts only
};

struct ManifestScan {
  int external_secrets = 0;
  // "namespace/name -> store" for ExternalSecrets not on the Vault store.
  std::vector<std::string> not_on_vault;
};

// Parses every *.yaml / *.yml under `dir` (recursively, through `fs`;
// .git, node_modules and build* folders are skipped) and checks each
// ExternalSecret's spec.secretStoreRef against `vault_store`. NOT_FOUND when
// `dir` does not exist; INVALID_ARGUMENT naming a file that is not YAML.
StatusOr<ManifestScan> ScanManifests(const FileSystem& fs,
                                     const std::string& dir,
                                     const std::string& vault_store);

struct ModuleScan {
  int files_scanned = 0;
  std::vector<std::string> uses;  // "path:line" of Secret Config Module uses
};

// Looks for uses of the Secret Config Module (keyward/secret_config.h,
// keyward::SecretConfig, find_package(keyward), -lkeyward) in text files
// under `paths` (skipping .git, build directories and files over 1 MiB),
// read through `fs`.
StatusOr<ModuleScan> ScanForModuleUse(const FileSystem& fs,
                                      const std::vector<std::string>& paths);

struct ChecklistInput {
  const LocationReport* locations = nullptr;  // required
  std::optional<ManifestScan> manifests;      // absent: UNKNOWN
  std::optional<ModuleScan> modules;          // absent: UNKNOWN
  std::vector<std::string> iam_principals;    // declared in the inventory
  // Manual items the operator confirms: "iam-credentials-removed",
  // "inventory-archived".
  std::set<std::string> confirmed;
};

std::vector<ChecklistItem> EvaluateChecklist(const ChecklistInput& input);

// The ids --confirm accepts.
const std::vector<std::string>& ConfirmableItems();

}  // namespace keyward::migrate

#endif  // KEYWARD_MIGRATE_CHECKLIST_H_
