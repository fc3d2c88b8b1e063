// The roles file and trust policies of keyward server's STS (see
// sts_service.h): parsing with errors naming the file and role, and trust
// evaluation.
#include <algorithm>
#include <cctype>
#include <functional>

#include "keyward/aws/sigv4.h"
#include "secrets/json_codec.h"
#include "server/policy_internal.h"
#include "server/sts_service.h"

namespace keyward::server {
namespace {

using policy_internal::StringList;
using secrets::Json;

Status Malformed(std::string_view source, std::string message) {
  return Status(StatusCode::kInvalidArgument,
                std::string(source) + ": " + message,
                "MalformedPolicyDocumentException");
}

// A policy given as an object or as a JSON string, as text.
std::optional<std::string> PolicyText(const Json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_object()) return j.dump();
  return std::nullopt;
}

}  // namespace

bool IamNameChars(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
           c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == '-';
  });
}

std::string DerivedId(std::string_view prefix, std::string_view seed) {
  std::string hex = aws::HexSha256(seed).substr(0, 17);
  for (char& c : hex) c = static_cast<char>(std::toupper(c));
  return std::string(prefix) + hex;
}

// ---- TrustPolicy ----

namespace {

Status ParsePrincipal(const Json& value, std::string_view source,
                      const std::string& where, TrustPolicy::Statement& out) {
  if (value == "*") {
    out.any_principal = true;
    return OkStatus();
  }
  if (!value.is_object()) {
    return Malformed(source, where +
                                 ": Principal must be \"*\" or an object such "
                                 "as {\"AWS\": ARN}");
  }
  for (const auto& [kind, who] : value.items()) {
    std::vector<std::string> list;
    if (!StringList(who, list)) {
      return Malformed(
          source, where + ": Principal." + kind + " must be a string or list");
    }
    if (kind == "AWS") {
      for (auto& p : list) {
        if (p == "*") out.any_principal = true;
        out.principals.push_back(std::move(p));
      }
    } else if (kind != "Service" && kind != "Federated" &&
               kind != "CanonicalUser") {
      return Malformed(source,
                       where + ": unknown principal type \"" + kind + "\"");
    }
    // Service/Federated principals exist in AWS but never sign requests to
    // keyward server: accepted, never matched.
  }
  return OkStatus();
}

Status ParseStatement(const Json& st, std::string_view source,
                      const std::string& where, TrustPolicy::Statement& out) {
  if (!st.is_object()) return Malformed(source, where + " is not an object");
  for (const auto& [key, value] : st.items()) {
    if (key == "Sid") continue;
    if (key == "Effect") {
      if (value != "Allow" && value != "Deny")
        return Malformed(source, where + ": Effect must be Allow or Deny");
      out.allow = value == "Allow";
    } else if (key == "Action") {
      if (!StringList(value, out.actions))
        return Malformed(source, where + ": Action must be a string or list");
    } else if (key == "Principal") {
      KW_RETURN_IF_ERROR(ParsePrincipal(value, source, where, out));
    } else {
      // Condition, NotPrincipal, NotAction, Resource...: refusing them beats
      // evaluating them partially (which could grant what AWS denies).
      return Malformed(source, where + ": \"" + key +
                                   "\" is not supported in a keyward server "
                                   "trust policy");
    }
  }
  for (const char* required : {"Effect", "Action", "Principal"}) {
    if (!st.contains(required))
      return Malformed(source, where + ": no " + required);
  }
  return OkStatus();
}

}  // namespace

StatusOr<TrustPolicy> TrustPolicy::Parse(std::string_view text,
                                         std::string_view source) {
  auto doc = secrets::ParseJson(text);
  if (!doc || !doc->is_object())
    return Malformed(source, "the trust policy is not a JSON object");
  for (const auto& [key, value] : doc->items()) {
    if (key != "Version" && key != "Id" && key != "Statement")
      return Malformed(source, "unknown policy element \"" + key + "\"");
  }
  auto it = doc->find("Statement");
  if (it == doc->end()) return Malformed(source, "no Statement");
  Json statements = it->is_array() ? *it : Json::array({*it});
  TrustPolicy policy;
  for (std::size_t i = 0; i < statements.size(); ++i) {
    Statement out;
    KW_RETURN_IF_ERROR(ParseStatement(
        statements[i], source, "Statement[" + std::to_string(i) + "]", out));
    policy.statements_.push_back(std::move(out));
  }
  return policy;
}

