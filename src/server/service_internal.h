// Internal to keyward server (not installed): the service's state
// (SecretsService::Impl) and the request helpers that every operation file
// shares. Operations live in service_read.cc (reads), service_write.cc
// (writes) and one file per further group; SecretsService::Handle
// dispatches through the one table in service.cc.
#ifndef KEYWARD_SRC_SERVER_SERVICE_INTERNAL_H_
#define KEYWARD_SRC_SERVER_SERVICE_INTERNAL_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "keyward/secrets/client.h"
#include "keyward/server/service.h"
#include "secrets/json_codec.h"
#include "secrets/wire.h"
#include "server/messages.h"
#include "server/read_index.h"

namespace keyward::server {

using secrets::Json;

inline constexpr std::string_view kCurrent = "AWSCURRENT";
inline constexpr std::string_view kPrevious = "AWSPREVIOUS";

inline constexpr std::size_t kMaxVersions = 100;

// Versions younger than a day are never pruned; past this many a write is
// refused (AWS: "you will reach the quota for secret versions").
inline constexpr std::size_t kMaxVersionsHard = 500;

// AWS: at most 20 staging labels attached across a secret's versions.
inline constexpr std::size_t kMaxLabels = 20;

inline constexpr std::size_t kMaxTags = 50;
inline constexpr double kDay = 86400.0;

// Every error text comes from the one table in messages.cc.
Status NotFound();

Status LimitExceeded();

Status MarkedForDeletion();

Status Validation(std::string_view member, std::string_view constraint);

// A resource policy's text parsed for evaluation (resource_policy_ops.cc);
// MalformedPolicyDocumentException when it does not parse.
StatusOr<std::shared_ptr<const IamPolicy>> ParseResourcePolicy(
    std::string_view text);
// Parses a loaded secret's stored resource policy (none: nothing to do).
// FAILED_PRECONDITION naming the secret when it no longer parses: the
// server refuses to start rather than serve the secret without it.
Status LoadResourcePolicy(StoredSecret& s);

// Wipes a parsed request (it may hold a value) when the handler returns.
struct WipeOnExit {
  Json& j;
  ~WipeOnExit() { secrets::WipeJson(j); }
};

double Round3(double t);

bool HasStage(const StoredVersion& v, std::string_view stage);

void DropStage(StoredVersion& v, std::string_view stage);

std::string RandomSuffix(const Random& random);

// The payload of a write request.
struct Payload {
  bool present = false;
  bool binary = false;
  SecureString bytes;
};

// Strict RFC 4648 base64 (OpenSSL's decoder also accepts '=' inside the
// text and surrounding whitespace, which would store junk bytes).
bool IsStrictBase64(std::string_view s);

// The value of a write request (SecretString, or SecretBinary as the base64
// sent): both given, bad base64, empty or over 64 KiB are refused with
// AWS's texts.
StatusOr<Payload> PayloadOf(const std::optional<SecretValue>& str,
                            const std::optional<SecretValue>& bin);

Status CheckToken(const std::string& token);

// Tag key/value lengths and the reserved "aws:" prefix (AWS's order).
Status CheckTags(const std::vector<secrets::Tag>& tags);

Status MergeTags(std::vector<secrets::Tag>& into,
                 const std::vector<secrets::Tag>& add);

Json TagsJson(const std::vector<secrets::Tag>& tags);

// ListSecrets / BatchGetSecretValue filters, as AWS documents them and as
// tests verified against AWS record (moto's test_list_secrets.py):
//   name, tag-key, tag-value, primary-region: prefix match, case-sensitive;
//   description and all: word match, not case-sensitive ("all" searches the
//     name, description, tag keys and tag values); a filter value's words
//     must each start a word of the same attribute ("o t" matches "one two");
//   owning-service: nothing here is owned by a service;
//   a leading '!' negates (the secret matches when no attribute matches);
//   values of one filter are ORed, filters (even with the same key) ANDed.
struct Filter {
  std::string key;
  std::vector<std::string> values;
};

// The filters of a ListSecrets/BatchGetSecretValue request, checked with
// AWS's texts (at most 10, known keys, 1..10 values each).
StatusOr<std::vector<Filter>> CheckFilters(
    const std::optional<std::vector<secrets::wire::FilterEntry>>& entries);

bool WordMatch(std::string_view attr, std::string_view value);

bool FilterMatches(const StoredSecret& s, const Filter& f);

bool AllFiltersMatch(const StoredSecret& s, const std::vector<Filter>& filters);

std::string EncodeToken(std::size_t offset);

StatusOr<std::size_t> DecodeToken(const std::string& token);

StatusOr<int> PageSize(std::optional<std::int64_t> n, int max, int fallback);

class Rotator;
// rotation_ops.cc / replication_ops.cc
void AddRotation(const StoredSecret& s, bool list, secrets::SecretMetadata& m);
void AddReplication(const StoredSecret& s, bool list,
                    secrets::SecretMetadata& m);
Status RefuseOnReplica(const StoredSecret& s);
Status RefuseDeleteWithReplicas(const StoredSecret& s, const std::string& id);
std::vector<secrets::ReplicationStatus> ReplicationStatusOf(
    const StoredSecret& s);

struct SecretsService::Impl {
  ServiceOptions opt;
  std::unique_ptr<SecretStore> store;
  std::unique_ptr<ValueCipher> cipher;
  mutable std::shared_mutex mu;
  // Every region's secrets; ARNs carry the region, names are per region
  // (NameKey).
  std::map<std::string, StoredSecret> by_arn;                // guarded by mu
  std::unordered_map<std::string, std::string> name_to_arn;  // guarded by mu
  // Secrets whose LastAccessedDate changed since the last store write, and
  // when the oldest such change happened (guarded by mu).
  std::set<std::string> touched;
  double first_touch = 0;
  // The earliest scheduled deletion date (0: none; may be early, never late).
  double next_expiry = 1;  // 1: scan once after loading
  void NoteExpiry(const StoredSecret& s) {
    if (s.deleted != 0 && (next_expiry == 0 || s.deleted < next_expiry))
      next_expiry = s.deleted;
  }

