#include "keyward/inventory/drift.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

namespace keyward::inventory {
namespace {

using secrets::SecretMetadata;

// Collects the top-level keys of an object; values are skipped, never stored.
class KeySax : public nlohmann::json::json_sax_t {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return Scalar(); }
  bool number_integer(number_integer_t) override { return Scalar(); }
  bool number_unsigned(number_unsigned_t) override { return Scalar(); }
  bool number_float(number_float_t, const string_t&) override {
    return Scalar();
  }
  bool string(string_t& s) override {
    // The value's bytes are ours to wipe (nlohmann hands us its buffer).
    std::fill(s.begin(), s.end(), '\0');
    return Scalar();
  }
  bool binary(binary_t&) override { return Scalar(); }
  bool start_object(std::size_t) override {
    if (depth_ == 0) is_object_ = true;
    ++depth_;
    return true;
  }
  bool key(string_t& k) override {
    if (depth_ == 1) keys_.push_back(k);
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    ++depth_;
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::json::exception&) override {
    return false;
  }

  bool is_object() const { return is_object_; }
  std::vector<std::string>& keys() { return keys_; }

 private:
  bool Scalar() { return true; }
  int depth_ = 0;
  bool is_object_ = false;
  std::vector<std::string> keys_;
};

void Progress(const DriftOptions& o, std::size_t done, std::size_t total) {
  if (o.progress) o.progress(done, total);
}

StatusOr<std::vector<SecretMetadata>> ListStore(secrets::SecretsManagerApi& api,
                                                const DriftOptions& options) {
  secrets::ListSecretsRequest req;
  req.include_planned_deletion = true;
  req.max_results = 100;
  std::vector<SecretMetadata> all;
  for (int page = 0; page < 100000; ++page) {
    KW_ASSIGN_OR_RETURN(secrets::ListSecretsResult r, api.ListSecrets(req));
    for (auto& s : r.secrets) all.push_back(std::move(s));
    Progress(options, all.size(), 0);
    if (r.next_token.empty() || r.next_token == req.next_token) return all;
    req.next_token = std::move(r.next_token);
  }
  return InternalError("ListSecrets pagination did not end");
}

// Reads the property keys of `names`: batches of 20, one by one when the
// batch call is unavailable. Errors per secret are returned as Status.
std::unordered_map<std::string, StatusOr<std::vector<std::string>>> ReadKeys(
    secrets::SecretsManagerApi& api, const std::vector<std::string>& names,
    const DriftOptions& options) {
  std::unordered_map<std::string, StatusOr<std::vector<std::string>>> out;
  auto keys_of = [](const secrets::SecretValueResult& v)
      -> StatusOr<std::vector<std::string>> {
    if (!v.payload.string) {
      return InvalidArgumentError(
          "the value is binary (SecretBinary), not a JSON object");
    }
    return JsonObjectKeys(v.payload.string->Reveal());
  };
  bool batch = true;
  for (std::size_t i = 0; i < names.size(); i += 20) {
    std::vector<std::string> chunk(
        names.begin() + i, names.begin() + std::min(names.size(), i + 20));
    if (batch) {
      secrets::BatchGetSecretValueRequest req;
      req.secret_ids = chunk;
      auto r = api.BatchGetSecretValue(req);
      if (r.ok()) {
        for (const auto& v : r->values) out.emplace(v.name, keys_of(v));
        for (const auto& e : r->errors) {
          out.emplace(e.secret_id, PermissionDeniedError(e.error_code));
        }
        Progress(options, std::min(names.size(), i + 20), names.size());
        continue;
      }
      batch = false;  // e.g. not permitted (it needs "*") or not implemented
    }
    for (const std::string& name : chunk) {
      auto v = api.GetSecretValue(
          {.secret_id = name, .version_id = "", .version_stage = ""});
      if (v.ok()) {
        out.emplace(name, keys_of(*v));
      } else {
        out.emplace(name, v.status());
      }
    }
    Progress(options, std::min(names.size(), i + 20), names.size());
  }
  return out;
}

void CompareKeys(const Secret& s,
                 const StatusOr<std::vector<std::string>>& keys,
                 std::vector<DriftItem>& items) {
  if (!keys.ok()) {
    std::string why =
        keys.status().code() == StatusCode::kInvalidArgument
            ? keys.status().message()
            : "could not read the value (" +
                  std::string(StatusCodeToString(keys.status().code())) + ")";
    items.push_back({DriftKind::kUnreadable, s.name, s.line, why, {}, {}});
    return;
  }
  std::set<std::string> declared(s.properties.begin(), s.properties.end());
  std::set<std::string> actual(keys->begin(), keys->end());
  DriftItem item{DriftKind::kPropertyMismatch, s.name, s.line, "", {}, {}};
  for (const auto& k : declared) {
    if (!actual.count(k)) item.missing_keys.push_back(k);
  }
  for (const auto& k : actual) {
    if (!declared.count(k)) item.extra_keys.push_back(k);
  }
  if (item.missing_keys.empty() && item.extra_keys.empty()) return;
  auto join = [](const std::vector<std::string>& v) {
    std::string o;
    for (const auto& k : v) o += (o.empty() ? "" : ", ") + k;
    return o;
  };
  if (!item.missing_keys.empty())
    item.detail = "declared but not in the value: " + join(item.missing_keys);
  if (!item.extra_keys.empty()) {
    item.detail += (item.detail.empty() ? "" : "; ") +
                   std::string("in the value but not declared: ") +
                   join(item.extra_keys);
  }
  items.push_back(std::move(item));
}

}  // namespace

