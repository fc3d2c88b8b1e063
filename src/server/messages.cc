#include "server/messages.h"

#include <array>
#include <cstddef>

#include "secrets/wire.h"

namespace keyward::server {
namespace {

// "recorded" = asserted by a test in moto's tests/test_secretsmanager (some
// of them marked as verified against AWS) or written into moto's model as
// AWS's text; "API reference"/"observed" = AWS's documentation or answers.
constexpr std::array kTable = {
    MessageTemplate{
        Msg::kSecretNotFound, "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret.",
        "AWS: recorded in moto tests (test_get_secret_that_does_not_exist)"},
    MessageTemplate{
        Msg::kNoValueForStage, "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret value "
        "for staging label: {0}",
        "AWS: recorded in moto tests (test_get_secret_that_has_no_value)"},
    MessageTemplate{
        Msg::kNoValueForVersion, "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret value "
        "for VersionId: {0}",
        "AWS: recorded in moto tests (test_get_secret_version_that_does_not_"
        "exist)"},
    MessageTemplate{Msg::kStageNotOnVersion, "InvalidRequestException",
                    "You provided a VersionStage that is not associated to "
                    "the provided VersionId.",
                    "AWS: recorded (test_get_secret_version_stage_mismatch)"},
    MessageTemplate{Msg::kMarkedForDeletion, "InvalidRequestException",
                    "You can't perform this operation on the secret because "
                    "it was marked for deletion.",
                    "AWS: observed"},
    MessageTemplate{Msg::kAlreadyScheduledForDeletion,
                    "InvalidRequestException",
                    "You can't perform this operation on the secret because "
                    "it was already scheduled for deletion.",
                    ""},
    MessageTemplate{Msg::kCreateWhileScheduled, "InvalidRequestException",
                    "You can't create this secret because a secret with this "
                    "name is already scheduled for deletion.",
                    "AWS: observed"},
    MessageTemplate{Msg::kSecretExists, "ResourceExistsException",
                    "The operation failed because the secret {0} already "
                    "exists.",
                    "AWS: recorded in moto's tests and its model"},
    MessageTemplate{Msg::kTokenInUse, "ResourceExistsException",
                    "You can't use ClientRequestToken {0} because that value "
                    "is already in use for a version of secret {1}.",
                    "AWS: recorded in moto 5.2.1's model (ClientRequestToken "
                    "reused with another value)"},
    MessageTemplate{Msg::kBothValues, "InvalidParameterException",
                    "You can't specify both a binary secret value and a "
                    "string secret value in the same secret.",
                    "AWS: API reference"},
    MessageTemplate{Msg::kNeedValue, "InvalidParameterException",
                    "You must provide either SecretString or SecretBinary.",
                    ""},
    MessageTemplate{Msg::kInvalidName, "InvalidParameterException",
                    "Invalid name. Must be a valid name containing "
                    "alphanumeric characters, or any of the following: "
                    "-/_+=.@!",
                    "AWS: observed"},
    MessageTemplate{Msg::kTokenLength, "ValidationException",
                    "1 validation error detected: Value at "
                    "'clientRequestToken' failed to satisfy constraint: Member "
                    "must have length between 32 and 64",
                    ""},
    MessageTemplate{Msg::kRemoveFromRequired, "InvalidParameterException",
                    "The parameter RemoveFromVersionId can't be empty. Staging "
                    "label {0} is currently attached to version {1}, so you "
                    "must explicitly reference that version in "
                    "RemoveFromVersionId.",
                    "AWS: recorded in moto 5.2.1's model "
                    "(UpdateSecretVersionStage without RemoveFromVersionId)"},
    MessageTemplate{Msg::kVersionMissing, "InvalidParameterException",
                    "The version {0} doesn't exist for this secret.", ""},
    MessageTemplate{Msg::kStageNotAttached, "InvalidParameterException",
                    "The staging label {0} is not attached to version {1}.",
                    ""},
    MessageTemplate{Msg::kMoveOrRemove, "InvalidParameterException",
                    "You must specify MoveToVersionId, RemoveFromVersionId, "
                    "or both.",
                    ""},
    MessageTemplate{Msg::kCantRemoveCurrent, "InvalidParameterException",
                    "You can't remove the staging label AWSCURRENT from a "
                    "version; move it to another version instead.",
                    ""},
    MessageTemplate{Msg::kForceWithWindow, "InvalidParameterException",
                    "You can't use ForceDeleteWithoutRecovery in conjunction "
                    "with RecoveryWindowInDays.",
                    "AWS: API reference (DeleteSecret)"},
    MessageTemplate{Msg::kWindowRange, "InvalidParameterException",
                    "The RecoveryWindowInDays value must be between 7 and 30 "
                    "days (inclusive).",
                    "AWS: API reference (DeleteSecret)"},
    MessageTemplate{Msg::kBatchIdsOrFilters, "InvalidParameterException",
                    "Either 'SecretIdList' or 'Filters' must be provided, but "
                    "not both.",
                    "AWS: recorded in moto 5.2.1's model"},
    MessageTemplate{Msg::kBatchMaxResultsNeedsFilters,
                    "InvalidParameterException",
                    "'Filters' not specified. 'Filters' must also be "
                    "specified when 'MaxResults' is provided.",
                    "AWS: recorded in moto 5.2.1's model"},
    MessageTemplate{Msg::kInvalidFilterKey, "InvalidParameterException",
                    "Invalid filter key",
                    "AWS: recorded (test_list_secrets.py "
                    "test_with_no_filter_key)"},
    MessageTemplate{Msg::kInvalidFilterValues, "InvalidParameterException",
                    "Invalid filter values for key: {0}",
                    "AWS: recorded (test_list_secrets.py "
                    "test_with_no_filter_values)"},
    MessageTemplate{Msg::kFilterKeyEnum, "ValidationException",
                    "1 validation error detected: Value '{0}' at "
                    "'filters.{1}.member.key' failed to satisfy constraint: "
                    "Member must satisfy enum value set: [all, name, tag-key, "
                    "description, tag-value]",
                    "AWS: recorded (test_list_secrets.py "
                    "test_with_invalid_filter_key)"},
    MessageTemplate{Msg::kTooManyFilters, "InvalidParameterException",
                    "You can specify at most 10 filters.", ""},
    MessageTemplate{Msg::kTooManyFilterValues, "InvalidParameterException",
                    "A filter can have at most 10 values.", ""},
    MessageTemplate{Msg::kTagKeyLength, "InvalidParameterException",
                    "Tag keys must be between 1 and 128 characters.", ""},
    MessageTemplate{Msg::kTagValueLength, "InvalidParameterException",
                    "Tag values must be at most 256 characters.", ""},
    MessageTemplate{Msg::kTagKeyReserved, "InvalidParameterException",
                    "Tag keys starting with 'aws:' are reserved for AWS use.",
                    ""},
    MessageTemplate{Msg::kTooManyTags, "LimitExceededException",
                    "A secret can have at most 50 tags.", ""},
    MessageTemplate{Msg::kNextToken, "InvalidNextTokenException",
                    "The NextToken value is invalid.", ""},
    MessageTemplate{Msg::kPasswordImpossible, "InvalidParameterException",
                    "The password can't be generated with the requested "
                    "length and character restrictions.",
                    ""},
    MessageTemplate{Msg::kQuotaExceeded, "LimitExceededException",
                    "The request failed because it would exceed one of the "
                    "Secrets Manager quotas.",
                    "AWS: API reference (LimitExceededException)"},
    MessageTemplate{Msg::kAccessDenied, "AccessDeniedException",
                    "User: {0} is not authorized to perform: {1} on "
                    "resource: {2} because no identity-based policy allows "
                    "the {1} action",
                    "AWS: IAM's AccessDenied format"},
    MessageTemplate{
        Msg::kAccessDeniedOtherAccount, "AccessDeniedException",
        "User: {0} is not authorized to perform: {1} on "
        "resource: {2} because no identity-based policy allows "
        "the {1} action. The caller's policy names resources of "
        "account {3}, but this keyward server's account is {4} "
        "(start keyward server with --account-id {3}, or fix the "
        "policy's ARNs)",
        "keyward: AWS's AccessDenied text plus the cause (issue 12)"},
    MessageTemplate{Msg::kIntegrityFailure, "InternalServiceError",
                    "The stored value of this secret version failed its "
                    "integrity check.",
                    ""},
    MessageTemplate{Msg::kInternal, "InternalServiceError",
                    "An error occurred on the server side.", ""},
    MessageTemplate{Msg::kUnknownOperation, "UnknownOperationException",
                    "keyward server does not implement this operation.", ""},
    MessageTemplate{Msg::kValidation, "ValidationException",
                    secrets::wire::kValidationTemplate,
                    "AWS: the Coral validation format"},
    MessageTemplate{Msg::kSerialization, "SerializationException", "{0}", ""},
    MessageTemplate{Msg::kNotJsonObject, "SerializationException",
                    "The request body is not a valid JSON object.", ""},
    MessageTemplate{Msg::kBadBase64, "SerializationException",
                    "SecretBinary is not valid base64", ""},
    // Rotation.
    MessageTemplate{Msg::kBadRotationRules, "InvalidParameterException", "{0}",
                    ""},
    MessageTemplate{Msg::kRotationInProgress, "InvalidRequestException",
                    "A previous rotation isn't complete. That rotation will be "
                    "reattempted.",
                    "AWS: observed (RotateSecret while AWSPENDING is on a "
                    "version other than AWSCURRENT's)"},
    MessageTemplate{Msg::kNoRotationLambda, "InvalidRequestException",
                    "You tried to enable rotation on a secret that doesn't "
                    "already have a Lambda function ARN configured and you "
                    "didn't include such an ARN as a parameter in this call.",
                    "AWS: API reference (InvalidRequestException)"},
    MessageTemplate{Msg::kNoRotationHook, "InvalidRequestException",
                    "keyward server runs rotations through a local hook: start "
                    "it with --rotation-hook CMD to rotate secrets.",
                    ""},
    // Replication.
    MessageTemplate{Msg::kReplicaReadOnly, "InvalidParameterException",
                    "Operation not permitted on a replica secret. Call must be "
                    "made in primary secret's region.",
                    "recorded in moto 5.2.1's model "
                    "(OperationNotPermittedOnReplica)"},
    MessageTemplate{Msg::kInvalidReplicaRegion, "InvalidParameterException",
                    "Invalid replica region.",
                    "recorded in moto 5.2.1's model (a replica in the "
                    "primary's region)"},
    MessageTemplate{Msg::kReplicaNameTaken, "InvalidRequestException",
                    "Replication failed: Secret name {0} already exists in "
                    "region {1}.",
                    "recorded in moto 5.2.1's model (ReplicationStatus "
                    "StatusMessage)"},
    MessageTemplate{Msg::kDeleteWithReplicas, "InvalidParameterException",
                    "You can't delete secret {0} that still has replica "
                    "regions [{1}]",
                    "recorded in moto 5.2.1's model"},
    MessageTemplate{Msg::kNotAReplica, "InvalidParameterException",
                    "StopReplicationToReplica applies to a replica secret; "
                    "this secret is not a replica.",
                    ""},
    MessageTemplate{Msg::kPublicPolicy, "PublicPolicyException",
                    "The BlockPublicPolicy parameter is set to true, and the "
                    "resource policy did not prevent broad access to the "
                    "secret.",
                    "AWS: API reference (PublicPolicyException)"},
};

constexpr bool InOrder() {
  for (std::size_t i = 0; i < kTable.size(); ++i) {
    if (static_cast<std::size_t>(kTable[i].id) != i) return false;
  }
  return true;
}
static_assert(InOrder(), "kTable must list every Msg in enum order");

}  // namespace

std::span<const MessageTemplate> MessageTable() { return kTable; }

std::string FormatMessage(Msg id,
                          std::initializer_list<std::string_view> args) {
  std::string_view t = kTable[static_cast<std::size_t>(id)].text;
  std::string out;
  out.reserve(t.size() + 64);
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '{' && i + 2 < t.size() && t[i + 2] == '}' && t[i + 1] >= '0' &&
        t[i + 1] <= '9') {
      std::size_t n = static_cast<std::size_t>(t[i + 1] - '0');
      if (n < args.size()) out.append(*(args.begin() + n));
      i += 2;
    } else {
      out.push_back(t[i]);
    }
  }
  return out;
}

Status ApiFailure(Msg id, std::initializer_list<std::string_view> args) {
  return Status(StatusCode::kInvalidArgument, FormatMessage(id, args),
                std::string(kTable[static_cast<std::size_t>(id)].type));
}

}  // namespace keyward::server