  double Now() const {
    return Round3(ToEpochSeconds(opt.runtime.clock->Now()));
  }

  const std::string& RegionOf(const Caller& c) const {
    return c.region.empty() ? opt.region : c.region;
  }
  static std::string NameKey(std::string_view region, std::string_view name) {
    return ReadIndex::NameKey(region, name);
  }
  std::string ArnFor(std::string_view region, std::string_view name,
                     std::string_view suffix) const {
    return ArnPrefix(region) + std::string(name) + "-" + std::string(suffix);
  }
  std::string ArnPrefix(std::string_view region) const {
    return "arn:aws:secretsmanager:" + std::string(region) + ":" +
           opt.account_id + ":secret:";
  }

  // The secret `id` (name, ARN or partial ARN) names in `region`, including
  // secrets scheduled for deletion whose window has not passed. An ARN of
  // another region names nothing here (as in AWS, each region's endpoint
  // sees only its own secrets). Requires mu.
  StoredSecret* Find(const std::string& id, const std::string& region) {
    auto it = name_to_arn.find(NameKey(region, id));
    std::string arn;
    std::string prefix = ArnPrefix(region);
    if (it != name_to_arn.end()) {
      arn = it->second;
    } else if (id.starts_with(prefix)) {
      if (by_arn.count(id)) {
        arn = id;
      } else if (auto n = name_to_arn.find(
                     NameKey(region, id.substr(prefix.size())));
                 n != name_to_arn.end()) {
        arn = n->second;  // partial ARN (without the random suffix)
      }
    }
    auto s = by_arn.find(arn);
    if (s == by_arn.end()) return nullptr;
    if (s->second.deleted != 0 && s->second.deleted <= Now())
      return nullptr;  // expired
    return &s->second;
  }

  // The resource ARN used for authorization of a request naming `id`.
  std::string ResourceFor(const std::string& id, const std::string& region) {
    if (StoredSecret* s = Find(id, region)) return s->arn;
    if (id.starts_with("arn:")) return id;
    return ArnPrefix(region) + id;
  }

