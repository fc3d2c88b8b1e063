// IamPolicy::Parse: policy JSON to the pre-parsed form policy.cc evaluates.
#include <algorithm>
#include <cctype>
#include <cstring>

#include "keyward/server/policy.h"
#include "secrets/json_codec.h"
#include "server/policy_internal.h"

namespace keyward::server {

using policy_internal::EqualsIgnoreCase;
using policy_internal::ParseCidr;
using policy_internal::StartsWithIgnoreCase;
using policy_internal::StringList;
using secrets::Json;

bool policy_internal::StringList(const Json& j, std::vector<std::string>& out) {
  if (j.is_string()) {
    out.push_back(j.get<std::string>());
    return true;
  }
  if (!j.is_array() || j.empty()) return false;
  for (const auto& e : j) {
    if (!e.is_string()) return false;
    out.push_back(e.get<std::string>());
  }
  return true;
}

namespace {

bool IsOneOf(std::string_view s, std::initializer_list<std::string_view> set) {
  for (std::string_view e : set) {
    if (s == e) return true;
  }
  return false;
}

}  // namespace

// Parsing lives in a friend class so the private types stay private.
class PolicyParser {
 public:
  using Statement = IamPolicy::Statement;
  using Condition = IamPolicy::Condition;
  using Op = IamPolicy::Op;
  using Key = IamPolicy::Key;
  using SetOp = IamPolicy::SetOp;
  using PrincipalMatch = IamPolicy::PrincipalMatch;

  PolicyParser(std::string_view source) : source_(source) {}

  Status Bad(const std::string& why) const {
    return Status(StatusCode::kInvalidArgument,
                  "policy " + std::string(source_) + ": " + why,
                  "MalformedPolicyDocumentException");
  }

  static bool ParseOp(std::string_view name, Op* op) {
    static constexpr std::pair<std::string_view, Op> kOps[] = {
        {"StringEquals", Op::kStringEquals},
        {"StringNotEquals", Op::kStringNotEquals},
        {"StringEqualsIgnoreCase", Op::kStringEqualsIgnoreCase},
        {"StringNotEqualsIgnoreCase", Op::kStringNotEqualsIgnoreCase},
        {"StringLike", Op::kStringLike},
        {"StringNotLike", Op::kStringNotLike},
        {"ArnEquals", Op::kArnEquals},
        {"ArnLike", Op::kArnLike},
        {"ArnNotEquals", Op::kArnNotEquals},
        {"ArnNotLike", Op::kArnNotLike},
        {"IpAddress", Op::kIpAddress},
        {"NotIpAddress", Op::kNotIpAddress},
        {"Bool", Op::kBool},
        {"Null", Op::kNull},
    };
    for (const auto& [n, o] : kOps) {
      if (n == name) {
        *op = o;
        return true;
      }
    }
    return false;
  }

  // Condition keys are case-insensitive in IAM; tag keys keep their case.
  static bool ParseKey(std::string_view name, Key* key, std::string* suffix) {
    static constexpr std::pair<std::string_view, Key> kKeys[] = {
        {"aws:PrincipalArn", Key::kPrincipalArn},
        {"aws:PrincipalAccount", Key::kPrincipalAccount},
        {"aws:PrincipalType", Key::kPrincipalType},
        {"aws:userid", Key::kUserId},
        {"aws:username", Key::kUsername},
        {"aws:SourceIp", Key::kSourceIp},
        {"aws:SecureTransport", Key::kSecureTransport},
        {"aws:RequestedRegion", Key::kRequestedRegion},
        {"secretsmanager:SecretId", Key::kSecretId},
        {"secretsmanager:VersionStage", Key::kVersionStage},
        {"secretsmanager:VersionId", Key::kVersionId},
    };
    for (const auto& [n, k] : kKeys) {
      if (EqualsIgnoreCase(n, name)) {
        *key = k;
        return true;
      }
    }
    static constexpr std::pair<std::string_view, Key> kTagKeys[] = {
        {"aws:PrincipalTag/", Key::kPrincipalTag},
        {"aws:ResourceTag/", Key::kResourceTag},
        {"secretsmanager:ResourceTag/", Key::kResourceTag},
    };
    for (const auto& [prefix, k] : kTagKeys) {
      if (StartsWithIgnoreCase(name, prefix) && name.size() > prefix.size()) {
        *key = k;
        *suffix = std::string(name.substr(prefix.size()));
        return true;
      }
    }
    return false;
  }

