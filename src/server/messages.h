// The error messages of `keyward server`, in one table: each has its AWS
// error type and a text template ({0}, {1}, ... are arguments). Where AWS's
// own text is known (recorded by tests verified against AWS, or quoted in
// the API reference) the template is that text, character for character;
// `source` says which.
//
// Thread-safety: the table is immutable.
#ifndef KEYWARD_SRC_SERVER_MESSAGES_H_
#define KEYWARD_SRC_SERVER_MESSAGES_H_

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "keyward/status.h"

namespace keyward::server {

enum class Msg {
  kSecretNotFound,
  kNoValueForStage,
  kNoValueForVersion,
  kStageNotOnVersion,
  kMarkedForDeletion,
  kAlreadyScheduledForDeletion,
  kCreateWhileScheduled,
  kSecretExists,
  kTokenInUse,
  kBothValues,
  kNeedValue,
  kInvalidName,
  kTokenLength,
  kRemoveFromRequired,
  kVersionMissing,
  kStageNotAttached,
  kMoveOrRemove,
  kCantRemoveCurrent,
  kForceWithWindow,
  kWindowRange,
  kBatchIdsOrFilters,
  kBatchMaxResultsNeedsFilters,
  kInvalidFilterKey,
  kInvalidFilterValues,
  kFilterKeyEnum,
  kTooManyFilters,
  kTooManyFilterValues,
  kTagKeyLength,
  kTagValueLength,
  kTagKeyReserved,
  kTooManyTags,
  kNextToken,
  kPasswordImpossible,
  kQuotaExceeded,
  kAccessDenied,
  kAccessDeniedOtherAccount,
  kIntegrityFailure,
  kInternal,
  kUnknownOperation,
  kValidation,
  kSerialization,
  kNotJsonObject,
  kBadBase64,
  // Rotation (rotation_ops.cc).
  kBadRotationRules,
  kRotationInProgress,
  kNoRotationLambda,
  kNoRotationHook,
  // Replication (replication_ops.cc).
  kReplicaReadOnly,
  kInvalidReplicaRegion,
  kReplicaNameTaken,
  kDeleteWithReplicas,
  kNotAReplica,
  kPublicPolicy,
};

struct MessageTemplate {
  Msg id;
  std::string_view type;    // AWS error type ("__type")
  std::string_view text;    // template
  std::string_view source;  // "AWS: ..." where the text is AWS's, else ""
};

// Every template, in Msg order.
std::span<const MessageTemplate> MessageTable();

// The template of `id` with {0}, {1}, ... replaced by `args`.
std::string FormatMessage(Msg id,
                          std::initializer_list<std::string_view> args = {});

// An API error (INVALID_ARGUMENT carrying the AWS error type) for `id`.
Status ApiFailure(Msg id, std::initializer_list<std::string_view> args = {});

}  // namespace keyward::server

#endif  // KEYWARD_SRC_SERVER_MESSAGES_H_
