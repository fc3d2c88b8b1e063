// Every rule the inventory linter and the naming check report, in one table:
// the rule's enum, its stable id (printed as `file:line:col: ID: ...` and in
// `-o json`), its severity and the line docs/inventory.md gives it. Adding a
// rule is one enum value and one row here (tests/inventory/lint_rules_test.cc
// checks that docs/inventory.md lists every id with the same severity).
//
// One id may have two rows when it is reported at two severities
// (rotation-interval and rotation-date: malformed is an error, merely
// incomplete is a warning).
//
// Thread-safety: constant data.
#ifndef KEYWARD_LINT_RULES_H_
#define KEYWARD_LINT_RULES_H_

#include <cstddef>
#include <span>
#include <string_view>

namespace keyward {

enum class Severity { kWarning, kError, kFatal };

enum class LintRule {
  // Fatal: the input is refused before any rule runs (exit 2).
  kInputTooLarge,
  kInputEncoding,
  kYamlSyntax,
  kYamlAlias,
  kYamlTag,
  kYamlDepth,
  kYamlDocuments,
  kYamlEmpty,
  kSchemaRoot,
  // Values and structure.
  kSecretValue,
  kValueField,
  kUnknownField,
  kMissingField,
  kEmptyField,
  kSchemaType,
  kDuplicateKey,
  kUnsupportedVersion,
  // Names (shared with `keyward put` and `keyward server`).
  kNameLength,
  kNameCharset,
  kNamePrefix,
  kNameSegments,
  kNameFormat,
  kNameEnvironment,
  kNameArnSuffix,
  kNameConsumer,
  // Secrets, applications and consumers.
  kDuplicateName,
  kUndeclaredConsumer,
  kDuplicateConsumer,
  kNoConsumers,
  kUnusedApplication,
  kApplicationName,
  kIamPrincipal,
  kNamespaceFormat,
  // Properties and categories.
  kPropertyKey,
  kPropertyFormat,
  kDuplicateProperty,
  kConfigSecretKey,
  kCategoryValue,
  kCategoryMismatch,
  // Rotation.
  kRotationStatus,
  kRotationInterval,         // malformed interval_days
  kRotationDate,             // malformed last_rotated
  kRotationIntervalMissing,  // manual/automatic without interval_days
  kRotationDateFuture,       // last_rotated in the future
  kRotationOverdue,
};

struct LintRuleInfo {
  LintRule rule;
  std::string_view id;
  Severity severity;
  std::string_view doc;  // docs/inventory.md's description of the rule
};

// Every rule, in enum order.
std::span<const LintRuleInfo> LintRules();
const LintRuleInfo& RuleInfo(LintRule rule);
inline std::string_view RuleId(LintRule rule) { return RuleInfo(rule).id; }
inline Severity RuleSeverity(LintRule rule) { return RuleInfo(rule).severity; }
// "fatal", "error", "warning".
std::string_view SeverityName(Severity severity);

}  // namespace keyward

#endif  // KEYWARD_LINT_RULES_H_
