// STS's Query protocol on keyward server (see sts_service.h): form-encoded
// requests, XML responses and errors as STS sends them, stateless sealed
// session tokens.
#include "server/sts_service.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "aws/error_table.h"
#include "keyward/aws/sigv4.h"
#include "keyward/server/auth.h"
#include "secrets/json_codec.h"

namespace keyward::server {
namespace {

using secrets::Json;

constexpr std::string_view kXmlns = "https://sts.amazonaws.com/doc/2011-06-15/";
constexpr std::string_view kTokenPrefix = "KWS1.";
constexpr std::string_view kTokenAad = "keyward-sts-session-v1\n";
constexpr int kMinDuration = 900;
constexpr int kDefaultDuration = 3600;
constexpr int kChainedMaxDuration = 3600;

void XmlEscape(std::string_view in, SecureString& out) {
  for (char c : in) {
    switch (c) {
      case '&':
        out.append("&amp;", 5);
        break;
      case '<':
        out.append("&lt;", 4);
        break;
      case '>':
        out.append("&gt;", 4);
        break;
      case '"':
        out.append("&quot;", 6);
        break;
      default:
        out += c;
    }
  }
}

void Element(SecureString& out, std::string_view tag, std::string_view text) {
  out += '<';
  out.append(tag.data(), tag.size());
  out += '>';
  XmlEscape(text, out);
  out.append("</", 2);
  out.append(tag.data(), tag.size());
  out += '>';
}

void Append(SecureString& out, std::string_view s) {
  out.append(s.data(), s.size());
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded: '+' is a space, %XX a byte. Later
// duplicates win (as the AWS query parser does). nullopt for a bad escape.
std::optional<std::map<std::string, std::string, std::less<>>> ParseForm(
    std::string_view form) {
  std::map<std::string, std::string, std::less<>> out;
  auto decode = [](std::string_view in) -> std::optional<std::string> {
    std::string s;
    s.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
      if (in[i] == '+') {
        s += ' ';
      } else if (in[i] == '%') {
        if (i + 2 >= in.size()) return std::nullopt;
        int hi = HexDigit(in[i + 1]), lo = HexDigit(in[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        s += static_cast<char>(hi * 16 + lo);
        i += 2;
      } else {
        s += in[i];
      }
    }
    return s;
  };
  while (!form.empty()) {
    std::size_t amp = form.find('&');
    std::string_view pair = form.substr(0, amp);
    form = amp == std::string_view::npos ? std::string_view()
                                         : form.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    auto key = decode(pair.substr(0, eq));
    auto value = decode(eq == std::string_view::npos ? std::string_view()
                                                     : pair.substr(eq + 1));
    if (!key || !value) return std::nullopt;
    out[*key] = std::move(*value);
  }
  return out;
}

struct Session {
  std::string access_key_id;
  std::string role_name;
  std::string session_name;
  std::int64_t expires = 0;  // epoch seconds
  std::string source_arn;    // who assumed the role
};

std::string SessionFields(const Session& s) {
  return s.access_key_id + "|" + s.role_name + "|" + s.session_name + "|" +
         std::to_string(s.expires) + "|" + s.source_arn;
}

std::optional<Session> ParseSessionFields(std::string_view f) {
  // The source ARN comes last and may itself hold '|' (a profile name).
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t bar =
        parts.size() == 4 ? std::string_view::npos : f.find('|', start);
    parts.emplace_back(f.substr(start, bar - start));
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  if (parts.size() != 5) return std::nullopt;
  Session s{parts[0], parts[1], parts[2], 0, parts[4]};
  try {
    std::size_t used = 0;
    s.expires = std::stoll(parts[3], &used);
    if (used != parts[3].size()) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return s;
}

std::int64_t EpochSeconds(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch())
      .count();
}

Status InvalidToken() {
  return Status(StatusCode::kUnauthenticated,
                "The security token included in the request is invalid.",
                "UnrecognizedClientException");
}

}  // namespace

// ---- StsService ----

struct StsService::Impl {
  std::vector<Role> roles;
  std::unique_ptr<ValueCipher> cipher;
  StsServiceOptions options;

  const Role* FindRole(std::string_view name) const {
    for (const auto& r : roles) {
      if (r.name == name) return &r;
    }
    return nullptr;
  }
  using Params = std::map<std::string, std::string, std::less<>>;
  StsResponse GetCallerIdentity(const Params& p, const AccessKey& caller,
                                const StsRequestContext& context,
                                std::string_view request_id) const;
  StsResponse AssumeRole(const Params& p, const AccessKey& caller,
                         const StsRequestContext& context,
                         std::string_view request_id) const;
};

namespace {

SecureString Envelope(std::string_view action, const SecureString& result,
                      std::string_view request_id) {
  SecureString out;
  Append(out, "<");
  Append(out, action);
  Append(out, "Response xmlns=\"");
  Append(out, kXmlns);
  Append(out, "\">\n  <");
  Append(out, action);
  Append(out, "Result>\n");
  out.append(result.data(), result.size());
  Append(out, "  </");
  Append(out, action);
  Append(out, "Result>\n  <ResponseMetadata>\n    ");
  Element(out, "RequestId", request_id);
  Append(out, "\n  </ResponseMetadata>\n</");
  Append(out, action);
  Append(out, "Response>\n");
  return out;
}

}  // namespace

StsResponse StsService::Error(std::string_view code, std::string_view message,
                              std::string_view request_id) {
  StsResponse r;
  r.http_status = aws::HttpStatusForAwsError(code);
  r.error_type = std::string(code);
  SecureString& out = r.body;
  Append(out, "<ErrorResponse xmlns=\"");
  Append(out, kXmlns);
  Append(out, "\">\n  <Error>\n    <Type>");
  Append(out, r.http_status >= 500 ? "Receiver" : "Sender");
  Append(out, "</Type>\n    ");
  Element(out, "Code", code);
  Append(out, "\n    ");
  Element(out, "Message", message);
  Append(out, "\n  </Error>\n  ");
  Element(out, "RequestId", request_id);
  Append(out, "\n</ErrorResponse>\n");
  return r;
}

StsService::StsService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StsService::~StsService() = default;

StatusOr<std::unique_ptr<StsService>> StsService::Create(
    std::vector<Role> roles, std::unique_ptr<ValueCipher> cipher,
    StsServiceOptions options) {
  if (!cipher) return InvalidArgumentError("StsService needs a cipher");
  auto impl = std::make_unique<Impl>();
  impl->roles = std::move(roles);
  impl->cipher = std::move(cipher);
  impl->options = std::move(options);
  return std::unique_ptr<StsService>(new StsService(std::move(impl)));
}

std::size_t StsService::role_count() const { return impl_->roles.size(); }

StsResponse StsService::Handle(std::string_view form, const AccessKey& caller,
                               std::string_view request_id,
                               const StsRequestContext& context) const {
  auto params = ParseForm(form);
  if (!params) {
    return Error("MalformedQueryString",
                 "The query string is not a valid form encoding.", request_id);
  }
  auto action = params->find("Action");
  if (action == params->end() || action->second.empty()) {
    return Error("MissingAction", "Missing Action", request_id);
  }
  if (auto v = params->find("Version");
      v != params->end() && v->second != "2011-06-15") {
    return Error("InvalidAction",
                 "Could not find operation " + action->second +
                     " for version " + v->second,
                 request_id);
  }
  using Handler =
      StsResponse (Impl::*)(const Impl::Params&, const AccessKey&,
                            const StsRequestContext&, std::string_view) const;
  static const std::pair<std::string_view, Handler> kActions[] = {
      {"GetCallerIdentity", &Impl::GetCallerIdentity},
      {"AssumeRole", &Impl::AssumeRole},
  };
  for (const auto& [name, handler] : kActions) {
    if (action->second == name) {
      StsResponse r =
          (impl_.get()->*handler)(*params, caller, context, request_id);
      r.action = std::string(name);
      return r;
    }
  }
  StsResponse r = Error("InvalidAction",
                        "Could not find operation " + action->second +
                            " for version 2011-06-15 (keyward server answers "
                            "GetCallerIdentity and AssumeRole)",
                        request_id);
  r.action = action->second.substr(0, 64);
  return r;
}

StsResponse StsService::Impl::GetCallerIdentity(
    const Params&, const AccessKey& caller, const StsRequestContext&,
    std::string_view request_id) const {
  // Needs no permission (AWS: even an explicit deny cannot block it).
  SecureString result;
  Append(result, "    ");
  Element(result, "Arn", PrincipalArn(caller, options.account_id));
  Append(result, "\n    ");
  Element(result, "UserId", PrincipalUserId(caller));
  Append(result, "\n    ");
  Element(result, "Account", options.account_id);
  Append(result, "\n");
  StsResponse r;
  r.body = Envelope("GetCallerIdentity", result, request_id);
  return r;
}

namespace {

// A request error: the STS error code and message.
struct Refusal {
  std::string code, message;
};

std::string NullValue(std::string_view member) {
  return "1 validation error detected: Value null at '" + std::string(member) +
         "' failed to satisfy constraint: Member must not be null";
}

// DurationSeconds: absent -> 3600; 900..43200 (the role's own bound is
// checked after authorization, as STS does).
std::optional<Refusal> ParseDuration(const std::string* d, int* out) {
  *out = kDefaultDuration;
  if (d == nullptr) return std::nullopt;
  std::size_t used = 0;
  long long v = -1;
  try {
    v = std::stoll(*d, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  std::string prefix =
      "1 validation error detected: Value '" + *d +
      "' at 'durationSeconds' failed to satisfy constraint: Member must ";
  if (used == 0 || used != d->size())
    return Refusal{"ValidationError", prefix + "be an integer"};
  if (v < kMinDuration)
    return Refusal{"ValidationError",
                   prefix + "have value greater than or equal to 900"};
  if (v > 43200)
    return Refusal{"ValidationError",
                   prefix + "have value less than or equal to 43200"};
  *out = static_cast<int>(v);
  return std::nullopt;
}

struct AssumeRoleInput {
  std::string role_arn, session_name;
  int duration = kDefaultDuration;
};

std::optional<Refusal> ParseAssumeRole(
    const std::map<std::string, std::string, std::less<>>& p,
    AssumeRoleInput* in) {
  auto get = [&](std::string_view k) -> const std::string* {
    auto it = p.find(k);
    return it == p.end() ? nullptr : &it->second;
  };
  const std::string* arn = get("RoleArn");
  const std::string* name = get("RoleSessionName");
  if (arn == nullptr) return Refusal{"ValidationError", NullValue("roleArn")};
  if (name == nullptr)
    return Refusal{"ValidationError", NullValue("roleSessionName")};
  if (name->size() < 2 || name->size() > 64 || !IamNameChars(*name)) {
    return Refusal{"ValidationError",
                   "1 validation error detected: Value '" + *name +
                       "' at 'roleSessionName' failed to satisfy constraint: "
                       "Member must have length between 2 and 64 and satisfy "
                       "regular expression pattern: [\\w+=,.@-]*"};
  }
  if (arn->size() < 20 || arn->size() > 2048) {
    return Refusal{"ValidationError",
                   "1 validation error detected: Value '" +
                       arn->substr(0, 2048) +
                       "' at 'roleArn' failed to satisfy constraint: Member "
                       "must have length between 20 and 2048"};
  }
  if (get("Policy") || get("PolicyArns.member.1.arn")) {
    // A session policy narrows the session; ignoring it would grant more
    // than AWS does, so it is refused.
    return Refusal{"ValidationError",
                   "keyward server does not support session policies (Policy, "
                   "PolicyArns): the session would act with the role's whole "
                   "policy"};
  }
  in->role_arn = *arn;
  in->session_name = *name;
  return ParseDuration(get("DurationSeconds"), &in->duration);
}

// The <AssumeRoleResult> body for an issued session.
SecureString AssumeRoleResult(const Session& s, std::string_view secret,
                              std::string_view token, const Role& role,
                              std::string_view account) {
  SecureString out;
  Append(out, "    <Credentials>\n      ");
  Element(out, "AccessKeyId", s.access_key_id);
  Append(out, "\n      ");
  Element(out, "SecretAccessKey", secret);
  Append(out, "\n      ");
  Element(out, "SessionToken", token);
  Append(out, "\n      ");
  Element(out, "Expiration",
          FormatIso8601(Clock::time_point(std::chrono::seconds(s.expires))));
  Append(out, "\n    </Credentials>\n    <AssumedRoleUser>\n      ");
  Element(out, "AssumedRoleId", role.role_id + ":" + s.session_name);
  Append(out, "\n      ");
  Element(out, "Arn",
          "arn:aws:sts::" + std::string(account) + ":assumed-role/" +
              role.name + "/" + s.session_name);
  // No PackedPolicySize: AWS reports it for session policies and tags,
  // which keyward refuses or ignores.
  Append(out, "\n    </AssumedRoleUser>\n");
  return out;
}

// The role `caller` may assume, or the refusal: the trust policy must allow
// the caller and its identity policy sts:AssumeRole on the role; an unknown
// role gets the same AccessDenied (no existence oracle).
std::optional<Refusal> Authorize(const std::vector<Role>& roles,
                                 const StsServiceOptions& options,
                                 const AccessKey& caller,
                                 const StsRequestContext& context,
                                 const AssumeRoleInput& in, const Role** role) {
  const std::string caller_arn = PrincipalArn(caller, options.account_id);
  Refusal denied{"AccessDenied",
                 "User: " + caller_arn +
                     " is not authorized to perform: sts:AssumeRole on "
                     "resource: " +
                     in.role_arn};
  *role = nullptr;
  for (const auto& r : roles) {
    if (r.arn == in.role_arn) *role = &r;
  }
  if (*role == nullptr) return denied;
  int trust = (*role)->trust.Evaluate(caller_arn, caller.role_arn,
                                      options.account_id, "sts:AssumeRole");
  // The caller's identity policy with the request's context, as every
  // Secrets Manager request (a Deny conditioned on aws:SourceIp applies).
  RequestContext ctx;
  ctx.action = "sts:AssumeRole";
  ctx.resource = in.role_arn;
  ctx.principal = caller.principal.get();
  ctx.source_ip = context.source_ip;
  ctx.secure_transport = context.secure_transport;
  bool identity =
      !caller.policy || caller.policy->Evaluate(ctx) == Decision::kAllow;
  if (trust != 1 || !identity) return denied;
  if (!caller.role_arn.empty() && in.duration > kChainedMaxDuration) {
    return Refusal{"ValidationError",
                   "The requested DurationSeconds exceeds the 1 hour session "
                   "limit for roles assumed by role chaining."};
  }
  if (in.duration > (*role)->max_session_seconds) {
    return Refusal{"ValidationError",
                   "The requested DurationSeconds exceeds the "
                   "MaxSessionDuration set for this role."};
  }
  return std::nullopt;
}

}  // namespace

StsResponse StsService::Impl::AssumeRole(const Params& p,
                                         const AccessKey& caller,
                                         const StsRequestContext& context,
                                         std::string_view request_id) const {
  AssumeRoleInput in;
  const Role* role = nullptr;
  std::optional<Refusal> refusal = ParseAssumeRole(p, &in);
  if (!refusal) refusal = Authorize(roles, options, caller, context, in, &role);
  if (refusal)
    return StsService::Error(refusal->code, refusal->message, request_id);

  Session s;
  s.access_key_id =
      "ASIA" + options.runtime.random->String(16, kAccessKeyIdAlphabet);
  s.role_name = role->name;
  s.session_name = in.session_name;
  s.expires = EpochSeconds(options.runtime.clock->Now()) + in.duration;
  s.source_arn = PrincipalArn(caller, options.account_id);
  std::string fields = SessionFields(s);
  std::string secret = options.runtime.random->String(40, kSecretKeyAlphabet);
  auto sealed = cipher->Encrypt(secret, std::string(kTokenAad) + fields);
  if (!sealed.ok()) {
    WipeString(secret);
    return StsService::Error("InternalFailure",
                             "An internal error occurred while issuing the "
                             "session.",
                             request_id);
  }
  std::string token = std::string(kTokenPrefix) +
                      secrets::Base64Encode(fields) + "." +
                      secrets::Base64Encode(*sealed);
  SecureString result =
      AssumeRoleResult(s, secret, token, *role, options.account_id);
  WipeString(secret);
  StsResponse r;
  r.body = Envelope("AssumeRole", result, request_id);
  return r;
}

StatusOr<std::shared_ptr<const AccessKey>> StsService::SessionKey(
    std::string_view access_key_id, std::string_view token) const {
  if (!token.starts_with(kTokenPrefix)) return InvalidToken();
  token.remove_prefix(kTokenPrefix.size());
  std::size_t dot = token.find('.');
  if (dot == std::string_view::npos) return InvalidToken();
  auto fields = secrets::Base64Decode(token.substr(0, dot));
  auto sealed = secrets::Base64Decode(token.substr(dot + 1));
  if (!fields || !sealed) return InvalidToken();
  std::string_view fields_view(fields->data(), fields->size());
  auto secret =
      impl_->cipher->Decrypt({sealed->data(), sealed->size()},
                             std::string(kTokenAad) + std::string(fields_view));
  if (!secret.ok()) return InvalidToken();
  auto s = ParseSessionFields(fields_view);
  if (!s || s->access_key_id != access_key_id) return InvalidToken();
  const Role* role = impl_->FindRole(s->role_name);
  if (role == nullptr) return InvalidToken();  // role removed since
  if (EpochSeconds(impl_->options.runtime.clock->Now()) >= s->expires) {
    return Status(StatusCode::kUnauthenticated,
                  "The security token included in the request is expired",
                  "ExpiredTokenException");
  }
  auto key = std::make_shared<AccessKey>();
  key->access_key_id = s->access_key_id;
  key->secret_access_key = SecretValue::Adopt(std::move(*secret));
  key->session_token =
      SecretValue(std::string(kTokenPrefix) + std::string(token));
  key->policy = role->policy;
  key->arn = "arn:aws:sts::" + impl_->options.account_id + ":assumed-role/" +
             role->name + "/" + s->session_name;
  key->user_id = role->role_id + ":" + s->session_name;
  key->role_arn = role->arn;
  key->profile = "assumed-role/" + role->name + "/" + s->session_name;
  // The session as a principal for resource policies and condition keys.
  if (auto p = ParsePrincipalArn(key->arn); p.ok()) {
    p->user_id = key->user_id;
    key->principal = std::make_shared<const Principal>(std::move(*p));
  }
  return std::shared_ptr<const AccessKey>(std::move(key));
}

}  // namespace keyward::server
