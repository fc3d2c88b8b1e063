// Generation of the migration artifacts from the inventory:
//
//   Phase 1 (ESO on Secrets Manager): a ClusterSecretStore for the AWS
//     provider and, per consumer application, ExternalSecrets in the
//     application's namespace (one target Secret per inventory secret).
//   Phase 2 (ESO on Vault KV v2): the same ExternalSecrets pointing at the
//     ClusterSecretStore `vault-backend` (remoteRef.key unchanged), Vault
//     policies in HCL and a migration plan.
//
// Output is deterministic (sorted, no timestamps) so that re-running the
// export produces a reviewable diff. Manifests use external-secrets.io/v1.
//
// Thread-safety: pure functions.
#ifndef KEYWARD_MIGRATE_ESO_H_
#define KEYWARD_MIGRATE_ESO_H_

#include <string>
#include <string_view>
#include <vector>

#include "keyward/env.h"
#include "keyward/status.h"

namespace keyward::migrate {

// The part of the inventory the migration needs (see model.h for the
// adapter from inventory::Inventory).
struct MigrationApp {
  std::string name;
  // Kubernetes namespace; empty means the application's name.
  std::string k8s_namespace;
  // Declared IAM principal (for the retirement checklist); may be empty.
  std::string iam_principal;
  friend bool operator==(const MigrationApp&, const MigrationApp&) = default;
};

struct MigrationSecret {
  std::string name;                     // platform-data/{datasource}/{consumer}
  std::vector<std::string> consumers;   // application names
  std::vector<std::string> properties;  // JSON property keys
  friend bool operator==(const MigrationSecret&,
                         const MigrationSecret&) = default;
};

struct MigrationModel {
  std::vector<MigrationApp> apps;
  std::vector<MigrationSecret> secrets;
};

enum class AwsAuth {
  kSecretRef,  // a Kubernetes Secret holding an access key pair
  kRole,  // an IAM role ESO assumes (optionally via a service account's JWT)
};

struct Phase1Options {
  // Name of the generated ClusterSecretStore.
  std::string store_name = "aws-secrets-manager";
  // Required: the Secrets Manager region.
  std::string region;
  AwsAuth auth = AwsAuth::kSecretRef;
  // kSecretRef: where the access keys live.
  std::string credentials_secret = "awssm-credentials";
  std::string credentials_namespace = "external-secrets";
  std::string access_key_id_key = "access-key-id";
  std::string secret_access_key_key = "secret-access-key";
  // kRole: required role ARN; optional service account ("namespace/name")
  // whose token ESO exchanges (auth.jwt).
  std::string role_arn;
  std::string service_account;
  std::string refresh_interval = "1h";
};

struct Phase2Options {
  std::string store_name = "vault-backend";
  // Required: Vault's URL as seen from the cluster.
  std::string server;
  std::string mount = "secret";
  // Optional Vault Enterprise namespace.
  std::string vault_namespace;
  std::string auth_mount = "kubernetes";
  std::string role = "external-secrets";
  std::string service_account_namespace = "external-secrets";
  std::string service_account_name = "external-secrets";
  std::string refresh_interval = "1h";
};

struct GeneratedFile {
  std::string path;  // relative to the output directory
  std::string content;
  friend bool operator==(const GeneratedFile&, const GeneratedFile&) = default;
};

// Returns the Phase 1 files: cluster-secret-store.yaml and one
// external-secrets-{app}.yaml per consumer application. INVALID_ARGUMENT
// for missing options, undeclared consumers, invalid namespaces or property
// keys, and Kubernetes name collisions (naming the secrets involved).
StatusOr<std::vector<GeneratedFile>> GeneratePhase1(
    const MigrationModel& model, const Phase1Options& options);

// Returns the Phase 2 files: the same layout pointing at Vault, plus
// vault/eso-reader.hcl, vault/keyward-migrate-writer.hcl and
// vault/migration-plan.yaml. Errors as for GeneratePhase1.
StatusOr<std::vector<GeneratedFile>> GeneratePhase2(
    const MigrationModel& model, const Phase2Options& options);

// Writes `files` under `dir` through `fs` (atomically, mode 0644; missing
// folders are made with FileSystem::MakeDirectories). Errors name the path.
Status WriteGeneratedFiles(const FileSystem& fs, const std::string& dir,
                           const std::vector<GeneratedFile>& files);

// The Kubernetes object name for a secret: "platform-data/postgres/orders"
// -> "platform-data-postgres-orders" (lowercase, [a-z0-9-], at most 253
// characters; longer names end in a hash).
std::string KubernetesName(std::string_view secret_name);

}  // namespace keyward::migrate

#endif  // KEYWARD_MIGRATE_ESO_H_
