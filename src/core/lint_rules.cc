#include "keyward/lint_rules.h"

#include <array>

namespace keyward {
namespace {

using enum LintRule;
constexpr Severity F = Severity::kFatal;
constexpr Severity E = Severity::kError;
constexpr Severity W = Severity::kWarning;

constexpr LintRuleInfo kRules[] = {
    {kInputTooLarge, "input-too-large", F, "unusable or hostile input"},
    {kInputEncoding, "input-encoding", F, "unusable or hostile input"},
    {kYamlSyntax, "yaml-syntax", F, "unusable or hostile input"},
    {kYamlAlias, "yaml-alias", F, "unusable or hostile input"},
    {kYamlTag, "yaml-tag", F, "unusable or hostile input"},
    {kYamlDepth, "yaml-depth", F, "unusable or hostile input"},
    {kYamlDocuments, "yaml-documents", F, "unusable or hostile input"},
    {kYamlEmpty, "yaml-empty", F, "unusable or hostile input"},
    {kSchemaRoot, "schema-root", F, "unusable or hostile input"},
    {kSecretValue, "secret-value", E, "a scalar looks like a secret"},
    {kValueField, "value-field", E,
     "a field such as `password:`/`value:` that would hold a value"},
    {kUnknownField, "unknown-field", E, "with a \"did you mean\" hint"},
    {kMissingField, "missing-field", E, "structure"},
    {kEmptyField, "empty-field", E, "structure"},
    {kSchemaType, "schema-type", E, "structure"},
    {kDuplicateKey, "duplicate-key", E, "structure"},
    {kUnsupportedVersion, "unsupported-version", E, "`version` is not `1`"},
    {kNameLength, "name-length", E, "naming convention"},
    {kNameCharset, "name-charset", E, "naming convention"},
    {kNamePrefix, "name-prefix", E, "naming convention"},
    {kNameSegments, "name-segments", E, "naming convention"},
    {kNameFormat, "name-format", E, "naming convention"},
    {kNameEnvironment, "name-environment", E, "naming convention"},
    {kNameArnSuffix, "name-arn-suffix", W,
     "name ends in `-` + six characters (partial-ARN ambiguity)"},
    {kNameConsumer, "name-consumer", W,
     "`platform-data/{ds}/{consumer}` whose consumer is not among "
     "`consumers`"},
    {kDuplicateName, "duplicate-name", E, "a secret declared twice"},
    {kUndeclaredConsumer, "undeclared-consumer", E,
     "consumer missing from `applications`"},
    {kDuplicateConsumer, "duplicate-consumer", W, ""},
    {kNoConsumers, "no-consumers", W, ""},
    {kUnusedApplication, "unused-application", W, ""},
    {kApplicationName, "application-name", E, "application fields"},
    {kIamPrincipal, "iam-principal", E, "application fields"},
    {kNamespaceFormat, "namespace-format", E, "application fields"},
    {kPropertyKey, "property-key", W,
     "non-conventional key (with a hint: `user` → `username`)"},
    {kPropertyFormat, "property-format", E, ""},
    {kDuplicateProperty, "duplicate-property", E, ""},
    {kConfigSecretKey, "config-secret-key", W,
     "`password`/`token` in a `platform-config` entry"},
    {kCategoryValue, "category-value", E, ""},
    {kCategoryMismatch, "category-mismatch", E, ""},
    {kRotationStatus, "rotation-status", E, "malformed rotation fields"},
    {kRotationInterval, "rotation-interval", E, "malformed rotation fields"},
    {kRotationDate, "rotation-date", E, "malformed rotation fields"},
    {kRotationIntervalMissing, "rotation-interval", W,
     "manual/automatic without interval; date in the future"},
    {kRotationDateFuture, "rotation-date", W,
     "manual/automatic without interval; date in the future"},
    {kRotationOverdue, "rotation-overdue", W,
     "`last_rotated + interval_days` is before today"},
};

constexpr bool InEnumOrder() {
  for (std::size_t i = 0; i < std::size(kRules); ++i) {
    if (static_cast<std::size_t>(kRules[i].rule) != i) return false;
  }
  return static_cast<std::size_t>(kRotationOverdue) + 1 == std::size(kRules);
}
static_assert(InEnumOrder(), "kRules must list every LintRule in enum order");

}  // namespace

std::span<const LintRuleInfo> LintRules() { return kRules; }

const LintRuleInfo& RuleInfo(LintRule rule) {
  return kRules[static_cast<std::size_t>(rule)];
}

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kFatal:
      return "fatal";
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
  }
  return "error";
}

}  // namespace keyward
