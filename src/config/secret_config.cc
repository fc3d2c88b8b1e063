// SecretConfig: validates declarations, loads them through SecretCache and
// folds every problem into one error.
#include "keyward/secret_config.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
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
  // Each line carries its own error type; the combined status has one only
  // when every problem has that same type (else a type printed after the
  // last line would seem to belong to it).
  std::string type = problems.front().status.error_type();
  for (const Problem& p : problems) {
    if (p.status.error_type() != type) type.clear();
  }
  return Status(problems.front().status.code(), std::move(msg),
                std::move(type));
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
    config->AddHandle(fetched[i]->name, std::move(handles[i]));
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

namespace {
// A fast hash of a declared name: up to four 8-byte words mixed in parallel
// (names are chosen by the application, not by an attacker, and every probe
// compares the whole name).
inline std::uint64_t Word(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof(w));
  return w;
}
inline std::uint64_t Rotl(std::uint64_t x, int r) {
  return (x << r) | (x >> (64 - r));
}
std::uint64_t HashName(std::string_view s) {
  const char* p = s.data();
  const std::size_t n = s.size();
  std::uint64_t a, b, c = 0, d = 0;
  if (n >= 8) {
    a = Word(p);
    b = Word(p + n - 8);
    if (n > 16) {
      c = Word(p + 8);
      d = Word(p + n - 16);
      for (std::size_t i = 16; i < n - 16; i += 8) {
        c = Rotl(c, 29) ^ Word(p + i);
      }
    }
  } else {
    a = 0;
    b = 0;
    if (n > 0) std::memcpy(&a, p, n);
  }
  std::uint64_t h =
      ((a ^ 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull) ^
      Rotl((b ^ n) * 0x94d049bb133111ebull, 23) ^
      Rotl((c ^ 0xff51afd7ed558ccdull) * 0xc4ceb9fe1a85ec53ull, 41) ^
      Rotl((d + 0x2545f4914f6cdd1dull) * 0x9e3779b97f4a7c15ull, 11);
  return h ^ (h >> 31);
}
// a[0, n) == b[0, n) for n >= 8, with overlapping word loads (no call).
bool EqualWords(const char* a, const char* b, std::size_t n) {
  std::uint64_t diff = Word(a + n - 8) ^ Word(b + n - 8);
  for (std::size_t i = 0; i + 8 < n; i += 8) diff |= Word(a + i) ^ Word(b + i);
  return diff == 0;
}
bool SameName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.size() < 8) return a == b;
  return EqualWords(a.data(), b.data(), a.size());
}
}  // namespace

const SecretHandle* SecretConfig::Find(std::string_view name) const {
  if (handles_.empty()) return nullptr;
  const std::uint64_t h = HashName(name);
  const std::size_t mask = handles_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    const Named& e = handles_[i];
    if (e.name.empty()) return nullptr;
    if (e.hash == h && SameName(e.name, name)) return &e.handle;
  }
}

void SecretConfig::AddHandle(const std::string& name, SecretHandle handle) {
  std::size_t used = 0;
  for (const Named& e : handles_) used += e.name.empty() ? 0 : 1;
  if (2 * (used + 1) > handles_.size()) {  // grow: keep it at most half full
    std::vector<Named> old = std::move(handles_);
    handles_.assign(std::max<std::size_t>(16, old.size() * 2), Named());
    for (Named& e : old) {
      if (!e.name.empty()) AddHandle(e.name, std::move(e.handle));
    }
  }
  const std::uint64_t h = HashName(name);
  const std::size_t mask = handles_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    Named& e = handles_[i];
    if (e.name.empty()) {
      e = Named{h, name, std::move(handle)};
      return;
    }
    if (e.name == name) return;  // declared once (CheckSpecs)
  }
}

StatusOr<SecretHandle> SecretConfig::Handle(std::string_view name) const {
  const SecretHandle* h = Find(name);
  if (h == nullptr) return NotDeclared(name);
  return *h;
}

Status SecretConfig::NotDeclared(std::string_view name) {
  return NotFoundError(
      "secret '" + std::string(name) +
      "' was not declared; add it to the SecretSpec list passed to "
      "SecretConfig::Load");
}

StatusOr<Secret> SecretConfig::Get(std::string_view name) const {
  const SecretHandle* h = Find(name);
  if (h == nullptr) return NotDeclared(name);
  return h->Get();
}

Status SecretConfig::Read(std::string_view name,
                          FunctionRef<void(const Secret&)> fn) const {
  const SecretHandle* h = Find(name);
  if (h == nullptr) return NotDeclared(name);
  return h->Read(fn);
}

// Property and Port read through Read(): no reference-count operation.
StatusOr<SecretValue> SecretConfig::Property(std::string_view name,
                                             std::string_view key) const {
  std::optional<StatusOr<SecretValue>> out;
  KW_RETURN_IF_ERROR(
      Read(name, [&](const Secret& s) { out.emplace(s.Property(key)); }));
  return std::move(*out);
}

StatusOr<int> SecretConfig::Port(std::string_view name,
                                 std::string_view key) const {
  std::optional<StatusOr<int>> out;
  KW_RETURN_IF_ERROR(
      Read(name, [&](const Secret& s) { out.emplace(s.Port(key)); }));
  return std::move(*out);
}

Status SecretConfig::ForceRefresh(std::string_view name) {
  if (Find(name) == nullptr) {
    return NotFoundError("secret '" + std::string(name) + "' was not declared");
  }
  return cache_->ForceRefresh(name);
}

int SecretConfig::OnChange(std::function<void(const SecretChange&)> listener) {
  return cache_->AddListener(std::move(listener));
}

void SecretConfig::RemoveListener(int id) { cache_->RemoveListener(id); }

}  // namespace keyward