  // Evaluates `op` on `resource` (the secret's ARN when it exists). The
  // message names the resource as the request `named` it, never the
  // resolved ARN: the same text whether or not the secret exists, so a
  // denied caller learns nothing about other secrets.
  //
  // The caller's identity policy and, when the secret `s` exists, its
  // resource policy are evaluated together (policy.h: AWS's logic).
  // `stage`/`version_id`: the request's VersionStage/VersionId condition keys
  // (resource_policy_ops.cc).
  Status Authorize(const Caller& caller, std::string_view op,
                   std::string_view resource, std::string_view named,
                   const StoredSecret* s = nullptr, std::string_view stage = {},
                   std::string_view version_id = {}) const;
  Status AuthorizeId(const Caller& caller, std::string_view op,
                     const std::string& id, std::string_view stage = {},
                     std::string_view version_id = {}) {
    const std::string& region = RegionOf(caller);
    if (const StoredSecret* s = Find(id, region))
      return Authorize(caller, op, s->arn, id, s, stage, version_id);
    return Authorize(caller, op, ResourceFor(id, region), id);
  }

  // Persists `s` (already modified in memory; `before` is its stored state,
  // null for a new secret): enforces the staging-label quota, re-encrypts
  // the values whose labels changed (labels are bound into the associated
  // data) and writes only what changed. Requires mu held exclusively.
  Status Persist(StoredSecret& s, const StoredSecret* before) {
    std::set<std::string_view> labels;
    for (const auto& v : s.versions)
      labels.insert(v.stages.begin(), v.stages.end());
    if (labels.size() > kMaxLabels) return LimitExceeded();
    if (before != nullptr) KW_RETURN_IF_ERROR(Reseal(s, *before));
    FlushTouched();
    Status st = before ? store->SaveChanges(s, *before) : store->Save(s);
    if (!st.ok()) {
      warn("store write failed: " + st.message());
      return ApiFailure(Msg::kInternal);
    }
    index.Put(s);
    NoteExpiry(s);
    return SyncReplicas(s);
  }

  void warn(const std::string& msg) const {
    if (opt.warn) opt.warn(msg);
  }

  // Removes secrets whose recovery window has passed. Requires exclusive mu.
  void PurgeExpired() {
    double now = Now();
    // Nothing due: skip the scan (CreateSecret calls this on every create).
    if (next_expiry == 0 || now < next_expiry) return;
    next_expiry = 0;
    for (auto it = by_arn.begin(); it != by_arn.end();) {
      if (it->second.deleted != 0 && it->second.deleted <= now) {
        if (!store->Remove(it->first).ok()) {
          NoteExpiry(it->second);
          ++it;
          continue;
        }
        if (auto n =
                name_to_arn.find(NameKey(it->second.region, it->second.name));
            n != name_to_arn.end() && n->second == it->first) {
          name_to_arn.erase(n);
        }
        index.Remove(it->first);
        it = by_arn.erase(it);
      } else {
        NoteExpiry(it->second);
        ++it;
      }
    }
  }

  // Re-encrypts every version of `s` whose labels differ from `before`.
  Status Reseal(StoredSecret& s, const StoredSecret& before) {
    std::map<std::string_view, const StoredVersion*> old;
    for (const auto& v : before.versions) old[v.version_id] = &v;
    for (auto& v : s.versions) {
      auto it = old.find(v.version_id);
      if (it == old.end() || it->second->stages == v.stages) continue;
      if (!v.has_value) continue;  // a rotation's AWSPENDING, not yet filled
      KW_ASSIGN_OR_RETURN(SecureString plain, DecryptVersion(s, *it->second));
      auto blob = cipher->Encrypt(std::string_view(plain.data(), plain.size()),
                                  AadFor(s, v));
      SecureWipe(plain.data(), plain.size());
      if (!blob.ok()) return blob.status();
      v.blob = std::move(blob).value();
    }
    return OkStatus();
  }

  static std::string AadFor(const StoredSecret& s, const StoredVersion& v) {
    return ValueAadV2(s.arn, v.version_id, v.binary, v.stages);
  }