  // "ForAnyValue:StringLikeIfExists" -> the operator and its modifiers.
  Status ParseOperator(const std::string& op_name, const std::string& where,
                       Condition* proto) const {
    std::string_view name = op_name;
    if (name.starts_with("ForAnyValue:")) {
      proto->set = SetOp::kForAnyValue;
      name.remove_prefix(12);
    } else if (name.starts_with("ForAllValues:")) {
      proto->set = SetOp::kForAllValues;
      name.remove_prefix(13);
    }
    if (name.ends_with("IfExists")) {
      proto->if_exists = true;
      name.remove_suffix(8);
    }
    if (!ParseOp(name, &proto->op) ||
        (proto->if_exists && proto->op == Op::kNull)) {
      return Bad(where + ": condition operator \"" + op_name +
                 "\" is not supported by keyward server");
    }
    return OkStatus();
  }

  // A condition's values: a string, bool or number, or a list of them.
  static bool ReadValues(const Json& values, std::vector<std::string>& out) {
    auto add = [&out](const Json& v) {
      if (v.is_string()) {
        out.push_back(v.get<std::string>());
      } else if (v.is_boolean()) {
        out.push_back(v.get<bool>() ? "true" : "false");
      } else if (v.is_number()) {
        out.push_back(v.dump());
      } else {
        return false;
      }
      return true;
    };
    if (!values.is_array()) return add(values);
    if (values.empty()) return false;
    for (const auto& v : values) {
      if (!add(v)) return false;
    }
    return true;
  }

  // Checks and pre-parses the values for the operator (CIDRs, booleans).
  Status PrepareValues(Condition& c, const std::string& op_name,
                       const std::string& where) const {
    if (c.op == Op::kIpAddress || c.op == Op::kNotIpAddress) {
      for (const auto& v : c.values) {
        IamPolicy::Cidr cidr;
        if (!ParseCidr(v, cidr, true))
          return Bad(where + ": \"" + v + "\" is not an IP address/CIDR");
        c.cidrs.push_back(cidr);
      }
    }
    if (c.op == Op::kBool || c.op == Op::kNull) {
      for (auto& v : c.values) {
        if (!EqualsIgnoreCase(v, "true") && !EqualsIgnoreCase(v, "false"))
          return Bad(where + ": " + op_name + " takes true or false");
        v = EqualsIgnoreCase(v, "true") ? "true" : "false";
      }
    }
    return OkStatus();
  }

  Status ParseConditions(const Json& block, const std::string& where,
                         std::vector<Condition>& out) const {
    if (!block.is_object()) return Bad(where + ": Condition must be an object");
    for (const auto& [op_name, keys] : block.items()) {
      Condition proto{};
      KW_RETURN_IF_ERROR(ParseOperator(op_name, where, &proto));
      if (!keys.is_object() || keys.empty())
        return Bad(where + ": \"" + op_name + "\" must map keys to values");
      for (const auto& [key_name, values] : keys.items()) {
        Condition c = proto;
        c.key_name = key_name;
        if (!ParseKey(key_name, &c.key, &c.suffix)) {
          return Bad(where + ": condition key \"" + key_name +
                     "\" is not evaluated by keyward server (see "
                     "docs/server.md for the supported keys)");
        }
        if (!ReadValues(values, c.values)) {
          return Bad(where + ": values of \"" + key_name +
                     "\" must be strings (or a list of strings)");
        }
        KW_RETURN_IF_ERROR(PrepareValues(c, op_name, where));
        out.push_back(std::move(c));
      }
    }
    return OkStatus();
  }

