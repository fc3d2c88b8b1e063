#include "cli/report.h"

#include <algorithm>
#include <set>

#include "cli/versions.h"
#include "keyward/naming.h"

namespace keyward::cli {
namespace {

Criterion Centralized(const ReportInputs& in,
                      std::vector<std::string>& evidence) {
  Criterion c{
      "all secrets centralized (none only in .env/env vars)",
      CriterionStatus::kSkip,
      "not checked: pass --scan PATH for the servers' .env/config files"};
  if (!in.scan) return c;
  const auto& r = *in.scan;
  if (!r.ok()) {
    return {c.name, CriterionStatus::kFail,
            "scan failed: " + r.status().message()};
  }
  for (const auto& f : r->findings) evidence.push_back(f.ToString());
  c.status =
      r->findings.empty() ? CriterionStatus::kPass : CriterionStatus::kFail;
  c.detail = std::to_string(r->files_scanned) + " files scanned, " +
             std::to_string(r->findings.size()) +
             " secret(s) found outside the store";
  return c;
}

Criterion Complete(const ReportInputs& in, std::vector<std::string>& evidence,
                   std::vector<std::string>& unmanaged) {
  Criterion c{"inventory reflects every secret in the store",
              CriterionStatus::kSkip, "not checked (--no-store)"};
  if (!in.drift) return c;
  const auto& r = *in.drift;
  if (!r.ok()) {
    return {c.name, CriterionStatus::kFail,
            "store check failed: " + r.status().message()};
  }
  std::map<std::string, int> counts;
  for (const auto& d : r->items) {
    ++counts[std::string(inventory::DriftKindName(d.kind))];
    evidence.push_back(std::string(inventory::DriftKindName(d.kind)) + ": " +
                       d.name);
    if (d.kind == inventory::DriftKind::kUnmanaged) unmanaged.push_back(d.name);
  }
  c.status = r->InSync() ? CriterionStatus::kPass : CriterionStatus::kFail;
  c.detail = std::to_string(r->declared) + " declared, " +
             std::to_string(r->in_store) + " in the store";
  for (const auto& [k, n] : counts)
    c.detail += ", " + std::to_string(n) + " " + k;
  return c;
}

// Naming: lint's name-* errors, and unmanaged store names.
Criterion Names(const inventory::ParsedInventory& parsed,
                const std::vector<std::string>& unmanaged,
                std::vector<std::string>& evidence) {
  std::size_t bad_names = 0;
  for (const inventory::Finding& f : parsed.findings) {
    if (RuleId(f.rule).starts_with("name-") && f.severity == Severity::kError) {
      ++bad_names;
      evidence.push_back(f.ToString());
    }
  }
  for (const std::string& n : unmanaged) {
    if (!ValidateSecretName(n).ok()) {
      ++bad_names;
      evidence.push_back("store name does not follow the convention: " + n);
    }
  }
  return {"every name follows the convention",
          bad_names == 0 ? CriterionStatus::kPass : CriterionStatus::kFail,
          std::to_string(bad_names) + " name(s) violate the convention"};
}

Criterion Principals(const inventory::Inventory& inv) {
  std::set<std::string> consumers;
  for (const auto& s : inv.secrets)
    consumers.insert(s.consumers.begin(), s.consumers.end());
  std::string without;
  for (const std::string& c : consumers) {
    const inventory::Application* a = inv.FindApplication(c);
    if (a == nullptr || a->iam_principal.empty())
      without += (without.empty() ? "" : ", ") + c;
  }
  return {"every consumer has an IAM principal",
          without.empty() ? CriterionStatus::kPass : CriterionStatus::kFail,
          without.empty()
              ? std::to_string(consumers.size()) + " consumer(s) declared"
              : "no iam_principal: " + without};
}

// Days since the civil date "YYYY-MM-DD" (nullopt when malformed).
std::optional<long> DaysSince(const std::string& date, Clock::time_point now) {
  auto t = ParseIso8601(date + "T00:00:00Z");
  if (!t.ok()) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::hours>(now - *t).count() / 24;
}

}  // namespace

std::string_view CriterionStatusName(CriterionStatus status) {
  switch (status) {
    case CriterionStatus::kPass:
      return "PASS";
    case CriterionStatus::kFail:
      return "FAIL";
    case CriterionStatus::kSkip:
      return "SKIP";
  }
  return "SKIP";
}

RotationRow RotationOf(const inventory::Secret& s,
                       secrets::SecretsManagerApi* api, Clock::time_point now) {
  RotationRow r;
  if (api != nullptr) {
    auto versions = AllVersions(*api, s.name);
    if (versions.ok()) {
      for (const auto& v : *versions) {
        if (HasStage(v.version_stages, secrets::kAwsCurrent) && v.created_date)
          r.store_date = FormatIso8601(*v.created_date).substr(0, 10);
      }
    } else if (versions.status().code() == StatusCode::kNotFound) {
      r.note = "not in store";
    }
  }
  const std::string& inv_date = s.rotation.last_rotated;
  if (!r.store_date.empty() && !inv_date.empty() && r.store_date != inv_date) {
    r.disagree = true;
  }
  // Overdue: the newest known date is older than interval_days.
  std::string newest = std::max(inv_date, r.store_date);
  if (s.rotation.interval_days && !newest.empty()) {
    auto days = DaysSince(newest, now);
    if (days && *days > *s.rotation.interval_days) r.overdue = true;
  }
  std::vector<std::string> notes;
  if (!r.note.empty()) notes.push_back(r.note);
  if (r.overdue) notes.push_back("OVERDUE");
  if (r.disagree) notes.push_back("dates disagree");
  r.note.clear();
  for (const auto& n : notes) r.note += (r.note.empty() ? "" : ", ") + n;
  return r;
}

Report BuildReport(const ReportInputs& in) {
  const inventory::Inventory& inv = in.parsed->inventory;
  Report r;
  std::vector<std::string> unmanaged;
  r.criteria.push_back(Centralized(in, r.evidence));
  r.criteria.push_back(Complete(in, r.evidence, unmanaged));
  r.criteria.push_back(Names(*in.parsed, unmanaged, r.evidence));
  r.criteria.push_back(Principals(inv));
  for (const auto& c : r.criteria) {
    if (c.status == CriterionStatus::kFail) r.failed = true;
    if (c.status == CriterionStatus::kSkip) ++r.skipped;
  }
  r.verdict = r.failed ? "not met"
              : r.skipped == 0
                  ? "met"
                  : "met, " + std::to_string(r.skipped) + " not checked";
  for (const auto& s : inv.secrets)
    r.rotation[s.name] = RotationOf(s, in.store, in.now);
  return r;
}

}  // namespace keyward::cli
