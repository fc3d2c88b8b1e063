// The wire codec's replication and rotation shapes (wire.h).
#include "secrets/wire.h"
#include "secrets/wire_internal.h"

namespace keyward::secrets::wire {

using namespace internal;  // NOLINT(build/namespaces): the codec's readers

StatusOr<std::vector<ReplicaRegion>> ReadReplicaRegions(const Json& req,
                                                        const char* key) {
  std::vector<ReplicaRegion> out;
  auto it = req.find(key);
  if (it == req.end() || it->is_null()) return out;
  if (!it->is_array()) {
    return SerializationError(std::string("Expected list for ") + key);
  }
  for (const auto& e : *it) {
    if (!e.is_object()) return SerializationError("Expected ReplicaRegionType");
    ReplicaRegion r;
    KW_ASSIGN_OR_RETURN(std::optional<std::string> region,
                        ReadOptString(e, "Region"));
    KW_ASSIGN_OR_RETURN(r.kms_key_id, ReadOptString(e, "KmsKeyId"));
    r.region = region.value_or("");
    out.push_back(std::move(r));
  }
  return out;
}

Json ToJson(const std::vector<ReplicaRegion>& regions) {
  Json out = Json::array();
  for (const auto& r : regions) {
    Json e{{"Region", r.region}};
    if (r.kms_key_id) e["KmsKeyId"] = *r.kms_key_id;
    out.push_back(std::move(e));
  }
  return out;
}

Json ToJson(const RotationRules& r) {
  Json rules = Json::object();
  if (r.automatically_after_days)
    rules["AutomaticallyAfterDays"] = *r.automatically_after_days;
  if (r.schedule_expression)
    rules["ScheduleExpression"] = *r.schedule_expression;
  if (r.duration) rules["Duration"] = *r.duration;
  return rules;
}

Json ToJson(const std::vector<ReplicationStatus>& statuses) {
  Json out = Json::array();
  for (const auto& r : statuses) {
    out.push_back({{"Region", r.region},
                   {"KmsKeyId", r.kms_key_id},
                   {"Status", r.status},
                   {"StatusMessage", r.status_message}});
  }
  return out;
}

namespace internal {

std::vector<ReplicationStatus> ReplicationStatusesOf(const Json& j) {
  std::vector<ReplicationStatus> out;
  auto it = j.find("ReplicationStatus");
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& e : *it) {
    out.push_back({GetString(e, "Region"), GetString(e, "KmsKeyId"),
                   GetString(e, "Status"), GetString(e, "StatusMessage")});
  }
  return out;
}

void PutRotationAndReplication(const SecretMetadata& m, Json& j) {
  if (m.rotation_configured || m.rotation_enabled)
    j["RotationEnabled"] = m.rotation_enabled;
  if (!m.rotation_lambda_arn.empty())
    j["RotationLambdaARN"] = m.rotation_lambda_arn;
  if (m.rotation_rules) {
    Json rules = ToJson(*m.rotation_rules);
    if (!rules.empty()) j["RotationRules"] = std::move(rules);
  }
  PutTime(j, "NextRotationDate", m.next_rotation_date);
  if (!m.replication_status.empty())
    j["ReplicationStatus"] = ToJson(m.replication_status);
}

void GetRotationAndReplication(const Json& j, SecretMetadata& m) {
  auto enabled = j.find("RotationEnabled");
  m.rotation_configured = enabled != j.end() && enabled->is_boolean();
  m.rotation_enabled = m.rotation_configured && enabled->get<bool>();
  m.rotation_lambda_arn = GetString(j, "RotationLambdaARN");
  if (auto it = j.find("RotationRules"); it != j.end() && it->is_object()) {
    RotationRules r;
    if (auto d = it->find("AutomaticallyAfterDays");
        d != it->end() && d->is_number_integer()) {
      r.automatically_after_days = d->get<std::int64_t>();
    }
    r.schedule_expression = GetOptString(*it, "ScheduleExpression");
    r.duration = GetOptString(*it, "Duration");
    m.rotation_rules = std::move(r);
  }
  m.next_rotation_date = GetTime(j, "NextRotationDate");
  m.replication_status = ReplicationStatusesOf(j);
}

}  // namespace internal

Json ToJson(const ReplicateSecretToRegionsRequest& r) {
  Json j{{"SecretId", r.secret_id},
         {"AddReplicaRegions", ToJson(r.add_replica_regions)}};
  if (r.force_overwrite_replica_secret) j["ForceOverwriteReplicaSecret"] = true;
  return j;
}