  Status ParsePrincipal(const Json& p, const std::string& where,
                        std::vector<PrincipalMatch>& out) const {
    if (p.is_string()) {
      if (p.get<std::string>() != "*")
        return Bad(where + ": Principal must be \"*\" or an object");
      out.push_back({PrincipalMatch::kAny, ""});
      return OkStatus();
    }
    if (!p.is_object() || p.empty())
      return Bad(where + ": Principal must be \"*\" or an object");
    for (const auto& [type, value] : p.items()) {
      std::vector<std::string> ids;
      if (!StringList(value, ids))
        return Bad(where + ": Principal " + type + " must list strings");
      if (type == "Service" || type == "Federated" || type == "CanonicalUser") {
        // Valid, but no keyward caller is such a principal.
        out.push_back({PrincipalMatch::kNever, ""});
        continue;
      }
      if (type != "AWS")
        return Bad(where + ": unknown principal type \"" + type + "\"");
      for (const auto& id : ids) {
        if (id == "*") {
          out.push_back({PrincipalMatch::kAny, ""});
        } else if (IsAccountId(id)) {
          out.push_back({PrincipalMatch::kAccount, id});
        } else if (id.starts_with("arn:") && id.ends_with(":root") &&
                   id.find("*") == std::string::npos) {
          std::string acct = id.substr(0, id.size() - 5);
          acct = acct.substr(acct.rfind(':') + 1);
          if (!IsAccountId(acct))
            return Bad(where + ": invalid principal \"" + id + "\"");
          out.push_back({PrincipalMatch::kAccount, acct});
        } else if (id.find_first_of("*?") != std::string::npos) {
          // IAM: no wildcards in principal ARNs (use aws:PrincipalArn).
          return Bad(where + ": invalid principal \"" + id +
                     "\" (wildcards are not allowed; use a condition on "
                     "aws:PrincipalArn)");
        } else if (ParsePrincipalArn(id).ok()) {
          out.push_back({PrincipalMatch::kArn, id});
        } else {
          return Bad(where + ": invalid principal \"" + id + "\"");
        }
      }
    }
    return OkStatus();
  }

  // The document's top level: only Version, Id and Statement; IAM rejects
  // unknown keys (MalformedPolicyDocument) rather than ignoring them.
  Status CheckDocument(const Json& doc) const {
    for (const auto& [key, value] : doc.items()) {
      if (!IsOneOf(key, {"Version", "Id", "Statement"}))
        return Bad("unknown policy element \"" + key + "\"");
    }
    if (auto v = doc.find("Version"); v != doc.end()) {
      if (!v->is_string() ||
          !IsOneOf(v->get<std::string>(), {"2012-10-17", "2008-10-17"})) {
        return Bad("Version must be \"2012-10-17\" or \"2008-10-17\"");
      }
    }
    return OkStatus();
  }

  // A statement's keys: an ignored lowercase "condition" would make it
  // apply unconditionally.
  Status CheckElements(const Json& s, const std::string& where) const {
    for (const auto& [key, value] : s.items()) {
      if (!IsOneOf(key,
                   {"Sid", "Effect", "Action", "NotAction", "Resource",
                    "NotResource", "Principal", "NotPrincipal", "Condition"})) {
        return Bad(where + ": unknown policy element \"" + key + "\"");
      }
    }
    for (const char* unsupported : {"NotAction", "NotResource"}) {
      if (s.contains(unsupported)) {
        return Bad(where + ": \"" + unsupported +
                   "\" is not supported by keyward server");
      }
    }
    return OkStatus();
  }

