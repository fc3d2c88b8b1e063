// Drift between secrets-inventory.yaml and the store, and import of what the
// store holds into a version-1 inventory.
//
// CheckDrift() lists the store (ListSecrets, including secrets scheduled for
// deletion) and compares it with the inventory: declared but missing,
// present but undeclared (unmanaged), scheduled for deletion, description
// mismatch and property-key mismatch. Comparing property keys reads values
// (BatchGetSecretValue, falling back to GetSecretValue); only the top-level
// JSON key names are extracted, by a streaming parser that never copies a
// value, and the payload buffers are wiped. Nothing here ever returns or
// prints a value.
//
// Thread-safety: functions are thread-compatible (the api is used serially).
#ifndef KEYWARD_INVENTORY_DRIFT_H_
#define KEYWARD_INVENTORY_DRIFT_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyward/inventory/inventory.h"
#include "keyward/secrets/client.h"
#include "keyward/status.h"

namespace keyward::inventory {

enum class DriftKind {
  kMissing,               // declared, not in the store
  kUnmanaged,             // in the store, not declared
  kScheduledForDeletion,  // declared, but deletion is pending in the store
  kDescriptionMismatch,   // descriptions differ
  kPropertyMismatch,      // JSON keys differ from `properties`
  kUnreadable,  // value could not be compared (binary, not JSON, access denied)
};

// "missing", "unmanaged", "scheduled-for-deletion", "description-mismatch",
// "property-mismatch", "unreadable".
std::string_view DriftKindName(DriftKind kind);

struct DriftItem {
  DriftKind kind = DriftKind::kMissing;
  std::string name;
  int line = 0;                           // inventory line (0 for unmanaged)
  std::string detail;                     // human text; never a value
  std::vector<std::string> missing_keys;  // declared, absent from the value
  std::vector<std::string> extra_keys;    // in the value, not declared
  friend bool operator==(const DriftItem&, const DriftItem&) = default;
};

struct DriftReport {
  std::vector<DriftItem> items;  // inventory order, then unmanaged by name
  std::size_t declared = 0;      // secrets in the inventory
  std::size_t in_store = 0;      // secrets listed by the store
  bool values_compared = false;
  bool InSync() const { return items.empty(); }
};

struct DriftOptions {
  // Read values to compare property keys (--no-values turns this off).
  bool compare_values = true;
  // Called after each listing page / value batch: (done, total); total is 0
  // while unknown.
  std::function<void(std::size_t done, std::size_t total)> progress;
};

// Compares `inventory` with the store. Errors from ListSecrets are returned
// as they are (UNAUTHENTICATED, PERMISSION_DENIED, UNAVAILABLE...); errors
// reading one value become kUnreadable items.
StatusOr<DriftReport> CheckDrift(const Inventory& inventory,
                                 secrets::SecretsManagerApi& api,
                                 const DriftOptions& options = {});

// The top-level keys of a JSON object, sorted, without keeping any value.
// INVALID_ARGUMENT when `json` is not a JSON object (the message never
// contains the input).
StatusOr<std::vector<std::string>> JsonObjectKeys(std::string_view json);

struct ImportOptions {
  bool read_values = true;  // property keys from values
  // Tag keys read into fields: a comma-separated consumers list, the owner.
  std::string consumers_tag = "consumers";
  std::string owner_tag = "owner";
};

struct ImportResult {
  Inventory inventory;
  // Secret name -> a YAML comment placed after its consumers line (e.g.
  // "TODO: consumers unknown").
  std::map<std::string, std::string> comments;
  std::size_t without_consumers = 0;
};

// Builds a version-1 inventory from the store's metadata (names,
// descriptions, tags, rotation) and, unless disabled, property keys.
StatusOr<ImportResult> ImportFromStore(secrets::SecretsManagerApi& api,
                                       const ImportOptions& options = {});

}  // namespace keyward::inventory

#endif  // KEYWARD_INVENTORY_DRIFT_H_
