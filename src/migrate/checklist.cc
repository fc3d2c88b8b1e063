// Checklist evaluation and the evidence scans. yaml-cpp throws: every call
// is inside ScanManifests' try block.
#include "keyward/migrate/checklist.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <sstream>

#include "core/text.h"
#include "inventory/yaml_tree.h"

namespace keyward::migrate {
namespace {

// Kubernetes manifests nest ~8 levels; anything past this is hostile.
constexpr int kMaxManifestDepth = 64;

std::string JoinFirst(const std::vector<std::string>& v, std::size_t max = 5) {
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < max; ++i)
    out += (i ? ", " : "") + v[i];
  if (v.size() > max)
    out += ", ... (" + std::to_string(v.size() - max) + " more)";
  return out;
}

bool SkippedDir(std::string_view name) {
  return name == ".git" || name == "node_modules" || name.starts_with("build");
}

// The files under `root` (SkippedDir folders left out); NOT_FOUND as
// "<what> <root> does not exist".
StatusOr<std::vector<std::string>> ListUnder(const FileSystem& files,
                                             const std::string& root,
                                             std::string_view what) {
  StatusOr<std::vector<std::string>> listed = files.ListFiles(root, SkippedDir);
  if (listed.status().code() == StatusCode::kNotFound)
    return NotFoundError(std::string(what) + " " + root + " does not exist");
  return listed;
}

ChecklistItem EverySecretInVault(const LocationReport& loc) {
  std::vector<std::string> missing, differing;
  for (const SecretLocation& s : loc.secrets) {
    if (s.location == Location::kBothDiffering) differing.push_back(s.name);
    if (s.location != Location::kBothInSync &&
        s.location != Location::kVaultOnly &&
        s.location != Location::kBothDiffering) {
      missing.push_back(s.name);
    }
  }
  ChecklistItem item{"supersession:every-secret-in-vault", CheckResult::kPass,
                     ""};
  std::size_t in = loc.secrets.size() - missing.size();
  item.evidence = std::to_string(in) + "/" +
                  std::to_string(loc.secrets.size()) + " in Vault";
  if (!missing.empty()) {
    item.result = CheckResult::kFail;
    item.evidence += "; not in Vault: " + JoinFirst(missing);
  }
  if (!differing.empty()) {
    item.result = CheckResult::kFail;
    item.evidence += "; differing from the store: " + JoinFirst(differing) +
                     " (re-run keyward migrate vault --apply)";
  }
  return item;
}

ChecklistItem ExternalSecretsOnVault(const std::optional<ManifestScan>& m) {
  ChecklistItem item{"supersession:external-secrets-on-vault",
                     CheckResult::kUnknown,
                     "pass --manifests DIR (the applied ExternalSecrets)"};
  if (!m) return item;
  if (m->external_secrets == 0) {
    item.result = CheckResult::kFail;
    item.evidence = "no ExternalSecret found in the manifests";
  } else if (!m->not_on_vault.empty()) {
    item.result = CheckResult::kFail;
    item.evidence =
        std::to_string(m->not_on_vault.size()) + " of " +
        std::to_string(m->external_secrets) +
        " ExternalSecrets not on Vault: " + JoinFirst(m->not_on_vault);
  } else {
    item.result = CheckResult::kPass;
    item.evidence = "all " + std::to_string(m->external_secrets) +
                    " ExternalSecrets on Vault";
  }
  return item;
}

ChecklistItem Manual(const std::string& id,
                     const std::set<std::string>& confirmed,
                     const std::string& hint) {
  bool ok = confirmed.count(id) > 0;
  return {"retirement:" + id, ok ? CheckResult::kPass : CheckResult::kManual,
          ok ? "confirmed by the operator (--confirm " + id + ")"
             : hint + "; then --confirm " + id};
}

}  // namespace

std::string_view CheckResultName(CheckResult r) {
  switch (r) {
    case CheckResult::kPass:
      return "PASS";
    case CheckResult::kFail:
      return "FAIL";
    case CheckResult::kUnknown:
      return "UNKNOWN";
    case CheckResult::kManual:
      return "MANUAL";
  }
  return "UNKNOWN";
}

const std::vector<std::string>& ConfirmableItems() {
  static const auto* items = new std::vector<std::string>{
      "iam-credentials-removed", "inventory-archived"};
  return *items;
}