  Status ParsePrincipals(const Json& s, const std::string& where,
                         PolicyKind kind, Statement& st) const {
    bool has_p = s.contains("Principal"), has_np = s.contains("NotPrincipal");
    if (kind == PolicyKind::kIdentity) {
      if (!has_p && !has_np) return OkStatus();
      // IAM: "Policy document should not specify a principal."
      return Bad(where + ": an identity policy must not specify \"" +
                 std::string(has_p ? "Principal" : "NotPrincipal") + "\"");
    }
    if (has_p == has_np) {
      return Bad(where +
                 ": a resource policy needs exactly one of \"Principal\" "
                 "and \"NotPrincipal\"");
    }
    if (has_np && st.allow) {
      // IAM allows it but AWS recommends against it; keyward refuses the
      // combination that grants everyone but a few.
      return Bad(where +
                 ": \"NotPrincipal\" is supported with \"Effect\": "
                 "\"Deny\" only");
    }
    st.has_principal = true;
    st.not_principal = has_np;
    return ParsePrincipal(s[has_p ? "Principal" : "NotPrincipal"], where,
                          st.principals);
  }

  Status ParseActionsAndResources(const Json& s, const std::string& where,
                                  Statement& st) const {
    if (!s.contains("Action") || !StringList(s["Action"], st.actions)) {
      return Bad(where + ": Action must be a string or a list of strings");
    }
    for (const auto& a : st.actions) {
      if (a != "*" && a.find(':') == std::string::npos) {
        return Bad(where + ": action \"" + a +
                   "\" must be \"*\" or \"service:Action\"");
      }
    }
    if (!s.contains("Resource") || !StringList(s["Resource"], st.resources)) {
      return Bad(where + ": Resource must be a string or a list of strings");
    }
    for (const auto& r : st.resources)
      st.resource_literals.push_back(std::min(r.find_first_of("*?"), r.size()));
    return OkStatus();
  }

  Status ParseStatement(const Json& s, const std::string& where,
                        PolicyKind kind, Statement& st) const {
    if (!s.is_object()) return Bad(where + " is not an object");
    KW_RETURN_IF_ERROR(CheckElements(s, where));
    if (auto sid = s.find("Sid"); sid != s.end()) {
      if (!sid->is_string()) return Bad(where + ": Sid must be a string");
      st.sid = sid->get<std::string>();
    }
    std::string effect = secrets::GetString(s, "Effect");
    if (effect != "Allow" && effect != "Deny")
      return Bad(where + ": Effect must be Allow or Deny");
    st.allow = effect == "Allow";
    KW_RETURN_IF_ERROR(ParsePrincipals(s, where, kind, st));
    KW_RETURN_IF_ERROR(ParseActionsAndResources(s, where, st));
    if (auto c = s.find("Condition"); c != s.end()) {
      KW_RETURN_IF_ERROR(ParseConditions(*c, where, st.conditions));
    }
    return OkStatus();
  }

  StatusOr<IamPolicy> Parse(std::string_view json, PolicyKind kind) const {
    std::optional<Json> doc = secrets::ParseJson(json);
    if (!doc || !doc->is_object()) return Bad("not a JSON object");
    auto it = doc->find("Statement");
    if (it == doc->end()) return Bad("no \"Statement\"");
    KW_RETURN_IF_ERROR(CheckDocument(*doc));
    if (!it->is_array() && !it->is_object())
      return Bad("\"Statement\" must be an object or a list of objects");
    Json statements = it->is_array() ? *it : Json::array({*it});
    IamPolicy policy;
    int index = 0;
    for (const auto& s : statements) {
      Statement st;
      KW_RETURN_IF_ERROR(
          ParseStatement(s, "statement " + std::to_string(index++), kind, st));
      policy.statements_.push_back(std::move(st));
    }
    return policy;
  }

 private:
  std::string_view source_;
};

StatusOr<IamPolicy> IamPolicy::Parse(std::string_view json,
                                     std::string_view source, PolicyKind kind) {
  return PolicyParser(source).Parse(json, kind);
}

}  // namespace keyward::server
