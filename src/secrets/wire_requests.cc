// The wire codec's shared shapes and requests (wire.h).
#include <algorithm>
#include <limits>

#include "secrets/wire.h"
#include "secrets/wire_internal.h"

namespace keyward::secrets::wire {

namespace internal {

std::vector<std::string> GetStrings(const Json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
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

std::optional<int> GetOptInt(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int>();
}

int GetInt(const Json& j, const char* key) {
  return GetOptInt(j, key).value_or(0);
}

std::optional<bool> GetOptBool(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_boolean()) return std::nullopt;
  return it->get<bool>();
}

bool GetBool(const Json& j, const char* key) {
  return GetOptBool(j, key).value_or(false);
}

std::optional<std::string> GetOptString(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::vector<Tag> GetTags(const Json& j, const char* key) {
  std::vector<Tag> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& t : *it) {
    if (t.is_object())
      out.push_back({GetString(t, "Key"), GetString(t, "Value")});
  }
  return out;
}

void PutTime(Json& j, const char* key,
             const std::optional<Clock::time_point>& t) {
  if (t) j[key] = ToEpochSeconds(*t);
}

}  // namespace internal

using namespace internal;  // NOLINT(build/namespaces): this file's readers

// ---- shared shapes ----------------------------------------------------------

Json ToJson(const std::vector<Tag>& tags) {
  Json arr = Json::array();
  for (const Tag& t : tags) arr.push_back({{"Key", t.key}, {"Value", t.value}});
  return arr;
}

Json ToJson(const std::vector<Filter>& filters) {
  Json arr = Json::array();
  for (const Filter& f : filters)
    arr.push_back({{"Key", f.key}, {"Values", f.values}});
  return arr;
}

void AddPayload(const SecretPayload& p, Json& out) {
  if (p.string) {
    out["SecretString"] = std::string(p.string->Reveal());
  } else if (p.binary) {
    out["SecretBinary"] = Base64Encode(p.binary->Reveal());
  }
}

template <>
StatusOr<std::vector<Tag>> FromJson<std::vector<Tag>>(const Json& j) {
  if (!j.is_array()) return std::vector<Tag>{};
  return GetTags(Json{{"Tags", j}}, "Tags");
}

template <>
StatusOr<std::vector<Filter>> FromJson<std::vector<Filter>>(const Json& j) {
  std::vector<Filter> out;
  if (!j.is_array()) return out;
  for (const auto& f : j) {
    if (f.is_object())
      out.push_back({GetString(f, "Key"), GetStrings(f, "Values")});
  }
  return out;
}

template <>
StatusOr<SecretPayload> FromJson<SecretPayload>(const Json& j) {
  SecretPayload out;
  auto s = j.find("SecretString");
  if (s != j.end() && s->is_string())
    out.string = SecretValue(s->get_ref<const std::string&>());
  auto b = j.find("SecretBinary");
  if (b != j.end() && b->is_string()) {
    auto decoded = Base64Decode(b->get_ref<const std::string&>());
    if (!decoded)
      return InternalError("malformed response: SecretBinary is not base64");
    out.binary = SecretValue::Adopt(std::move(*decoded));
  }
  return out;
}

namespace {

std::vector<Filter> FiltersOf(const Json& j) {
  auto it = j.find("Filters");
  if (it == j.end()) return {};
  return *FromJson<std::vector<Filter>>(*it);
}

}  // namespace

// ---- requests ---------------------------------------------------------------

Json ToJson(const GetSecretValueRequest& r) {
  Json j{{"SecretId", r.secret_id}};
  if (!r.version_id.empty()) j["VersionId"] = r.version_id;
  if (!r.version_stage.empty()) j["VersionStage"] = r.version_stage;
  return j;
}

template <>
StatusOr<GetSecretValueRequest> FromJson<GetSecretValueRequest>(const Json& j) {
  GetSecretValueRequest r;
  KW_ASSIGN_OR_RETURN(r.secret_id, ReadRequiredString(j, "SecretId"));
  KW_ASSIGN_OR_RETURN(std::optional<std::string> version_id,
                      ReadOptString(j, "VersionId"));
  KW_ASSIGN_OR_RETURN(std::optional<std::string> stage,
                      ReadOptString(j, "VersionStage"));
  r.version_id = version_id.value_or("");
  r.version_stage = stage.value_or("");
  return r;
}

Json ToJson(const BatchGetSecretValueRequest& r) {
  Json j = Json::object();
  if (!r.secret_ids.empty()) j["SecretIdList"] = r.secret_ids;
  if (!r.filters.empty()) j["Filters"] = ToJson(r.filters);
  if (r.max_results > 0) j["MaxResults"] = r.max_results;
  if (!r.next_token.empty()) j["NextToken"] = r.next_token;
  return j;
}

template <>
StatusOr<BatchGetSecretValueRequest> FromJson<BatchGetSecretValueRequest>(
    const Json& j) {
  return BatchGetSecretValueRequest{GetStrings(j, "SecretIdList"), FiltersOf(j),
                                    GetInt(j, "MaxResults"),
                                    GetString(j, "NextToken")};
}

Json ToJson(const ListSecretsRequest& r) {
  Json j = Json::object();
  if (!r.filters.empty()) j["Filters"] = ToJson(r.filters);
  if (r.max_results > 0) j["MaxResults"] = r.max_results;
  if (!r.next_token.empty()) j["NextToken"] = r.next_token;
  if (r.include_planned_deletion) j["IncludePlannedDeletion"] = true;
  if (!r.sort_order.empty()) j["SortOrder"] = r.sort_order;
  return j;
}

template <>
StatusOr<ListSecretsRequest> FromJson<ListSecretsRequest>(const Json& j) {
  return ListSecretsRequest{
      FiltersOf(j), GetInt(j, "MaxResults"), GetString(j, "NextToken"),
      GetBool(j, "IncludePlannedDeletion"), GetString(j, "SortOrder")};
}

Json ToJson(const CreateSecretRequest& r) {
  Json j{{"Name", r.name}};
  if (!r.client_request_token.empty())
    j["ClientRequestToken"] = r.client_request_token;
  if (!r.description.empty()) j["Description"] = r.description;
  if (!r.kms_key_id.empty()) j["KmsKeyId"] = r.kms_key_id;
  if (!r.tags.empty()) j["Tags"] = ToJson(r.tags);
  AddPayload(r.payload, j);
  return j;
}

template <>
StatusOr<CreateSecretRequest> FromJson<CreateSecretRequest>(const Json& j) {
  CreateSecretRequest r;
  r.name = GetString(j, "Name");
  r.client_request_token = GetString(j, "ClientRequestToken");
  r.description = GetString(j, "Description");
  r.kms_key_id = GetString(j, "KmsKeyId");
  r.tags = GetTags(j, "Tags");
  KW_ASSIGN_OR_RETURN(r.payload, FromJson<SecretPayload>(j));
  return r;
}

Json ToJson(const PutSecretValueRequest& r) {
  Json j{{"SecretId", r.secret_id}};
  if (!r.client_request_token.empty())
    j["ClientRequestToken"] = r.client_request_token;
  if (!r.version_stages.empty()) j["VersionStages"] = r.version_stages;
  AddPayload(r.payload, j);
  return j;
}

template <>
StatusOr<PutSecretValueRequest> FromJson<PutSecretValueRequest>(const Json& j) {
  PutSecretValueRequest r;
  r.secret_id = GetString(j, "SecretId");
  r.client_request_token = GetString(j, "ClientRequestToken");
  r.version_stages = GetStrings(j, "VersionStages");
  KW_ASSIGN_OR_RETURN(r.payload, FromJson<SecretPayload>(j));
  return r;
}

namespace {

// A string member read strictly into a SecretValue (the copy wiped).
StatusOr<std::optional<SecretValue>> ReadOptSecret(const Json& j,
                                                   const char* key) {
  KW_ASSIGN_OR_RETURN(std::optional<std::string> v, ReadOptString(j, key));
  if (!v) return std::optional<SecretValue>();
  std::optional<SecretValue> out(std::in_place, *v);
  WipeString(*v);
  return out;
}

// The members the server's three write requests share: the value and the
// token, and Description and KmsKeyId where the request has them.
template <class R>
void PutWriteMembers(const R& r, Json& j) {
  if (r.client_request_token) j["ClientRequestToken"] = *r.client_request_token;
  if (r.secret_string)
    j["SecretString"] = std::string(r.secret_string->Reveal());
  if (r.secret_binary)
    j["SecretBinary"] = std::string(r.secret_binary->Reveal());
  if constexpr (requires { r.description; }) {
    if (r.description) j["Description"] = *r.description;
    if (r.kms_key_id) j["KmsKeyId"] = *r.kms_key_id;
  }
}

// Read strictly, in the order keyward server read them before it took
// typed requests.
template <class R>
Status ReadWriteMembers(const Json& j, R& r) {
  KW_ASSIGN_OR_RETURN(r.secret_string, ReadOptSecret(j, "SecretString"));
  KW_ASSIGN_OR_RETURN(r.secret_binary, ReadOptSecret(j, "SecretBinary"));
  KW_ASSIGN_OR_RETURN(r.client_request_token,
                      ReadOptString(j, "ClientRequestToken"));
  if constexpr (requires { r.description; }) {
    KW_ASSIGN_OR_RETURN(r.description, ReadOptString(j, "Description"));
    KW_ASSIGN_OR_RETURN(r.kms_key_id, ReadOptString(j, "KmsKeyId"));
  }
  return OkStatus();
}

}  // namespace

Json ToJson(const ValueWriteRequest& r) {
  Json j{{"SecretId", r.secret_id}};
  PutWriteMembers(r, j);
  if (r.version_stages) j["VersionStages"] = *r.version_stages;
  return j;
}

template <>
StatusOr<ValueWriteRequest> FromJson<ValueWriteRequest>(const Json& j) {
  ValueWriteRequest r;
  KW_ASSIGN_OR_RETURN(r.secret_id, ReadRequiredString(j, "SecretId"));
  KW_RETURN_IF_ERROR(ReadWriteMembers(j, r));
  KW_ASSIGN_OR_RETURN(std::vector<std::string> stages,
                      ReadOptStringList(j, "VersionStages"));
  if (j.contains("VersionStages")) r.version_stages = std::move(stages);
  return r;
}

Json ToJson(const SecretUpdateRequest& r) {
  Json j{{"SecretId", r.secret_id}};
  PutWriteMembers(r, j);
  return j;
}

template <>
StatusOr<SecretUpdateRequest> FromJson<SecretUpdateRequest>(const Json& j) {
  SecretUpdateRequest r;
  KW_ASSIGN_OR_RETURN(r.secret_id, ReadRequiredString(j, "SecretId"));
  KW_RETURN_IF_ERROR(ReadWriteMembers(j, r));
  return r;
}

Json ToJson(const SecretCreateRequest& r) {
  Json j{{"Name", r.name}};
  PutWriteMembers(r, j);
  if (!r.tags.empty()) j["Tags"] = ToJson(r.tags);
  if (!r.add_replica_regions.empty())
    j["AddReplicaRegions"] = ToJson(r.add_replica_regions);
  if (r.force_overwrite_replica_secret) j["ForceOverwriteReplicaSecret"] = true;
  return j;
}

template <>
StatusOr<SecretCreateRequest> FromJson<SecretCreateRequest>(const Json& j) {
  SecretCreateRequest r;
  KW_ASSIGN_OR_RETURN(r.name, ReadRequiredString(j, "Name"));
  KW_RETURN_IF_ERROR(ReadWriteMembers(j, r));
  KW_ASSIGN_OR_RETURN(r.tags, ReadTagList(j));
  KW_ASSIGN_OR_RETURN(r.add_replica_regions,
                      ReadReplicaRegions(j, "AddReplicaRegions"));
  KW_ASSIGN_OR_RETURN(r.force_overwrite_replica_secret,
                      ReadOptBool(j, "ForceOverwriteReplicaSecret", false));
  return r;
}

namespace {

Json FilterEntriesJson(const std::vector<FilterEntry>& filters) {
  Json out = Json::array();
  for (const FilterEntry& f : filters) {
    Json e{{"Values", f.values}};
    if (f.key) e["Key"] = *f.key;
    out.push_back(std::move(e));
  }
  return out;
}

// "Filters": absent or null: none; each entry an object with a string Key
// and a list of strings Values (types only; the server checks the rest).
StatusOr<std::optional<std::vector<FilterEntry>>> ReadFilterEntries(
    const Json& req) {
  auto it = req.find("Filters");
  if (it == req.end() || it->is_null())
    return std::optional<std::vector<FilterEntry>>();
  if (!it->is_array()) return SerializationError("Expected list for Filters");
  std::vector<FilterEntry> out;
  for (const auto& f : *it) {
    if (!f.is_object()) return SerializationError("Expected Filter objects");
    FilterEntry e;
    KW_ASSIGN_OR_RETURN(e.key, ReadOptString(f, "Key"));
    KW_ASSIGN_OR_RETURN(e.values, ReadOptStringList(f, "Values"));
    out.push_back(std::move(e));
  }
  return std::optional<std::vector<FilterEntry>>(std::move(out));
}

}  // namespace

Json ToJson(const SecretListRequest& r) {
  Json j = Json::object();
  if (r.filters) j["Filters"] = FilterEntriesJson(*r.filters);
  if (r.max_results) j["MaxResults"] = *r.max_results;
  if (r.include_planned_deletion) j["IncludePlannedDeletion"] = true;
  if (r.next_token) j["NextToken"] = *r.next_token;
  if (r.sort_order) j["SortOrder"] = *r.sort_order;
  if (r.sort_by) j["SortBy"] = *r.sort_by;
  return j;
}

template <>
StatusOr<SecretListRequest> FromJson<SecretListRequest>(const Json& j) {
  SecretListRequest r;
  KW_ASSIGN_OR_RETURN(r.filters, ReadFilterEntries(j));
  KW_ASSIGN_OR_RETURN(r.max_results, ReadOptInt(j, "MaxResults"));
  KW_ASSIGN_OR_RETURN(r.include_planned_deletion,
                      ReadOptBool(j, "IncludePlannedDeletion", false));
  KW_ASSIGN_OR_RETURN(r.next_token, ReadOptString(j, "NextToken"));
  KW_ASSIGN_OR_RETURN(r.sort_order, ReadOptString(j, "SortOrder"));
  KW_ASSIGN_OR_RETURN(r.sort_by, ReadOptString(j, "SortBy"));
  return r;
}

Json ToJson(const BatchValueRequest& r) {
  Json j = Json::object();
  if (r.secret_id_list) j["SecretIdList"] = *r.secret_id_list;
  if (r.filters) j["Filters"] = FilterEntriesJson(*r.filters);
  if (r.max_results) j["MaxResults"] = *r.max_results;
  if (r.next_token) j["NextToken"] = *r.next_token;
  return j;
}

template <>
StatusOr<BatchValueRequest> FromJson<BatchValueRequest>(const Json& j) {
  BatchValueRequest r;
  KW_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                      ReadOptStringList(j, "SecretIdList"));
  if (auto it = j.find("SecretIdList"); it != j.end() && !it->is_null())
    r.secret_id_list = std::move(ids);
  KW_ASSIGN_OR_RETURN(r.filters, ReadFilterEntries(j));
  KW_ASSIGN_OR_RETURN(r.next_token, ReadOptString(j, "NextToken"));
  KW_ASSIGN_OR_RETURN(r.max_results, ReadOptInt(j, "MaxResults"));
  return r;
}

