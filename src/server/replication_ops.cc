// ReplicateSecretToRegions, RemoveRegionsFromReplication and
// StopReplicationToReplica, and the propagation of a primary's changes.
//
// As AWS documents it: a replica is a read-only copy of its primary in
// another region, with the primary's ARN in that region (same name and
// suffix), the same versions, values and metadata; every change of the
// primary is copied to its replicas (here synchronously, in the same write);
// writes on a replica are refused; StopReplicationToReplica, called in the
// replica's region, promotes the replica to a standalone secret and removes
// it from the primary's list; a primary cannot be deleted while it has
// replicas.
#include "keyward/server/auth.h"
#include "server/service_internal.h"

namespace keyward::server {

namespace wire = secrets::wire;

namespace {

constexpr std::string_view kDefaultReplicaKms = "alias/aws/secretsmanager";

std::string ArnInRegion(const std::string& arn, const std::string& from,
                        const std::string& to) {
  std::string prefix = "arn:aws:secretsmanager:" + from + ":";
  if (!arn.starts_with(prefix)) return arn;
  return "arn:aws:secretsmanager:" + to + ":" + arn.substr(prefix.size());
}

std::vector<secrets::wire::ReplicationStatus> StatusesOf(
    const std::vector<StoredReplica>& replicas) {
  std::vector<secrets::wire::ReplicationStatus> out;
  out.reserve(replicas.size());
  for (const auto& r : replicas)
    out.push_back({r.region, r.kms_key_id, r.status, r.message});
  return out;
}

}  // namespace

std::vector<secrets::ReplicationStatus> ReplicationStatusOf(
    const StoredSecret& s) {
  return StatusesOf(s.replicas);
}

// PrimaryRegion in DescribeSecret/ListSecrets; ReplicationStatus in
// DescribeSecret only (botocore's SecretListEntry has no such member).
void AddReplication(const StoredSecret& s, bool list,
                    secrets::SecretMetadata& m) {
  if (!s.primary_region.empty()) {
    m.primary_region = s.primary_region;
  } else if (!s.replicas.empty()) {
    m.primary_region = s.region;
  }
  if (!list) m.replication_status = StatusesOf(s.replicas);
}

Status RefuseOnReplica(const StoredSecret& s) {
  if (!s.primary_region.empty()) return ApiFailure(Msg::kReplicaReadOnly);
  return OkStatus();
}

Status RefuseDeleteWithReplicas(const StoredSecret& s, const std::string& id) {
  if (s.replicas.empty()) return OkStatus();
  std::string regions;
  for (const auto& r : s.replicas)
    regions += (regions.empty() ? "" : ",") + r.region;
  return ApiFailure(Msg::kDeleteWithReplicas, {id, regions});
}

// The replica of `primary` in `region` as it should now be: the primary's
// metadata and versions, values re-encrypted for the replica's ARN (bound
// into the associated data) unless `old` already holds the same version.
StatusOr<StoredSecret> SecretsService::Impl::ReplicaOf(
    const StoredSecret& primary, const std::string& region,
    const StoredSecret* old) {
  StoredSecret r = primary;
  r.arn = ArnInRegion(primary.arn, primary.region, region);
  r.region = region;
  r.primary_region = primary.region;
  for (auto& v : r.versions) {
    if (!v.has_value) continue;
    const StoredVersion* same = old ? FindVersion(*old, v.version_id) : nullptr;
    if (same != nullptr && same->stages == v.stages &&
        same->binary == v.binary && same->has_value) {
      v.blob = same->blob;
      continue;
    }
    const StoredVersion* src = FindVersion(primary, v.version_id);
    KW_ASSIGN_OR_RETURN(SecureString plain, DecryptVersion(primary, *src));
    auto blob = cipher->Encrypt(std::string_view(plain.data(), plain.size()),
                                AadFor(r, v));
    SecureWipe(plain.data(), plain.size());
    if (!blob.ok()) return blob.status();
    v.blob = std::move(blob).value();
  }
  return r;
}

// Writes `primary`'s state to each of its in-sync replicas. Requires
// exclusive mu.
Status SecretsService::Impl::SyncReplicas(const StoredSecret& primary) {
  if (!primary.primary_region.empty()) return OkStatus();
  for (const auto& rep : primary.replicas) {
    if (rep.status != "InSync") continue;
    std::string arn = ArnInRegion(primary.arn, primary.region, rep.region);
    auto it = by_arn.find(arn);
    const StoredSecret* old = it == by_arn.end() ? nullptr : &it->second;
    KW_ASSIGN_OR_RETURN(StoredSecret copy, ReplicaOf(primary, rep.region, old));
    Status st = old ? store->SaveChanges(copy, *old) : store->Save(copy);
    if (!st.ok()) {
      warn("store write failed (replica in " + rep.region +
           "): " + st.message());
      return ApiFailure(Msg::kInternal);
    }
    name_to_arn[NameKey(copy.region, copy.name)] = copy.arn;
    index.Put(copy);
    by_arn[arn] = std::move(copy);
  }
  return OkStatus();
}

// Removes a secret (a replica being dropped, or a secret overwritten by a
// replica) from the store and the maps. Requires exclusive mu.
Status SecretsService::Impl::Drop(const std::string& arn) {
  auto it = by_arn.find(arn);
  if (it == by_arn.end()) return OkStatus();
  if (Status st = store->Remove(arn); !st.ok()) {
    warn("store write failed: " + st.message());
    return ApiFailure(Msg::kInternal);
  }
  auto n = name_to_arn.find(NameKey(it->second.region, it->second.name));
  if (n != name_to_arn.end() && n->second == arn) name_to_arn.erase(n);
  index.Remove(arn);
  by_arn.erase(it);
  return OkStatus();
}

// Adds `regions` as replicas of `updated` (a primary, not yet persisted):
// a region where another secret has the name fails (or, with `force`, that
// secret is replaced).
Status SecretsService::Impl::AddReplicas(
    StoredSecret& updated, const std::vector<wire::ReplicaRegion>& regions,
    bool force) {
  // Validated first: nothing is created when one region is wrong.
  for (const auto& want : regions) {
    if (want.region == updated.region || !IsPartitionRegion(want.region))
      return ApiFailure(Msg::kInvalidReplicaRegion);
  }
  for (const auto& want : regions) {
    auto known = std::find_if(
        updated.replicas.begin(), updated.replicas.end(),
        [&](const StoredReplica& r) { return r.region == want.region; });
    if (known != updated.replicas.end() && known->status == "InSync") continue;
    if (known != updated.replicas.end()) updated.replicas.erase(known);
    StoredReplica rep{want.region,
                      want.kms_key_id.value_or(std::string(kDefaultReplicaKms)),
                      "InSync", "Replication succeeded"};
    if (StoredSecret* other = Find(updated.name, want.region)) {
      if (!force) {
        rep.status = "Failed";
        rep.message =
            FormatMessage(Msg::kReplicaNameTaken, {updated.name, want.region});
      } else {
        KW_RETURN_IF_ERROR(Drop(other->arn));
      }
    }
    updated.replicas.push_back(std::move(rep));
  }
  return OkStatus();
}

StatusOr<wire::ReplicationResult>
SecretsService::Impl::ReplicateSecretToRegions(
    const wire::ReplicateSecretToRegionsRequest& req, const Caller& caller) {
  const std::vector<wire::ReplicaRegion>& regions = req.add_replica_regions;
  std::unique_lock lock(mu);
  KW_ASSIGN_OR_RETURN(
      StoredSecret * s,
      ForWrite(req.secret_id, "ReplicateSecretToRegions", caller));
  KW_RETURN_IF_ERROR(RefuseOnReplica(*s));
  KW_RETURN_IF_ERROR(Update(s, [&](StoredSecret& u) {
    KW_RETURN_IF_ERROR(
        AddReplicas(u, regions, req.force_overwrite_replica_secret));
    u.last_changed = Now();
    return OkStatus();
  }));
  return wire::ReplicationResult{s->arn, StatusesOf(s->replicas)};
}

StatusOr<wire::ReplicationResult>
SecretsService::Impl::RemoveRegionsFromReplication(
    const wire::RemoveRegionsFromReplicationRequest& req,
    const Caller& caller) {
  const std::vector<std::string>& regions = req.remove_replica_regions;
  std::unique_lock lock(mu);
  KW_ASSIGN_OR_RETURN(
      StoredSecret * s,
      ForWrite(req.secret_id, "RemoveRegionsFromReplication", caller));
  KW_RETURN_IF_ERROR(RefuseOnReplica(*s));
  KW_RETURN_IF_ERROR(Update(s, [&](StoredSecret& u) {
    std::erase_if(u.replicas, [&](const StoredReplica& r) {
      return std::find(regions.begin(), regions.end(), r.region) !=
             regions.end();
    });
    for (const auto& r : s->replicas) {
      if (std::find(regions.begin(), regions.end(), r.region) ==
              regions.end() ||
          r.status != "InSync") {
        continue;
      }
      KW_RETURN_IF_ERROR(Drop(ArnInRegion(s->arn, s->region, r.region)));
    }
    u.last_changed = Now();
    return OkStatus();
  }));
  return wire::ReplicationResult{s->arn, StatusesOf(s->replicas)};
}

StatusOr<wire::ArnResult> SecretsService::Impl::StopReplicationToReplica(
    const wire::SecretIdRequest& req, const Caller& caller) {
  std::unique_lock lock(mu);
  KW_ASSIGN_OR_RETURN(
      StoredSecret * s,
      ForWrite(req.secret_id, "StopReplicationToReplica", caller));
  if (s->primary_region.empty()) return ApiFailure(Msg::kNotAReplica);
  std::string primary_arn = ArnInRegion(s->arn, s->region, s->primary_region);
  KW_RETURN_IF_ERROR(Update(s, [&](StoredSecret& u) {
    u.primary_region.clear();
    u.replicas.clear();
    u.last_changed = Now();
    return OkStatus();
  }));
  if (auto it = by_arn.find(primary_arn); it != by_arn.end()) {
    const std::string& region = s->region;
    KW_RETURN_IF_ERROR(Update(&it->second, [&region](StoredSecret& u) {
      std::erase_if(u.replicas, [&region](const StoredReplica& r) {
        return r.region == region;
      });
      return OkStatus();
    }));
  }
  return wire::ArnResult{s->arn};
}

}  // namespace keyward::server