std::string_view DriftKindName(DriftKind kind) {
  switch (kind) {
    case DriftKind::kMissing:
      return "missing";
    case DriftKind::kUnmanaged:
      return "unmanaged";
    case DriftKind::kScheduledForDeletion:
      return "scheduled-for-deletion";
    case DriftKind::kDescriptionMismatch:
      return "description-mismatch";
    case DriftKind::kPropertyMismatch:
      return "property-mismatch";
    case DriftKind::kUnreadable:
      return "unreadable";
  }
  return "unknown";
}

StatusOr<std::vector<std::string>> JsonObjectKeys(std::string_view json) {
  KeySax sax;
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(json.begin(), json.end(), &sax);
  } catch (const std::exception&) {
    ok = false;
  }
  if (!ok || !sax.is_object()) {
    return InvalidArgumentError("the value is not a JSON object of properties");
  }
  std::vector<std::string> keys = std::move(sax.keys());
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

namespace {

// Drift between a declared secret and its store entry (null: none);
// false when there is no live entry to read.
bool CompareMetadata(const Secret& s, const SecretMetadata* m,
                     std::vector<DriftItem>& items) {
  if (m == nullptr) {
    items.push_back({DriftKind::kMissing,
                     s.name,
                     s.line,
                     "declared in the inventory but not in the store",
                     {},
                     {}});
    return false;
  }
  if (m->deleted_date) {
    items.push_back({DriftKind::kScheduledForDeletion,
                     s.name,
                     s.line,
                     "scheduled for deletion in the store (restore it or "
                     "remove it from the inventory)",
                     {},
                     {}});
    return false;
  }
  if (m->description != s.description) {
    items.push_back({DriftKind::kDescriptionMismatch,
                     s.name,
                     s.line,
                     "store description differs: \"" + m->description + "\"",
                     {},
                     {}});
  }
  return true;
}

// The store's secrets the inventory does not declare, by name.
void AddUnmanaged(const std::vector<SecretMetadata>& store,
                  const std::set<std::string>& declared,
                  std::vector<DriftItem>& items) {
  std::vector<const SecretMetadata*> unmanaged;
  for (const auto& m : store) {
    if (!declared.count(m.name)) unmanaged.push_back(&m);
  }
  std::sort(unmanaged.begin(), unmanaged.end(),
            [](const SecretMetadata* a, const SecretMetadata* b) {
              return a->name < b->name;
            });
  for (const SecretMetadata* m : unmanaged) {
    items.push_back(
        {DriftKind::kUnmanaged,
         m->name,
         0,
         m->deleted_date.has_value()
             ? "in the store (scheduled for deletion), not in the inventory"
             : "in the store but not declared in the inventory",
         {},
         {}});
  }
}

// The inventory entry for a secret found in the store; the owner tag's
// value is recorded for each consumer in `owners`.
Secret ImportedSecret(const SecretMetadata& m, const ImportOptions& options,
                      std::map<std::string, std::string>* owners) {
  Secret s;
  s.name = m.name;
  s.description =
      m.description.empty() ? "TODO: describe this secret" : m.description;
  for (const auto& t : m.tags) {
    if (t.key != options.consumers_tag) continue;
    std::size_t start = 0;
    while (start <= t.value.size()) {
      std::size_t comma = t.value.find_first_of(", ", start);
      if (comma == std::string::npos) comma = t.value.size();
      std::string c = t.value.substr(start, comma - start);
      if (!c.empty()) s.consumers.push_back(c);
      start = comma + 1;
    }
  }
  for (const auto& t : m.tags) {
    if (t.key == options.owner_tag) {
      for (const auto& c : s.consumers) owners->emplace(c, t.value);
    }
  }
  s.category = CategoryOf(s.name);
  s.rotation.status =
      m.rotation_enabled ? RotationStatus::kAutomatic : RotationStatus::kNone;
  if (m.last_rotated_date)
    s.rotation.last_rotated = FormatIso8601(*m.last_rotated_date).substr(0, 10);
  return s;
}

// One application entry per consumer named by the imported secrets.
void AddApplications(const std::map<std::string, std::string>& owners,
                     Inventory* inv) {
  std::set<std::string> apps;
  for (const Secret& s : inv->secrets)
    apps.insert(s.consumers.begin(), s.consumers.end());
  for (const std::string& a : apps) {
    Application app;
    app.name = a;
    app.description = "TODO: describe this application";
    auto o = owners.find(a);
    if (o != owners.end()) app.owner = o->second;
    inv->applications.push_back(std::move(app));
  }
}

}  // namespace