Json ToJson(const UpdateSecretRequest& r) {
  Json j{{"SecretId", r.secret_id}};
  if (r.description) j["Description"] = *r.description;
  if (r.kms_key_id) j["KmsKeyId"] = *r.kms_key_id;
  if (!r.client_request_token.empty())
    j["ClientRequestToken"] = r.client_request_token;
  AddPayload(r.payload, j);
  return j;
}

template <>
StatusOr<UpdateSecretRequest> FromJson<UpdateSecretRequest>(const Json& j) {
  UpdateSecretRequest r;
  r.secret_id = GetString(j, "SecretId");
  r.client_request_token = GetString(j, "ClientRequestToken");
  r.description = GetOptString(j, "Description");
  r.kms_key_id = GetOptString(j, "KmsKeyId");
  KW_ASSIGN_OR_RETURN(r.payload, FromJson<SecretPayload>(j));
  return r;
}

Json ToJson(const DeleteSecretRequest& r) {
  Json j{{"SecretId", r.secret_id}};
  if (r.recovery_window_days)
    j["RecoveryWindowInDays"] = *r.recovery_window_days;
  if (r.force_delete_without_recovery) j["ForceDeleteWithoutRecovery"] = true;
  return j;
}

// Strict (keyward server decodes with it). RecoveryWindowInDays outside
// int's range is clamped, so that the server's 7..30 check still refuses it.
template <>
StatusOr<DeleteSecretRequest> FromJson<DeleteSecretRequest>(const Json& j) {
  DeleteSecretRequest r;
  KW_ASSIGN_OR_RETURN(r.secret_id, ReadRequiredString(j, "SecretId"));
  KW_ASSIGN_OR_RETURN(std::optional<std::int64_t> window,
                      ReadOptInt(j, "RecoveryWindowInDays"));
  if (window) {
    r.recovery_window_days = static_cast<int>(
        std::clamp<std::int64_t>(*window, std::numeric_limits<int>::min(),
                                 std::numeric_limits<int>::max()));
  }
  KW_ASSIGN_OR_RETURN(r.force_delete_without_recovery,
                      ReadOptBool(j, "ForceDeleteWithoutRecovery", false));
  return r;
}

