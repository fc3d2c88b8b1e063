#include "keyward/secrets/client.h"

#include "aws/service_call.h"
#include "core/text.h"
#include "keyward/aws/credential_chain.h"
#include "keyward/aws/sigv4.h"
#include "keyward/aws/sts.h"
#include "keyward/naming.h"
#include "keyward/secrets/errors.h"
#include "secrets/json_codec.h"
#include "secrets/wire.h"

namespace keyward::secrets {
namespace {

constexpr std::string_view kJsonContentType = "application/x-amz-json-1.1";

// The decoded text of the first <tag> element of an XML error, or "".
std::string XmlString(std::string_view xml, std::string_view tag) {
  std::optional<SecureString> text = aws::XmlText(xml, tag);
  if (!text || text->size() > 1024) return "";
  return std::string(text->data(), text->size());
}

// INVALID_ARGUMENT when both a string and a binary value are given, when a
// required value is missing, or when it is over Secrets Manager's limit.
Status CheckPayload(const SecretPayload& p, bool required) {
  if (p.string && p.binary) {
    return InvalidArgumentError(
        "give either a string or a binary value, not both");
  }
  const SecretValue* v = p.string   ? &*p.string
                         : p.binary ? &*p.binary
                                    : nullptr;
  if (v == nullptr) {
    if (required) return InvalidArgumentError("a secret value is required");
    return OkStatus();
  }
  if (v->size() > kMaxSecretValueBytes) {
    return InvalidArgumentError("secret value is " + std::to_string(v->size()) +
                                " bytes; Secrets Manager allows at most 65536");
  }
  return OkStatus();
}

}  // namespace

std::string SecretMetadata::CurrentVersionId() const {
  for (const auto& [id, stages] : version_ids_to_stages) {
    for (const auto& s : stages) {
      if (s == kAwsCurrent) return id;
    }
  }
  return "";
}

std::string NewUuid(const Random& random) {
  std::array<unsigned char, 16> b;
  random.Fill(b.data(), b.size());
  return FormatUuidV4(b);
}

std::string FormatUuidV4(std::array<unsigned char, 16> b) {
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += text::kHexDigits[b[i] >> 4];
    out += text::kHexDigits[b[i] & 0xf];
  }
  return out;
}

// ---- SecretsManagerApi defaults ------------------------------------------