  StatusOr<SecureString> DecryptVersion(const StoredSecret& s,
                                        const StoredVersion& v) const {
    auto plain = cipher->Decrypt(v.blob, AadFor(s, v));
    if (!plain.ok()) {
      warn("INTEGRITY FAILURE: the stored value of secret " + s.name +
           " version " + v.version_id +
           " failed authentication (modified, moved or wrong key); not served");
      return ApiFailure(Msg::kIntegrityFailure);
    }
    return std::move(plain).value();
  }

  // Adds a version carrying `stages`, moving those stages from other versions
  // (AWSCURRENT's previous holder becomes AWSPREVIOUS).
  Status AddVersion(StoredSecret& s, const std::string& version_id,
                    const Payload& p, std::vector<std::string> stages) {
    StoredVersion v;
    v.version_id = version_id;
    v.created = Now();
    v.binary = p.binary;
    s.versions.push_back(std::move(v));
    for (const auto& stage : stages) MoveStage(s, stage, s.versions.back());
    // Encrypted once its labels are final (they are associated data).
    KW_ASSIGN_OR_RETURN(
        s.versions.back().blob,
        cipher->Encrypt(std::string_view(p.bytes.data(), p.bytes.size()),
                        AadFor(s, s.versions.back())));
    Prune(s);
    if (s.versions.size() > kMaxVersionsHard) return LimitExceeded();
    s.last_changed = Now();
    return OkStatus();
  }

  void MoveStage(StoredSecret& s, const std::string& stage, StoredVersion& to) {
    StoredVersion* from = nullptr;
    for (auto& v : s.versions) {
      if (&v != &to && HasStage(v, stage)) from = &v;
    }
    if (from != nullptr) DropStage(*from, stage);
    if (!HasStage(to, stage)) to.stages.push_back(stage);
    if (stage == kCurrent && from != nullptr) {
      for (auto& v : s.versions) DropStage(v, kPrevious);
      from->stages.push_back(std::string(kPrevious));
    }
  }

  // AWS: outdated (unlabelled) versions are removed when there are more
  // than 100, but never one created less than 24 hours ago.
  void Prune(StoredSecret& s) {
    double cutoff = Now() - kDay;
    while (s.versions.size() > kMaxVersions) {
      auto it = std::find_if(s.versions.begin(), s.versions.end(),
                             [cutoff](const StoredVersion& v) {
                               return v.stages.empty() && v.created <= cutoff;
                             });
      if (it == s.versions.end()) break;
      s.versions.erase(it);
    }
  }

  static StoredVersion* FindVersion(StoredSecret& s, std::string_view id) {
    return const_cast<StoredVersion*>(
        FindVersion(static_cast<const StoredSecret&>(s), id));
  }
  static const StoredVersion* FindVersion(const StoredSecret& s,
                                          std::string_view id) {
    for (const auto& v : s.versions) {
      if (v.version_id == id) return &v;
    }
    return nullptr;
  }

  // Idempotency: an existing version with this token. Returns true (and sets
  // *same) when it exists.
  StatusOr<bool> ExistingToken(StoredSecret& s, const std::string& token,
                               const Payload& p) {
    StoredVersion* v = FindVersion(s, token);
    if (v == nullptr || !v->has_value) return false;
    KW_ASSIGN_OR_RETURN(SecureString old, DecryptVersion(s, *v));
    if (v->binary != p.binary || old != p.bytes) {
      return ApiFailure(Msg::kTokenInUse, {token, s.arn});
    }
    return true;
  }

  StatusOr<std::string> TokenOrNew(const std::optional<std::string>& token) {
    if (!token) return opt.new_uuid();
    KW_RETURN_IF_ERROR(CheckToken(*token));
    return *token;
  }

  // GetSecretValue's answer for version `v` of `s`, whose value `plain`
  // moves into it.
  static secrets::SecretValueResult ValueResult(const StoredSecret& s,
                                                const StoredVersion& v,
                                                SecureString plain) {
    secrets::SecretValueResult out{
        s.arn, s.name, v.version_id, v.stages, {}, FromEpochSeconds(v.created)};
    SecretValue value = SecretValue::Adopt(std::move(plain));
    if (v.binary) {
      out.payload.binary = std::move(value);
    } else {
      out.payload.string = std::move(value);
    }
    return out;
  }

