#include "keyward/secrets/client.h"

#include <openssl/rand.h>

#include "aws/service_call.h"
#include "keyward/aws/credential_chain.h"
#include "keyward/aws/sigv4.h"
#include "keyward/aws/sts.h"
#include "keyward/naming.h"
#include "keyward/secrets/errors.h"
#include "secrets/json_codec.h"

namespace keyward::secrets {
namespace {

constexpr std::string_view kJsonContentType = "application/x-amz-json-1.1";

// The decoded text of the first <tag> element of an XML error, or "".
std::string XmlString(std::string_view xml, std::string_view tag) {
  std::optional<SecureString> text = aws::XmlText(xml, tag);
  if (!text || text->size() > 1024) return "";
  return std::string(text->data(), text->size());
}

std::optional<Clock::time_point> GetTime(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return std::nullopt;
  if (it->is_number()) return FromEpochSeconds(it->get<double>());
  if (it->is_string()) {
    auto t = ParseIso8601(it->get<std::string>());
    if (t.ok()) return *t;
  }
  return std::nullopt;
}

std::vector<std::string> GetStrings(const Json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::vector<Tag> GetTags(const Json& j) {
  std::vector<Tag> out;
  auto it = j.find("Tags");
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& t : *it) {
    if (t.is_object())
      out.push_back({GetString(t, "Key"), GetString(t, "Value")});
  }
  return out;
}

Json FiltersToJson(const std::vector<Filter>& filters) {
  Json arr = Json::array();
  for (const Filter& f : filters)
    arr.push_back({{"Key", f.key}, {"Values", f.values}});
  return arr;
}

Json TagsToJson(const std::vector<Tag>& tags) {
  Json arr = Json::array();
  for (const Tag& t : tags) arr.push_back({{"Key", t.key}, {"Value", t.value}});
  return arr;
}

// Adds SecretString / SecretBinary; INVALID_ARGUMENT when both are set or
// the value is over Secrets Manager's limit.
Status AddPayload(Json& j, const SecretPayload& p, bool required) {
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
  if (p.string) {
    j["SecretString"] = std::string(v->Reveal());
  } else {
    j["SecretBinary"] = Base64Encode(v->Reveal());
  }
  return OkStatus();
}

Status ParsePayload(Json& j, SecretPayload& out) {
  auto s = j.find("SecretString");
  if (s != j.end() && s->is_string()) {
    std::string& ref = s->get_ref<std::string&>();
    out.string = SecretValue(ref);
  }
  auto b = j.find("SecretBinary");
  if (b != j.end() && b->is_string()) {
    auto decoded = Base64Decode(b->get_ref<const std::string&>());
    if (!decoded)
      return InternalError("malformed response: SecretBinary is not base64");
    out.binary = SecretValue::Adopt(std::move(*decoded));
  }
  return OkStatus();
}

SecretValueResult ParseValueResult(Json& j, Status* status) {
  SecretValueResult r;
  r.arn = GetString(j, "ARN");
  r.name = GetString(j, "Name");
  r.version_id = GetString(j, "VersionId");
  r.version_stages = GetStrings(j, "VersionStages");
  r.created_date = GetTime(j, "CreatedDate");
  *status = ParsePayload(j, r.payload);
  return r;
}

SecretMetadata ParseMetadata(const Json& j) {
  SecretMetadata m;
  m.arn = GetString(j, "ARN");
  m.name = GetString(j, "Name");
  m.description = GetString(j, "Description");
  m.kms_key_id = GetString(j, "KmsKeyId");
  auto rot = j.find("RotationEnabled");
  m.rotation_enabled = rot != j.end() && rot->is_boolean() && rot->get<bool>();
  m.tags = GetTags(j);
  for (const char* key : {"VersionIdsToStages", "SecretVersionsToStages"}) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_object()) continue;
    for (auto v = it->begin(); v != it->end(); ++v) {
      std::vector<std::string> stages;
      if (v.value().is_array()) {
        for (const auto& s : v.value()) {
          if (s.is_string()) stages.push_back(s.get<std::string>());
        }
      }
      m.version_ids_to_stages[v.key()] = std::move(stages);
    }
  }
  m.created_date = GetTime(j, "CreatedDate");
  m.last_changed_date = GetTime(j, "LastChangedDate");
  m.last_accessed_date = GetTime(j, "LastAccessedDate");
  m.last_rotated_date = GetTime(j, "LastRotatedDate");
  m.deleted_date = GetTime(j, "DeletedDate");
  m.primary_region = GetString(j, "PrimaryRegion");
  m.owning_service = GetString(j, "OwningService");
  return m;
}

