// secrets-inventory.yaml: decoding the YAML tree into an Inventory and every
// lint rule (docs/inventory.md lists the rule ids).
#include "keyward/inventory/inventory.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "inventory/field_decoder.h"
#include "inventory/leak_sites.h"
#include "inventory/text_util.h"
#include "inventory/yaml_tree.h"
#include "keyward/inventory/leak.h"

namespace keyward::inventory {
namespace {

using Kind = YamlNode::Kind;

const std::vector<std::string_view> kRootFields = {"version", "applications",
                                                   "secrets"};
const std::vector<std::string_view> kAppFields = {"description", "owner",
                                                  "iam_principal", "namespace"};
const std::vector<std::string_view> kSecretFields = {
    "name", "description", "consumers", "properties", "category", "rotation"};
const std::vector<std::string_view> kRotationFields = {
    "status", "interval_days", "last_rotated", "notes"};
const std::vector<std::string_view> kRotationStatuses = {"none", "manual",
                                                         "automatic"};
// Common misspellings of the conventional property keys.
const std::map<std::string_view, std::string_view> kPropertyAliases = {
    {"user", "username"},      {"login", "username"},
    {"user_name", "username"}, {"db_user", "username"},
    {"pass", "password"},      {"passwd", "password"},
    {"pwd", "password"},       {"db_password", "password"},
    {"hostname", "host"},      {"server", "host"},
    {"endpoint", "host"},      {"api_key", "token"},
    {"apikey", "token"},       {"api_token", "token"},
    {"access_token", "token"}};

class Decoder : public FieldDecoder {
 public:
  Decoder(std::string_view path, std::string_view text,
          const ParseOptions& options)
      : FieldDecoder(path), text_(text), options_(options) {
    out_.inventory.path = std::string(path);
  }

  ParsedInventory Run(const YamlNode& root) {
    ScanLeaks(root);
    Fields f =
        ReadFields(root, kRootFields, "the top level", /*value_keys=*/false);
    DecodeVersion(f, root);
    if (Require(f, "applications", root, "the top level",
                "(every consumer is declared there)")) {
      DecodeApplications(*f["applications"].value);
    }
    if (Require(f, "secrets", root, "the top level", ""))
      DecodeSecrets(*f["secrets"].value);
    CrossChecks();
    out_.findings = TakeFindings();
    std::stable_sort(out_.findings.begin(), out_.findings.end(),
                     [](const Finding& a, const Finding& b) {
                       return std::tie(a.line, a.column) <
                              std::tie(b.line, b.column);
                     });
    return std::move(out_);
  }

 private:
  // The leak detector runs over every scalar, keys included, first: later
  // messages consult leaked_ so they never quote a secret.
  void ScanLeaks(const YamlNode& root) {
    for (const LeakSite& site : FindLeakSites(root, text_)) {
      MarkLeaked(*site.node);
      Add(site.line, site.column, LintRule::kSecretValue,
          "this looks like a secret value (" + site.kind +
              "); the inventory holds metadata only: move the value to "
              "Secrets Manager, "
              "rotate it, and remove it from Git history");
    }
  }

  void DecodeVersion(const Fields& f, const YamlNode& root) {
    auto it = f.find("version");
    if (it == f.end()) {
      Add(root, LintRule::kMissingField,
          "missing required field 'version' (add 'version: 1')");
      return;
    }
    const YamlNode& v = *it->second.value;
    if (v.kind == Kind::kScalar && !v.quoted && v.value == "1") {
      out_.inventory.version = 1;
      return;
    }
    Add(v, LintRule::kUnsupportedVersion,
        "version must be 1 (the only version this keyward reads), got " +
            (v.kind == Kind::kScalar ? Echo(v) : std::string(KindNoun(v))));
  }

  void DecodeApplications(const YamlNode& apps) {
    if (apps.kind == Kind::kNull) return;
    if (apps.kind != Kind::kMapping) {
      Add(apps, LintRule::kSchemaType,
          "'applications' must be a mapping of application name to "
          "details, got " +
              std::string(KindNoun(apps)));
      return;
    }
    std::map<std::string, int> seen;
    for (const auto& [k, v] : apps.entries) {
      if (k.kind != Kind::kScalar) {
        Add(k, LintRule::kSchemaType,
            "application names must be plain strings, got " +
                std::string(KindNoun(k)));
        continue;
      }
      if (Leaked(k)) continue;
      auto [it, inserted] = seen.try_emplace(k.value, k.line);
      if (!inserted) {
        Add(k, LintRule::kDuplicateKey,
            "application " + Echo(k) + " is repeated (first at line " +
                std::to_string(it->second) + "); YAML would silently keep one");
        continue;
      }
      DecodeApplication(k, v);
    }
  }

