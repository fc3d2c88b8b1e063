#include "keyward/server/policy.h"

#include <cctype>

#include "secrets/json_codec.h"

namespace keyward::server {
namespace {

using secrets::Json;

bool StringList(const Json& j, std::vector<std::string>& out) {
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

bool IsOneOf(std::string_view s, std::initializer_list<std::string_view> set) {
  for (std::string_view e : set) {
    if (s == e) return true;
  }
  return false;
}

}  // namespace

bool WildcardMatch(std::string_view p, std::string_view t, bool ignore_case) {
  auto eq = [ignore_case](char a, char b) {
    return ignore_case ? std::tolower(static_cast<unsigned char>(a)) ==
                             std::tolower(static_cast<unsigned char>(b))
                       : a == b;
  };
  // Iterative glob match with single backtrack point (linear for '*').
  std::size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || (p[pi] != '*' && eq(p[pi], t[ti])))) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

StatusOr<IamPolicy> IamPolicy::Parse(std::string_view json,
                                     std::string_view source) {
  auto bad = [source](const std::string& why) {
    return Status(StatusCode::kInvalidArgument,
                  "policy " + std::string(source) + ": " + why,
                  "MalformedPolicyDocumentException");
  };
  std::optional<Json> doc = secrets::ParseJson(json);
  if (!doc || !doc->is_object()) return bad("not a JSON object");
  auto it = doc->find("Statement");
  if (it == doc->end()) return bad("no \"Statement\"");
  Json statements = it->is_array() ? *it : Json::array({*it});
  // IAM rejects unknown keys (MalformedPolicyDocument) rather than ignoring
  // them: an ignored lowercase "condition" would make a statement apply
  // unconditionally.
  for (const auto& [key, value] : doc->items()) {
    if (!IsOneOf(key, {"Version", "Id", "Statement"}))
      return bad("unknown policy element \"" + key + "\"");
  }
  if (auto v = doc->find("Version"); v != doc->end()) {
    if (!v->is_string() ||
        !IsOneOf(v->get<std::string>(), {"2012-10-17", "2008-10-17"})) {
      return bad("Version must be \"2012-10-17\" or \"2008-10-17\"");
    }
  }
  if (!it->is_array() && !it->is_object())
    return bad("\"Statement\" must be an object or a list of objects");
  IamPolicy policy;
  int index = 0;
  for (const auto& s : statements) {
    std::string where = "statement " + std::to_string(index++);
    if (!s.is_object()) return bad(where + " is not an object");
    for (const auto& [key, value] : s.items()) {
      if (!IsOneOf(key,
                   {"Sid", "Effect", "Action", "NotAction", "Resource",
                    "NotResource", "Principal", "NotPrincipal", "Condition"})) {
        return bad(where + ": unknown policy element \"" + key + "\"");
      }
    }
    for (const char* unsupported : {"NotAction", "NotResource", "Principal",
                                    "NotPrincipal", "Condition"}) {
      if (s.contains(unsupported)) {
        return bad(where + ": \"" + unsupported +
                   "\" is not supported by keyward server");
      }
    }
    Statement st;
    std::string effect = secrets::GetString(s, "Effect");
    if (effect != "Allow" && effect != "Deny")
      return bad(where + ": Effect must be Allow or Deny");
    st.allow = effect == "Allow";
    if (!s.contains("Action") || !StringList(s["Action"], st.actions)) {
      return bad(where + ": Action must be a string or a list of strings");
    }
    for (const auto& a : st.actions) {
      if (a != "*" && a.find(':') == std::string::npos) {
        return bad(where + ": action \"" + a +
                   "\" must be \"*\" or \"service:Action\"");
      }
    }
    if (!s.contains("Resource") || !StringList(s["Resource"], st.resources)) {
      return bad(where + ": Resource must be a string or a list of strings");
    }
    policy.statements_.push_back(std::move(st));
  }
  return policy;
}

bool IamPolicy::Allowed(std::string_view action,
                        std::string_view resource) const {
  bool allowed = false;
  for (const auto& st : statements_) {
    bool action_match = false;
    for (const auto& a : st.actions)
      action_match |= WildcardMatch(a, action, true);
    if (!action_match) continue;
    bool resource_match = false;
    for (const auto& r : st.resources)
      resource_match |= WildcardMatch(r, resource, false);
    if (!resource_match) continue;
    if (!st.allow) return false;
    allowed = true;
  }
  return allowed;
}

}  // namespace keyward::server
