// SecretConfig: validates declarations, loads them through SecretCache and
// folds every problem into one error.
#include "keyward/secret_config.h"

#include <algorithm>
#include <map>
#include <set>

#include "keyward/naming.h"

namespace keyward {
namespace {

struct Problem {
  std::string name;
  Status status;
};

// Declaration mistakes, found before any request is sent.
std::vector<Problem> CheckSpecs(const std::vector<SecretSpec>& specs,
                                bool enforce_naming) {
  std::vector<Problem> problems;
  std::set<std::string> seen;
  for (const SecretSpec& s : specs) {
    Status name_ok = enforce_naming ? ValidateSecretName(s.name)
                                    : CheckStoreNameLimits(s.name);
    if (!name_ok.ok()) problems.push_back({s.name, name_ok});
    if (!seen.insert(s.name).second) {
      problems.push_back(
          {s.name, InvalidArgumentError("declared more than once")});
    }
    if (!s.version_id.empty() && !s.version_stage.empty()) {
      problems.push_back(
          {s.name, InvalidArgumentError(
                       "pin either version_stage or version_id, not both")});
    }
    std::set<std::string> props;
    for (const std::string& p : s.properties) {
      if (p.empty() || !props.insert(p).second) {
        problems.push_back(
            {s.name, InvalidArgumentError("property '" + p +
                                          "' is empty or declared twice")});
      }
    }
  }
  return problems;
}

bool IsAbsent(const Status& s) {
  return s.code() == StatusCode::kNotFound &&
         s.error_type() == "ResourceNotFoundException";
}

Status Combine(const std::vector<Problem>& problems, std::size_t declared) {
  std::string msg = std::to_string(problems.size()) +
                    (problems.size() == 1 ? " problem" : " problems") +
                    " loading " + std::to_string(declared) +
                    " declared secret" + (declared == 1 ? "" : "s") + ":";
  for (const Problem& p : problems) {
    msg += "\n  " + (p.name.empty() ? std::string("(empty name)") : p.name) +
           ": " + p.status.ToString();
  }
  return Status(problems.front().status.code(), std::move(msg),
                problems.front().status.error_type());
}

}  // namespace

SecretConfig::~SecretConfig() = default;

StatusOr<std::unique_ptr<SecretConfig>> SecretConfig::Load(
    std::vector<SecretSpec> specs, SecretConfigOptions options) {
  if (specs.empty())
    return InvalidArgumentError("SecretConfig::Load: no secrets declared");
  // Declaration mistakes are collected first; the valid declarations are
  // still fetched so that the one error lists store problems too.
  std::vector<Problem> problems = CheckSpecs(specs, options.enforce_naming);
  std::set<std::string> invalid;
  for (const Problem& p : problems) invalid.insert(p.name);

  std::unique_ptr<SecretConfig> config(new SecretConfig());
  KW_ASSIGN_OR_RETURN(config->cache_,
                      SecretCache::Create(std::move(options.cache)));
  std::vector<SecretCache::LoadRequest> requests;
  std::vector<const SecretSpec*> fetched;
  for (const SecretSpec& s : specs) {
    if (invalid.count(s.name)) continue;
    requests.push_back({s.name, {s.version_stage, s.version_id}, s.properties});
    fetched.push_back(&s);
  }
  std::vector<SecretHandle> handles = config->cache_->LoadDeclared(requests);
  for (std::size_t i = 0; i < fetched.size(); ++i) {
    StatusOr<Secret> got = handles[i].Get();
    if (!got.ok() && !(fetched[i]->optional && IsAbsent(got.status()))) {
      problems.push_back({fetched[i]->name, got.status()});
    }
    config->handles_.emplace(fetched[i]->name, std::move(handles[i]));
  }
  // On failure `config` (and its refresher thread) is destroyed here: no
  // partially loaded object escapes. Problems are reported in declaration
  // order.
  if (!problems.empty()) {
    std::map<std::string, std::size_t> order;
    for (std::size_t i = 0; i < specs.size(); ++i)
      order.emplace(specs[i].name, i);
    std::stable_sort(problems.begin(), problems.end(),
                     [&](const Problem& a, const Problem& b) {
                       return order[a.name] < order[b.name];
                     });
    return Combine(problems, specs.size());
  }
  return config;
}

StatusOr<Secret> SecretConfig::Get(std::string_view name) const {
  auto it = handles_.find(name);
  if (it == handles_.end()) {
    return NotFoundError(
        "secret '" + std::string(name) +
        "' was not declared; add it to the SecretSpec list passed to "
        "SecretConfig::Load");
  }
  return it->second.Get();
}

StatusOr<SecretValue> SecretConfig::Property(std::string_view name,
                                             std::string_view key) const {
  KW_ASSIGN_OR_RETURN(Secret s, Get(name));
  return s.Property(key);
}

StatusOr<int> SecretConfig::Port(std::string_view name,
                                 std::string_view key) const {
  KW_ASSIGN_OR_RETURN(Secret s, Get(name));
  return s.Port(key);
}

Status SecretConfig::ForceRefresh(std::string_view name) {
  if (handles_.find(name) == handles_.end()) {
    return NotFoundError("secret '" + std::string(name) + "' was not declared");
  }
  return cache_->ForceRefresh(name);
}

int SecretConfig::OnChange(std::function<void(const SecretChange&)> listener) {
  return cache_->AddListener(std::move(listener));
}

void SecretConfig::RemoveListener(int id) { cache_->RemoveListener(id); }

}  // namespace keyward
