#include "cli/versions.h"

#include <algorithm>

namespace keyward::cli {

StatusOr<std::vector<secrets::SecretVersion>> AllVersions(
    secrets::SecretsManagerApi& api, const std::string& name) {
  std::vector<secrets::SecretVersion> all;
  secrets::ListSecretVersionIdsRequest req;
  req.secret_id = name;
  req.include_deprecated = true;
  do {
    KW_ASSIGN_OR_RETURN(auto page, api.ListSecretVersionIds(req));
    for (auto& v : page.versions) all.push_back(std::move(v));
    req.next_token = page.next_token;
  } while (!req.next_token.empty());
  // Newest first; versions without a date last. Versions created in the same
  // second (dates have 1 s resolution) order by stage: AWSCURRENT,
  // AWSPREVIOUS, then the rest.
  auto rank = [](const secrets::SecretVersion& v) {
    if (HasStage(v.version_stages, secrets::kAwsCurrent)) return 0;
    if (HasStage(v.version_stages, secrets::kAwsPrevious)) return 1;
    return 2;
  };
  std::stable_sort(all.begin(), all.end(), [&](const auto& a, const auto& b) {
    if (a.created_date && b.created_date &&
        *a.created_date != *b.created_date) {
      return *a.created_date > *b.created_date;
    }
    if (a.created_date.has_value() != b.created_date.has_value()) {
      return a.created_date.has_value();
    }
    return rank(a) < rank(b);
  });
  return all;
}

std::string JoinStages(const std::vector<std::string>& stages) {
  std::string s;
  for (const auto& st : stages) s += (s.empty() ? "" : ",") + st;
  return s.empty() ? "(deprecated)" : s;
}

bool HasStage(const std::vector<std::string>& stages, std::string_view stage) {
  return std::find(stages.begin(), stages.end(), stage) != stages.end();
}

namespace {

// The version to move AWSCURRENT to: `to` (which must exist) or AWSPREVIOUS.
StatusOr<std::string> RollbackTarget(
    const std::string& name, const std::string& to,
    const std::vector<secrets::SecretVersion>& versions) {
  if (!to.empty()) {
    for (const auto& v : versions) {
      if (v.version_id == to) return to;
    }
    return NotFoundError("secret '" + name + "' has no version '" + to +
                         "' (see: keyward history " + name + ")");
  }
  for (const auto& v : versions) {
    if (HasStage(v.version_stages, secrets::kAwsPrevious)) return v.version_id;
  }
  return FailedPreconditionError(
      "secret '" + name +
      "' has no AWSPREVIOUS version to roll back to; pick one with "
      "--to VERSION_ID (see: keyward history " +
      name + ")");
}

}  // namespace

StatusOr<RollbackResult> Rollback(secrets::SecretsManagerApi& api,
                                  const std::string& name,
                                  const std::string& to) {
  KW_ASSIGN_OR_RETURN(auto versions, AllVersions(api, name));
  RollbackResult r;
  r.name = name;
  for (const auto& v : versions) {
    if (HasStage(v.version_stages, secrets::kAwsCurrent))
      r.previous_current = v.version_id;
  }
  KW_ASSIGN_OR_RETURN(r.version_id, RollbackTarget(name, to, versions));
  if (r.version_id == r.previous_current) return r;
  secrets::UpdateSecretVersionStageRequest req;
  req.secret_id = name;
  req.version_stage = std::string(secrets::kAwsCurrent);
  req.move_to_version_id = r.version_id;
  req.remove_from_version_id = r.previous_current;
  KW_RETURN_IF_ERROR(api.UpdateSecretVersionStage(req));
  r.changed = true;
  return r;
}

}  // namespace keyward::cli