  // DescribeSecret's (or, with `list`, ListSecrets') entry for `s`
  // (service_read.cc).
  secrets::SecretMetadata MetadataOf(const StoredSecret& s, bool list) const;

  // Selects the version GetSecretValue asks for (service_read.cc).
  StatusOr<const StoredVersion*> SelectVersion(
      const StoredSecret& s, const std::string& version_id,
      const std::string& stage_in) const;

  // Stores written before labels were bound into the associated data
  // ("value_aad" meta absent) are re-encrypted once, in one transaction (a
  // crash leaves either format); a value failing the old check is left as
  // it is (never served) and reported.
  Status MigrateValueAad(std::vector<StoredSecret>& all) {
    auto done = store->GetMeta("value_aad");
    if (done.ok() && *done == "2") return OkStatus();
    if (done.ok()) {
      return FailedPreconditionError(
          "store: unknown value format " + *done +
          " (written by a newer keyward?); refusing to start");
    }
    if (done.status().code() != StatusCode::kNotFound) return done.status();
    std::vector<const StoredSecret*> changed;
    for (auto& s : all) {
      for (auto& v : s.versions) {
        auto plain =
            cipher->Decrypt(v.blob, ValueAad(s.name, v.version_id, v.binary));
        if (!plain.ok()) {
          warn("INTEGRITY FAILURE: the stored value of secret " + s.name +
               " version " + v.version_id +
               " failed authentication during migration; left as is");
          continue;
        }
        auto blob = cipher->Encrypt(
            std::string_view(plain->data(), plain->size()), AadFor(s, v));
        SecureWipe(plain->data(), plain->size());
        if (!blob.ok()) return blob.status();
        v.blob = std::move(blob).value();
      }
      if (!s.versions.empty()) changed.push_back(&s);
    }
    return store->SaveMany(changed, "value_aad", "2");
  }

  // --- operations ---------------------------------------------------------

