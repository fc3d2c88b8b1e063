#include "keyward/secrets/errors.h"

#include "aws/error_table.h"
#include "keyward/aws/retry.h"

namespace keyward::secrets {
namespace {

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
  const aws::AwsErrorInfo* rule = aws::FindAwsError(t);
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
