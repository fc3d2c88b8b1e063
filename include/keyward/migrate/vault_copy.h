// The Phase 2 copy (`keyward migrate vault`) and the migration status
// (`keyward migrate status`).
//
// CopyToVault reads each secret's current value from the store (batched,
// 20 per BatchGetSecretValue) and writes it to Vault KV v2 at the same path
// with check-and-set:
//   absent in Vault                 -> write with cas=0 (create only)
//   identical (SHA-256 digests of the canonical JSON) -> skip
//   different, and Vault's version is the one keyward wrote (journal)
//                                   -> write with cas=that version (update)
//   different, version unknown      -> conflict (never overwritten unless
//                                      overwrite_unknown; still with CAS)
// Every write is read back (that exact version) and its digest compared.
// Results go to an append-only journal (JSON lines, no values, no digests)
// as they happen, so an interrupted run resumes: secrets whose journal entry
// is done for the store's current version are skipped without touching Vault.
//
// Values never leave memory: messages, results and the journal carry names,
// versions and outcomes only.
//
// Thread-safety: the functions are safe to call; each call uses its own
// worker threads (the clients must be thread-safe, as keyward's are).
#ifndef KEYWARD_MIGRATE_VAULT_COPY_H_
#define KEYWARD_MIGRATE_VAULT_COPY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "keyward/runtime.h"
#include "keyward/secrets/client.h"
#include "keyward/status.h"
#include "keyward/vault/kv2_client.h"

namespace keyward::migrate {

enum class CopyOutcome {
  kCopied,       // created in Vault (cas=0), verified
  kUpdated,      // replaced keyward's earlier copy (cas=N), verified
  kIdentical,    // Vault already holds the same value: nothing written
  kAlreadyDone,  // journal: done for this store version; Vault not contacted
  kWouldCopy,    // dry run
  kWouldUpdate,  // dry run
  kConflict,  // Vault holds a value keyward did not write, or CAS lost a race
  kMissingInStore,  // the store has no such secret
  kUnsupported,     // the value is binary or not a JSON object
  kVerifyFailed,    // read-back digest differs
  kError,           // store or Vault error (see detail)
};

// "copied", "updated", "identical", "already-done", "would-copy",
// "would-update", "conflict", "missing-in-store", "unsupported",
// "verify-failed", "error".
std::string_view CopyOutcomeName(CopyOutcome outcome);
// True for the outcomes that leave Vault holding the store's value.
bool IsDone(CopyOutcome outcome);

struct CopyResult {
  std::string name;
  CopyOutcome outcome = CopyOutcome::kError;
  int vault_version = 0;         // Vault's version after the step (0: none)
  std::string store_version_id;  // the store version that was read
  std::string detail;            // why (conflicts, errors); never a value
};

struct CopyOptions {
  bool dry_run = true;
  // Append-only journal of results; empty disables resume.
  std::string journal_path;
  // Replace Vault values keyward did not write (still check-and-set).
  bool overwrite_unknown = false;
  // Ignore the journal's done entries (re-check every secret in Vault).
  bool recheck = false;
  // Worker threads; each takes a batch of up to 20 secrets.
  int parallelism = 8;
  // The journal's timestamps (runtime.clock) and reads (runtime.fs).
  Runtime runtime;
};

struct CopyReport {
  std::vector<CopyResult> results;  // sorted by name
  std::int64_t store_requests = 0;
  std::int64_t vault_requests = 0;
  double seconds = 0;
  // True when every result is done (or a dry-run would-*).
  bool ok() const;
};

// Copies `names` (inventory order does not matter; results are sorted).
// Per-secret problems are results, not errors; the status is non-OK only
// for setup failures (unwritable journal: INTERNAL naming the path).
StatusOr<CopyReport> CopyToVault(const std::vector<std::string>& names,
                                 secrets::SecretsManagerApi& store,
                                 vault::VaultKv2Client& vault,
                                 const CopyOptions& options);

// Where one secret lives now.
enum class Location {
  kStoreOnly,
  kBothInSync,
  kBothDiffering,
  kVaultOnly,
  kNowhere,
  kUnknown,  // an error prevented the check (see detail)
};
std::string_view LocationName(
    Location location);  // "store-only", "both-in-sync", ...

struct SecretLocation {
  std::string name;
  Location location = Location::kUnknown;
  int vault_version = 0;
  std::string detail;
};

struct LocationReport {
  std::vector<SecretLocation> secrets;  // sorted by name
  // Store secrets under platform-data/ or platform-config/ (inventoried or
  // not): live ones, and ones scheduled for deletion.
  std::vector<std::string> store_live;
  std::vector<std::string> store_scheduled_for_deletion;
  std::int64_t store_requests = 0;
  std::int64_t vault_requests = 0;
};

// Locates every secret in `names` (values compared by digest) and lists the
// store. UNAVAILABLE/PERMISSION_DENIED... when the store cannot be listed.
StatusOr<LocationReport> LocateSecrets(const std::vector<std::string>& names,
                                       secrets::SecretsManagerApi& store,
                                       vault::VaultKv2Client& vault,
                                       int parallelism = 8);

// SHA-256 (hex) of the canonical form of a JSON object value (keys sorted,
// compact). nullopt when `json` is not a JSON object. For comparisons in
// memory only: digests of low-entropy secrets must not be stored or printed.
std::optional<std::string> CanonicalDigest(std::string_view json);

}  // namespace keyward::migrate

#endif  // KEYWARD_MIGRATE_VAULT_COPY_H_