StatusOr<DriftReport> CheckDrift(const Inventory& inventory,
                                 secrets::SecretsManagerApi& api,
                                 const DriftOptions& options) {
  KW_ASSIGN_OR_RETURN(std::vector<SecretMetadata> store,
                      ListStore(api, options));
  DriftReport report;
  report.declared = inventory.secrets.size();
  report.in_store = store.size();
  report.values_compared = options.compare_values;
  std::unordered_map<std::string, const SecretMetadata*> by_name;
  for (const auto& m : store) by_name.emplace(m.name, &m);
  std::set<std::string> declared;
  std::vector<std::string> to_read;
  for (const Secret& s : inventory.secrets) {
    declared.insert(s.name);
    auto it = by_name.find(s.name);
    bool live = CompareMetadata(s, it == by_name.end() ? nullptr : it->second,
                                report.items);
    if (live && options.compare_values) to_read.push_back(s.name);
  }
  if (!to_read.empty()) {
    auto keys = ReadKeys(api, to_read, options);
    for (const Secret& s : inventory.secrets) {
      auto it = keys.find(s.name);
      if (it != keys.end()) CompareKeys(s, it->second, report.items);
    }
  }
  AddUnmanaged(store, declared, report.items);
  // Inventory order (by line), then the store's secrets the inventory
  // does not declare.
  std::stable_sort(report.items.begin(), report.items.end(),
                   [](const DriftItem& a, const DriftItem& b) {
                     return (a.line == 0 ? 1 << 30 : a.line) <
                            (b.line == 0 ? 1 << 30 : b.line);
                   });
  return report;
}

StatusOr<ImportResult> ImportFromStore(secrets::SecretsManagerApi& api,
                                       const ImportOptions& options) {
  DriftOptions list_options;
  KW_ASSIGN_OR_RETURN(std::vector<SecretMetadata> store,
                      ListStore(api, list_options));
  std::sort(store.begin(), store.end(),
            [](const SecretMetadata& a, const SecretMetadata& b) {
              return a.name < b.name;
            });
  ImportResult result;
  Inventory& inv = result.inventory;
  inv.version = kInventoryVersion;
  std::vector<std::string> names;
  std::map<std::string, std::string> owners;  // app -> owner
  for (const SecretMetadata& m : store) {
    if (m.deleted_date) continue;
    Secret s = ImportedSecret(m, options, &owners);
    if (s.consumers.empty()) {
      ++result.without_consumers;
      result.comments[s.name] =
          "TODO: consumers unknown; list the applications that read it";
    }
    names.push_back(s.name);
    inv.secrets.push_back(std::move(s));
  }
  if (options.read_values && !names.empty()) {
    auto keys = ReadKeys(api, names, list_options);
    for (Secret& s : inv.secrets) {
      auto it = keys.find(s.name);
      if (it != keys.end() && it->second.ok()) {
        s.properties = *it->second;
      } else {
        result.comments[s.name] +=
            std::string(result.comments[s.name].empty() ? "" : "; ") +
            "TODO: properties unknown (value unreadable or not a JSON object)";
      }
    }
  }
  AddApplications(owners, &inv);
  return result;
}

}  // namespace keyward::inventory
