// The secret naming convention (RFC-SECOPS-0002), identical to the future
// Vault KV v2 paths:
//
//   platform-data/{datasource}/{consumer}      secrets
//   platform-config/{datasource}/{instance}    non-sensitive configuration
//
// CheckSecretName() returns every finding for a name, each with a stable rule
// id (used by the inventory linter, the CLI and `keyward server`'s docs).
//
// Thread-safety: pure functions.
#ifndef KEYWARD_NAMING_H_
#define KEYWARD_NAMING_H_

#include <string>
#include <string_view>
#include <vector>

#include "keyward/lint_rules.h"
#include "keyward/status.h"

namespace keyward {

// Rule ids (keyward/lint_rules.h):
//   name-length       1..512 characters (Secrets Manager limit)
//   name-charset      only [A-Za-z0-9/_+=.@-] (Secrets Manager limit)
//   name-prefix       first segment is platform-data or platform-config
//   name-segments     exactly three non-empty segments
//   name-format       lowercase words [a-z0-9]+ joined by single hyphens
//   name-environment  no environment identifier as a segment or word
//   name-arn-suffix   (warning) last word is 6 characters after a hyphen,
//                     which partial-ARN look-ups may mistake for the suffix
struct NameFinding {
  LintRule rule;  // kName*; RuleId(rule) is the id above
  Severity severity = Severity::kError;
  // 1-based column in the name where the problem starts.
  int column = 1;
  std::string message;
  friend bool operator==(const NameFinding&, const NameFinding&) = default;
};

enum class NameCategory { kUnknown, kData, kConfig };

// Returns every finding for `name`; empty means the name is conventional.
std::vector<NameFinding> CheckSecretName(std::string_view name);

// Returns OK, or INVALID_ARGUMENT naming the name and its first error.
// Warnings do not fail.
Status ValidateSecretName(std::string_view name);

// kData for platform-data/..., kConfig for platform-config/..., else kUnknown.
NameCategory CategoryOf(std::string_view name);
std::string_view CategoryName(NameCategory category);  // "platform-data", ...

// Checks only Secrets Manager's own limits (length, character set): what AWS
// would reject. Used by the client and the server.
Status CheckStoreNameLimits(std::string_view name);

// Environment identifiers that may not appear as a segment or word.
const std::vector<std::string_view>& EnvironmentIdentifiers();

}  // namespace keyward

#endif  // KEYWARD_NAMING_H_