  StatusOr<secrets::SecretValueResult> GetSecretValue(
      const secrets::GetSecretValueRequest& req, const Caller& caller) {
    return GetOne(req.secret_id, req.version_id, req.version_stage, caller);
  }
  StatusOr<secrets::SecretValueResult> GetOne(const std::string& id,
                                              const std::string& version_id,
                                              const std::string& stage,
                                              const Caller& caller);
  void TouchAccessed(const std::string& arn, const std::string& version_id);
  // Writes the pending LastAccessedDate updates. Requires exclusive mu.
  void FlushTouched();
  StatusOr<secrets::BatchGetSecretValueResult> BatchGetSecretValue(
      const secrets::wire::BatchValueRequest& req, const Caller& caller);
  StatusOr<secrets::SecretMetadata> DescribeSecret(
      const secrets::wire::SecretIdRequest& req, const Caller& caller);
  StatusOr<secrets::ListSecretsResult> ListSecrets(
      const secrets::wire::SecretListRequest& req, const Caller& caller);
  StatusOr<secrets::wire::CreateResult> CreateSecret(
      const secrets::wire::SecretCreateRequest& req, const Caller& caller);
  StatusOr<secrets::wire::ValueWriteResult> PutSecretValue(
      const secrets::wire::ValueWriteRequest& req, const Caller& caller);
  StatusOr<secrets::WriteResult> UpdateSecret(
      const secrets::wire::SecretUpdateRequest& req, const Caller& caller);
  StatusOr<secrets::DeleteSecretResult> DeleteSecret(
      const secrets::DeleteSecretRequest& req, const Caller& caller);
  StatusOr<secrets::wire::SecretRef> RestoreSecret(
      const secrets::wire::SecretIdRequest& req, const Caller& caller);
  StatusOr<secrets::ListSecretVersionIdsResult> ListSecretVersionIds(
      const secrets::wire::VersionListRequest& req, const Caller& caller);
  StatusOr<secrets::wire::SecretRef> UpdateSecretVersionStage(
      const secrets::wire::StageMoveRequest& req, const Caller& caller);
  StatusOr<secrets::wire::EmptyResult> TagResource(
      const secrets::wire::TagResourceRequest& req, const Caller& caller);
  StatusOr<secrets::wire::EmptyResult> UntagResource(
      const secrets::wire::UntagResourceRequest& req, const Caller& caller);
  StatusOr<secrets::wire::RandomPasswordResult> GetRandomPassword(
      const secrets::GetRandomPasswordRequest& req, const Caller& caller);
  // rotation_ops.cc
  StatusOr<secrets::WriteResult> RotateSecret(
      const secrets::wire::RotateSecretRequest& req, const Caller& caller);
  StatusOr<secrets::WriteResult> CancelRotateSecret(
      const secrets::wire::SecretIdRequest& req, const Caller& caller);
  // Completes a rotation whose hook steps all succeeded; false (and a
  // warning) when finishSecret left AWSCURRENT elsewhere.
  bool FinishRotation(const std::string& arn, const std::string& token);
  // Stages and queues the rotations whose window has opened.
  void StartDueRotations();
  // replication_ops.cc
  StatusOr<secrets::wire::ReplicationResult> ReplicateSecretToRegions(
      const secrets::wire::ReplicateSecretToRegionsRequest& req,
      const Caller& caller);
  StatusOr<secrets::wire::ReplicationResult> RemoveRegionsFromReplication(
      const secrets::wire::RemoveRegionsFromReplicationRequest& req,
      const Caller& caller);
  StatusOr<secrets::wire::ArnResult> StopReplicationToReplica(
      const secrets::wire::SecretIdRequest& req, const Caller& caller);
  StatusOr<StoredSecret> ReplicaOf(const StoredSecret& primary,
                                   const std::string& region,
                                   const StoredSecret* old);
  Status SyncReplicas(const StoredSecret& primary);
  Status Drop(const std::string& arn);
  Status AddReplicas(StoredSecret& updated,
                     const std::vector<secrets::wire::ReplicaRegion>& regions,
                     bool force);
  // resource_policy_ops.cc (typed: the dispatch table decodes the request
  // and encodes the response with the wire codec, secrets/wire.h)
  StatusOr<secrets::wire::SecretRef> PutResourcePolicy(
      const secrets::wire::PutResourcePolicyRequest& req, const Caller& caller);
  StatusOr<secrets::ResourcePolicyResult> GetResourcePolicy(
      const secrets::wire::SecretIdRequest& req, const Caller& caller);
  StatusOr<secrets::wire::SecretRef> DeleteResourcePolicy(
      const secrets::wire::SecretIdRequest& req, const Caller& caller);
  StatusOr<secrets::wire::ValidateResourcePolicyResult> ValidateResourcePolicy(
      const secrets::wire::ValidateResourcePolicyRequest& req,
      const Caller& caller);

  // Copy -> modify -> persist: `change` (Status(StoredSecret&)) edits a copy
  // that becomes `*s` once persisted; on failure `*s` is left as it was.
  template <class Change>
  Status Update(StoredSecret* s, Change&& change) {
    StoredSecret updated = *s;
    KW_RETURN_IF_ERROR(change(updated));
    KW_RETURN_IF_ERROR(Persist(updated, s));
    *s = std::move(updated);
    return OkStatus();
  }

  // Looks up a live secret for a write, authorizing `op` first.
  StatusOr<StoredSecret*> ForWrite(const std::string& id, std::string_view op,
                                   const Caller& caller,
                                   bool allow_deleted = false) {
    KW_RETURN_IF_ERROR(AuthorizeId(caller, op, id));
    StoredSecret* s = Find(id, RegionOf(caller));
    if (s == nullptr) return NotFound();
    if (s->deleted != 0 && !allow_deleted) return MarkedForDeletion();
    // A replica is read-only (AWS); StopReplicationToReplica promotes it.
    if (op != "StopReplicationToReplica") {
      KW_RETURN_IF_ERROR(RefuseOnReplica(*s));
    }
    return s;
  }

  // The lock-free copy of every secret that GetSecretValue reads
  // (read_index.h); published under exclusive mu after each durable change.
  ReadIndex index;

  // Declared last: destroyed first, so its thread stops while the rest of
  // the service still exists.
  std::shared_ptr<Rotator> rotator;
};

}  // namespace keyward::server

#endif  // KEYWARD_SRC_SERVER_SERVICE_INTERNAL_H_