int TrustPolicy::Evaluate(std::string_view caller_arn,
                          std::string_view caller_role_arn,
                          std::string_view account,
                          std::string_view action) const {
  std::string root = "arn:aws:iam::" + std::string(account) + ":root";
  auto principal_matches = [&](const Statement& st) {
    if (st.any_principal) return true;
    for (const auto& p : st.principals) {
      if (p == caller_arn || p == account || p == root) return true;
      if (!caller_role_arn.empty() && p == caller_role_arn) return true;
    }
    return false;
  };
  auto action_matches = [&](const Statement& st) {
    for (const auto& a : st.actions) {
      if (WildcardMatch(a, action, /*ignore_case=*/true)) return true;
    }
    return false;
  };
  int result = 0;
  for (const auto& st : statements_) {
    if (!principal_matches(st) || !action_matches(st)) continue;
    if (!st.allow) return -1;
    result = 1;
  }
  return result;
}

// ---- roles ----

namespace {

// RoleName, Path, MaxSessionDuration and the ARN/id derived from them.
Status ParseRoleScalars(const Json& r, std::string_view account_id,
                        const std::function<Status(std::string)>& bad,
                        Role& role) {
  std::string role_path = "/";
  for (const auto& [key, value] : r.items()) {
    if (key == "RoleName" && value.is_string()) {
      role.name = value.get<std::string>();
    } else if (key == "Path" && value.is_string()) {
      role_path = value.get<std::string>();
    } else if (key == "MaxSessionDuration" && value.is_number_integer()) {
      role.max_session_seconds = value.get<int>();
    } else if (key != "AssumeRolePolicyDocument" && key != "PolicyDocument" &&
               key != "Description") {
      return bad(": unknown or mistyped key \"" + key + "\"");
    }
  }
  if (role.name.empty() || role.name.size() > 64 || !IamNameChars(role.name))
    return bad(": RoleName must be 1-64 characters of [\\w+=,.@-]");
  if (role_path.empty() || role_path.front() != '/' || role_path.back() != '/')
    return bad(" (" + role.name + "): Path must start and end with '/'");
  if (role.max_session_seconds < 3600 || role.max_session_seconds > 43200) {
    return bad(" (" + role.name +
               "): MaxSessionDuration must be 3600..43200 seconds");
  }
  role.arn = "arn:aws:iam::" + std::string(account_id) + ":role" + role_path +
             role.name;
  role.role_id = DerivedId("AROA", role.arn);
  return OkStatus();
}

// The trust policy (required) and the inline identity policy (default:
// allows nothing).
Status ParseRolePolicies(const Json& r, const std::string& where,
                         const std::function<Status(std::string)>& bad,
                         Role& role) {
  auto trust = r.find("AssumeRolePolicyDocument");
  std::optional<std::string> trust_text =
      trust == r.end() ? std::nullopt : PolicyText(*trust);
  if (!trust_text) {
    return bad(" (" + role.name +
               "): AssumeRolePolicyDocument (the trust policy) is required");
  }
  KW_ASSIGN_OR_RETURN(
      role.trust,
      TrustPolicy::Parse(*trust_text, where + " AssumeRolePolicyDocument"));
  std::string policy_text = R"({"Statement":[]})";
  if (auto policy = r.find("PolicyDocument"); policy != r.end()) {
    auto t = PolicyText(*policy);
    if (!t)
      return bad(" (" + role.name + "): PolicyDocument must be an object");
    policy_text = *t;
  }
  KW_ASSIGN_OR_RETURN(role.policy,
                      IamPolicy::Parse(policy_text, where + " PolicyDocument"));
  return OkStatus();
}

}  // namespace

StatusOr<std::vector<Role>> ParseRolesFile(std::string_view text,
                                           std::string_view path,
                                           std::string_view account_id) {
  auto doc = secrets::ParseJson(text);
  if (!doc || !doc->is_object() || !doc->contains("Roles") ||
      !(*doc)["Roles"].is_array()) {
    return InvalidArgumentError(
        std::string(path) +
        ": expected a JSON object {\"Roles\": [...]} (docs/server.md)");
  }
  std::vector<Role> roles;
  const Json& list = (*doc)["Roles"];
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string where =
        std::string(path) + ": Roles[" + std::to_string(i) + "]";
    auto bad = [&](std::string m) { return InvalidArgumentError(where + m); };
    if (!list[i].is_object()) return bad(" is not an object");
    Role role;
    KW_RETURN_IF_ERROR(ParseRoleScalars(list[i], account_id, bad, role));
    for (const auto& other : roles) {
      if (other.name == role.name)
        return bad(" (" + role.name + "): declared twice");
    }
    KW_RETURN_IF_ERROR(
        ParseRolePolicies(list[i], where + " (" + role.name + ")", bad, role));
    roles.push_back(std::move(role));
  }
  return roles;
}

std::string PrincipalArn(const AccessKey& key, std::string_view account_id) {
  if (!key.arn.empty()) return key.arn;
  return "arn:aws:iam::" + std::string(account_id) + ":user/" +
         (key.profile.empty() ? key.access_key_id : key.profile);
}

std::string PrincipalUserId(const AccessKey& key) {
  if (!key.user_id.empty()) return key.user_id;
  return DerivedId("AIDA", key.access_key_id);
}

}  // namespace keyward::server
