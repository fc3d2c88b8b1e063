// Request and result types of the Secrets Manager operations keyward uses.
// Field names follow the botocore service model (secretsmanager 2017-10-17).
// Secret payloads are SecretValue: never printed, wiped on destruction.
#ifndef KEYWARD_SECRETS_TYPES_H_
#define KEYWARD_SECRETS_TYPES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "keyward/env.h"
#include "keyward/secret_value.h"

namespace keyward::secrets {

inline constexpr std::string_view kAwsCurrent = "AWSCURRENT";
inline constexpr std::string_view kAwsPrevious = "AWSPREVIOUS";
inline constexpr std::string_view kAwsPending = "AWSPENDING";
// Secrets Manager's limit on a SecretString / SecretBinary.
inline constexpr std::size_t kMaxSecretValueBytes = 65536;

struct Tag {
  std::string key;
  std::string value;
  friend bool operator==(const Tag&, const Tag&) = default;
};

// ListSecrets / BatchGetSecretValue filter. key: description, name, tag-key,
// tag-value, primary-region, owning-service, all. A value prefixed with '!'
// negates it (AWS semantics).
struct Filter {
  std::string key;
  std::vector<std::string> values;
  friend bool operator==(const Filter&, const Filter&) = default;
};

// A secret's payload: exactly one of string or binary is set in results.
struct SecretPayload {
  std::optional<SecretValue> string;  // SecretString
  std::optional<SecretValue> binary;  // SecretBinary, decoded bytes
  friend bool operator==(const SecretPayload&, const SecretPayload&) = default;
};

struct GetSecretValueRequest {
  std::string secret_id;      // name or ARN
  std::string version_id;     // optional
  std::string version_stage;  // optional; AWSCURRENT when both are empty
};

struct SecretValueResult {
  std::string arn;
  std::string name;
  std::string version_id;
  std::vector<std::string> version_stages;
  SecretPayload payload;
  std::optional<Clock::time_point> created_date;
};

struct BatchGetSecretValueRequest {
  std::vector<std::string> secret_ids;  // at most 20; or use filters
  std::vector<Filter> filters;
  int max_results = 0;  // 0: service default (only with filters)
  std::string next_token;
};

struct BatchError {
  std::string secret_id;
  std::string error_code;  // e.g. ResourceNotFoundException
  std::string message;
};

struct BatchGetSecretValueResult {
  std::vector<SecretValueResult> values;
  std::vector<BatchError> errors;
  std::string next_token;
};

// A secret's rotation schedule (RotationRulesType): RotateSecret's
// RotationRules and DescribeSecret's.
struct RotationRules {
  std::optional<std::int64_t> automatically_after_days;
  std::optional<std::string> schedule_expression;
  std::optional<std::string> duration;
  friend bool operator==(const RotationRules&, const RotationRules&) = default;
};

// The state of one replica of a primary secret (ReplicationStatusType).
struct ReplicationStatus {
  std::string region;
  std::string kms_key_id;
  std::string status;  // InSync, Failed, InProgress
  std::string status_message;
  friend bool operator==(const ReplicationStatus&,
                         const ReplicationStatus&) = default;
};

struct SecretMetadata {
  std::string arn;
  std::string name;
  std::string description;
  std::string kms_key_id;
  bool rotation_enabled = false;
  std::vector<Tag> tags;
  // version id -> stages (DescribeSecret: VersionIdsToStages;
  // ListSecrets: SecretVersionsToStages)
  std::map<std::string, std::vector<std::string>> version_ids_to_stages;
  std::optional<Clock::time_point> created_date;
  std::optional<Clock::time_point> last_changed_date;
  std::optional<Clock::time_point> last_accessed_date;
  std::optional<Clock::time_point> last_rotated_date;
  std::optional<Clock::time_point> deleted_date;  // set: scheduled for deletion
  std::string primary_region;
  std::string owning_service;
  // Rotation, as AWS reports it once rotation was configured: then
  // RotationEnabled is present even when false (`rotation_configured`).
  bool rotation_configured = false;
  std::string rotation_lambda_arn;
  std::optional<RotationRules> rotation_rules;
  std::optional<Clock::time_point> next_rotation_date;
  // DescribeSecret of a primary with replicas (ListSecrets has no such
  // member).
  std::vector<ReplicationStatus> replication_status;

  // The version id carrying AWSCURRENT, or "".
  std::string CurrentVersionId() const;
};

struct ListSecretsRequest {
  std::vector<Filter> filters;
  int max_results = 0;  // 0: service default (100 max)
  std::string next_token;
  bool include_planned_deletion = false;
  std::string sort_order;  // "asc" | "desc" | ""
};

struct ListSecretsResult {
  std::vector<SecretMetadata> secrets;
  std::string next_token;
};

struct CreateSecretRequest {
  std::string name;
  std::string client_request_token;  // generated (UUID v4) when empty
  std::string description;
  std::string kms_key_id;
  SecretPayload payload;  // may be empty: a secret with no version yet
  std::vector<Tag> tags;
};

// Result of CreateSecret / PutSecretValue / UpdateSecret.
struct WriteResult {
  std::string arn;
  std::string name;
  std::string version_id;  // empty when no new version was written
  std::vector<std::string> version_stages;
};

struct PutSecretValueRequest {
  std::string secret_id;
  std::string client_request_token;  // generated when empty
  SecretPayload payload;
  std::vector<std::string> version_stages;  // default: AWSCURRENT
};

struct UpdateSecretRequest {
  std::string secret_id;
  std::string client_request_token;  // generated when a payload is given
  std::optional<std::string> description;
  std::optional<std::string> kms_key_id;
  SecretPayload payload;  // optional new value
};

struct DeleteSecretRequest {
  std::string secret_id;
  std::optional<int> recovery_window_days;  // 7..30; default 30 (AWS)
  bool force_delete_without_recovery = false;
};

struct DeleteSecretResult {
  std::string arn;
  std::string name;
  std::optional<Clock::time_point> deletion_date;
};

struct RestoreSecretResult {
  std::string arn;
  std::string name;
};

// GetResourcePolicy: the secret and its resource policy ("" when none).
struct ResourcePolicyResult {
  std::string arn;
  std::string name;
  std::string resource_policy;
};

struct SecretVersion {
  std::string version_id;
  std::vector<std::string> version_stages;
  std::optional<Clock::time_point> created_date;
  std::optional<Clock::time_point> last_accessed_date;
};

struct ListSecretVersionIdsRequest {
  std::string secret_id;
  int max_results = 0;
  std::string next_token;
  bool include_deprecated = false;
};

struct ListSecretVersionIdsResult {
  std::string arn;
  std::string name;
  std::vector<SecretVersion> versions;
  std::string next_token;
};

struct UpdateSecretVersionStageRequest {
  std::string secret_id;
  std::string version_stage;
  std::string remove_from_version_id;  // optional
  std::string move_to_version_id;      // optional
};

struct GetRandomPasswordRequest {
  std::optional<int> password_length;  // AWS default 32
  std::string exclude_characters;
  bool exclude_numbers = false;
  bool exclude_punctuation = false;
  bool exclude_uppercase = false;
  bool exclude_lowercase = false;
  bool include_space = false;
  std::optional<bool> require_each_included_type;  // AWS default true
};

}  // namespace keyward::secrets

#endif  // KEYWARD_SECRETS_TYPES_H_