#define KW_UNIMPLEMENTED(op) \
  return UnimplementedError(#op " is not implemented by this client")
StatusOr<SecretValueResult> SecretsManagerApi::GetSecretValue(
    const GetSecretValueRequest&) {
  KW_UNIMPLEMENTED(GetSecretValue);
}
StatusOr<BatchGetSecretValueResult> SecretsManagerApi::BatchGetSecretValue(
    const BatchGetSecretValueRequest&) {
  KW_UNIMPLEMENTED(BatchGetSecretValue);
}
StatusOr<SecretMetadata> SecretsManagerApi::DescribeSecret(const std::string&) {
  KW_UNIMPLEMENTED(DescribeSecret);
}
StatusOr<ListSecretsResult> SecretsManagerApi::ListSecrets(
    const ListSecretsRequest&) {
  KW_UNIMPLEMENTED(ListSecrets);
}
StatusOr<WriteResult> SecretsManagerApi::CreateSecret(
    const CreateSecretRequest&) {
  KW_UNIMPLEMENTED(CreateSecret);
}
StatusOr<WriteResult> SecretsManagerApi::PutSecretValue(
    const PutSecretValueRequest&) {
  KW_UNIMPLEMENTED(PutSecretValue);
}
StatusOr<WriteResult> SecretsManagerApi::UpdateSecret(
    const UpdateSecretRequest&) {
  KW_UNIMPLEMENTED(UpdateSecret);
}
StatusOr<DeleteSecretResult> SecretsManagerApi::DeleteSecret(
    const DeleteSecretRequest&) {
  KW_UNIMPLEMENTED(DeleteSecret);
}
StatusOr<RestoreSecretResult> SecretsManagerApi::RestoreSecret(
    const std::string&) {
  KW_UNIMPLEMENTED(RestoreSecret);
}
StatusOr<ListSecretVersionIdsResult> SecretsManagerApi::ListSecretVersionIds(
    const ListSecretVersionIdsRequest&) {
  KW_UNIMPLEMENTED(ListSecretVersionIds);
}
Status SecretsManagerApi::UpdateSecretVersionStage(
    const UpdateSecretVersionStageRequest&) {
  KW_UNIMPLEMENTED(UpdateSecretVersionStage);
}
Status SecretsManagerApi::TagResource(const std::string&,
                                      const std::vector<Tag>&) {
  KW_UNIMPLEMENTED(TagResource);
}
Status SecretsManagerApi::UntagResource(const std::string&,
                                        const std::vector<std::string>&) {
  KW_UNIMPLEMENTED(UntagResource);
}
StatusOr<SecretValue> SecretsManagerApi::GetRandomPassword(
    const GetRandomPasswordRequest&) {
  KW_UNIMPLEMENTED(GetRandomPassword);
}
Status SecretsManagerApi::PutResourcePolicy(const std::string&,
                                            const std::string&, bool) {
  KW_UNIMPLEMENTED(PutResourcePolicy);
}
StatusOr<ResourcePolicyResult> SecretsManagerApi::GetResourcePolicy(
    const std::string&) {
  KW_UNIMPLEMENTED(GetResourcePolicy);
}
Status SecretsManagerApi::DeleteResourcePolicy(const std::string&) {
  KW_UNIMPLEMENTED(DeleteResourcePolicy);
}
#undef KW_UNIMPLEMENTED

StatusOr<std::vector<SecretMetadata>> SecretsManagerApi::ListAllSecrets(
    ListSecretsRequest req) {
  std::vector<SecretMetadata> all;
  for (int page = 0; page < 100000; ++page) {
    KW_ASSIGN_OR_RETURN(ListSecretsResult r, ListSecrets(req));
    for (auto& s : r.secrets) all.push_back(std::move(s));
    if (r.next_token.empty()) return all;
    if (r.next_token == req.next_token) {
      return InternalError("ListSecrets returned the same NextToken twice");
    }
    req.next_token = std::move(r.next_token);
  }
  return InternalError("ListSecrets pagination did not end");
}

// ---- SecretsManagerClient ---------------------------------------------------

struct SecretsManagerClient::Impl {
  ClientConfig config;
  std::string endpoint;
  std::string url;
  std::unique_ptr<aws::ServiceCaller> caller;

  StatusOr<SecureString> Call(std::string_view operation, SecureString body,
                              std::string_view secret_id);
  template <class T>
  StatusOr<T> Exchange(std::string_view operation, Json request,
                       std::string_view secret_id);
  Status Send(std::string_view operation, Json request,
              std::string_view secret_id, bool check_body);
  Status ErrorFrom(const HttpResponse& resp, std::string_view operation,
                   std::string_view secret_id);
  StatusOr<std::shared_ptr<const aws::Credentials>> Credentials();
};

// The JSON 1.1 error codec: {"__type": ..., "message": ...}, with fallbacks
// for the X-Amzn-ErrorType header, query-style XML and non-JSON pages.
Status SecretsManagerClient::Impl::ErrorFrom(const HttpResponse& resp,
                                             std::string_view operation,
                                             std::string_view secret_id) {
  AwsErrorContext ctx{operation, secret_id, endpoint, config.region};
  std::string_view body(resp.body.data(), resp.body.size());
  auto j = ParseJson(body);
  std::string type, message;
  if (j && j->is_object()) {
    type = GetString(*j, "__type");
    if (type.empty()) type = GetString(*j, "code");
    message = GetString(*j, "message");
    if (message.empty()) message = GetString(*j, "Message");
  }
  if (type.empty()) {
    if (auto h = resp.Header("x-amzn-errortype")) type = std::string(*h);
  }
  if (type.empty() && !j) {
    // Query-protocol style XML errors (some proxies and emulators answer
    // authentication failures this way).
    type = XmlString(body, "Code");
    if (!type.empty()) message = XmlString(body, "Message");
  }
  if (type.empty() && !j) {
    // An HTML page from a proxy or load balancer, or a truncated body.
    Status mapped = MapAwsError(resp.status, "", "", ctx);
    std::string what =
        std::string(operation) + ": HTTP " + std::to_string(resp.status) +
        " from " + endpoint +
        " with a non-JSON body (a proxy, load balancer or wrong endpoint?)";
    return Status(mapped.code() == StatusCode::kUnknown ? StatusCode::kInternal
                                                        : mapped.code(),
                  what, mapped.error_type());
  }
  return MapAwsError(resp.status, type, message, ctx);
}

StatusOr<std::shared_ptr<const aws::Credentials>>
SecretsManagerClient::Impl::Credentials() {
  // GetShared: cached providers hand out their snapshot without copying.
  StatusOr<std::shared_ptr<const aws::Credentials>> creds =
      config.credentials->GetShared();
  if (!creds.ok() && creds.status().code() == StatusCode::kNotFound) {
    return UnauthenticatedError(
        "no AWS credentials found: set AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY, or "
        "choose a profile with --profile / AWS_PROFILE (" +
        creds.status().message() + ")");
  }
  return creds;
}

StatusOr<SecureString> SecretsManagerClient::Impl::Call(
    std::string_view operation, SecureString body, std::string_view secret_id) {
  HttpRequest base;
  base.method = "POST";
  base.url = url;
  base.headers = {{"Content-Type", std::string(kJsonContentType)},
                  {"X-Amz-Target", "secretsmanager." + std::string(operation)}};
  base.body = std::move(body);
  return caller->Call(
      base, [this] { return Credentials(); },
      [&](const HttpResponse& resp) {
        return ErrorFrom(resp, operation, secret_id);
      },
      operation);
}

SecretsManagerClient::SecretsManagerClient(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
SecretsManagerClient::~SecretsManagerClient() = default;

StatusOr<std::unique_ptr<SecretsManagerClient>> SecretsManagerClient::Create(
    ClientConfig config) {
  if (config.region.empty()) {
    return InvalidArgumentError(
        "no AWS region: pass --region, or set AWS_REGION / AWS_DEFAULT_REGION, "
        "or "
        "'region' in the profile");
  }
  if (!aws::IsValidRegionName(config.region)) {
    return InvalidArgumentError(
        "'" + config.region +
        "' is not a valid AWS region name (letters, digits and '-', e.g. "
        "eu-west-1; an inline '# comment' in a config file is part of the "
        "value)");
  }
  if (!config.credentials)
    return InvalidArgumentError("no credentials provider configured");
  auto impl = std::make_unique<Impl>();
  impl->endpoint = config.endpoint_url;
  if (impl->endpoint.empty()) {
    std::string suffix =
        config.region.starts_with("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
    impl->endpoint = "https://secretsmanager." + config.region + "." + suffix;
  }
  while (impl->endpoint.size() > 1 && impl->endpoint.back() == '/')
    impl->endpoint.pop_back();
  KW_ASSIGN_OR_RETURN(Url parsed, ParseUrl(impl->endpoint));
  impl->url = parsed.scheme + "://" + parsed.authority +
              (parsed.path == "/" ? "/" : parsed.path);
  if (!config.http)
    config.http = NewCurlHttpClient(config.http_options, *config.runtime.env);
  aws::ServiceCallOptions call;
  call.service = "secretsmanager";
  call.region = config.region;
  call.http = config.http;
  call.runtime = config.runtime;
  call.retry = config.retry;
  call.user_agent = std::string("keyward/") + KEYWARD_VERSION;
  if (!config.user_agent_suffix.empty())
    call.user_agent += " " + config.user_agent_suffix;
  impl->caller = std::make_unique<aws::ServiceCaller>(std::move(call));
  impl->config = std::move(config);
  return std::unique_ptr<SecretsManagerClient>(
      new SecretsManagerClient(std::move(impl)));
}

const std::string& SecretsManagerClient::endpoint() const {
  return impl_->endpoint;
}
const std::string& SecretsManagerClient::region() const {
  return impl_->config.region;
}

StatusOr<SecureString> SecretsManagerClient::Call(std::string_view operation,
                                                  SecureString body) {
  return impl_->Call(operation, std::move(body), "");
}

namespace {

// Parses a success body; INTERNAL when it is not a JSON object.
StatusOr<Json> ParseBody(const SecureString& body, std::string_view operation) {
  auto j = ParseJson(std::string_view(body.data(), body.size()));
  if (!j || !j->is_object()) {
    return InternalError(
        std::string(operation) +
        ": malformed response (not a JSON object; truncated or not a "
        "Secrets Manager endpoint?)");
  }
  return std::move(*j);
}

Status RequireId(const std::string& id, std::string_view what = "secret id") {
  if (id.empty())
    return InvalidArgumentError(std::string(what) + " is required");
  return OkStatus();
}

std::string TokenOrNew(const std::string& token, const Random& random) {
  return token.empty() ? NewUuid(random) : token;
}

}  // namespace

// Sends `request` (wiped once serialized) and decodes the response body
// with the wire codec (the tree is wiped after decoding).
template <class T>
StatusOr<T> SecretsManagerClient::Impl::Exchange(std::string_view operation,
                                                 Json request,
                                                 std::string_view secret_id) {
  KW_ASSIGN_OR_RETURN(SecureString raw,
                      Call(operation, DumpAndWipe(request), secret_id));
  KW_ASSIGN_OR_RETURN(Json resp, ParseBody(raw, operation));
  StatusOr<T> out = wire::FromJson<T>(resp);
  WipeJson(resp);
  return out;
}

// An operation whose response has no members keyward uses; with
// `check_body`, the body must still be a JSON object.
Status SecretsManagerClient::Impl::Send(std::string_view operation,
                                        Json request,
                                        std::string_view secret_id,
                                        bool check_body) {
  KW_ASSIGN_OR_RETURN(SecureString raw,
                      Call(operation, DumpAndWipe(request), secret_id));
  if (check_body) KW_RETURN_IF_ERROR(ParseBody(raw, operation).status());
  return OkStatus();
}

StatusOr<SecretValueResult> SecretsManagerClient::GetSecretValue(
    const GetSecretValueRequest& req) {
  KW_RETURN_IF_ERROR(RequireId(req.secret_id));
  GetSecretValueRequest sent = req;
  // AWS defaults to AWSCURRENT; saying so explicitly also keeps emulators
  // that cache a "default version" honest after a stage move.
  if (sent.version_id.empty() && sent.version_stage.empty())
    sent.version_stage = kAwsCurrent;
  return impl_->Exchange<SecretValueResult>("GetSecretValue",
                                            wire::ToJson(sent), req.secret_id);
}

StatusOr<BatchGetSecretValueResult> SecretsManagerClient::BatchGetSecretValue(
    const BatchGetSecretValueRequest& req) {
  if (req.secret_ids.size() > 20) {
    return InvalidArgumentError(
        "BatchGetSecretValue takes at most 20 secret ids per call, got " +
        std::to_string(req.secret_ids.size()));
  }
  if (!req.secret_ids.empty() && !req.filters.empty()) {
    return InvalidArgumentError(
        "BatchGetSecretValue takes secret ids or filters, not both");
  }
  return impl_->Exchange<BatchGetSecretValueResult>("BatchGetSecretValue",
                                                    wire::ToJson(req), "");
}

StatusOr<SecretMetadata> SecretsManagerClient::DescribeSecret(
    const std::string& secret_id) {
  KW_RETURN_IF_ERROR(RequireId(secret_id));
  return impl_->Exchange<SecretMetadata>(
      "DescribeSecret", wire::ToJson(wire::SecretIdRequest{secret_id}),
      secret_id);
}

StatusOr<ListSecretsResult> SecretsManagerClient::ListSecrets(
    const ListSecretsRequest& req) {
  return impl_->Exchange<ListSecretsResult>("ListSecrets", wire::ToJson(req),
                                            "");
}

StatusOr<WriteResult> SecretsManagerClient::CreateSecret(
    const CreateSecretRequest& req) {
  KW_RETURN_IF_ERROR(CheckStoreNameLimits(req.name));
  KW_RETURN_IF_ERROR(CheckPayload(req.payload, false));
  CreateSecretRequest sent = req;
  sent.client_request_token =
      TokenOrNew(req.client_request_token, *impl_->config.runtime.random);
  return impl_->Exchange<WriteResult>("CreateSecret", wire::ToJson(sent),
                                      req.name);
}

StatusOr<WriteResult> SecretsManagerClient::PutSecretValue(
    const PutSecretValueRequest& req) {
  KW_RETURN_IF_ERROR(RequireId(req.secret_id));
  KW_RETURN_IF_ERROR(CheckPayload(req.payload, true));
  PutSecretValueRequest sent = req;
  sent.client_request_token =
      TokenOrNew(req.client_request_token, *impl_->config.runtime.random);
  return impl_->Exchange<WriteResult>("PutSecretValue", wire::ToJson(sent),
                                      req.secret_id);
}

StatusOr<WriteResult> SecretsManagerClient::UpdateSecret(
    const UpdateSecretRequest& req) {
  KW_RETURN_IF_ERROR(RequireId(req.secret_id));
  KW_RETURN_IF_ERROR(CheckPayload(req.payload, false));
  UpdateSecretRequest sent = req;
  // Always sent, like the AWS SDKs' idempotency-token autofill.
  sent.client_request_token =
      TokenOrNew(req.client_request_token, *impl_->config.runtime.random);
  return impl_->Exchange<WriteResult>("UpdateSecret", wire::ToJson(sent),
                                      req.secret_id);
}

StatusOr<DeleteSecretResult> SecretsManagerClient::DeleteSecret(
    const DeleteSecretRequest& req) {
  KW_RETURN_IF_ERROR(RequireId(req.secret_id));
  if (req.force_delete_without_recovery && req.recovery_window_days) {
    return InvalidArgumentError(
        "give either a recovery window or force deletion without recovery, not "
        "both");
  }
  if (req.recovery_window_days &&
      (*req.recovery_window_days < 7 || *req.recovery_window_days > 30)) {
    return InvalidArgumentError("recovery window must be 7-30 days, got " +
                                std::to_string(*req.recovery_window_days));
  }
  return impl_->Exchange<DeleteSecretResult>("DeleteSecret", wire::ToJson(req),
                                             req.secret_id);
}

StatusOr<RestoreSecretResult> SecretsManagerClient::RestoreSecret(
    const std::string& secret_id) {
  KW_RETURN_IF_ERROR(RequireId(secret_id));
  return impl_->Exchange<RestoreSecretResult>(
      "RestoreSecret", wire::ToJson(wire::SecretIdRequest{secret_id}),
      secret_id);
}

StatusOr<ListSecretVersionIdsResult> SecretsManagerClient::ListSecretVersionIds(
    const ListSecretVersionIdsRequest& req) {
  KW_RETURN_IF_ERROR(RequireId(req.secret_id));
  return impl_->Exchange<ListSecretVersionIdsResult>(
      "ListSecretVersionIds", wire::ToJson(req), req.secret_id);
}

Status SecretsManagerClient::UpdateSecretVersionStage(
    const UpdateSecretVersionStageRequest& req) {
  KW_RETURN_IF_ERROR(RequireId(req.secret_id));
  KW_RETURN_IF_ERROR(RequireId(req.version_stage, "version stage"));
  return impl_->Send("UpdateSecretVersionStage", wire::ToJson(req),
                     req.secret_id, true);
}

Status SecretsManagerClient::TagResource(const std::string& secret_id,
                                         const std::vector<Tag>& tags) {
  KW_RETURN_IF_ERROR(RequireId(secret_id));
  return impl_->Send("TagResource",
                     wire::ToJson(wire::TagResourceRequest{secret_id, tags}),
                     secret_id, false);
}

Status SecretsManagerClient::UntagResource(
    const std::string& secret_id, const std::vector<std::string>& tag_keys) {
  KW_RETURN_IF_ERROR(RequireId(secret_id));
  return impl_->Send(
      "UntagResource",
      wire::ToJson(wire::UntagResourceRequest{secret_id, tag_keys}), secret_id,
      false);
}

Status SecretsManagerClient::PutResourcePolicy(const std::string& secret_id,
                                               const std::string& policy,
                                               bool block_public_policy) {
  KW_RETURN_IF_ERROR(RequireId(secret_id));
  return impl_->Send("PutResourcePolicy",
                     wire::ToJson(wire::PutResourcePolicyRequest{
                         secret_id, policy, block_public_policy}),
                     secret_id, true);
}

StatusOr<ResourcePolicyResult> SecretsManagerClient::GetResourcePolicy(
    const std::string& secret_id) {
  KW_RETURN_IF_ERROR(RequireId(secret_id));
  return impl_->Exchange<ResourcePolicyResult>(
      "GetResourcePolicy", wire::ToJson(wire::SecretIdRequest{secret_id}),
      secret_id);
}

Status SecretsManagerClient::DeleteResourcePolicy(
    const std::string& secret_id) {
  KW_RETURN_IF_ERROR(RequireId(secret_id));
  return impl_->Send("DeleteResourcePolicy",
                     wire::ToJson(wire::SecretIdRequest{secret_id}), secret_id,
                     true);
}

StatusOr<SecretValue> SecretsManagerClient::GetRandomPassword(
    const GetRandomPasswordRequest& req) {
  KW_ASSIGN_OR_RETURN(wire::RandomPasswordResult r,
                      impl_->Exchange<wire::RandomPasswordResult>(
                          "GetRandomPassword", wire::ToJson(req), ""));
  return std::move(r.password);
}

}  // namespace keyward::secrets
