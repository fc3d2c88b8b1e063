// Internal to the inventory: reading a YAML mapping's fields against a
// schema while collecting findings (unknown, duplicate, missing, empty and
// mistyped fields, keys that would hold a value), and quoting what the file
// says without ever quoting what looked like a secret.
#ifndef KEYWARD_SRC_INVENTORY_FIELD_DECODER_H_
#define KEYWARD_SRC_INVENTORY_FIELD_DECODER_H_

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "inventory/yaml_tree.h"
#include "keyward/inventory/inventory.h"

namespace keyward::inventory {

struct FieldRef {
  const YamlNode* key = nullptr;
  const YamlNode* value = nullptr;
};
using Fields = std::map<std::string, FieldRef>;

class FieldDecoder {
 protected:
  explicit FieldDecoder(std::string_view path) : path_(path) {}

  // Reports `rule` at the severity its row in keyward/lint_rules.h gives.
  void Add(int line, int column, LintRule rule, std::string message);
  void Add(const YamlNode& at, LintRule rule, std::string message) {
    Add(at.line, at.column, rule, std::move(message));
  }
  std::vector<Finding> TakeFindings() { return std::move(findings_); }

  // A scalar that looked like a secret: Echo withholds it from now on.
  void MarkLeaked(const YamlNode& n) { leaked_.insert(&n); }
  bool Leaked(const YamlNode& n) const { return leaked_.count(&n) != 0; }

  // A scalar quoted for a message, or a neutral phrase when it must not be
  // echoed (it looked like a secret) or is too long.
  std::string Echo(const YamlNode& n) const;

  // Reads a mapping's fields: reports non-scalar keys, duplicates, value
  // fields (when `value_keys`) and unknown fields (with a hint). Returns the
  // first occurrences.
  Fields ReadFields(const YamlNode& map,
                    const std::vector<std::string_view>& allowed,
                    std::string_view where, bool value_keys);

  // False (and a missing-field finding) when `field` is absent.
  bool Require(Fields& f, const std::string& field, const YamlNode& parent,
               std::string_view where, std::string_view why);

  // A string field's value; reports non-scalars. `required` also reports
  // empty values. Records the value's position under pos_prefix + field.
  std::string ReadString(const Fields& f, const std::string& field,
                         std::string_view where, bool required,
                         std::map<std::string, Position>* positions,
                         const std::string& pos_prefix = "");

 private:
  std::string_view path_;
  std::vector<Finding> findings_;
  std::set<const YamlNode*> leaked_;
};

}  // namespace keyward::inventory

#endif  // KEYWARD_SRC_INVENTORY_FIELD_DECODER_H_
