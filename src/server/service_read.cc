// keyward server's read operations: GetSecretValue, BatchGetSecretValue,
// DescribeSecret, ListSecrets.
#include <cmath>

#include "keyward/naming.h"
#include "server/service_internal.h"

namespace keyward::server {

StatusOr<secrets::SecretValueResult> SecretsService::Impl::GetOne(
    const std::string& id, const std::string& version_id,
    const std::string& stage, const Caller& caller) {
  // The read index (read_index.h): no lock on this path. `s` is an
  // immutable copy, valid until this thread's next index lookup.
  const std::string& region = RegionOf(caller);
  const std::string prefix = ArnPrefix(region);
  ReadIndex::Slot tmp;
  const StoredSecret* s = index.Find(id, region, prefix, &tmp);
  if (s != nullptr && s->deleted != 0 && s->deleted <= Now())
    s = nullptr;  // expired, as Find
  if (s == nullptr) {
    KW_RETURN_IF_ERROR(Authorize(caller, "GetSecretValue",
                                 id.starts_with("arn:") ? id : prefix + id,
                                 id));
    return NotFound();
  }
  KW_RETURN_IF_ERROR(
      Authorize(caller, "GetSecretValue", s->arn, id, s, stage, version_id));
  if (s->deleted != 0) return MarkedForDeletion();
  KW_ASSIGN_OR_RETURN(const StoredVersion* v,
                      SelectVersion(*s, version_id, stage));
  KW_ASSIGN_OR_RETURN(SecureString plain, DecryptVersion(*s, *v));
  secrets::SecretValueResult out = ValueResult(*s, *v, std::move(plain));
  double today = std::floor(Now() / kDay) * kDay;
  if (s->last_accessed != today || v->last_accessed != today)
    TouchAccessed(s->arn, v->version_id);
  return out;
}

// Selects the version GetSecretValue asks for.
StatusOr<const StoredVersion*> SecretsService::Impl::SelectVersion(
    const StoredSecret& s, const std::string& version_id,
    const std::string& stage_in) const {
  std::string stage =
      stage_in.empty() && version_id.empty() ? std::string(kCurrent) : stage_in;
  const StoredVersion* v = nullptr;
  if (!version_id.empty()) {
    v = FindVersion(s, version_id);
    if (v == nullptr) {
      return ApiFailure(Msg::kNoValueForVersion, {version_id});
    }
    if (!stage.empty() && !HasStage(*v, stage)) {
      return ApiFailure(Msg::kStageNotOnVersion);
    }
    if (!v->has_value) return ApiFailure(Msg::kNoValueForVersion, {version_id});
    return v;
  }
  for (const auto& c : s.versions) {
    if (HasStage(c, stage)) v = &c;
  }
  if (v == nullptr || !v->has_value) {
    return ApiFailure(Msg::kNoValueForStage, {stage});
  }
  return v;
}

// LastAccessedDate has day granularity (as in AWS), so this happens at most
// once a day per version and the hot read path stays lock-free. The date
// is updated in memory now and written with the next write, at most a
// minute later, or at shutdown, in one batched transaction: a read never
// waits for an fsync of its own.
void SecretsService::Impl::TouchAccessed(const std::string& arn,
                                         const std::string& version_id) {
  std::unique_lock lock(mu);
  auto it = by_arn.find(arn);
  if (it == by_arn.end()) return;
  double now = Now();
  double today = std::floor(now / kDay) * kDay;
  it->second.last_accessed = today;
  if (StoredVersion* v = FindVersion(it->second, version_id))
    v->last_accessed = today;
  index.Put(it->second);
  if (touched.empty()) first_touch = now;
  touched.insert(arn);
  if (now - first_touch >= 60) FlushTouched();
}

void SecretsService::Impl::FlushTouched() {
  if (touched.empty()) return;
  std::vector<const StoredSecret*> batch;
  for (const auto& arn : touched) {
    auto it = by_arn.find(arn);
    if (it != by_arn.end()) batch.push_back(&it->second);
  }
  Status st = store->SaveDocs(batch);
  if (!st.ok()) {
    warn("store write failed (last accessed dates): " + st.message());
  }
  touched.clear();
}

StatusOr<secrets::BatchGetSecretValueResult>
SecretsService::Impl::BatchGetSecretValue(
    const secrets::wire::BatchValueRequest& req, const Caller& caller) {
  std::vector<std::string> ids =
      req.secret_id_list.value_or(std::vector<std::string>{});
  KW_ASSIGN_OR_RETURN(std::vector<Filter> filters, CheckFilters(req.filters));
  const std::optional<std::string>& token = req.next_token;
  const bool has_ids = req.secret_id_list.has_value();
  const bool has_filters = req.filters.has_value();
  if (has_ids == has_filters) {
    return ApiFailure(Msg::kBatchIdsOrFilters);
  }
  if (has_ids && req.max_results) {
    return ApiFailure(Msg::kBatchMaxResultsNeedsFilters);
  }
  if (ids.size() > 20)
    return Validation("secretIdList",
                      "Member must have length less than or equal to 20");
  KW_RETURN_IF_ERROR(Authorize(caller, "BatchGetSecretValue", "*", "*"));
  // Filters enumerate secrets: AWS requires ListSecrets for them too.
  if (has_filters)
    KW_RETURN_IF_ERROR(Authorize(caller, "ListSecrets", "*", "*"));
  secrets::BatchGetSecretValueResult out;
  if (has_filters) {
    KW_ASSIGN_OR_RETURN(int page, PageSize(req.max_results, 20, 20));
    std::size_t offset = 0;
    if (token) {
      KW_ASSIGN_OR_RETURN(offset, DecodeToken(*token));
    }
    {
      std::shared_lock lock(mu);
      std::vector<const StoredSecret*> matches;
      const std::string& region = RegionOf(caller);
      for (const auto& [arn, s] : by_arn) {
        if (s.region == region && s.deleted == 0 && AllFiltersMatch(s, filters))
          matches.push_back(&s);
      }
      std::sort(matches.begin(), matches.end(), [](auto* a, auto* b) {
        return std::tie(a->created, a->name) < std::tie(b->created, b->name);
      });
      for (std::size_t i = offset;
           i < matches.size() && ids.size() < static_cast<std::size_t>(page);
           ++i) {
        ids.push_back(matches[i]->name);
      }
      if (offset + ids.size() < matches.size())
        out.next_token = EncodeToken(offset + ids.size());
    }
  }
  for (const auto& id : ids) {
    StatusOr<secrets::SecretValueResult> v = GetOne(id, "", "", caller);
    if (v.ok()) {
      out.values.push_back(std::move(v).value());
    } else {
      out.errors.push_back({id, v.status().error_type(), v.status().message()});
    }
  }
  return out;
}

secrets::SecretMetadata SecretsService::Impl::MetadataOf(const StoredSecret& s,
                                                         bool list) const {
  secrets::SecretMetadata m;
  m.arn = s.arn;
  m.name = s.name;
  m.description = s.description;
  m.kms_key_id = s.kms_key_id;
  m.tags = s.tags;
  // Like AWS: the version map only when there are versions (the codec
  // omits an empty one), rotation members only once rotation was
  // configured.
  for (const auto& v : s.versions) {
    if (!v.stages.empty()) m.version_ids_to_stages[v.version_id] = v.stages;
  }
  m.created_date = FromEpochSeconds(s.created);
  m.last_changed_date = FromEpochSeconds(s.last_changed);
  if (s.last_accessed != 0)
    m.last_accessed_date = FromEpochSeconds(s.last_accessed);
  if (s.deleted != 0) m.deleted_date = FromEpochSeconds(s.deletion_requested);
  AddRotation(s, list, m);
  AddReplication(s, list, m);
  return m;
}

StatusOr<secrets::SecretMetadata> SecretsService::Impl::DescribeSecret(
    const secrets::wire::SecretIdRequest& req, const Caller& caller) {
  std::shared_lock lock(mu);
  KW_RETURN_IF_ERROR(AuthorizeId(caller, "DescribeSecret", req.secret_id));
  StoredSecret* s = Find(req.secret_id, RegionOf(caller));
  if (s == nullptr) return NotFound();
  return MetadataOf(*s, false);
}

StatusOr<secrets::ListSecretsResult> SecretsService::Impl::ListSecrets(
    const secrets::wire::SecretListRequest& req, const Caller& caller) {
  KW_ASSIGN_OR_RETURN(std::vector<Filter> filters, CheckFilters(req.filters));
  KW_ASSIGN_OR_RETURN(int page, PageSize(req.max_results, 100, 100));
  const bool include_deleted = req.include_planned_deletion;
  const std::optional<std::string>& token = req.next_token;
  const std::optional<std::string>& order = req.sort_order;
  if (order && *order != "asc" && *order != "desc") {
    return Validation("sortOrder",
                      "Member must satisfy enum value set: [asc, desc]");
  }
  const std::optional<std::string>& sort_by = req.sort_by;
  static const std::vector<std::string> kSortKeys = {
      "created-date", "last-accessed-date", "last-changed-date", "name"};
  if (sort_by && std::find(kSortKeys.begin(), kSortKeys.end(), *sort_by) ==
                     kSortKeys.end()) {
    return Validation("sortBy",
                      "Member must satisfy enum value set: [created-date, "
                      "last-accessed-date, last-changed-date, name]");
  }
  std::size_t offset = 0;
  if (token) {
    KW_ASSIGN_OR_RETURN(offset, DecodeToken(*token));
  }
  KW_RETURN_IF_ERROR(Authorize(caller, "ListSecrets", "*", "*"));
  std::shared_lock lock(mu);
  double now = Now();
  std::vector<const StoredSecret*> matches;
  const std::string& region = RegionOf(caller);
  for (const auto& [arn, s] : by_arn) {
    if (s.region != region) continue;
    if (s.deleted != 0 && (!include_deleted || s.deleted <= now)) continue;
    if (AllFiltersMatch(s, filters)) matches.push_back(&s);
  }
  bool desc = order && *order == "desc";
  // AWS: sorted by SortBy (default created-date), SortOrder (default asc).
  std::string by = sort_by.value_or("created-date");
  auto key = [&by](const StoredSecret* s) {
    double d = by == "last-accessed-date"  ? s->last_accessed
               : by == "last-changed-date" ? s->last_changed
               : by == "name"              ? 0.0
                                           : s->created;
    return std::pair<double, const std::string&>(d, s->name);
  };
  std::stable_sort(matches.begin(), matches.end(),
                   [&](const StoredSecret* a, const StoredSecret* b) {
                     auto ka = key(a), kb = key(b);
                     return desc ? kb < ka : ka < kb;
                   });
  secrets::ListSecretsResult out;
  std::size_t end =
      std::min(matches.size(), offset + static_cast<std::size_t>(page));
  for (std::size_t i = offset; i < end; ++i)
    out.secrets.push_back(MetadataOf(*matches[i], true));
  if (end < matches.size()) out.next_token = EncodeToken(end);
  return out;
}

}  // namespace keyward::server
