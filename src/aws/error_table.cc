#include "aws/error_table.h"

namespace keyward::aws {
namespace {

using C = StatusCode;
constexpr bool kRetry = true;
constexpr bool kNoRetry = false;
constexpr bool kThrottle = true;
constexpr bool kNoThrottle = false;
constexpr bool kModel = true;    // an error shape of botocore's model
constexpr bool kCommon = false;  // an AWS common error

// HTTP statuses: awsJson1.1 answers client errors with 400 and faults with
// 500; the query protocol's (STS) authentication errors are 403; the rest is
// AWS's "Common Errors" page.
constexpr AwsErrorInfo kTable[] = {
    // Secrets Manager's own error shapes (botocore secretsmanager model).
    {"ResourceNotFoundException", C::kNotFound, 400, kNoRetry, kNoThrottle,
     kModel,
     "{id} was not found: check the name, the region and the endpoint (a "
     "secret deleted without recovery is gone)"},
    {"InvalidParameterException", C::kInvalidArgument, 400, kNoRetry,
     kNoThrottle, kModel, "invalid parameter"},
    {"InvalidRequestException", C::kFailedPrecondition, 400, kNoRetry,
     kNoThrottle, kModel,
     "the request is not valid for the current state of {id} (for example it "
     "is scheduled for deletion: restore it first)"},
    {"InvalidNextTokenException", C::kInvalidArgument, 400, kNoRetry,
     kNoThrottle, kModel, "the pagination token is invalid or expired"},
    {"ResourceExistsException", C::kAlreadyExists, 400, kNoRetry, kNoThrottle,
     kModel,
     "{id} already exists (or this ClientRequestToken was used with a "
     "different value)"},
    {"LimitExceededException", C::kResourceExhausted, 400, kNoRetry,
     kNoThrottle, kModel,
     "a Secrets Manager quota was exceeded (e.g. too many versions or "
     "secrets)"},
    {"DecryptionFailure", C::kPermissionDenied, 400, kNoRetry, kNoThrottle,
     kModel,
     "KMS could not decrypt {id}: check the principal's kms:Decrypt permission "
     "on its key"},
    {"EncryptionFailure", C::kFailedPrecondition, 400, kNoRetry, kNoThrottle,
     kModel,
     "KMS could not encrypt the value: check the KMS key and "
     "kms:GenerateDataKey permission"},
    {"InternalServiceError", C::kUnavailable, 500, kRetry, kNoThrottle, kModel,
     "the service had an internal error (transient; retried)"},
    {"MalformedPolicyDocumentException", C::kInvalidArgument, 400, kNoRetry,
     kNoThrottle, kModel,
     "the resource policy of {id} is not a valid policy document (check its "
     "JSON, actions and principals)"},
    {"PublicPolicyException", C::kFailedPrecondition, 400, kNoRetry,
     kNoThrottle, kModel,
     "the resource policy would grant broad access to {id} (refused by "
     "BlockPublicPolicy)"},
    {"PreconditionNotMetException", C::kFailedPrecondition, 400, kNoRetry,
     kNoThrottle, kModel, "a precondition was not met"},
    // Authorization and authentication (JSON and query spellings).
    {"AccessDeniedException", C::kPermissionDenied, 400, kNoRetry, kNoThrottle,
     kCommon,
     "access denied to {id}: the principal's IAM policy does not allow this "
     "action on it (check the policy attached to the application's "
     "principal)"},
    {"AccessDenied", C::kPermissionDenied, 403, kNoRetry, kNoThrottle, kCommon,
     "access denied: the principal's IAM policy does not allow this action"},
    {"UnrecognizedClientException", C::kUnauthenticated, 400, kNoRetry,
     kNoThrottle, kCommon,
     "the access key id is not recognized: verify the credentials "
     "(AWS_ACCESS_KEY_ID / profile); rotate them if they may be compromised"},
    {"InvalidClientTokenId", C::kUnauthenticated, 403, kNoRetry, kNoThrottle,
     kCommon, "the access key id is not recognized: verify the credentials"},
    {"InvalidSignatureException", C::kUnauthenticated, 400, kNoRetry,
     kNoThrottle, kCommon,
     "signature does not match: the secret access key is wrong for this access "
     "key id (verify the credentials), or the request was altered in transit"},
    {"SignatureDoesNotMatch", C::kUnauthenticated, 403, kNoRetry, kNoThrottle,
     kCommon,
     "signature does not match: the secret access key is wrong for this access "
     "key id"},
    {"IncompleteSignature", C::kUnauthenticated, 400, kNoRetry, kNoThrottle,
     kCommon, "the request signature is incomplete"},
    {"IncompleteSignatureException", C::kUnauthenticated, 400, kNoRetry,
     kNoThrottle, kCommon, "the request signature is incomplete"},
    {"MissingAuthenticationToken", C::kUnauthenticated, 403, kNoRetry,
     kNoThrottle, kCommon, "the request was not signed: configure credentials"},
    {"MissingAuthenticationTokenException", C::kUnauthenticated, 400, kNoRetry,
     kNoThrottle, kCommon, "the request was not signed: configure credentials"},
    {"ExpiredTokenException", C::kUnauthenticated, 400, kNoRetry, kNoThrottle,
     kCommon,
     "the session token has expired: refresh the temporary credentials"},
    {"ExpiredToken", C::kUnauthenticated, 400, kNoRetry, kNoThrottle, kCommon,
     "the session token has expired: refresh the temporary credentials"},
    {"RequestExpired", C::kUnauthenticated, 400, kNoRetry, kNoThrottle, kCommon,
     "the request time is too far from the server's: check this machine's "
     "clock"},
    // Throttling (retried).
    {"ThrottlingException", C::kResourceExhausted, 400, kRetry, kThrottle,
     kCommon,
     "throttled by the service: reduce the request rate (keyward retries with "
     "backoff)"},
    {"Throttling", C::kResourceExhausted, 400, kRetry, kThrottle, kCommon,
     "throttled by the service"},
    {"TooManyRequestsException", C::kResourceExhausted, 429, kRetry, kThrottle,
     kCommon, "throttled by the service"},
    {"RequestLimitExceeded", C::kResourceExhausted, 503, kRetry, kThrottle,
     kCommon, "throttled by the service"},
    // Malformed requests.
    {"ValidationException", C::kInvalidArgument, 400, kNoRetry, kNoThrottle,
     kCommon, "the request failed validation"},
    {"ValidationError", C::kInvalidArgument, 400, kNoRetry, kNoThrottle,
     kCommon, "the request failed validation"},
    {"SerializationException", C::kInvalidArgument, 400, kNoRetry, kNoThrottle,
     kCommon, "the request was malformed"},
    {"UnknownOperationException", C::kUnimplemented, 400, kNoRetry, kNoThrottle,
     kCommon,
     "the endpoint does not know this operation (is it a Secrets Manager "
     "endpoint?)"},
    // Transient service failures (retried).
    {"InternalFailure", C::kUnavailable, 500, kRetry, kNoThrottle, kCommon,
     "the service had an internal error (transient; retried)"},
    {"ServiceUnavailable", C::kUnavailable, 503, kRetry, kNoThrottle, kCommon,
     "the service is unavailable (transient; retried)"},
    {"RequestTimeout", C::kUnavailable, 400, kRetry, kNoThrottle, kCommon,
     "the request timed out (transient; retried)"},
    {"RequestTimeoutException", C::kUnavailable, 408, kRetry, kNoThrottle,
     kCommon, "the request timed out (transient; retried)"},
};

}  // namespace

std::span<const AwsErrorInfo> ErrorTable() { return kTable; }

const AwsErrorInfo* FindAwsError(std::string_view type) {
  for (const AwsErrorInfo& row : kTable) {
    if (row.type == type) return &row;
  }
  return nullptr;
}

int HttpStatusForAwsError(std::string_view type) {
  const AwsErrorInfo* row = FindAwsError(type);
  return row == nullptr ? 400 : row->http_status;
}

}  // namespace keyward::aws
