// The one wire codec of Secrets Manager's JSON 1.1 protocol: a ToJson and a
// FromJson for every request and response shape keyward sends or answers,
// used by the client (src/secrets/client.cc). Field names are botocore's
// (secretsmanager 2017-10-17). Shared shapes (Tag, Filter, SecretPayload,
// SecretVersion) are coded once.
//
// ToJson writes only the members that are set (as the AWS SDKs do); the
// caller fills defaults (ClientRequestToken, VersionStage) first.
// FromJson<T> of a response is lenient like the SDKs (an absent member or
// one of another type reads as empty); it fails only on what cannot be
// represented (SecretBinary that is not base64).
//
// Secret material: SecretString/SecretBinary/RandomPassword go into
// SecretValue. A Json that held one must be wiped (DumpAndWipe when sending,
// WipeJson after FromJson).
#ifndef KEYWARD_SRC_SECRETS_WIRE_H_
#define KEYWARD_SRC_SECRETS_WIRE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyward/secrets/types.h"
#include "keyward/status.h"
#include "secrets/json_codec.h"

namespace keyward::secrets::wire {

// ---- requests that have no public type ------------------------------------

// DescribeSecret, RestoreSecret, GetResourcePolicy, DeleteResourcePolicy.
struct SecretIdRequest {
  std::string secret_id;
  friend bool operator==(const SecretIdRequest&,
                         const SecretIdRequest&) = default;
};

struct TagResourceRequest {
  std::string secret_id;
  std::vector<Tag> tags;
  friend bool operator==(const TagResourceRequest&,
                         const TagResourceRequest&) = default;
};

struct UntagResourceRequest {
  std::string secret_id;
  std::vector<std::string> tag_keys;
  friend bool operator==(const UntagResourceRequest&,
                         const UntagResourceRequest&) = default;
};

struct PutResourcePolicyRequest {
  std::string secret_id;
  std::string resource_policy;
  bool block_public_policy = false;
  friend bool operator==(const PutResourcePolicyRequest&,
                         const PutResourcePolicyRequest&) = default;
};

struct ValidateResourcePolicyRequest {
  std::optional<std::string> secret_id;
  std::string resource_policy;
  friend bool operator==(const ValidateResourcePolicyRequest&,
                         const ValidateResourcePolicyRequest&) = default;
};

// The response of writes that name the secret only (PutResourcePolicy,
// DeleteResourcePolicy, UpdateSecretVersionStage, ...).
struct SecretRef {
  std::string arn;
  std::string name;
  friend bool operator==(const SecretRef&, const SecretRef&) = default;
};

struct PolicyValidationError {
  std::string check_name;  // SYNTAX_CHECK, PUBLIC_ACCESS_CHECK, ...
  std::string error_message;
  friend bool operator==(const PolicyValidationError&,
                         const PolicyValidationError&) = default;
};

struct ValidateResourcePolicyResult {
  bool policy_validation_passed = false;
  std::vector<PolicyValidationError> validation_errors;
  friend bool operator==(const ValidateResourcePolicyResult&,
                         const ValidateResourcePolicyResult&) = default;
};

// Replication (ReplicateSecretToRegions, RemoveRegionsFromReplication,
// StopReplicationToReplica; CreateSecret's AddReplicaRegions).
struct ReplicaRegion {
  std::string region;
  std::optional<std::string> kms_key_id;  // unset: the service's default
  friend bool operator==(const ReplicaRegion&, const ReplicaRegion&) = default;
};

// ReplicationStatusType and RotationRulesType are public (types.h: they are
// members of SecretMetadata).
using secrets::ReplicationStatus;
using secrets::RotationRules;

struct ReplicateSecretToRegionsRequest {
  std::string secret_id;
  std::vector<ReplicaRegion> add_replica_regions;
  bool force_overwrite_replica_secret = false;
  friend bool operator==(const ReplicateSecretToRegionsRequest&,
                         const ReplicateSecretToRegionsRequest&) = default;
};

struct RemoveRegionsFromReplicationRequest {
  std::string secret_id;
  std::vector<std::string> remove_replica_regions;
  friend bool operator==(const RemoveRegionsFromReplicationRequest&,
                         const RemoveRegionsFromReplicationRequest&) = default;
};

// ReplicateSecretToRegions' and RemoveRegionsFromReplication's response.
struct ReplicationResult {
  std::string arn;
  std::vector<ReplicationStatus> replication_status;
  friend bool operator==(const ReplicationResult&,
                         const ReplicationResult&) = default;
};

// StopReplicationToReplica's response.
struct ArnResult {
  std::string arn;
  friend bool operator==(const ArnResult&, const ArnResult&) = default;
};

struct RotateSecretRequest {
  std::string secret_id;
  std::optional<std::string> client_request_token;
  std::optional<std::string> rotation_lambda_arn;
  std::optional<RotationRules> rotation_rules;
  bool rotate_immediately = true;
  friend bool operator==(const RotateSecretRequest&,
                         const RotateSecretRequest&) = default;
};

// UpdateSecretVersionStage as keyward server reads it: an empty version id
// is not the same as none (the public UpdateSecretVersionStageRequest, for
// the client, omits empty ones).
struct StageMoveRequest {
  std::string secret_id;
  std::string version_stage;
  std::optional<std::string> remove_from_version_id;
  std::optional<std::string> move_to_version_id;
  friend bool operator==(const StageMoveRequest&,
                         const StageMoveRequest&) = default;
};

// ListSecretVersionIds as keyward server reads it: an empty NextToken is
// not the same as none (an invalid token), and MaxResults is checked
// against the model's 1..100 when decoding (the public
// ListSecretVersionIdsRequest, for the client, omits empty or zero ones).
struct VersionListRequest {
  std::string secret_id;
  std::optional<int> max_results;
  std::optional<std::string> next_token;
  bool include_deprecated = false;
  friend bool operator==(const VersionListRequest&,
                         const VersionListRequest&) = default;
};

// PutSecretValue as keyward server reads it: absent members stay distinct
// from empty ones (ClientRequestToken "" and VersionStages [] are refused,
// absent ones defaulted), and both values may arrive (the server refuses
// that with AWS's text); SecretBinary is the base64 text as sent (the server
// decodes it strictly). The values are SecretValues: never printed.
struct ValueWriteRequest {
  std::string secret_id;
  std::optional<std::string> client_request_token;
  std::optional<SecretValue> secret_string;
  std::optional<SecretValue> secret_binary;
  std::optional<std::vector<std::string>> version_stages;
  friend bool operator==(const ValueWriteRequest&,
                         const ValueWriteRequest&) = default;
};

// UpdateSecret as keyward server reads it: like ValueWriteRequest, plus
// Description and KmsKeyId (absent: unchanged; "" is a value). The response
// is the public WriteResult (VersionId only when a version was written).
struct SecretUpdateRequest {
  std::string secret_id;
  std::optional<std::string> client_request_token;
  std::optional<SecretValue> secret_string;
  std::optional<SecretValue> secret_binary;
  std::optional<std::string> description;
  std::optional<std::string> kms_key_id;
  friend bool operator==(const SecretUpdateRequest&,
                         const SecretUpdateRequest&) = default;
};

// CreateSecret as keyward server reads it (absent members distinct from
// empty ones, both values decode; the server checks the name, the value,
// the tags and the regions with AWS's texts).
struct SecretCreateRequest {
  std::string name;
  std::optional<std::string> client_request_token;
  std::optional<SecretValue> secret_string;
  std::optional<SecretValue> secret_binary;
  std::optional<std::string> description;
  std::optional<std::string> kms_key_id;
  std::vector<Tag> tags;
  std::vector<ReplicaRegion> add_replica_regions;
  bool force_overwrite_replica_secret = false;
  friend bool operator==(const SecretCreateRequest&,
                         const SecretCreateRequest&) = default;
};

// CreateSecret's response: VersionId when a value was stored,
// ReplicationStatus when replicas were added.
struct CreateResult {
  std::string arn;
  std::string name;
  std::string version_id;
  std::vector<ReplicationStatus> replication_status;
  friend bool operator==(const CreateResult&, const CreateResult&) = default;
};

// A ListSecrets/BatchGetSecretValue filter as keyward server reads it:
// an absent Key is not the same as an empty one (AWS answers each with its
// own text).
struct FilterEntry {
  std::optional<std::string> key;
  std::vector<std::string> values;
  friend bool operator==(const FilterEntry&, const FilterEntry&) = default;
};

// ListSecrets as keyward server reads it: the codec checks the members'
// types; the server checks the filters, MaxResults (1..100), SortOrder and
// SortBy with AWS's texts.
struct SecretListRequest {
  std::optional<std::vector<FilterEntry>> filters;
  std::optional<std::int64_t> max_results;
  bool include_planned_deletion = false;
  std::optional<std::string> next_token;
  std::optional<std::string> sort_order;
  std::optional<std::string> sort_by;
  friend bool operator==(const SecretListRequest&,
                         const SecretListRequest&) = default;
};

// BatchGetSecretValue as keyward server reads it (SecretIdList or Filters,
// MaxResults only with Filters: checked by the server).
struct BatchValueRequest {
  std::optional<std::vector<std::string>> secret_id_list;
  std::optional<std::vector<FilterEntry>> filters;
  std::optional<std::int64_t> max_results;
  std::optional<std::string> next_token;
  friend bool operator==(const BatchValueRequest&,
                         const BatchValueRequest&) = default;
};

// PutSecretValue's response as keyward server writes it: VersionStages
// always present (the public WriteResult, shared with CreateSecret, omits
// an empty list).
struct ValueWriteResult {
  std::string arn;
  std::string name;
  std::string version_id;
  std::vector<std::string> version_stages;
  friend bool operator==(const ValueWriteResult&,
                         const ValueWriteResult&) = default;
};

// The response of TagResource and UntagResource: {}.
struct EmptyResult {
  friend bool operator==(const EmptyResult&, const EmptyResult&) = default;
};

// GetRandomPassword's response.
struct RandomPasswordResult {
  SecretValue password;
};

// ---- the protocol's request errors ----------------------------------------

// The texts AWS answers malformed requests with (keyward server's message
// table, src/server/messages.cc, uses the same templates).
inline constexpr std::string_view kValidationTemplate =
    "1 validation error detected: Value at '{0}' failed to satisfy "
    "constraint: {1}";
// SerializationException carrying `what`.
Status SerializationError(std::string_view what);
// ValidationException: `member` (camelCase, as AWS names it) breaks
// `constraint`.
Status ValidationError(std::string_view member, std::string_view constraint);

// Strict member readers for request decoding: SerializationException when a
// member has the wrong type (an absent or null member is not set).
StatusOr<std::optional<std::string>> ReadOptString(const Json& req,
                                                   const char* key);
// ValidationException "Member must not be null" when absent.
StatusOr<std::string> ReadRequiredString(const Json& req, const char* key);
StatusOr<std::optional<std::int64_t>> ReadOptInt(const Json& req,
                                                 const char* key);
StatusOr<bool> ReadOptBool(const Json& req, const char* key, bool fallback);
StatusOr<std::vector<std::string>> ReadOptStringList(const Json& req,
                                                     const char* key);

// The Tag list under "Tags" (absent or null: empty); a missing Key or Value
// reads as "" (keyward server then refuses the key's length).
StatusOr<std::vector<Tag>> ReadTagList(const Json& req);

// A list of ReplicaRegionType under `key` (absent or null: empty).
StatusOr<std::vector<ReplicaRegion>> ReadReplicaRegions(const Json& req,
                                                        const char* key);

// ---- shared shapes ----------------------------------------------------------

Json ToJson(const std::vector<Tag>& tags);
Json ToJson(const std::vector<Filter>& filters);
// Adds SecretString or SecretBinary (base64) to `out`.
void AddPayload(const SecretPayload& p, Json& out);
Json ToJson(const std::vector<ReplicaRegion>& regions);
Json ToJson(const std::vector<ReplicationStatus>& statuses);
Json ToJson(const RotationRules& r);

// ---- requests ---------------------------------------------------------------

Json ToJson(const GetSecretValueRequest& r);
Json ToJson(const BatchGetSecretValueRequest& r);
Json ToJson(const ListSecretsRequest& r);
Json ToJson(const CreateSecretRequest& r);
Json ToJson(const PutSecretValueRequest& r);
Json ToJson(const UpdateSecretRequest& r);
Json ToJson(const DeleteSecretRequest& r);
Json ToJson(const ListSecretVersionIdsRequest& r);
Json ToJson(const UpdateSecretVersionStageRequest& r);
Json ToJson(const GetRandomPasswordRequest& r);
Json ToJson(const SecretIdRequest& r);
Json ToJson(const TagResourceRequest& r);
Json ToJson(const UntagResourceRequest& r);
Json ToJson(const PutResourcePolicyRequest& r);
Json ToJson(const ValidateResourcePolicyRequest& r);
Json ToJson(const ReplicateSecretToRegionsRequest& r);
Json ToJson(const RemoveRegionsFromReplicationRequest& r);
Json ToJson(const RotateSecretRequest& r);
Json ToJson(const StageMoveRequest& r);
Json ToJson(const VersionListRequest& r);
Json ToJson(const ValueWriteRequest& r);
Json ToJson(const SecretUpdateRequest& r);
Json ToJson(const SecretCreateRequest& r);
Json ToJson(const SecretListRequest& r);
Json ToJson(const BatchValueRequest& r);

// ---- responses --------------------------------------------------------------

Json ToJson(const SecretValueResult& r);
Json ToJson(SecretValueResult&& r);
Json ToJson(const BatchGetSecretValueResult& r);
// DescribeSecret's shape (VersionIdsToStages).
Json ToJson(const SecretMetadata& r);
// ListSecrets' shape (SecretVersionsToStages in each entry).
Json ToJson(const ListSecretsResult& r);
Json ToJson(const WriteResult& r);
Json ToJson(const DeleteSecretResult& r);
Json ToJson(const RestoreSecretResult& r);
Json ToJson(const ListSecretVersionIdsResult& r);
Json ToJson(const ResourcePolicyResult& r);
Json ToJson(const RandomPasswordResult& r);
Json ToJson(const SecretRef& r);
Json ToJson(const ValidateResourcePolicyResult& r);
Json ToJson(const ReplicationResult& r);
Json ToJson(const ArnResult& r);
Json ToJson(const EmptyResult& r);
Json ToJson(const ValueWriteResult& r);
Json ToJson(const CreateResult& r);

// ---- decoding ---------------------------------------------------------------

// FromJson<T>(j): one specialization for every shape above. Requests that
// keyward server decodes with it (SecretIdRequest, PutResourcePolicyRequest,
// ValidateResourcePolicyRequest, ReplicateSecretToRegionsRequest,
// RemoveRegionsFromReplicationRequest, RotateSecretRequest,
// TagResourceRequest, UntagResourceRequest, GetRandomPasswordRequest,
// StageMoveRequest, DeleteSecretRequest, GetSecretValueRequest,
// VersionListRequest,
// ValueWriteRequest, SecretUpdateRequest, SecretCreateRequest,
// SecretListRequest, BatchValueRequest) are read strictly, with the errors
// AWS answers (wrong type: SerializationException; missing or out of the
// model's bounds: ValidationException), in the order AWS checks them; the
// other requests are still read leniently (only the client's tests decode
// them).
template <class T>
StatusOr<T> FromJson(const Json& j);

#define KEYWARD_WIRE_DECODER(T) \
  template <>                   \
  StatusOr<T> FromJson<T>(const Json& j)
KEYWARD_WIRE_DECODER(std::vector<Tag>);
KEYWARD_WIRE_DECODER(std::vector<Filter>);
KEYWARD_WIRE_DECODER(SecretPayload);
KEYWARD_WIRE_DECODER(GetSecretValueRequest);
KEYWARD_WIRE_DECODER(BatchGetSecretValueRequest);
KEYWARD_WIRE_DECODER(ListSecretsRequest);
KEYWARD_WIRE_DECODER(CreateSecretRequest);
KEYWARD_WIRE_DECODER(PutSecretValueRequest);
KEYWARD_WIRE_DECODER(UpdateSecretRequest);
KEYWARD_WIRE_DECODER(DeleteSecretRequest);
KEYWARD_WIRE_DECODER(ListSecretVersionIdsRequest);
KEYWARD_WIRE_DECODER(UpdateSecretVersionStageRequest);
KEYWARD_WIRE_DECODER(GetRandomPasswordRequest);
KEYWARD_WIRE_DECODER(SecretIdRequest);
KEYWARD_WIRE_DECODER(TagResourceRequest);
KEYWARD_WIRE_DECODER(UntagResourceRequest);
KEYWARD_WIRE_DECODER(PutResourcePolicyRequest);
KEYWARD_WIRE_DECODER(SecretValueResult);
KEYWARD_WIRE_DECODER(BatchGetSecretValueResult);
KEYWARD_WIRE_DECODER(SecretMetadata);
KEYWARD_WIRE_DECODER(ListSecretsResult);
KEYWARD_WIRE_DECODER(WriteResult);
KEYWARD_WIRE_DECODER(DeleteSecretResult);
KEYWARD_WIRE_DECODER(RestoreSecretResult);
KEYWARD_WIRE_DECODER(ListSecretVersionIdsResult);
KEYWARD_WIRE_DECODER(ResourcePolicyResult);
KEYWARD_WIRE_DECODER(RandomPasswordResult);
KEYWARD_WIRE_DECODER(ValidateResourcePolicyRequest);
KEYWARD_WIRE_DECODER(SecretRef);
KEYWARD_WIRE_DECODER(ValidateResourcePolicyResult);
KEYWARD_WIRE_DECODER(ReplicateSecretToRegionsRequest);
KEYWARD_WIRE_DECODER(RemoveRegionsFromReplicationRequest);
KEYWARD_WIRE_DECODER(ReplicationResult);
KEYWARD_WIRE_DECODER(ArnResult);
KEYWARD_WIRE_DECODER(RotateSecretRequest);
KEYWARD_WIRE_DECODER(EmptyResult);
KEYWARD_WIRE_DECODER(StageMoveRequest);
KEYWARD_WIRE_DECODER(VersionListRequest);
KEYWARD_WIRE_DECODER(ValueWriteRequest);
KEYWARD_WIRE_DECODER(SecretUpdateRequest);
KEYWARD_WIRE_DECODER(SecretCreateRequest);
KEYWARD_WIRE_DECODER(SecretListRequest);
KEYWARD_WIRE_DECODER(BatchValueRequest);
KEYWARD_WIRE_DECODER(CreateResult);
KEYWARD_WIRE_DECODER(ValueWriteResult);
#undef KEYWARD_WIRE_DECODER

}  // namespace keyward::secrets::wire

#endif  // KEYWARD_SRC_SECRETS_WIRE_H_