  void DecodeApplication(const YamlNode& key, const YamlNode& v) {
    Application app;
    app.name = key.value;
    app.line = key.line;
    if (!IsKebabWords(app.name) || app.name.size() > 63) {
      Add(key, LintRule::kApplicationName,
          "application name " + Echo(key) +
              " must be 1-63 lowercase words [a-z0-9] joined by single hyphens "
              "(it becomes the "
              "consumer segment of secret names and a Kubernetes namespace)");
    }
    std::string where = "application '" + app.name + "'";
    if (v.kind != Kind::kMapping) {
      Add(v.kind == Kind::kNull ? key : v, LintRule::kSchemaType,
          where + " must be a mapping with at least 'description', got " +
              std::string(KindNoun(v)));
      out_.inventory.applications.push_back(std::move(app));
      return;
    }
    Fields f = ReadFields(v, kAppFields, where, /*value_keys=*/true);
    if (Require(f, "description", key, where, "")) {
      app.description =
          ReadString(f, "description", where, true, &app.positions);
    }
    app.owner = ReadString(f, "owner", where, false, &app.positions);
    app.iam_principal =
        ReadString(f, "iam_principal", where, false, &app.positions);
    app.namespace_ = ReadString(f, "namespace", where, false, &app.positions);
    if (!app.iam_principal.empty() && !IsIamPrincipalArn(app.iam_principal)) {
      Add(*f["iam_principal"].value, LintRule::kIamPrincipal,
          "iam_principal must be an IAM user or role ARN "
          "(arn:aws:iam::123456789012:user/NAME or "
          "arn:aws:iam::123456789012:role/NAME)");
    }
    if (!app.namespace_.empty() &&
        (!IsKebabWords(app.namespace_) || app.namespace_.size() > 63)) {
      Add(*f["namespace"].value, LintRule::kNamespaceFormat,
          "namespace must be a Kubernetes namespace name (1-63 lowercase words "
          "[a-z0-9] joined "
          "by hyphens)");
    }
    out_.inventory.applications.push_back(std::move(app));
  }

  static bool IsIamPrincipalArn(std::string_view arn) {
    // arn:{partition}:iam::{account}:{user|role}/{path/}name
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (int i = 0; i < 5; ++i) {
      std::size_t colon = arn.find(':', start);
      if (colon == std::string_view::npos) return false;
      parts.push_back(arn.substr(start, colon - start));
      start = colon + 1;
    }
    std::string_view resource = arn.substr(start);
    bool account_ok = parts[4].size() == 12 &&
                      std::all_of(parts[4].begin(), parts[4].end(),
                                  [](char c) { return c >= '0' && c <= '9'; });
    bool partition_ok =
        parts[1] == "aws" || parts[1] == "aws-cn" || parts[1] == "aws-us-gov";
    bool resource_ok = (resource.starts_with("user/") && resource.size() > 5) ||
                       (resource.starts_with("role/") && resource.size() > 5);
    return parts[0] == "arn" && partition_ok && parts[2] == "iam" &&
           parts[3].empty() && account_ok && resource_ok &&
           resource.back() != '/';
  }

  void DecodeSecrets(const YamlNode& list) {
    if (list.kind == Kind::kNull) return;
    if (list.kind != Kind::kSequence) {
      Add(list, LintRule::kSchemaType,
          "'secrets' must be a list of secrets ('- name: ...'), got " +
              std::string(KindNoun(list)));
      return;
    }
    for (const YamlNode& item : list.items) DecodeSecret(item);
  }