StatusOr<ManifestScan> ScanManifests(const FileSystem& files,
                                     const std::string& dir,
                                     const std::string& vault_store) {
  KW_ASSIGN_OR_RETURN(std::vector<std::string> listed,
                      ListUnder(files, dir, "manifests directory"));
  ManifestScan scan;
  for (const std::string& p : listed) {
    if (!p.ends_with(".yaml") && !p.ends_with(".yml")) continue;
    KW_ASSIGN_OR_RETURN(std::string text, files.ReadFile(p));
    // A manifest is untrusted text: bound its nesting before yaml-cpp's
    // recursive node builder sees it.
    KW_RETURN_IF_ERROR(inventory::CheckYamlDepth(text, p, kMaxManifestDepth));
    try {
      for (const YAML::Node& d : YAML::LoadAll(text)) {
        if (!d.IsMap() || !d["kind"] ||
            d["kind"].as<std::string>() != "ExternalSecret")
          continue;
        ++scan.external_secrets;
        std::string store =
            d["spec"]["secretStoreRef"]["name"].as<std::string>("");
        std::string kind =
            d["spec"]["secretStoreRef"]["kind"].as<std::string>("SecretStore");
        if (store != vault_store || kind != "ClusterSecretStore") {
          scan.not_on_vault.push_back(
              d["metadata"]["namespace"].as<std::string>("") + "/" +
              d["metadata"]["name"].as<std::string>("") + " -> " +
              (store.empty() ? "(none)" : store));
        }
      }
    } catch (const YAML::Exception& e) {
      return InvalidArgumentError(p + ": not valid YAML: " + e.what());
    }
  }
  std::sort(scan.not_on_vault.begin(), scan.not_on_vault.end());
  return scan;
}

StatusOr<ModuleScan> ScanForModuleUse(const FileSystem& files,
                                      const std::vector<std::string>& paths) {
  static const char* kPatterns[] = {"keyward/secret_config.h",
                                    "keyward::SecretConfig",
                                    "find_package(keyward", "-lkeyward"};
  ModuleScan scan;
  for (const std::string& root : paths) {
    KW_ASSIGN_OR_RETURN(std::vector<std::string> listed,
                        ListUnder(files, root, "source path"));
    for (const std::string& p : listed) {
      FileInfo info = files.Stat(p);
      if (!info.exists || info.size > (1 << 20)) continue;
      StatusOr<std::string> text = files.ReadFile(p);
      ++scan.files_scanned;
      if (!text.ok()) continue;
      std::istringstream in(*text);
      std::string line;
      for (int n = 1; std::getline(in, line); ++n) {
        if (line.find('\0') != std::string::npos) break;  // binary
        for (const char* pat : kPatterns) {
          if (line.find(pat) != std::string::npos) {
            scan.uses.push_back(p + ":" + std::to_string(n));
            break;
          }
        }
      }
    }
  }
  std::sort(scan.uses.begin(), scan.uses.end());
  return scan;
}

std::vector<ChecklistItem> EvaluateChecklist(const ChecklistInput& in) {
  std::vector<ChecklistItem> items;
  const LocationReport& loc = *in.locations;
  items.push_back(EverySecretInVault(loc));
  items.push_back(ExternalSecretsOnVault(in.manifests));
  items.push_back(
      {"supersession:store-empty",
       loc.store_live.empty() ? CheckResult::kPass : CheckResult::kFail,
       loc.store_live.empty()
           ? "no live platform-* secret in the store"
           : std::to_string(loc.store_live.size()) +
                 " live in the store: " + JoinFirst(loc.store_live)});
  bool none =
      loc.store_live.empty() && loc.store_scheduled_for_deletion.empty();
  items.push_back(
      {"retirement:store-secrets-deleted",
       none ? CheckResult::kPass : CheckResult::kFail,
       none ? "the store holds no platform-* secret"
            : std::to_string(loc.store_live.size()) + " live, " +
                  std::to_string(loc.store_scheduled_for_deletion.size()) +
                  " scheduled for deletion (delete after the cut-over is "
                  "verified)"});
  items.push_back(Manual(
      "iam-credentials-removed", in.confirmed,
      in.iam_principals.empty()
          ? "no IAM principal is declared in the inventory; verify in IAM"
          : "delete the access keys/roles of " + JoinFirst(in.iam_principals)));
  ChecklistItem modules{"retirement:modules-removed", CheckResult::kUnknown,
                        "pass --source DIR (application sources) to scan"};
  if (in.modules) {
    modules.result =
        in.modules->uses.empty() ? CheckResult::kPass : CheckResult::kFail;
    modules.evidence = in.modules->uses.empty()
                           ? "no Secret Config Module use in " +
                                 std::to_string(in.modules->files_scanned) +
                                 " files"
                           : "still used at " + JoinFirst(in.modules->uses);
  }
  items.push_back(modules);
  items.push_back(Manual("inventory-archived", in.confirmed,
                         "move secrets-inventory.yaml to the archive in Git"));
  return items;
}

}  // namespace keyward::migrate
