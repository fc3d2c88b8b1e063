// STS over the query protocol. Responses are small, fixed-shape XML
// documents, so a focused element extractor is enough (no XML library).
#include "keyward/aws/sts.h"

#include "aws/service_call.h"
#include "keyward/aws/credential_chain.h"
#include "keyward/aws/sigv4.h"

namespace keyward::aws {
namespace {

constexpr char kUserAgent[] = "keyward/" KEYWARD_VERSION " sts";

void FormEncode(std::string_view in, std::string& out) {
  static const char* kHex = "0123456789ABCDEF";
  for (unsigned char c : in) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}

void AddParam(SecureString& body, std::string_view key,
              std::string_view value) {
  std::string enc;
  FormEncode(value, enc);
  body += '&';
  body.append(key.data(), key.size());
  body += '=';
  body.append(enc.data(), enc.size());
}

std::string ToString(const std::optional<SecureString>& s) {
  return s ? std::string(s->data(), s->size()) : std::string();
}

}  // namespace

std::string StsEndpointFor(std::string_view region) {
  if (region.empty()) return "https://sts.amazonaws.com";
  std::string suffix =
      region.starts_with("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return "https://sts." + std::string(region) + "." + suffix;
}

std::optional<SecureString> XmlText(std::string_view xml,
                                    std::string_view tag) {
  std::string open = "<" + std::string(tag) + ">";
  std::string close = "</" + std::string(tag) + ">";
  std::size_t a = xml.find(open);
  if (a == std::string_view::npos) return std::nullopt;
  a += open.size();
  std::size_t b = xml.find(close, a);
  if (b == std::string_view::npos) return std::nullopt;
  std::string_view raw = xml.substr(a, b - a);
  SecureString out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '&') {
      out += raw[i];
      continue;
    }
    std::size_t semi = raw.find(';', i);
    if (semi == std::string_view::npos) return std::nullopt;
    std::string_view ent = raw.substr(i + 1, semi - i - 1);
    if (ent == "amp") {
      out += '&';
    } else if (ent == "lt") {
      out += '<';
    } else if (ent == "gt") {
      out += '>';
    } else if (ent == "quot") {
      out += '"';
    } else if (ent == "apos") {
      out += '\'';
    } else if (ent.size() > 1 && ent[0] == '#') {
      bool hex = ent[1] == 'x' || ent[1] == 'X';
      std::string digits(ent.substr(hex ? 2 : 1));
      char* end = nullptr;
      unsigned long cp = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
      if (digits.empty() || *end != '\0' || cp > 0x10FFFF) return std::nullopt;
      // UTF-8 encode.
      if (cp < 0x80) {
        out += static_cast<char>(cp);
      } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      }
    } else {
      return std::nullopt;
    }
    i = semi;
  }
  return out;
}

Status MapStsError(int http_status, std::string_view code,
                   std::string_view message, std::string_view operation) {
  std::string op(operation);
  std::string detail =
      std::string(code.empty() ? "HTTP " + std::to_string(http_status) : code) +
      (message.empty() ? "" : ": " + std::string(message));
  std::string type(code);
  if (code == "AccessDenied" || code == "AccessDeniedException") {
    std::string hint = op == "AssumeRole"
                           ? "the role's trust policy does not allow the "
                             "source principal, or the source "
                             "principal lacks sts:AssumeRole on the role "
                             "(check both, and external_id)"
                           : "the principal may not call this operation";
    return Status(StatusCode::kPermissionDenied,
                  "sts:" + op + " denied: " + hint + " (" + detail + ")", type);
  }
  if (code == "InvalidClientTokenId" || code == "SignatureDoesNotMatch" ||
      code == "ExpiredToken" || code == "ExpiredTokenException" ||
      code == "IncompleteSignature" || code == "MissingAuthenticationToken" ||
      code == "InvalidAccessKeyId" || code == "UnrecognizedClientException" ||
      code == "AuthFailure" || http_status == 401) {
    return Status(StatusCode::kUnauthenticated,
                  "sts:" + op + ": STS rejected the " +
                      std::string(op == "AssumeRole" ? "source " : "") +
                      "credentials (unknown or deactivated access key, wrong "
                      "secret key, or "
                      "expired session token): verify or rotate them (" +
                      detail + ")",
                  type);
  }
  if (code == "RegionDisabledException") {
    return Status(StatusCode::kFailedPrecondition,
                  "sts:" + op +
                      ": STS is not activated in this region for the account; "
                      "activate it in IAM or use another region (" +
                      detail + ")",
                  type);
  }
  if (code == "ValidationError" || code == "MalformedPolicyDocument" ||
      code == "PackedPolicyTooLarge" || code == "InvalidParameterValue" ||
      code == "InvalidAction" || code == "MissingParameter") {
    return Status(StatusCode::kInvalidArgument, "sts:" + op + ": " + detail,
                  type);
  }
  if (code == "Throttling" || code == "ThrottlingException" ||
      code == "RequestLimitExceeded" || http_status == 429) {
    return Status(StatusCode::kResourceExhausted,
                  "sts:" + op + " throttled (" + detail + ")",
                  type.empty() ? "Throttling" : type);
  }
  if (http_status >= 500) {
    return Status(StatusCode::kUnavailable, "sts:" + op + ": " + detail, type);
  }
  if (http_status == 403) {
    return Status(StatusCode::kPermissionDenied, "sts:" + op + ": " + detail,
                  type);
  }
  return Status(StatusCode::kUnknown, "sts:" + op + ": " + detail, type);
}