// AddReplicaRegions absent is a ValidationException; null reads as empty.
template <>
StatusOr<ReplicateSecretToRegionsRequest>
FromJson<ReplicateSecretToRegionsRequest>(const Json& j) {
  ReplicateSecretToRegionsRequest r;
  KW_ASSIGN_OR_RETURN(r.secret_id, ReadRequiredString(j, "SecretId"));
  if (!j.contains("AddReplicaRegions"))
    return ValidationError("addReplicaRegions", "Member must not be null");
  KW_ASSIGN_OR_RETURN(r.add_replica_regions,
                      ReadReplicaRegions(j, "AddReplicaRegions"));
  KW_ASSIGN_OR_RETURN(r.force_overwrite_replica_secret,
                      ReadOptBool(j, "ForceOverwriteReplicaSecret", false));
  return r;
}

Json ToJson(const RemoveRegionsFromReplicationRequest& r) {
  return Json{{"SecretId", r.secret_id},
              {"RemoveReplicaRegions", r.remove_replica_regions}};
}

template <>
StatusOr<RemoveRegionsFromReplicationRequest>
FromJson<RemoveRegionsFromReplicationRequest>(const Json& j) {
  RemoveRegionsFromReplicationRequest r;
  KW_ASSIGN_OR_RETURN(r.secret_id, ReadRequiredString(j, "SecretId"));
  if (!j.contains("RemoveReplicaRegions"))
    return ValidationError("removeReplicaRegions", "Member must not be null");
  KW_ASSIGN_OR_RETURN(r.remove_replica_regions,
                      ReadOptStringList(j, "RemoveReplicaRegions"));
  return r;
}

Json ToJson(const ReplicationResult& r) {
  return Json{{"ARN", r.arn},
              {"ReplicationStatus", ToJson(r.replication_status)}};
}

template <>
StatusOr<ReplicationResult> FromJson<ReplicationResult>(const Json& j) {
  return ReplicationResult{GetString(j, "ARN"),
                           internal::ReplicationStatusesOf(j)};
}

Json ToJson(const ArnResult& r) { return Json{{"ARN", r.arn}}; }

template <>
StatusOr<ArnResult> FromJson<ArnResult>(const Json& j) {
  return ArnResult{GetString(j, "ARN")};
}

Json ToJson(const RotateSecretRequest& r) {
  Json j{{"SecretId", r.secret_id}};
  if (r.client_request_token) j["ClientRequestToken"] = *r.client_request_token;
  if (r.rotation_lambda_arn) j["RotationLambdaARN"] = *r.rotation_lambda_arn;
  if (r.rotation_rules) j["RotationRules"] = ToJson(*r.rotation_rules);
  if (!r.rotate_immediately) j["RotateImmediately"] = false;
  return j;
}

namespace {

StatusOr<std::optional<RotationRules>> ReadRotationRules(const Json& req) {
  auto it = req.find("RotationRules");
  if (it == req.end() || it->is_null()) return std::optional<RotationRules>();
  if (!it->is_object())
    return SerializationError("Expected object for RotationRules");
  RotationRules r;
  KW_ASSIGN_OR_RETURN(r.automatically_after_days,
                      ReadOptInt(*it, "AutomaticallyAfterDays"));
  KW_ASSIGN_OR_RETURN(r.schedule_expression,
                      ReadOptString(*it, "ScheduleExpression"));
  KW_ASSIGN_OR_RETURN(r.duration, ReadOptString(*it, "Duration"));
  return std::optional<RotationRules>(std::move(r));
}

}  // namespace

template <>
StatusOr<RotateSecretRequest> FromJson<RotateSecretRequest>(const Json& j) {
  RotateSecretRequest r;
  KW_ASSIGN_OR_RETURN(r.secret_id, ReadRequiredString(j, "SecretId"));
  KW_ASSIGN_OR_RETURN(r.client_request_token,
                      ReadOptString(j, "ClientRequestToken"));
  KW_ASSIGN_OR_RETURN(r.rotation_lambda_arn,
                      ReadOptString(j, "RotationLambdaARN"));
  if (r.rotation_lambda_arn && r.rotation_lambda_arn->size() > 2048) {
    return ValidationError(
        "rotationLambdaARN",
        "Member must have length less than or equal to 2048");
  }
  KW_ASSIGN_OR_RETURN(r.rotation_rules, ReadRotationRules(j));
  KW_ASSIGN_OR_RETURN(r.rotate_immediately,
                      ReadOptBool(j, "RotateImmediately", true));
  return r;
}

}  // namespace keyward::secrets::wire
