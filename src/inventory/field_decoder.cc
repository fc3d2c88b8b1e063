#include "inventory/field_decoder.h"

#include <algorithm>
#include <cctype>

#include "inventory/text_util.h"

namespace keyward::inventory {
namespace {

using Kind = YamlNode::Kind;

constexpr std::size_t kMaxEcho = 80;

// Keys that would carry a value rather than metadata.
const std::vector<std::string_view> kValueKeys = {
    "value",        "values",   "secret",      "secret_string", "secret_value",
    "secretstring", "password", "token",       "api_key",       "private_key",
    "credentials",  "data",     "string_data", "plaintext"};

}  // namespace

void FieldDecoder::Add(int line, int column, LintRule rule,
                       std::string message) {
  findings_.push_back(Finding{std::string(path_), line, column, rule,
                              RuleSeverity(rule), std::move(message)});
}

std::string FieldDecoder::Echo(const YamlNode& n) const {
  if (Leaked(n)) return "(value withheld)";
  std::string v =
      n.value.size() > kMaxEcho ? n.value.substr(0, kMaxEcho) + "..." : n.value;
  for (char& c : v) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return "'" + v + "'";
}

Fields FieldDecoder::ReadFields(const YamlNode& map,
                                const std::vector<std::string_view>& allowed,
                                std::string_view where, bool value_keys) {
  Fields fields;
  for (const auto& [k, v] : map.entries) {
    if (k.kind != Kind::kScalar) {
      Add(k, LintRule::kSchemaType,
          "keys in " + std::string(where) + " must be plain strings, got " +
              std::string(KindNoun(k)));
      continue;
    }
    if (Leaked(k)) continue;
    auto [it, inserted] = fields.try_emplace(k.value, FieldRef{&k, &v});
    if (!inserted) {
      Add(k, LintRule::kDuplicateKey,
          "key " + Echo(k) + " is repeated in " + std::string(where) +
              " (first at line " + std::to_string(it->second.key->line) +
              "); YAML would silently keep one");
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), k.value) != allowed.end())
      continue;
    fields.erase(it);
    std::string lower;
    for (char c : k.value) lower.push_back(static_cast<char>(std::tolower(c)));
    if (value_keys && std::find(kValueKeys.begin(), kValueKeys.end(), lower) !=
                          kValueKeys.end()) {
      Add(k, LintRule::kValueField,
          "field " + Echo(k) +
              " would hold a secret value; the inventory never holds values "
              "(list key names "
              "under 'properties' and store values in Secrets Manager)");
      continue;
    }
    std::string hint = ClosestMatch(k.value, allowed);
    std::string list;
    for (std::string_view a : allowed)
      list += (list.empty() ? "" : ", ") + std::string(a);
    Add(k, LintRule::kUnknownField,
        "unknown field " + Echo(k) + " in " + std::string(where) +
            (hint.empty() ? " (allowed: " + list + ")"
                          : "; did you mean '" + hint + "'?"));
  }
  return fields;
}

bool FieldDecoder::Require(Fields& f, const std::string& field,
                           const YamlNode& parent, std::string_view where,
                           std::string_view why) {
  if (f.count(field) != 0) return true;
  Add(parent, LintRule::kMissingField,
      "missing required field '" + field + "' in " + std::string(where) +
          (why.empty() ? "" : " " + std::string(why)));
  return false;
}

std::string FieldDecoder::ReadString(const Fields& f, const std::string& field,
                                     std::string_view where, bool required,
                                     std::map<std::string, Position>* positions,
                                     const std::string& pos_prefix) {
  auto it = f.find(field);
  if (it == f.end()) return "";
  const YamlNode& v = *it->second.value;
  if (positions != nullptr)
    (*positions)[pos_prefix + field] = {v.line, v.column};
  if (v.kind == Kind::kNull || (v.kind == Kind::kScalar && v.value.empty())) {
    if (required) {
      Add(v.kind == Kind::kNull ? *it->second.key : v, LintRule::kEmptyField,
          "'" + field + "' in " + std::string(where) + " must not be empty");
    }
    return "";
  }
  if (v.kind != Kind::kScalar) {
    Add(v, LintRule::kSchemaType,
        "'" + field + "' in " + std::string(where) + " must be a string, got " +
            std::string(KindNoun(v)));
    return "";
  }
  return v.value;
}

}  // namespace keyward::inventory