struct StsClient::Impl {
  std::string endpoint;
  std::unique_ptr<ServiceCaller> caller;

  StatusOr<SecureString> Call(std::string_view action, const Credentials& creds,
                              SecureString params);
};

StatusOr<SecureString> StsClient::Impl::Call(std::string_view action,
                                             const Credentials& creds,
                                             SecureString params) {
  HttpRequest base;
  base.method = "POST";
  base.url = endpoint + "/";
  base.headers = {
      {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  base.body = "Action=";
  base.body.append(action.data(), action.size());
  base.body += "&Version=2011-06-15";
  base.body += params;
  // The caller owns `creds` for the whole call: hand out a non-owning
  // pointer.
  std::shared_ptr<const Credentials> fixed(std::shared_ptr<void>(), &creds);
  return caller->Call(
      base, [&] { return StatusOr<std::shared_ptr<const Credentials>>(fixed); },
      [&](const HttpResponse& resp) {
        std::string_view body(resp.body.data(), resp.body.size());
        return MapStsError(resp.status, ToString(XmlText(body, "Code")),
                           ToString(XmlText(body, "Message")), action);
      },
      "sts:" + std::string(action) + " at " + endpoint,
      // STS answers throttling with codes MapStsError folds into
      // RESOURCE_EXHAUSTED (e.g. a bare 429): retry all of them.
      [](const Status& s) {
        return IsRetryable(s) || s.code() == StatusCode::kResourceExhausted;
      });
}

StsClient::StsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StsClient::~StsClient() = default;

StatusOr<std::unique_ptr<StsClient>> StsClient::Create(StsOptions options) {
  if (!options.region.empty() && !IsValidRegionName(options.region)) {
    return InvalidArgumentError("'" + options.region +
                                "' is not a valid AWS region name (letters, "
                                "digits and '-', e.g. eu-west-1)");
  }
  auto impl = std::make_unique<Impl>();
  impl->endpoint = options.endpoint_url.empty() ? StsEndpointFor(options.region)
                                                : options.endpoint_url;
  while (impl->endpoint.size() > 1 && impl->endpoint.back() == '/')
    impl->endpoint.pop_back();
  StatusOr<Url> url = ParseUrl(impl->endpoint);
  if (!url.ok()) {
    return InvalidArgumentError("STS endpoint '" + impl->endpoint +
                                "' is not a valid URL");
  }
  if (!options.http) options.http = NewCurlHttpClient({}, *options.runtime.env);
  ServiceCallOptions call;
  call.service = "sts";
  call.region = options.region.empty() ? "us-east-1" : options.region;
  call.http = std::move(options.http);
  call.runtime = options.runtime;
  call.retry = options.retry;
  call.retry.max_attempts = options.max_attempts;
  call.user_agent = kUserAgent;
  impl->caller = std::make_unique<ServiceCaller>(std::move(call));
  return std::unique_ptr<StsClient>(new StsClient(std::move(impl)));
}

const std::string& StsClient::endpoint() const { return impl_->endpoint; }

StatusOr<AssumeRoleResult> StsClient::AssumeRole(
    const Credentials& source, const AssumeRoleRequest& request) {
  SecureString params;
  AddParam(params, "RoleArn", request.role_arn);
  AddParam(params, "RoleSessionName", request.role_session_name);
  if (!request.external_id.empty())
    AddParam(params, "ExternalId", request.external_id);
  if (request.duration_seconds > 0) {
    AddParam(params, "DurationSeconds",
             std::to_string(request.duration_seconds));
  }
  KW_ASSIGN_OR_RETURN(SecureString body,
                      impl_->Call("AssumeRole", source, std::move(params)));
  std::string_view xml(body.data(), body.size());
  auto id = XmlText(xml, "AccessKeyId");
  auto secret = XmlText(xml, "SecretAccessKey");
  auto token = XmlText(xml, "SessionToken");
  auto expiration = XmlText(xml, "Expiration");
  if (!id || !secret || !token || !expiration || id->empty() ||
      secret->empty()) {
    return InternalError(
        "sts:AssumeRole at " + impl_->endpoint +
        ": the response has no complete <Credentials> element");
  }
  StatusOr<Clock::time_point> exp = ParseIso8601(ToString(expiration));
  if (!exp.ok()) {
    return InternalError(
        "sts:AssumeRole: the response's <Expiration> is not a timestamp");
  }
  AssumeRoleResult r;
  r.credentials.access_key_id = ToString(id);
  r.credentials.secret_access_key = SecretValue::Adopt(std::move(*secret));
  r.credentials.session_token = SecretValue::Adopt(std::move(*token));
  r.credentials.expiration = *exp;
  auto user = XmlText(xml, "AssumedRoleUser");
  if (user)
    r.assumed_role_arn = ToString(XmlText({user->data(), user->size()}, "Arn"));
  return r;
}

StatusOr<CallerIdentity> StsClient::GetCallerIdentity(
    const Credentials& credentials) {
  KW_ASSIGN_OR_RETURN(
      SecureString body,
      impl_->Call("GetCallerIdentity", credentials, SecureString()));
  std::string_view xml(body.data(), body.size());
  CallerIdentity id;
  id.account = ToString(XmlText(xml, "Account"));
  id.arn = ToString(XmlText(xml, "Arn"));
  id.user_id = ToString(XmlText(xml, "UserId"));
  if (id.arn.empty()) {
    return InternalError("sts:GetCallerIdentity at " + impl_->endpoint +
                         ": the response has no <Arn>");
  }
  return id;
}

}  // namespace keyward::aws
