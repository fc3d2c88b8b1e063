// The secrets inventory (secrets-inventory.yaml, version 1): the Git-tracked
// authority for secret *metadata*. It lists every secret in the store with
// its description, consumers, property keys and rotation status, and never a
// value.
//
// ParseInventory() turns the file into a plain Inventory plus findings, each
// printed ninja-style as `file:line:col: rule-id: message` (warnings as
// `file:line:col: rule-id: warning: message`). Every rule the linter knows
// runs during parsing (schema, naming, duplicates, consumers, properties,
// rotation, and the leak detector), because findings need source positions.
//
// Usage:
//   auto loaded = LoadInventory("secrets-inventory.yaml", FileSystem::Real());
//   if (!loaded.ok()) ...;                  // unusable input (exit 2)
//   for (const Finding& f : loaded->findings) std::cerr << f.ToString() <<
//   "\n"; for (const Secret* s : loaded->inventory.SecretsForApp("orders")) ...
//
// Hostile input (files over the size limit, non-UTF-8, control bytes,
// anchors/aliases as in "billion laughs", deep nesting, several documents)
// is refused before or while parsing with an INVALID_ARGUMENT status whose
// message is one ninja-style line. Duplicate keys are findings.
//
// Thread-safety: pure functions over value types.
#ifndef KEYWARD_INVENTORY_INVENTORY_H_
#define KEYWARD_INVENTORY_INVENTORY_H_

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyward/naming.h"
#include "keyward/runtime.h"
#include "keyward/status.h"

namespace keyward::inventory {

inline constexpr int kInventoryVersion = 1;
inline constexpr std::string_view kDefaultInventoryPath =
    "secrets-inventory.yaml";

// A 1-based source position (0 when unknown, e.g. for built inventories).
struct Position {
  int line = 0;
  int column = 0;
  friend bool operator==(const Position&, const Position&) = default;
};

struct Application {
  std::string name;  // the key under `applications:`
  std::string description;
  std::string owner;          // optional
  std::string iam_principal;  // optional ARN of the app's one IAM principal
  // Kubernetes namespace for the migration; empty in the file means "the
  // application's name" (use EffectiveNamespace()).
  std::string namespace_;
  int line = 0;  // line of the name key
  // Positions of the fields present ("description", "owner", ...).
  std::map<std::string, Position> positions;

  std::string EffectiveNamespace() const {
    return namespace_.empty() ? name : namespace_;
  }
  friend bool operator==(const Application&, const Application&) = default;
};

// Rotation statuses: "none", "manual", "automatic".
// rotation.status. kUnset when the field is missing or malformed.
enum class RotationStatus { kUnset, kNone, kManual, kAutomatic };
// "none", "manual", "automatic" ("" for kUnset).
std::string_view RotationStatusName(RotationStatus status);
// nullopt unless `text` is none, manual or automatic.
std::optional<RotationStatus> ParseRotationStatus(std::string_view text);

struct Rotation {
  RotationStatus status = RotationStatus::kUnset;
  std::optional<int> interval_days;  // > 0
  std::string last_rotated;          // "YYYY-MM-DD" or ""
  std::string notes;
  int line = 0;
  friend bool operator==(const Rotation&, const Rotation&) = default;
};

struct Secret {
  std::string name;
  std::string description;
  std::vector<std::string> consumers;   // application names
  std::vector<std::string> properties;  // JSON property keys; never values
  // The category the name implies, or the explicit `category:` field when
  // the name implies none (CategoryName() spells it).
  NameCategory category = NameCategory::kUnknown;
  bool explicit_category = false;  // `category:` was present
  Rotation rotation;
  int line = 0;  // line of the list item ("- name: ...")
  // Positions of fields and items: "name", "description", "consumers",
  // "consumers[0]", "properties[1]", "rotation", "rotation.last_rotated", ...
  std::map<std::string, Position> positions;

  bool IsConfig() const { return category == NameCategory::kConfig; }
  friend bool operator==(const Secret&, const Secret&) = default;
};

struct Inventory {
  std::string path;  // as given to Parse/LoadInventory
  int version = 0;
  std::vector<Application> applications;  // file order
  std::vector<Secret> secrets;            // file order

  // nullptr when absent. Linear scans: inventories are small; callers that
  // look up in loops should build their own index.
  const Application* FindApplication(std::string_view name) const;
  const Secret* FindSecret(std::string_view name) const;
  // The secrets `app` consumes, in file order.
  std::vector<const Secret*> SecretsForApp(std::string_view app) const;
  friend bool operator==(const Inventory&, const Inventory&) = default;
};

struct Finding {
  std::string file;
  int line = 0;
  int column = 0;
  LintRule rule = LintRule::kSchemaType;  // RuleId(rule): the printed id
  Severity severity = Severity::kError;   // RuleSeverity(rule)
  std::string message;                    // never contains a secret value

  // "file:line:col: rule: message" or "file:line:col: rule: warning: message".
  std::string ToString() const;
  friend bool operator==(const Finding&, const Finding&) = default;
};

struct ParseOptions {
  // Files larger than this are refused before parsing. Default 16 MiB (a
  // 5,000-secret inventory is about 1.5 MiB).
  std::size_t max_bytes = 16u << 20;
  // Maximum YAML nesting depth (the format needs 4).
  int max_depth = 32;
  // "Today" for rotation-overdue comes from runtime.clock.
  Runtime runtime;
};

struct ParsedInventory {
  Inventory inventory;
  std::vector<Finding> findings;  // errors and warnings, in file order

  bool HasErrors() const;
  std::size_t ErrorCount() const;
  std::size_t WarningCount() const;
};

// Parses `text` (the contents of `path`, used only in findings) and runs
// every lint rule. INVALID_ARGUMENT (message: one `path:line:col: rule:
// message` line) when the input is unusable: YAML syntax errors, hostile
// input, a top level that is not a mapping. Everything else is a finding;
// the Inventory holds whatever could be read.
StatusOr<ParsedInventory> ParseInventory(std::string_view text,
                                         std::string_view path,
                                         const ParseOptions& options = {});

// Reads `path` through `fs` (checking its size first) and parses it.
// NOT_FOUND / PERMISSION_DENIED from the file system, else as ParseInventory.
StatusOr<ParsedInventory> LoadInventory(const std::string& path,
                                        const FileSystem& fs,
                                        const ParseOptions& options = {});

// The conventional property keys (username, password, host, port, token).
const std::vector<std::string_view>& ConventionalPropertyKeys();

// Renders `inventory` as a version-1 YAML document (used by `inventory
// import`). Strings are quoted when needed; comments are not kept.
// `consumer_comments` adds a trailing "# ..." comment after a secret's
// consumers line, keyed by secret name.
std::string FormatInventory(
    const Inventory& inventory,
    const std::map<std::string, std::string>& consumer_comments = {});

}  // namespace keyward::inventory

#endif  // KEYWARD_INVENTORY_INVENTORY_H_
