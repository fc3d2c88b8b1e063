// keyward server's write operations: secrets, versions, labels, tags,
// deletion, and GetRandomPassword.

#include <cmath>

#include "keyward/naming.h"
#include "server/service_internal.h"

namespace keyward::server {

namespace wire = secrets::wire;

StatusOr<wire::CreateResult> SecretsService::Impl::CreateSecret(
    const wire::SecretCreateRequest& req, const Caller& caller) {
  const std::string& name = req.name;
  Status limits = CheckStoreNameLimits(name);
  if (!limits.ok()) {
    return ApiFailure(Msg::kInvalidName);
  }
  KW_ASSIGN_OR_RETURN(Payload payload,
                      PayloadOf(req.secret_string, req.secret_binary));
  KW_ASSIGN_OR_RETURN(std::string token, TokenOrNew(req.client_request_token));
  const std::optional<std::string>& description = req.description;
  const std::optional<std::string>& kms = req.kms_key_id;
  KW_RETURN_IF_ERROR(CheckTags(req.tags));
  const std::vector<secrets::Tag>& tags = req.tags;
  const std::vector<wire::ReplicaRegion>& replicas = req.add_replica_regions;
  const bool force_replicas = req.force_overwrite_replica_secret;
  if (description && description->size() > 2048) {
    return Validation("description",
                      "Member must have length less than or equal to 2048");
  }
  std::unique_lock lock(mu);
  PurgeExpired();
  if (StoredSecret* s = Find(name, RegionOf(caller))) {
    KW_RETURN_IF_ERROR(Authorize(caller, "CreateSecret", s->arn, name));
    if (s->deleted != 0) {
      return ApiFailure(Msg::kCreateWhileScheduled);
    }
    if (payload.present) {
      KW_ASSIGN_OR_RETURN(bool same, ExistingToken(*s, token, payload));
      if (same) return wire::CreateResult{s->arn, s->name, token, {}};
    }
    return ApiFailure(Msg::kSecretExists, {name});
  }
  StoredSecret s;
  s.name = name;
  s.region = RegionOf(caller);
  s.arn = ArnFor(s.region, name, RandomSuffix(*opt.runtime.random));
  KW_RETURN_IF_ERROR(Authorize(caller, "CreateSecret", s.arn, name));
  s.description = description.value_or("");
  s.kms_key_id = kms.value_or("");
  s.created = s.last_changed = Now();
  KW_RETURN_IF_ERROR(MergeTags(s.tags, tags));
  if (payload.present)
    KW_RETURN_IF_ERROR(AddVersion(s, token, payload, {std::string(kCurrent)}));
  KW_RETURN_IF_ERROR(AddReplicas(s, replicas, force_replicas));
  KW_RETURN_IF_ERROR(Persist(s, nullptr));
  wire::CreateResult out{s.arn, s.name, payload.present ? token : "",
                         ReplicationStatusOf(s)};
  name_to_arn[NameKey(s.region, s.name)] = s.arn;
  by_arn[s.arn] = std::move(s);
  return out;
}

StatusOr<wire::ValueWriteResult> SecretsService::Impl::PutSecretValue(
    const wire::ValueWriteRequest& req, const Caller& caller) {
  const std::string& id = req.secret_id;
  KW_ASSIGN_OR_RETURN(Payload payload,
                      PayloadOf(req.secret_string, req.secret_binary));
  KW_ASSIGN_OR_RETURN(std::string token, TokenOrNew(req.client_request_token));
  std::vector<std::string> stages =
      req.version_stages.value_or(std::vector<std::string>{});
  if (!payload.present) {
    return ApiFailure(Msg::kNeedValue);
  }
  if (req.version_stages && (stages.empty() || stages.size() > 20)) {
    return Validation("versionStages",
                      "Member must have length between 1 and 20");
  }
  if (stages.empty()) stages.push_back(std::string(kCurrent));
  std::unique_lock lock(mu);
  KW_ASSIGN_OR_RETURN(StoredSecret * s, ForWrite(id, "PutSecretValue", caller));
  KW_ASSIGN_OR_RETURN(bool same, ExistingToken(*s, token, payload));
  // AWS: the first version of a secret always gets AWSCURRENT, whatever
  // VersionStages says.
  if (s->versions.empty() &&
      std::find(stages.begin(), stages.end(), kCurrent) == stages.end()) {
    stages.push_back(std::string(kCurrent));
  }
  if (!same) {
    KW_RETURN_IF_ERROR(Update(s, [&](StoredSecret& u) {
      // RotateSecret staged this version without a value: the hook fills it.
      std::erase_if(u.versions, [&](const StoredVersion& v) {
        return v.version_id == token && !v.has_value;
      });
      return AddVersion(u, token, payload, stages);
    }));
  }
  StoredVersion* v = FindVersion(*s, token);
  return wire::ValueWriteResult{s->arn, s->name, token,
                                v ? v->stages : std::vector<std::string>{}};
}

StatusOr<secrets::WriteResult> SecretsService::Impl::UpdateSecret(
    const wire::SecretUpdateRequest& req, const Caller& caller) {
  const std::string& id = req.secret_id;
  KW_ASSIGN_OR_RETURN(Payload payload,
                      PayloadOf(req.secret_string, req.secret_binary));
  KW_ASSIGN_OR_RETURN(std::string token, TokenOrNew(req.client_request_token));
  const std::optional<std::string>& description = req.description;
  const std::optional<std::string>& kms = req.kms_key_id;
  if (description && description->size() > 2048) {
    return Validation("description",
                      "Member must have length less than or equal to 2048");
  }
  std::unique_lock lock(mu);
  KW_ASSIGN_OR_RETURN(StoredSecret * s, ForWrite(id, "UpdateSecret", caller));
  bool new_version = false;
  KW_RETURN_IF_ERROR(Update(s, [&](StoredSecret& u) -> Status {
    if (description) u.description = *description;
    if (kms) u.kms_key_id = *kms;
    u.last_changed = Now();
    if (!payload.present) return OkStatus();
    new_version = true;
    KW_ASSIGN_OR_RETURN(bool same, ExistingToken(u, token, payload));
    if (same) return OkStatus();
    return AddVersion(u, token, payload, {std::string(kCurrent)});
  }));
  return secrets::WriteResult{s->arn, s->name, new_version ? token : "", {}};
}

StatusOr<secrets::DeleteSecretResult> SecretsService::Impl::DeleteSecret(
    const secrets::DeleteSecretRequest& req, const Caller& caller) {
  const std::string& id = req.secret_id;
  const std::optional<int>& window = req.recovery_window_days;
  const bool force = req.force_delete_without_recovery;
  if (force && window) {
    return ApiFailure(Msg::kForceWithWindow);
  }
  if (window && (*window < 7 || *window > 30)) {
    return ApiFailure(Msg::kWindowRange);
  }
  std::unique_lock lock(mu);
  double now = Now();
  if (force && Find(id, RegionOf(caller)) == nullptr) {
    // AWS documents that forcibly deleting a nonexistent secret does not
    // return ResourceNotFoundException.
    KW_RETURN_IF_ERROR(AuthorizeId(caller, "DeleteSecret", id));
    bool arn = id.starts_with("arn:");
    std::string name = arn ? id.substr(id.rfind(':') + 1) : id;
    return secrets::DeleteSecretResult{
        arn ? id
            : ArnFor(RegionOf(caller), id, RandomSuffix(*opt.runtime.random)),
        name, FromEpochSeconds(now)};
  }
  KW_ASSIGN_OR_RETURN(StoredSecret * s,
                      ForWrite(id, "DeleteSecret", caller, true));
  KW_RETURN_IF_ERROR(RefuseDeleteWithReplicas(*s, id));
  if (force) {
    Status st = store->Remove(s->arn);
    if (!st.ok()) {
      warn("store write failed: " + st.message());
      return ApiFailure(Msg::kInternal);
    }
    secrets::DeleteSecretResult out{s->arn, s->name, FromEpochSeconds(now)};
    name_to_arn.erase(NameKey(s->region, s->name));
    index.Remove(s->arn);
    by_arn.erase(s->arn);
    return out;
  }
  if (s->deleted != 0) {
    return ApiFailure(Msg::kAlreadyScheduledForDeletion);
  }
  StoredSecret updated = *s;
  updated.deletion_requested = now;
  updated.deleted = now + static_cast<double>(window.value_or(30)) * kDay;
  updated.last_changed = now;
  KW_RETURN_IF_ERROR(Persist(updated, s));
  *s = std::move(updated);
  return secrets::DeleteSecretResult{s->arn, s->name,
                                     FromEpochSeconds(s->deleted)};
}

StatusOr<wire::SecretRef> SecretsService::Impl::RestoreSecret(
    const wire::SecretIdRequest& req, const Caller& caller) {
  std::unique_lock lock(mu);
  KW_ASSIGN_OR_RETURN(StoredSecret * s,
                      ForWrite(req.secret_id, "RestoreSecret", caller, true));
  if (s->deleted != 0) {
    KW_RETURN_IF_ERROR(Update(s, [&](StoredSecret& u) {
      u.deleted = u.deletion_requested = 0;
      u.last_changed = Now();
      return OkStatus();
    }));
  }
  return wire::SecretRef{s->arn, s->name};
}

StatusOr<secrets::ListSecretVersionIdsResult>
SecretsService::Impl::ListSecretVersionIds(const wire::VersionListRequest& req,
                                           const Caller& caller) {
  const int page = req.max_results.value_or(100);
  std::size_t offset = 0;
  if (req.next_token) {
    KW_ASSIGN_OR_RETURN(offset, DecodeToken(*req.next_token));
  }
  std::shared_lock lock(mu);
  KW_RETURN_IF_ERROR(
      AuthorizeId(caller, "ListSecretVersionIds", req.secret_id));
  StoredSecret* s = Find(req.secret_id, RegionOf(caller));
  if (s == nullptr) return NotFound();
  std::vector<const StoredVersion*> versions;
  for (const auto& v : s->versions) {
    if (req.include_deprecated || !v.stages.empty()) versions.push_back(&v);
  }
  secrets::ListSecretVersionIdsResult out{s->arn, s->name, {}, ""};
  std::size_t end =
      std::min(versions.size(), offset + static_cast<std::size_t>(page));
  for (std::size_t i = offset; i < end; ++i) {
    const StoredVersion& v = *versions[i];
    secrets::SecretVersion e{v.version_id, v.stages,
                             FromEpochSeconds(v.created), std::nullopt};
    if (v.last_accessed != 0)
      e.last_accessed_date = FromEpochSeconds(v.last_accessed);
    out.versions.push_back(std::move(e));
  }
  if (end < versions.size()) out.next_token = EncodeToken(end);
  return out;
}

StatusOr<wire::SecretRef> SecretsService::Impl::UpdateSecretVersionStage(
    const wire::StageMoveRequest& req, const Caller& caller) {
  const std::string& stage = req.version_stage;
  const std::optional<std::string>& remove_from = req.remove_from_version_id;
  const std::optional<std::string>& move_to = req.move_to_version_id;
  std::unique_lock lock(mu);
  KW_ASSIGN_OR_RETURN(
      StoredSecret * s,
      ForWrite(req.secret_id, "UpdateSecretVersionStage", caller));
  StoredSecret updated = *s;
  StoredVersion* holder = nullptr;
  for (auto& v : updated.versions) {
    if (HasStage(v, stage)) holder = &v;
  }
  if (remove_from && FindVersion(updated, *remove_from) == nullptr) {
    return ApiFailure(Msg::kVersionMissing, {*remove_from});
  }
  if (!move_to && !remove_from) {
    return ApiFailure(Msg::kMoveOrRemove);
  }
  if (remove_from &&
      (holder == nullptr || holder->version_id != *remove_from)) {
    return ApiFailure(Msg::kStageNotAttached, {stage, *remove_from});
  }
  if (move_to) {
    StoredVersion* target = FindVersion(updated, *move_to);
    if (target == nullptr) {
      return ApiFailure(Msg::kVersionMissing, {*move_to});
    }
    if (holder != nullptr && holder != target && !remove_from) {
      return ApiFailure(Msg::kRemoveFromRequired, {stage, holder->version_id});
    }
    MoveStage(updated, stage, *target);
  } else {
    if (stage == kCurrent) {
      return ApiFailure(Msg::kCantRemoveCurrent);
    }
    DropStage(*holder, stage);
  }
  updated.last_changed = Now();
  KW_RETURN_IF_ERROR(Persist(updated, s));
  *s = std::move(updated);
  return wire::SecretRef{s->arn, s->name};
}

StatusOr<wire::EmptyResult> SecretsService::Impl::TagResource(
    const wire::TagResourceRequest& req, const Caller& caller) {
  KW_RETURN_IF_ERROR(CheckTags(req.tags));
  std::unique_lock lock(mu);
  KW_ASSIGN_OR_RETURN(StoredSecret * s,
                      ForWrite(req.secret_id, "TagResource", caller));
  KW_RETURN_IF_ERROR(Update(s, [&](StoredSecret& u) {
    u.last_changed = Now();
    return MergeTags(u.tags, req.tags);
  }));
  return wire::EmptyResult{};
}

StatusOr<wire::EmptyResult> SecretsService::Impl::UntagResource(
    const wire::UntagResourceRequest& req, const Caller& caller) {
  const std::vector<std::string>& keys = req.tag_keys;
  std::unique_lock lock(mu);
  KW_ASSIGN_OR_RETURN(StoredSecret * s,
                      ForWrite(req.secret_id, "UntagResource", caller));
  KW_RETURN_IF_ERROR(Update(s, [&](StoredSecret& u) {
    std::erase_if(u.tags, [&](const secrets::Tag& t) {
      return std::find(keys.begin(), keys.end(), t.key) != keys.end();
    });
    u.last_changed = Now();
    return OkStatus();
  }));
  return wire::EmptyResult{};
}

StatusOr<wire::RandomPasswordResult> SecretsService::Impl::GetRandomPassword(
    const secrets::GetRandomPasswordRequest& req, const Caller& caller) {
  const std::string& exclude = req.exclude_characters;
  const bool each = req.require_each_included_type.value_or(true);
  KW_RETURN_IF_ERROR(Authorize(caller, "GetRandomPassword", "*", "*"));
  std::int64_t n = req.password_length.value_or(32);
  if (n < 1 || n > 4096) {
    return Validation("passwordLength",
                      "Member must have value between 1 and 4096");
  }
  std::vector<std::string> classes;
  auto keep = [&](std::string chars) {
    std::erase_if(chars,
                  [&](char c) { return exclude.find(c) != std::string::npos; });
    if (!chars.empty()) classes.push_back(chars);
  };
  if (!req.exclude_lowercase) keep("abcdefghijklmnopqrstuvwxyz");
  if (!req.exclude_uppercase) keep("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  if (!req.exclude_numbers) keep("0123456789");
  if (!req.exclude_punctuation) keep("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");
  if (req.include_space) keep(" ");
  std::string all;
  for (const auto& c : classes) all += c;
  if (all.empty() || (each && static_cast<std::size_t>(n) < classes.size())) {
    return ApiFailure(Msg::kPasswordImpossible);
  }
  auto pick = [random = opt.runtime.random](const std::string& from) {
    return from[random->Uniform(from.size())];
  };
  SecureString pw;
  for (;;) {
    pw.clear();
    for (std::int64_t i = 0; i < n; ++i) pw.push_back(pick(all));
    bool ok = true;
    for (const auto& c : classes) {
      if (each && pw.find_first_of(c.c_str()) == SecureString::npos) ok = false;
    }
    if (ok) break;
  }
  return wire::RandomPasswordResult{SecretValue::Adopt(std::move(pw))};
}

}  // namespace keyward::server