Json ToJson(const ListSecretVersionIdsRequest& r) {
  Json j{{"SecretId", r.secret_id}};
  if (r.max_results > 0) j["MaxResults"] = r.max_results;
  if (!r.next_token.empty()) j["NextToken"] = r.next_token;
  if (r.include_deprecated) j["IncludeDeprecated"] = true;
  return j;
}

template <>
StatusOr<ListSecretVersionIdsRequest> FromJson<ListSecretVersionIdsRequest>(
    const Json& j) {
  return ListSecretVersionIdsRequest{
      GetString(j, "SecretId"), GetInt(j, "MaxResults"),
      GetString(j, "NextToken"), GetBool(j, "IncludeDeprecated")};
}

Json ToJson(const UpdateSecretVersionStageRequest& r) {
  Json j{{"SecretId", r.secret_id}, {"VersionStage", r.version_stage}};
  if (!r.remove_from_version_id.empty())
    j["RemoveFromVersionId"] = r.remove_from_version_id;
  if (!r.move_to_version_id.empty())
    j["MoveToVersionId"] = r.move_to_version_id;
  return j;
}

template <>
StatusOr<UpdateSecretVersionStageRequest>
FromJson<UpdateSecretVersionStageRequest>(const Json& j) {
  return UpdateSecretVersionStageRequest{
      GetString(j, "SecretId"), GetString(j, "VersionStage"),
      GetString(j, "RemoveFromVersionId"), GetString(j, "MoveToVersionId")};
}

Json ToJson(const GetRandomPasswordRequest& r) {
  Json j = Json::object();
  if (r.password_length) j["PasswordLength"] = *r.password_length;
  if (!r.exclude_characters.empty())
    j["ExcludeCharacters"] = r.exclude_characters;
  if (r.exclude_numbers) j["ExcludeNumbers"] = true;
  if (r.exclude_punctuation) j["ExcludePunctuation"] = true;
  if (r.exclude_uppercase) j["ExcludeUppercase"] = true;
  if (r.exclude_lowercase) j["ExcludeLowercase"] = true;
  if (r.include_space) j["IncludeSpace"] = true;
  if (r.require_each_included_type)
    j["RequireEachIncludedType"] = *r.require_each_included_type;
  return j;
}

}  // namespace keyward::secrets::wire
