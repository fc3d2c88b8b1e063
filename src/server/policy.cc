// IamPolicy evaluation (parsing: policy_parse.cc).
#include "keyward/server/policy.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "server/policy_accounts.h"
#include "server/policy_internal.h"

namespace keyward::server {

using policy_internal::EqualsIgnoreCase;
using policy_internal::InCidr;
using policy_internal::ParseCidr;

namespace {

// ASCII only, as IAM's case-insensitive comparisons (no locale lookup).
inline char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// WildcardMatch for a pattern whose first `lit` characters hold no
// wildcard. The literal prefix is compared first: most patterns in a policy
// (one ARN per secret) differ from the resource before their first
// wildcard, and a block compare rejects them without the per-character loop.
bool MatchFrom(std::string_view p, std::size_t lit, std::string_view t,
               bool ignore_case) {
  auto eq = [ignore_case](char a, char b) {
    return ignore_case ? AsciiLower(a) == AsciiLower(b) : a == b;
  };
  if (lit > t.size()) return false;
  if (!ignore_case) {
    if (std::memcmp(p.data(), t.data(), lit) != 0) return false;
  } else {
    for (std::size_t i = 0; i < lit; ++i) {
      if (!eq(p[i], t[i])) return false;
    }
  }
  if (lit == p.size()) return lit == t.size();
  // Iterative glob match with single backtrack point (linear for '*').
  std::size_t pi = lit, ti = lit, star = std::string_view::npos, mark = 0;
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

}  // namespace

bool WildcardMatch(std::string_view p, std::string_view t, bool ignore_case) {
  return MatchFrom(p, std::min(p.find_first_of("*?"), p.size()), t,
                   ignore_case);
}

bool IamPolicy::PrincipalMatches(const Statement& st,
                                 const RequestContext& ctx) {
  if (!st.has_principal) return true;  // identity policy
  bool match = false;
  const Principal* p = ctx.principal;
  for (const auto& m : st.principals) {
    switch (m.kind) {
      case PrincipalMatch::kAny:
        match = true;
        break;
      case PrincipalMatch::kAccount:
        match = p != nullptr && p->account_id == m.value;
        break;
      case PrincipalMatch::kArn:
        if (p == nullptr) break;
        match = p->arn == m.value;
        // A role ARN names every session of that role.
        if (!match && p->type == "assumed-role") {
          std::string_view v = m.value;
          match = v.starts_with("arn:" + p->partition +
                                ":iam::" + p->account_id + ":role/") &&
                  v.ends_with("/" + p->name);
        }
        break;
      case PrincipalMatch::kNever:
        break;
    }
    if (match) break;
  }
  return st.not_principal ? !match : match;
}

bool IamPolicy::KeyValue(const Condition& c, const RequestContext& ctx,
                         std::string_view* out) {
  const Principal* p = ctx.principal;
  auto set = [out](std::string_view v) {
    *out = v;
    return true;
  };
  switch (c.key) {
    case Key::kPrincipalArn:
      return p != nullptr && set(p->arn);
    case Key::kPrincipalAccount:
      return p != nullptr && set(p->account_id);
    case Key::kPrincipalType:
      if (p == nullptr) return false;
      return set(p->type == "user" ? "User" : "AssumedRole");
    case Key::kUserId:
      return p != nullptr && set(p->user_id);
    case Key::kUsername:
      return p != nullptr && p->type == "user" && set(p->name);
    case Key::kPrincipalTag: {
      if (p == nullptr) return false;
      for (const auto& [k, v] : p->tags) {
        if (EqualsIgnoreCase(k, c.suffix)) return set(v);
      }
      return false;
    }
    case Key::kSourceIp:
      return !ctx.source_ip.empty() && set(ctx.source_ip);
    case Key::kSecureTransport:
      return set(ctx.secure_transport ? "true" : "false");
    case Key::kRequestedRegion:
      return !ctx.region.empty() && set(ctx.region);
    case Key::kResourceTag:
      if (ctx.resource_tags == nullptr) return false;
      for (const auto& t : *ctx.resource_tags) {
        if (t.key == c.suffix) return set(t.value);
      }
      return false;
    case Key::kSecretId:
      return !ctx.secret_id.empty() && set(ctx.secret_id);
    case Key::kVersionStage:
      return !ctx.version_stage.empty() && set(ctx.version_stage);
    case Key::kVersionId:
      return !ctx.version_id.empty() && set(ctx.version_id);
  }
  return false;
}

// Whether the one context value `have` matches any of the condition's values
// under the operator's positive form.
bool IamPolicy::ValueMatches(const Condition& c, std::string_view have) {
  switch (c.op) {
    case Op::kStringEquals:
    case Op::kStringNotEquals:
    case Op::kArnEquals:
    case Op::kArnNotEquals:
    case Op::kBool:
      for (const auto& v : c.values) {
        if (v == have) return true;
      }
      return false;
    case Op::kStringEqualsIgnoreCase:
    case Op::kStringNotEqualsIgnoreCase:
      for (const auto& v : c.values) {
        if (EqualsIgnoreCase(v, have)) return true;
      }
      return false;
    case Op::kStringLike:
    case Op::kStringNotLike:
    case Op::kArnLike:
    case Op::kArnNotLike:
      for (const auto& v : c.values) {
        if (WildcardMatch(v, have, false)) return true;
      }
      return false;
    case Op::kIpAddress:
    case Op::kNotIpAddress: {
      Cidr ip;
      if (!ParseCidr(have, ip, false)) return false;
      for (const auto& net : c.cidrs) {
        if (InCidr(net, ip)) return true;
      }
      return false;
    }
    case Op::kNull:
      return false;
  }
  return false;
}

bool IamPolicy::ConditionHolds(const Condition& c, const RequestContext& ctx) {
  std::string_view have;
  bool present = KeyValue(c, ctx, &have);
  if (c.op == Op::kNull) {
    // "Null": true means the key must be absent.
    return c.values.front() == "true" ? !present : present;
  }
  bool negated = c.op == Op::kStringNotEquals ||
                 c.op == Op::kStringNotEqualsIgnoreCase ||
                 c.op == Op::kStringNotLike || c.op == Op::kArnNotEquals ||
                 c.op == Op::kArnNotLike || c.op == Op::kNotIpAddress;
  if (!present) {
    // IAM: an absent key matches nothing; a negated operator then holds,
    // ...IfExists holds, ForAllValues holds (vacuously), ForAnyValue not.
    if (c.if_exists) return true;
    if (c.set == SetOp::kForAllValues) return true;
    if (c.set == SetOp::kForAnyValue) return false;
    return negated;
  }
  bool hit = ValueMatches(c, have);
  return negated ? !hit : hit;
}

Decision IamPolicy::Evaluate(const RequestContext& ctx) const {
  Decision d = Decision::kNone;
  for (const auto& st : statements_) {
    bool action_match = false;
    for (const auto& a : st.actions) {
      if (WildcardMatch(a, ctx.action, true)) {
        action_match = true;
        break;
      }
    }
    if (!action_match) continue;
    bool resource_match = false;
    for (std::size_t i = 0; i < st.resources.size(); ++i) {
      if (MatchFrom(st.resources[i], st.resource_literals[i], ctx.resource,
                    false)) {
        resource_match = true;
        break;
      }
    }
    if (!resource_match) continue;
    if (!PrincipalMatches(st, ctx)) continue;
    bool holds = true;
    for (const auto& c : st.conditions) {
      if (!ConditionHolds(c, ctx)) {
        holds = false;
        break;
      }
    }
    if (!holds) continue;
    if (!st.allow) return Decision::kDeny;
    d = Decision::kAllow;
  }
  return d;
}

std::vector<std::string> IamPolicy::ResourceAccounts() const {
  std::vector<std::string> out;
  for (const auto& st : statements_) {
    if (!st.allow) continue;
    for (const auto& r : st.resources) {
      std::string account = ArnAccount(r);
      if (!account.empty() &&
          std::find(out.begin(), out.end(), account) == out.end())
        out.push_back(std::move(account));
    }
  }
  return out;
}

bool IamPolicy::Allowed(std::string_view action,
                        std::string_view resource) const {
  RequestContext ctx;
  ctx.action = action;
  ctx.resource = resource;
  return Evaluate(ctx) == Decision::kAllow;
}

Verdict Evaluate(const IamPolicy* identity, const IamPolicy* resource,
                 const RequestContext& ctx, std::string_view resource_account) {
  Decision id = identity ? identity->Evaluate(ctx) : Decision::kAllow;
  if (id == Decision::kDeny) return Verdict::kIdentityDeny;
  Decision res = resource ? resource->Evaluate(ctx) : Decision::kNone;
  if (res == Decision::kDeny) return Verdict::kResourceDeny;
  bool same_account =
      ctx.principal == nullptr || ctx.principal->account_id == resource_account;
  bool allowed = same_account
                     ? id == Decision::kAllow || res == Decision::kAllow
                     : id == Decision::kAllow && res == Decision::kAllow;
  return allowed ? Verdict::kAllowed : Verdict::kImplicitDeny;
}

std::string IamPolicy::BroadAccessStatement(
    std::string_view own_account) const {
  int index = 0;
  for (const auto& st : statements_) {
    std::string name = st.sid.empty() ? "statement " + std::to_string(index)
                                      : "statement \"" + st.sid + "\"";
    ++index;
    if (!st.allow || !st.has_principal) continue;
    bool broad = false;
    for (const auto& m : st.principals) {
      broad |= m.kind == PrincipalMatch::kAny ||
               (m.kind == PrincipalMatch::kAccount && m.value != own_account);
    }
    if (!broad) continue;
    // A condition that pins who may call (positive operator, no wildcard)
    // keeps the grant from being public.
    bool pinned = false;
    for (const auto& c : st.conditions) {
      bool positive = c.op == Op::kStringEquals || c.op == Op::kArnEquals ||
                      c.op == Op::kIpAddress ||
                      c.op == Op::kStringEqualsIgnoreCase;
      bool who = c.key == Key::kPrincipalArn ||
                 c.key == Key::kPrincipalAccount || c.key == Key::kUserId ||
                 c.key == Key::kSourceIp;
      bool wild = false;
      for (const auto& v : c.values) wild |= v.find('*') != std::string::npos;
      if (positive && who && !wild && !c.if_exists &&
          c.set != SetOp::kForAllValues) {
        pinned = true;
      }
    }
    if (!pinned) return name;
  }
  return "";
}

}  // namespace keyward::server
