// The wire codec's responses (wire.h).
#include "secrets/wire.h"
#include "secrets/wire_internal.h"

namespace keyward::secrets::wire {

using namespace internal;  // NOLINT(build/namespaces): the codec's readers

Json ToJson(const SecretValueResult& r) {
  Json j{{"ARN", r.arn},
         {"Name", r.name},
         {"VersionId", r.version_id},
         {"VersionStages", r.version_stages}};
  PutTime(j, "CreatedDate", r.created_date);
  AddPayload(r.payload, j);
  return j;
}

// The read path's encoder (keyward server answers every GetSecretValue
// with it): the strings move into the tree instead of being copied.
Json ToJson(SecretValueResult&& r) {
  Json j(Json::value_t::object);
  auto& o = j.get_ref<Json::object_t&>();
  o.emplace("ARN", std::move(r.arn));
  o.emplace("Name", std::move(r.name));
  o.emplace("VersionId", std::move(r.version_id));
  o.emplace("VersionStages", r.version_stages);
  PutTime(j, "CreatedDate", r.created_date);
  AddPayload(r.payload, j);
  return j;
}

template <>
StatusOr<SecretValueResult> FromJson<SecretValueResult>(const Json& j) {
  SecretValueResult r;
  r.arn = GetString(j, "ARN");
  r.name = GetString(j, "Name");
  r.version_id = GetString(j, "VersionId");
  r.version_stages = GetStrings(j, "VersionStages");
  r.created_date = GetTime(j, "CreatedDate");
  KW_ASSIGN_OR_RETURN(r.payload, FromJson<SecretPayload>(j));
  return r;
}

Json ToJson(const BatchGetSecretValueResult& r) {
  Json j{{"SecretValues", Json::array()}, {"Errors", Json::array()}};
  for (const auto& v : r.values) j["SecretValues"].push_back(ToJson(v));
  for (const auto& e : r.errors) {
    j["Errors"].push_back({{"SecretId", e.secret_id},
                           {"ErrorCode", e.error_code},
                           {"Message", e.message}});
  }
  if (!r.next_token.empty()) j["NextToken"] = r.next_token;
  return j;
}

// Every value is decoded even when one fails (the last failure is
// returned), so that the caller can wipe the whole tree either way.
template <>
StatusOr<BatchGetSecretValueResult> FromJson<BatchGetSecretValueResult>(
    const Json& j) {
  BatchGetSecretValueResult out;
  out.next_token = GetString(j, "NextToken");
  Status status;
  if (auto it = j.find("SecretValues"); it != j.end() && it->is_array()) {
    for (const auto& v : *it) {
      if (!v.is_object()) continue;
      StatusOr<SecretValueResult> r = FromJson<SecretValueResult>(v);
      if (r.ok()) {
        out.values.push_back(std::move(r).value());
      } else {
        status = r.status();
      }
    }
  }
  if (auto it = j.find("Errors"); it != j.end() && it->is_array()) {
    for (const auto& e : *it) {
      out.errors.push_back({GetString(e, "SecretId"), GetString(e, "ErrorCode"),
                            GetString(e, "Message")});
    }
  }
  KW_RETURN_IF_ERROR(status);
  return out;
}

namespace internal {

Json MetadataToJson(const SecretMetadata& m, const char* versions_key) {
  Json j{{"ARN", m.arn}, {"Name", m.name}};
  if (!m.description.empty()) j["Description"] = m.description;
  if (!m.kms_key_id.empty()) j["KmsKeyId"] = m.kms_key_id;
  if (!m.tags.empty()) j["Tags"] = ToJson(m.tags);
  if (!m.version_ids_to_stages.empty()) {
    Json versions = Json::object();
    for (const auto& [id, stages] : m.version_ids_to_stages)
      versions[id] = stages;
    j[versions_key] = std::move(versions);
  }
  PutTime(j, "CreatedDate", m.created_date);
  PutTime(j, "LastChangedDate", m.last_changed_date);
  PutTime(j, "LastAccessedDate", m.last_accessed_date);
  PutTime(j, "LastRotatedDate", m.last_rotated_date);
  PutTime(j, "DeletedDate", m.deleted_date);
  if (!m.primary_region.empty()) j["PrimaryRegion"] = m.primary_region;
  if (!m.owning_service.empty()) j["OwningService"] = m.owning_service;
  PutRotationAndReplication(m, j);
  return j;
}

SecretMetadata MetadataFromJson(const Json& j) {
  SecretMetadata m;
  m.arn = GetString(j, "ARN");
  m.name = GetString(j, "Name");
  m.description = GetString(j, "Description");
  m.kms_key_id = GetString(j, "KmsKeyId");
  m.tags = GetTags(j, "Tags");
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
  GetRotationAndReplication(j, m);
  return m;
}

}  // namespace internal

Json ToJson(const SecretMetadata& r) {
  return MetadataToJson(r, "VersionIdsToStages");
}

template <>
StatusOr<SecretMetadata> FromJson<SecretMetadata>(const Json& j) {
  return MetadataFromJson(j);
}

Json ToJson(const ListSecretsResult& r) {
  Json j{{"SecretList", Json::array()}};
  for (const auto& s : r.secrets)
    j["SecretList"].push_back(MetadataToJson(s, "SecretVersionsToStages"));
  if (!r.next_token.empty()) j["NextToken"] = r.next_token;
  return j;
}

template <>
StatusOr<ListSecretsResult> FromJson<ListSecretsResult>(const Json& j) {
  ListSecretsResult out;
  out.next_token = GetString(j, "NextToken");
  if (auto it = j.find("SecretList"); it != j.end() && it->is_array()) {
    for (const auto& s : *it) out.secrets.push_back(MetadataFromJson(s));
  }
  return out;
}

Json ToJson(const ValueWriteResult& r) {
  return Json{{"ARN", r.arn},
              {"Name", r.name},
              {"VersionId", r.version_id},
              {"VersionStages", r.version_stages}};
}

template <>
StatusOr<ValueWriteResult> FromJson<ValueWriteResult>(const Json& j) {
  return ValueWriteResult{GetString(j, "ARN"), GetString(j, "Name"),
                          GetString(j, "VersionId"),
                          GetStrings(j, "VersionStages")};
}

Json ToJson(const CreateResult& r) {
  Json j{{"ARN", r.arn}, {"Name", r.name}};
  if (!r.version_id.empty()) j["VersionId"] = r.version_id;
  if (!r.replication_status.empty())
    j["ReplicationStatus"] = ToJson(r.replication_status);
  return j;
}

template <>
StatusOr<CreateResult> FromJson<CreateResult>(const Json& j) {
  return CreateResult{GetString(j, "ARN"), GetString(j, "Name"),
                      GetString(j, "VersionId"), ReplicationStatusesOf(j)};
}

Json ToJson(const WriteResult& r) {
  Json j{{"ARN", r.arn}, {"Name", r.name}};
  if (!r.version_id.empty()) j["VersionId"] = r.version_id;
  if (!r.version_stages.empty()) j["VersionStages"] = r.version_stages;
  return j;
}

template <>
StatusOr<WriteResult> FromJson<WriteResult>(const Json& j) {
  return WriteResult{GetString(j, "ARN"), GetString(j, "Name"),
                     GetString(j, "VersionId"), GetStrings(j, "VersionStages")};
}

Json ToJson(const DeleteSecretResult& r) {
  Json j{{"ARN", r.arn}, {"Name", r.name}};
  PutTime(j, "DeletionDate", r.deletion_date);
  return j;
}

template <>
StatusOr<DeleteSecretResult> FromJson<DeleteSecretResult>(const Json& j) {
  return DeleteSecretResult{GetString(j, "ARN"), GetString(j, "Name"),
                            GetTime(j, "DeletionDate")};
}

Json ToJson(const RestoreSecretResult& r) {
  return Json{{"ARN", r.arn}, {"Name", r.name}};
}

template <>
StatusOr<RestoreSecretResult> FromJson<RestoreSecretResult>(const Json& j) {
  return RestoreSecretResult{GetString(j, "ARN"), GetString(j, "Name")};
}

Json ToJson(const ListSecretVersionIdsResult& r) {
  Json j{{"ARN", r.arn}, {"Name", r.name}, {"Versions", Json::array()}};
  for (const auto& v : r.versions) {
    Json e{{"VersionId", v.version_id}, {"VersionStages", v.version_stages}};
    PutTime(e, "CreatedDate", v.created_date);
    PutTime(e, "LastAccessedDate", v.last_accessed_date);
    j["Versions"].push_back(std::move(e));
  }
  if (!r.next_token.empty()) j["NextToken"] = r.next_token;
  return j;
}

template <>
StatusOr<ListSecretVersionIdsResult> FromJson<ListSecretVersionIdsResult>(
    const Json& j) {
  ListSecretVersionIdsResult out;
  out.arn = GetString(j, "ARN");
  out.name = GetString(j, "Name");
  out.next_token = GetString(j, "NextToken");
  if (auto it = j.find("Versions"); it != j.end() && it->is_array()) {
    for (const auto& v : *it) {
      out.versions.push_back(
          {GetString(v, "VersionId"), GetStrings(v, "VersionStages"),
           GetTime(v, "CreatedDate"), GetTime(v, "LastAccessedDate")});
    }
  }
  return out;
}

Json ToJson(const ResourcePolicyResult& r) {
  Json j{{"ARN", r.arn}, {"Name", r.name}};
  if (!r.resource_policy.empty()) j["ResourcePolicy"] = r.resource_policy;
  return j;
}

template <>
StatusOr<ResourcePolicyResult> FromJson<ResourcePolicyResult>(const Json& j) {
  return ResourcePolicyResult{GetString(j, "ARN"), GetString(j, "Name"),
                              GetString(j, "ResourcePolicy")};
}

Json ToJson(const RandomPasswordResult& r) {
  return Json{{"RandomPassword", std::string(r.password.Reveal())}};
}

template <>
StatusOr<RandomPasswordResult> FromJson<RandomPasswordResult>(const Json& j) {
  auto it = j.find("RandomPassword");
  if (it == j.end() || !it->is_string()) {
    return InternalError(
        "GetRandomPassword: malformed response (no RandomPassword)");
  }
  return RandomPasswordResult{SecretValue(it->get_ref<const std::string&>())};
}

}  // namespace keyward::secrets::wire