WriteResult ParseWriteResult(const Json& j) {
  return {GetString(j, "ARN"), GetString(j, "Name"), GetString(j, "VersionId"),
          GetStrings(j, "VersionStages")};
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

std::string NewUuid() {
  std::array<unsigned char, 16> b;
  RAND_bytes(b.data(), static_cast<int>(b.size()));
  return FormatUuidV4(b);
}

std::string FormatUuidV4(std::array<unsigned char, 16> b) {
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 0xf];
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
  if (!config.http) config.http = NewCurlHttpClient(config.http_options);
  aws::ServiceCallOptions call;
  call.service = "secretsmanager";
  call.region = config.region;
  call.http = config.http;
  call.clock = config.clock;
  call.retry = config.retry;
  call.sleep = config.sleep;
  call.random = config.random;
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

}  // namespace

#define KW_CALL(json_out, op, body, id)                                        \
  KW_ASSIGN_OR_RETURN(SecureString json_out##_raw, impl_->Call(op, body, id)); \
  KW_ASSIGN_OR_RETURN(Json json_out, ParseBody(json_out##_raw, op))

StatusOr<SecretValueResult> SecretsManagerClient::GetSecretValue(
    const GetSecretValueRequest& req) {
  KW_RETURN_IF_ERROR(RequireId(req.secret_id));
  Json j{{"SecretId", req.secret_id}};
  if (!req.version_id.empty()) j["VersionId"] = req.version_id;
  if (!req.version_stage.empty()) j["VersionStage"] = req.version_stage;
  // AWS defaults to AWSCURRENT; saying so explicitly also keeps emulators
  // that cache a "default version" honest after a stage move.
  if (req.version_id.empty() && req.version_stage.empty())
    j["VersionStage"] = kAwsCurrent;
  KW_CALL(resp, "GetSecretValue", DumpAndWipe(j), req.secret_id);
  Status s;
  SecretValueResult r = ParseValueResult(resp, &s);
  WipeJson(resp);
  KW_RETURN_IF_ERROR(s);
  return r;
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
  Json j = Json::object();
  if (!req.secret_ids.empty()) j["SecretIdList"] = req.secret_ids;
  if (!req.filters.empty()) j["Filters"] = FiltersToJson(req.filters);
  if (req.max_results > 0) j["MaxResults"] = req.max_results;
  if (!req.next_token.empty()) j["NextToken"] = req.next_token;
  KW_CALL(resp, "BatchGetSecretValue", DumpAndWipe(j), "");
  BatchGetSecretValueResult out;
  out.next_token = GetString(resp, "NextToken");
  Status status;
  if (auto it = resp.find("SecretValues"); it != resp.end() && it->is_array()) {
    for (auto& v : *it) {
      if (!v.is_object()) continue;
      Status s;
      out.values.push_back(ParseValueResult(v, &s));
      if (!s.ok()) status = s;
    }
  }
  if (auto it = resp.find("Errors"); it != resp.end() && it->is_array()) {
    for (const auto& e : *it) {
      out.errors.push_back({GetString(e, "SecretId"), GetString(e, "ErrorCode"),
                            GetString(e, "Message")});
    }
  }
  WipeJson(resp);
  KW_RETURN_IF_ERROR(status);
  return out;
}

StatusOr<SecretMetadata> SecretsManagerClient::DescribeSecret(
    const std::string& secret_id) {
  KW_RETURN_IF_ERROR(RequireId(secret_id));
  Json j{{"SecretId", secret_id}};
  KW_CALL(resp, "DescribeSecret", DumpAndWipe(j), secret_id);
  return ParseMetadata(resp);
}

StatusOr<ListSecretsResult> SecretsManagerClient::ListSecrets(
    const ListSecretsRequest& req) {
  Json j = Json::object();
  if (!req.filters.empty()) j["Filters"] = FiltersToJson(req.filters);
  if (req.max_results > 0) j["MaxResults"] = req.max_results;
  if (!req.next_token.empty()) j["NextToken"] = req.next_token;
  if (req.include_planned_deletion) j["IncludePlannedDeletion"] = true;
  if (!req.sort_order.empty()) j["SortOrder"] = req.sort_order;
  KW_CALL(resp, "ListSecrets", DumpAndWipe(j), "");
  ListSecretsResult out;
  out.next_token = GetString(resp, "NextToken");
  if (auto it = resp.find("SecretList"); it != resp.end() && it->is_array()) {
    for (const auto& s : *it) out.secrets.push_back(ParseMetadata(s));
  }
  return out;
}

StatusOr<WriteResult> SecretsManagerClient::CreateSecret(
    const CreateSecretRequest& req) {
  KW_RETURN_IF_ERROR(CheckStoreNameLimits(req.name));
  Json j{{"Name", req.name},
         {"ClientRequestToken", req.client_request_token.empty()
                                    ? NewUuid()
                                    : req.client_request_token}};
  if (!req.description.empty()) j["Description"] = req.description;
  if (!req.kms_key_id.empty()) j["KmsKeyId"] = req.kms_key_id;
  if (!req.tags.empty()) j["Tags"] = TagsToJson(req.tags);
  KW_RETURN_IF_ERROR(AddPayload(j, req.payload, false));
  KW_CALL(resp, "CreateSecret", DumpAndWipe(j), req.name);
  return ParseWriteResult(resp);
}

StatusOr<WriteResult> SecretsManagerClient::PutSecretValue(
    const PutSecretValueRequest& req) {
  KW_RETURN_IF_ERROR(RequireId(req.secret_id));
  Json j{{"SecretId", req.secret_id},
         {"ClientRequestToken", req.client_request_token.empty()
                                    ? NewUuid()
                                    : req.client_request_token}};
  if (!req.version_stages.empty()) j["VersionStages"] = req.version_stages;
  KW_RETURN_IF_ERROR(AddPayload(j, req.payload, true));
  KW_CALL(resp, "PutSecretValue", DumpAndWipe(j), req.secret_id);
  return ParseWriteResult(resp);
}

StatusOr<WriteResult> SecretsManagerClient::UpdateSecret(
    const UpdateSecretRequest& req) {
  KW_RETURN_IF_ERROR(RequireId(req.secret_id));
  Json j{{"SecretId", req.secret_id}};
  if (req.description) j["Description"] = *req.description;
  if (req.kms_key_id) j["KmsKeyId"] = *req.kms_key_id;
  // Always sent, like the AWS SDKs' idempotency-token autofill.
  j["ClientRequestToken"] =
      req.client_request_token.empty() ? NewUuid() : req.client_request_token;
  KW_RETURN_IF_ERROR(AddPayload(j, req.payload, false));
  KW_CALL(resp, "UpdateSecret", DumpAndWipe(j), req.secret_id);
  return ParseWriteResult(resp);
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
  Json j{{"SecretId", req.secret_id}};
  if (req.recovery_window_days)
    j["RecoveryWindowInDays"] = *req.recovery_window_days;
  if (req.force_delete_without_recovery) j["ForceDeleteWithoutRecovery"] = true;
  KW_CALL(resp, "DeleteSecret", DumpAndWipe(j), req.secret_id);
  return DeleteSecretResult{GetString(resp, "ARN"), GetString(resp, "Name"),
                            GetTime(resp, "DeletionDate")};
}

StatusOr<RestoreSecretResult> SecretsManagerClient::RestoreSecret(
    const std::string& secret_id) {
  KW_RETURN_IF_ERROR(RequireId(secret_id));
  Json j{{"SecretId", secret_id}};
  KW_CALL(resp, "RestoreSecret", DumpAndWipe(j), secret_id);
  return RestoreSecretResult{GetString(resp, "ARN"), GetString(resp, "Name")};
}

StatusOr<ListSecretVersionIdsResult> SecretsManagerClient::ListSecretVersionIds(
    const ListSecretVersionIdsRequest& req) {
  KW_RETURN_IF_ERROR(RequireId(req.secret_id));
  Json j{{"SecretId", req.secret_id}};
  if (req.max_results > 0) j["MaxResults"] = req.max_results;
  if (!req.next_token.empty()) j["NextToken"] = req.next_token;
  if (req.include_deprecated) j["IncludeDeprecated"] = true;
  KW_CALL(resp, "ListSecretVersionIds", DumpAndWipe(j), req.secret_id);
  ListSecretVersionIdsResult out;
  out.arn = GetString(resp, "ARN");
  out.name = GetString(resp, "Name");
  out.next_token = GetString(resp, "NextToken");
  if (auto it = resp.find("Versions"); it != resp.end() && it->is_array()) {
    for (const auto& v : *it) {
      out.versions.push_back(
          {GetString(v, "VersionId"), GetStrings(v, "VersionStages"),
           GetTime(v, "CreatedDate"), GetTime(v, "LastAccessedDate")});
    }
  }
  return out;
}

Status SecretsManagerClient::UpdateSecretVersionStage(
    const UpdateSecretVersionStageRequest& req) {
  KW_RETURN_IF_ERROR(RequireId(req.secret_id));
  KW_RETURN_IF_ERROR(RequireId(req.version_stage, "version stage"));
  Json j{{"SecretId", req.secret_id}, {"VersionStage", req.version_stage}};
  if (!req.remove_from_version_id.empty())
    j["RemoveFromVersionId"] = req.remove_from_version_id;
  if (!req.move_to_version_id.empty())
    j["MoveToVersionId"] = req.move_to_version_id;
  KW_CALL(resp, "UpdateSecretVersionStage", DumpAndWipe(j), req.secret_id);
  return OkStatus();
}

Status SecretsManagerClient::TagResource(const std::string& secret_id,
                                         const std::vector<Tag>& tags) {
  KW_RETURN_IF_ERROR(RequireId(secret_id));
  Json j{{"SecretId", secret_id}, {"Tags", TagsToJson(tags)}};
  KW_ASSIGN_OR_RETURN(SecureString raw,
                      impl_->Call("TagResource", DumpAndWipe(j), secret_id));
  return OkStatus();
}

Status SecretsManagerClient::UntagResource(
    const std::string& secret_id, const std::vector<std::string>& tag_keys) {
  KW_RETURN_IF_ERROR(RequireId(secret_id));
  Json j{{"SecretId", secret_id}, {"TagKeys", tag_keys}};
  KW_ASSIGN_OR_RETURN(SecureString raw,
                      impl_->Call("UntagResource", DumpAndWipe(j), secret_id));
  return OkStatus();
}

Status SecretsManagerClient::PutResourcePolicy(const std::string& secret_id,
                                               const std::string& policy,
                                               bool block_public_policy) {
  KW_RETURN_IF_ERROR(RequireId(secret_id));
  Json j{{"SecretId", secret_id},
         {"ResourcePolicy", policy},
         {"BlockPublicPolicy", block_public_policy}};
  KW_CALL(resp, "PutResourcePolicy", DumpAndWipe(j), secret_id);
  return OkStatus();
}

StatusOr<ResourcePolicyResult> SecretsManagerClient::GetResourcePolicy(
    const std::string& secret_id) {
  KW_RETURN_IF_ERROR(RequireId(secret_id));
  Json j{{"SecretId", secret_id}};
  KW_CALL(resp, "GetResourcePolicy", DumpAndWipe(j), secret_id);
  return ResourcePolicyResult{GetString(resp, "ARN"), GetString(resp, "Name"),
                              GetString(resp, "ResourcePolicy")};
}

Status SecretsManagerClient::DeleteResourcePolicy(
    const std::string& secret_id) {
  KW_RETURN_IF_ERROR(RequireId(secret_id));
  Json j{{"SecretId", secret_id}};
  KW_CALL(resp, "DeleteResourcePolicy", DumpAndWipe(j), secret_id);
  return OkStatus();
}

StatusOr<SecretValue> SecretsManagerClient::GetRandomPassword(
    const GetRandomPasswordRequest& req) {
  Json j = Json::object();
  if (req.password_length) j["PasswordLength"] = *req.password_length;
  if (!req.exclude_characters.empty())
    j["ExcludeCharacters"] = req.exclude_characters;
  if (req.exclude_numbers) j["ExcludeNumbers"] = true;
  if (req.exclude_punctuation) j["ExcludePunctuation"] = true;
  if (req.exclude_uppercase) j["ExcludeUppercase"] = true;
  if (req.exclude_lowercase) j["ExcludeLowercase"] = true;
  if (req.include_space) j["IncludeSpace"] = true;
  if (req.require_each_included_type)
    j["RequireEachIncludedType"] = *req.require_each_included_type;
  KW_CALL(resp, "GetRandomPassword", DumpAndWipe(j), "");
  auto it = resp.find("RandomPassword");
  if (it == resp.end() || !it->is_string()) {
    return InternalError(
        "GetRandomPassword: malformed response (no RandomPassword)");
  }
  SecretValue v(it->get_ref<const std::string&>());
  WipeJson(resp);
  return v;
}

#undef KW_CALL

}  // namespace keyward::secrets
