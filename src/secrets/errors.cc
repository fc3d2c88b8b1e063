#include "keyward/secrets/errors.h"

#include <array>

#include "keyward/aws/retry.h"

namespace keyward::secrets {
namespace {

struct ErrorRule {
  std::string_view type;
  StatusCode code;
  // What to check; "{id}" is replaced by the secret id (or "the secret").
  std::string_view advice;
};

constexpr std::array<ErrorRule, 29> kRules{{
    {"ResourceNotFoundException", StatusCode::kNotFound,
     "{id} was not found: check the name, the region and the endpoint (a "
     "secret deleted "
     "without recovery is gone)"},
    {"AccessDeniedException", StatusCode::kPermissionDenied,
     "access denied to {id}: the principal's IAM policy does not allow this "
     "action on it "
     "(check the policy attached to the application's principal)"},
    {"AccessDenied", StatusCode::kPermissionDenied,
     "access denied: the principal's IAM policy does not allow this action"},
    {"UnrecognizedClientException", StatusCode::kUnauthenticated,
     "the access key id is not recognized: verify the credentials "
     "(AWS_ACCESS_KEY_ID / "
     "profile); rotate them if they may be compromised"},
    {"InvalidClientTokenId", StatusCode::kUnauthenticated,
     "the access key id is not recognized: verify the credentials"},
    {"InvalidSignatureException", StatusCode::kUnauthenticated,
     "signature does not match: the secret access key is wrong for this access "
     "key id "
     "(verify the credentials), or the request was altered in transit"},
    {"SignatureDoesNotMatch", StatusCode::kUnauthenticated,
     "signature does not match: the secret access key is wrong for this access "
     "key id"},
    {"IncompleteSignature", StatusCode::kUnauthenticated,
     "the request signature is incomplete"},
    {"IncompleteSignatureException", StatusCode::kUnauthenticated,
     "the request signature is incomplete"},
    {"MissingAuthenticationToken", StatusCode::kUnauthenticated,
     "the request was not signed: configure credentials"},
    {"MissingAuthenticationTokenException", StatusCode::kUnauthenticated,
     "the request was not signed: configure credentials"},
    {"ExpiredTokenException", StatusCode::kUnauthenticated,
     "the session token has expired: refresh the temporary credentials"},
    {"ExpiredToken", StatusCode::kUnauthenticated,
     "the session token has expired: refresh the temporary credentials"},
    {"RequestExpired", StatusCode::kUnauthenticated,
     "the request time is too far from the server's: check this machine's "
     "clock"},
    {"ThrottlingException", StatusCode::kResourceExhausted,
     "throttled by the service: reduce the request rate (keyward retries with "
     "backoff)"},
    {"Throttling", StatusCode::kResourceExhausted, "throttled by the service"},
    {"TooManyRequestsException", StatusCode::kResourceExhausted,
     "throttled by the service"},
    {"RequestLimitExceeded", StatusCode::kResourceExhausted,
     "throttled by the service"},
    {"LimitExceededException", StatusCode::kResourceExhausted,
     "a Secrets Manager quota was exceeded (e.g. too many versions or "
     "secrets)"},
    {"InvalidParameterException", StatusCode::kInvalidArgument,
     "invalid parameter"},
    {"ValidationException", StatusCode::kInvalidArgument,
     "the request failed validation"},
    {"SerializationException", StatusCode::kInvalidArgument,
     "the request was malformed"},
    {"InvalidNextTokenException", StatusCode::kInvalidArgument,
     "the pagination token is invalid or expired"},
    {"InvalidRequestException", StatusCode::kFailedPrecondition,
     "the request is not valid for the current state of {id} (for example it "
     "is scheduled "
     "for deletion: restore it first)"},
    {"ResourceExistsException", StatusCode::kAlreadyExists,
     "{id} already exists (or this ClientRequestToken was used with a "
     "different value)"},
    {"DecryptionFailure", StatusCode::kPermissionDenied,
     "KMS could not decrypt {id}: check the principal's kms:Decrypt permission "
     "on its key"},
    {"EncryptionFailure", StatusCode::kFailedPrecondition,
     "KMS could not encrypt the value: check the KMS key and "
     "kms:GenerateDataKey permission"},
    {"InternalServiceError", StatusCode::kUnavailable,
     "the service had an internal error (transient; retried)"},
    {"PreconditionNotMetException", StatusCode::kFailedPrecondition,
     "a precondition was not met"},
}};

std::string Advice(std::string_view tmpl, std::string_view id) {
  std::string out(tmpl);
  std::string who =
      id.empty() ? "the secret" : "secret '" + std::string(id) + "'";
  std::size_t p = out.find("{id}");
  if (p != std::string::npos) out.replace(p, 4, who);
  return out;
}

// The region an endpoint serves, from the service's message ("... serves
// region 'X'", keyward server) or the AWS host name
// ("secretsmanager.X.amazonaws.com"); "" when unknown.
std::string EndpointRegion(std::string_view message,
                           std::string_view endpoint) {
  constexpr std::string_view kServes = "serves region '";
  if (auto p = message.find(kServes); p != std::string_view::npos) {
    auto start = p + kServes.size();
    auto end = message.find('\'', start);
    if (end != std::string_view::npos && end - start <= 63)
      return std::string(message.substr(start, end - start));
  }
  constexpr std::string_view kHost = "://secretsmanager.";
  if (auto p = endpoint.find(kHost); p != std::string_view::npos) {
    auto start = p + kHost.size();
    auto end = endpoint.find(".amazonaws.com", start);
    if (end != std::string_view::npos && end - start <= 63)
      return std::string(endpoint.substr(start, end - start));
  }
  return "";
}

// A signature refused because it was scoped to another region than the
// endpoint's: say that first, with both regions (the secret key was never
// the problem).
std::string RegionMismatchAdvice(std::string_view message,
                                 const AwsErrorContext& ctx) {
  std::string served = EndpointRegion(message, ctx.endpoint);
  std::string text = "region mismatch: the request was signed for region '" +
                     std::string(ctx.region) + "', but the endpoint";
  if (!ctx.endpoint.empty()) text += " " + std::string(ctx.endpoint);
  text += served.empty() ? " serves another region"
                         : " serves region '" + served + "'";
  text +=
      "; set the region to the endpoint's (--region, AWS_REGION or the "
      "profile's region)";
  if (!served.empty()) text += ", e.g. --region " + served;
  text += ". The credentials themselves were not rejected";
  return text;
}

}  // namespace

std::string NormalizeErrorType(std::string_view raw) {
  std::size_t hash = raw.rfind('#');
  if (hash != std::string_view::npos) raw = raw.substr(hash + 1);
  std::size_t colon = raw.find(':');
  if (colon != std::string_view::npos) raw = raw.substr(0, colon);
  return std::string(raw);
}

Status MapAwsError(int http_status, std::string_view type,
                   std::string_view message, const AwsErrorContext& ctx) {
  std::string t = NormalizeErrorType(type);
  StatusCode code;
  std::string text;
  const ErrorRule* rule = nullptr;
  for (const ErrorRule& r : kRules) {
    if (r.type == t) rule = &r;
  }
  if ((t == "InvalidSignatureException" || t == "SignatureDoesNotMatch") &&
      message.find("scoped to a valid region") != std::string_view::npos) {
    code = StatusCode::kUnauthenticated;
    text = RegionMismatchAdvice(message, ctx);
  } else if (rule != nullptr) {
    code = rule->code;
    text = Advice(rule->advice, ctx.secret_id);
  } else if (http_status >= 500) {
    code = StatusCode::kUnavailable;
    text = "the endpoint returned HTTP " + std::to_string(http_status);
  } else if (http_status == 401 || http_status == 403) {
    code = StatusCode::kPermissionDenied;
    text = "the endpoint refused the request (HTTP " +
           std::to_string(http_status) + ")";
  } else if (http_status == 429) {
    code = StatusCode::kResourceExhausted;
    text = "throttled (HTTP 429)";
  } else {
    code = StatusCode::kUnknown;
    text = "unexpected error (HTTP " + std::to_string(http_status) + ")";
  }
  std::string full(ctx.operation);
  full += ": ";
  full += text;
  if (!message.empty()) {
    full += " (service said: ";
    full += message.substr(0, 300);
    full += ")";
  }
  if (!ctx.endpoint.empty() &&
      (code == StatusCode::kNotFound || code == StatusCode::kUnauthenticated)) {
    full += " [endpoint ";
    full += ctx.endpoint;
    full += ", region ";
    full += ctx.region;
    full += "]";
  }
  return Status(code, std::move(full),
                t.empty() ? "HTTP" + std::to_string(http_status) : t);
}

bool IsRetryable(const Status& status) { return aws::IsRetryable(status); }

}  // namespace keyward::secrets