  void DecodeSecret(const YamlNode& item) {
    if (item.kind != Kind::kMapping) {
      Add(item, LintRule::kSchemaType,
          "each entry in 'secrets' must be a mapping with 'name', "
          "'description', 'consumers', 'properties' and 'rotation', got " +
              std::string(KindNoun(item)));
      return;
    }
    Secret s;
    s.line = item.line;
    std::string where = "secret";
    for (const auto& [k, v] : item.entries) {
      if (k.kind == Kind::kScalar && k.value == "name" &&
          v.kind == Kind::kScalar && !v.value.empty() && !Leaked(v)) {
        where = "secret '" + v.value + "'";
        break;
      }
    }
    Fields f = ReadFields(item, kSecretFields, where, /*value_keys=*/true);
    const YamlNode* name_node = f.count("name") ? f["name"].value : nullptr;
    if (Require(f, "name", item, where, "")) {
      s.name = ReadString(f, "name", where, true, &s.positions);
      if (!Leaked(*name_node)) CheckName(*name_node, s.name);
    }
    if (Require(f, "description", item, where, "")) {
      s.description = ReadString(f, "description", where, true, &s.positions);
    }
    if (Require(f, "consumers", item, where,
                "(the applications that read it)")) {
      s.consumers =
          ReadList(*f["consumers"].value, "consumers", where, &s.positions);
    }
    if (Require(f, "properties", item, where,
                "(the JSON keys of its value, e.g. [username, password])")) {
      s.properties =
          ReadList(*f["properties"].value, "properties", where, &s.positions);
    }
    DecodeCategory(f, s, where);
    if (Require(f, "rotation", item, where, "(at least {status: none})")) {
      DecodeRotation(*f["rotation"].value, s, where);
    }
    if (f.count("properties")) CheckProperties(*f["properties"].value, s);
    if (name_node != nullptr && !Leaked(*name_node) && f.count("consumers")) {
      CheckNameConsumer(*name_node, s);
    }
    pending_.push_back({out_.inventory.secrets.size(), name_node,
                        f.count("consumers") ? f["consumers"].value : nullptr});
    out_.inventory.secrets.push_back(std::move(s));
  }

  void CheckName(const YamlNode& node, const std::string& name) {
    if (node.kind != Kind::kScalar || name.empty()) return;
    int base = node.column + (node.quoted ? 1 : 0) - 1;
    for (const NameFinding& nf : CheckSecretName(name)) {
      Add(node.line, base + nf.column, nf.rule, nf.message);
    }
  }

  std::vector<std::string> ReadList(
      const YamlNode& v, const std::string& field, const std::string& where,
      std::map<std::string, Position>* positions) {
    std::vector<std::string> out;
    (*positions)[field] = {v.line, v.column};
    if (v.kind == Kind::kNull) return out;
    if (v.kind != Kind::kSequence) {
      Add(v, LintRule::kSchemaType,
          "'" + field + "' in " + where +
              " must be a list (e.g. [a, b]), got " + std::string(KindNoun(v)));
      return out;
    }
    for (std::size_t i = 0; i < v.items.size(); ++i) {
      const YamlNode& item = v.items[i];
      if (item.kind != Kind::kScalar || item.value.empty()) {
        Add(item, LintRule::kSchemaType,
            "items of '" + field + "' in " + where +
                " must be non-empty strings, got " +
                std::string(KindNoun(item)));
        continue;
      }
      (*positions)[field + "[" + std::to_string(out.size()) + "]"] = {
          item.line, item.column};
      out.push_back(item.value);
    }
    return out;
  }

  void DecodeCategory(Fields& f, Secret& s, const std::string& where) {
    NameCategory implied = CategoryOf(s.name);
    s.category = implied;
    if (f.count("category") == 0) return;
    std::string explicit_cat =
        ReadString(f, "category", where, true, &s.positions);
    const YamlNode& node = *f["category"].value;
    s.explicit_category = true;
    if (explicit_cat.empty()) return;
    if (explicit_cat != "platform-data" && explicit_cat != "platform-config") {
      Add(node, LintRule::kCategoryValue,
          "category must be 'platform-data' (secret) or 'platform-config' "
          "(configuration), got " +
              Echo(node));
      return;
    }
    if (implied == NameCategory::kUnknown) {
      s.category = CategoryOf(explicit_cat + "/");
    } else if (explicit_cat != CategoryName(implied)) {
      Add(node, LintRule::kCategoryMismatch,
          "category '" + explicit_cat +
              "' disagrees with the name, which makes it '" +
              std::string(CategoryName(implied)) + "'");
    }
  }

