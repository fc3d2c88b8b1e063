// A structural validator for the subset of OpenAPI v3 that Kubernetes CRD
// schemas (here: the External Secrets Operator's) use: type, properties,
// required, additionalProperties, items, enum, minLength/maxLength, pattern,
// minItems/maxItems, minProperties/maxProperties,
// x-kubernetes-preserve-unknown-fields and x-kubernetes-int-or-string.
// Unknown fields are errors (the API server would silently prune them).
// Scalars are typed the way YAML 1.2's core schema resolves plain scalars,
// so `port: 5432` does not pass as a string.
//
// Header-only test helper. yaml-cpp throws; callers are tests.
#ifndef KEYWARD_TESTS_MIGRATE_CRD_SCHEMA_H_
#define KEYWARD_TESTS_MIGRATE_CRD_SCHEMA_H_

#include <yaml-cpp/yaml.h>

#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace keyward::testing {

// The openAPIV3Schema of `version` in the CRD file at `path`.
inline std::optional<YAML::Node> LoadCrdSchema(const std::string& path,
                                               const std::string& version) {
  YAML::Node crd = YAML::LoadFile(path);
  for (const auto& v : crd["spec"]["versions"]) {
    if (v["name"].as<std::string>() == version)
      return v["schema"]["openAPIV3Schema"];
  }
  return std::nullopt;
}

inline bool IsPlain(const YAML::Node& n) { return n.Tag() == "?"; }

// What a scalar resolves to: "null", "boolean", "integer", "number", "string".
inline std::string ScalarType(const YAML::Node& n) {
  if (!IsPlain(n)) return "string";
  static const std::regex kInt("^[-+]?[0-9]+$|^0o[0-7]+$|^0x[0-9a-fA-F]+$");
  static const std::regex kFloat(
      R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$)");
  const std::string& s = n.Scalar();
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL")
    return "null";
  if (s == "true" || s == "True" || s == "TRUE" || s == "false" ||
      s == "False" || s == "FALSE") {
    return "boolean";
  }
  if (std::regex_match(s, kInt)) return "integer";
  if (std::regex_match(s, kFloat)) return "number";
  return "string";
}

inline void ValidateNode(const YAML::Node& doc, const YAML::Node& schema,
                         const std::string& at,
                         std::vector<std::string>& errors) {
  auto err = [&](const std::string& m) { errors.push_back(at + ": " + m); };
  bool int_or_string = schema["x-kubernetes-int-or-string"] &&
                       schema["x-kubernetes-int-or-string"].as<bool>();
  std::string type = schema["type"] ? schema["type"].as<std::string>() : "";
  if (int_or_string) {
    if (!doc.IsScalar()) return err("expected integer or string");
    std::string t = ScalarType(doc);
    if (t != "integer" && t != "string")
      err("expected integer or string, got " + t);
    return;
  }
  if (type == "object") {
    if (!doc.IsMap()) return err("expected object");
    // The root's metadata is ObjectMeta, validated by the API server itself
    // (the tests check name and namespace separately).
    bool preserve = at == "$.metadata" ||
                    (schema["x-kubernetes-preserve-unknown-fields"] &&
                     schema["x-kubernetes-preserve-unknown-fields"].as<bool>());
    for (const auto& kv : doc) {
      std::string key = kv.first.as<std::string>();
      if (schema["properties"] && schema["properties"][key]) {
        ValidateNode(kv.second, schema["properties"][key], at + "." + key,
                     errors);
      } else if (schema["additionalProperties"] &&
                 schema["additionalProperties"].IsMap()) {
        ValidateNode(kv.second, schema["additionalProperties"], at + "." + key,
                     errors);
      } else if (!preserve) {
        err("unknown field '" + key + "'");
      }
    }
    if (schema["required"]) {
      for (const auto& r : schema["required"]) {
        if (!doc[r.as<std::string>()])
          err("missing required field '" + r.as<std::string>() + "'");
      }
    }
    if (schema["minProperties"] &&
        doc.size() < schema["minProperties"].as<std::size_t>()) {
      err("fewer properties than minProperties");
    }
    if (schema["maxProperties"] &&
        doc.size() > schema["maxProperties"].as<std::size_t>()) {
      err("more properties than maxProperties");
    }
    return;
  }
  if (type == "array") {
    if (!doc.IsSequence()) return err("expected array");
    if (schema["minItems"] &&
        doc.size() < schema["minItems"].as<std::size_t>()) {
      err("fewer items than minItems");
    }
    if (schema["maxItems"] &&
        doc.size() > schema["maxItems"].as<std::size_t>()) {
      err("more items than maxItems");
    }
    for (std::size_t i = 0; i < doc.size(); ++i) {
      ValidateNode(doc[i], schema["items"], at + "[" + std::to_string(i) + "]",
                   errors);
    }
    return;
  }
  if (!doc.IsScalar()) return err("expected a scalar of type " + type);
  std::string t = ScalarType(doc);
  if (type == "string" && t != "string")
    return err("expected string, got " + t);
  if (type == "integer" && t != "integer")
    return err("expected integer, got " + t);
  if (type == "boolean" && t != "boolean")
    return err("expected boolean, got " + t);
  if (type == "number" && t != "integer" && t != "number")
    return err("expected number");
  const std::string& s = doc.Scalar();
  if (schema["enum"]) {
    bool found = false;
    for (const auto& e : schema["enum"])
      found = found || e.as<std::string>() == s;
    if (!found) err("value '" + s + "' not in enum");
  }
  if (schema["minLength"] && s.size() < schema["minLength"].as<std::size_t>()) {
    err("shorter than minLength");
  }
  if (schema["maxLength"] && s.size() > schema["maxLength"].as<std::size_t>()) {
    err("longer than maxLength");
  }
  if (schema["pattern"] &&
      !std::regex_search(s, std::regex(schema["pattern"].as<std::string>()))) {
    err("'" + s + "' does not match pattern " +
        schema["pattern"].as<std::string>());
  }
}

// Every violation of `schema` in `doc`, as "$.spec.data[0].secretKey: ...".
inline std::vector<std::string> ValidateAgainstSchema(
    const YAML::Node& doc, const YAML::Node& schema) {
  std::vector<std::string> errors;
  ValidateNode(doc, schema, "$", errors);
  return errors;
}

}  // namespace keyward::testing

#endif  // KEYWARD_TESTS_MIGRATE_CRD_SCHEMA_H_