  void DecodeRotation(const YamlNode& v, Secret& s, const std::string& where) {
    s.rotation.line = v.line;
    s.positions["rotation"] = {v.line, v.column};
    if (v.kind != Kind::kMapping) {
      Add(v, LintRule::kSchemaType,
          "'rotation' in " + where +
              " must be a mapping such as {status: manual, interval_days: 90}, "
              "got " +
              std::string(KindNoun(v)));
      return;
    }
    std::string rwhere = "the rotation of " + where;
    Fields f = ReadFields(v, kRotationFields, rwhere, /*value_keys=*/true);
    Rotation& r = s.rotation;
    if (Require(f, "status", v, rwhere, "(none, manual or automatic)")) {
      std::string text =
          ReadString(f, "status", rwhere, true, &s.positions, "rotation.");
      r.status = ParseRotationStatus(text).value_or(RotationStatus::kUnset);
      if (!text.empty() && r.status == RotationStatus::kUnset) {
        std::string hint = ClosestMatch(text, kRotationStatuses);
        Add(*f["status"].value, LintRule::kRotationStatus,
            "rotation status must be none, manual or automatic, got " +
                Echo(*f["status"].value) +
                (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
      }
    }
    if (f.count("interval_days")) DecodeInterval(*f["interval_days"].value, s);
    if (f.count("last_rotated")) {
      const YamlNode& d = *f["last_rotated"].value;
      r.last_rotated = ReadString(f, "last_rotated", rwhere, false,
                                  &s.positions, "rotation.");
      if (!r.last_rotated.empty() && !ParseDate(r.last_rotated)) {
        Add(d, LintRule::kRotationDate,
            "last_rotated must be a date YYYY-MM-DD, got " + Echo(d));
        r.last_rotated.clear();
      }
    }
    r.notes = ReadString(f, "notes", rwhere, false, &s.positions, "rotation.");
    CheckRotationDue(v, f, s);
  }

  void DecodeInterval(const YamlNode& v, Secret& s) {
    s.positions["rotation.interval_days"] = {v.line, v.column};
    bool digits = v.kind == Kind::kScalar && !v.quoted && !v.value.empty() &&
                  v.value.size() <= 6 &&
                  std::all_of(v.value.begin(), v.value.end(),
                              [](char c) { return c >= '0' && c <= '9'; });
    int days = digits ? std::stoi(v.value) : 0;
    if (!digits || days < 1 || days > 3650) {
      Add(v, LintRule::kRotationInterval,
          "interval_days must be a whole number of days from 1 to 3650");
      return;
    }
    s.rotation.interval_days = days;
  }

  void CheckRotationDue(const YamlNode& v, Fields& f, const Secret& s) {
    const Rotation& r = s.rotation;
    if (r.status == RotationStatus::kUnset || r.status == RotationStatus::kNone)
      return;
    if (!r.interval_days && f.count("interval_days") == 0) {
      Add(v, LintRule::kRotationIntervalMissing,
          "rotation status '" + std::string(RotationStatusName(r.status)) +
              "' without interval_days: overdue rotations cannot be detected");
    }
    if (r.last_rotated.empty()) return;
    long last = *ParseDate(r.last_rotated);
    const Clock& clock = *options_.runtime.clock;
    long today =
        static_cast<long>(std::chrono::duration_cast<std::chrono::hours>(
                              clock.Now().time_since_epoch())
                              .count() /
                          24);
    const YamlNode& d = *f["last_rotated"].value;
    if (last > today) {
      Add(d, LintRule::kRotationDateFuture,
          "last_rotated " + r.last_rotated + " is in the future");
      return;
    }
    if (r.interval_days && last + *r.interval_days < today) {
      Add(d, LintRule::kRotationOverdue,
          "rotation overdue: last rotated " + r.last_rotated + ", due every " +
              std::to_string(*r.interval_days) + " days (was due " +
              FormatDate(last + *r.interval_days) + ")");
    }
  }

  void CheckProperties(const YamlNode& list, const Secret& s) {
    if (list.kind != Kind::kSequence) return;
    std::map<std::string, int> seen;
    const auto& conventional = ConventionalPropertyKeys();
    for (const YamlNode& item : list.items) {
      if (item.kind != Kind::kScalar || item.value.empty() || Leaked(item))
        continue;
      const std::string& key = item.value;
      auto [it, inserted] = seen.try_emplace(key, item.line);
      if (!inserted) {
        Add(item, LintRule::kDuplicateProperty,
            "property " + Echo(item) + " is listed twice");
        continue;
      }
      bool format_ok =
          (std::isalpha(static_cast<unsigned char>(key[0])) || key[0] == '_') &&
          key.size() <= 128 && std::all_of(key.begin(), key.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
                   c == '-' || c == '.';
          });
      if (!format_ok) {
        Add(item, LintRule::kPropertyFormat,
            "property " + Echo(item) +
                " must be a key name (letters, digits, '_', '-', '.'), never a "
                "value");
        continue;
      }
      if (std::find(conventional.begin(), conventional.end(), key) ==
          conventional.end()) {
        auto alias = kPropertyAliases.find(key);
        std::string hint = alias != kPropertyAliases.end()
                               ? std::string(alias->second)
                               : ClosestMatch(key, conventional);
        Add(item, LintRule::kPropertyKey,
            "property " + Echo(item) +
                " is not a conventional key (username, password, host, port, "
                "token)" +
                (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
      }
      if (s.IsConfig() && (key == "password" || key == "token")) {
        Add(item, LintRule::kConfigSecretKey,
            "'" + key +
                "' in a platform-config entry: configuration is non-sensitive; "
                "credentials belong in a platform-data secret");
      }
    }
  }

  void CheckNameConsumer(const YamlNode& name_node, const Secret& s) {
    if (CategoryOf(s.name) != NameCategory::kData || s.consumers.empty())
      return;
    std::size_t slash = s.name.rfind('/');
    std::string consumer = s.name.substr(slash + 1);
    if (std::count(s.name.begin(), s.name.end(), '/') != 2) return;
    if (std::find(s.consumers.begin(), s.consumers.end(), consumer) !=
        s.consumers.end())
      return;
    Add(name_node.line,
        name_node.column + (name_node.quoted ? 1 : 0) +
            static_cast<int>(slash) + 1,
        LintRule::kNameConsumer,
        "the name's consumer segment '" + consumer +
            "' is not among the secret's consumers");
  }

  // Rules that need the whole file: duplicate names, undeclared consumers,
  // unused applications.
  void CrossChecks() {
    const Inventory& inv = out_.inventory;
    std::unordered_map<std::string, int> names;
    std::set<std::string> used;
    std::vector<std::string_view> app_names;
    for (const Application& a : inv.applications) app_names.push_back(a.name);
    std::set<std::string_view> declared(app_names.begin(), app_names.end());
    for (const Pending& p : pending_) {
      const Secret& s = inv.secrets[p.index];
      if (!s.name.empty() && p.name != nullptr) {
        auto [it, inserted] = names.try_emplace(s.name, p.name->line);
        if (!inserted) {
          Add(*p.name, LintRule::kDuplicateName,
              "secret '" + s.name + "' is already declared at line " +
                  std::to_string(it->second));
        }
      }
      if (p.consumers == nullptr) continue;
      if (p.consumers->kind == Kind::kSequence && p.consumers->items.empty()) {
        Add(*p.consumers, LintRule::kNoConsumers,
            "no consumers: list the applications that read this secret (or "
            "delete it)");
      }
      if (p.consumers->kind != Kind::kSequence) continue;
      std::set<std::string> seen;
      for (const YamlNode& c : p.consumers->items) {
        if (c.kind != Kind::kScalar || c.value.empty() || Leaked(c)) continue;
        used.insert(c.value);
        if (!seen.insert(c.value).second) {
          Add(c, LintRule::kDuplicateConsumer,
              "consumer " + Echo(c) + " is listed twice");
        }
        if (declared.count(c.value) == 0) {
          std::string hint = ClosestMatch(c.value, app_names);
          Add(c, LintRule::kUndeclaredConsumer,
              "consumer " + Echo(c) + " is not declared under 'applications'" +
                  (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
        }
      }
    }
    for (const Application& a : inv.applications) {
      if (used.count(a.name) == 0) {
        Add(a.line, 3, LintRule::kUnusedApplication,
            "application '" + a.name + "' consumes no secrets");
      }
    }
  }

  struct Pending {
    std::size_t index;
    const YamlNode* name;
    const YamlNode* consumers;
  };

  std::string_view text_;  // the whole file, to locate matches in blocks
  const ParseOptions& options_;
  ParsedInventory out_;
  std::vector<Pending> pending_;
};

}  // namespace

StatusOr<ParsedInventory> ParseInventory(std::string_view text,
                                         std::string_view path,
                                         const ParseOptions& options) {
  YamlLimits limits;
  limits.max_bytes = options.max_bytes;
  limits.max_depth = options.max_depth;
  KW_ASSIGN_OR_RETURN(YamlNode root, ParseYamlTree(text, path, limits));
  if (root.kind != Kind::kMapping) {
    return InvalidArgumentError(
        std::string(path) + ":" + std::to_string(root.line) + ":" +
        std::to_string(root.column) + ": " +
        std::string(RuleId(LintRule::kSchemaRoot)) +
        ": the top level must be a mapping with 'version', "
        "'applications' and 'secrets', got " +
        std::string(KindNoun(root)));
  }
  return Decoder(path, text, options).Run(root);
}

}  // namespace keyward::inventory
