#include "agent/request.h"

#include <cctype>

namespace keyward::agent {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool EqualsLower(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != lower[i])
      return false;
  }
  return true;
}

// parse.rs parse_refresh_value: true/1/false/0, case-insensitive.
bool ParseRefresh(std::string_view v, bool* out) {
  if (EqualsLower(v, "true") || v == "1") {
    *out = true;
    return true;
  }
  if (EqualsLower(v, "false") || v == "0") {
    *out = false;
    return true;
  }
  return false;
}

AgentRequest BadRequest(std::string message) {
  AgentRequest r;
  r.kind = RequestKind::kBadRequest;
  r.error = std::move(message);
  return r;
}

// Applies the query's pairs to `r`; `allow_secret_id` for the query style.
// Returns false (with r set to a 400) on an unknown parameter or a bad
// refreshNow, as the AWS agent does (first offending pair wins).
bool ApplyQuery(std::string_view query, bool allow_secret_id, AgentRequest* r) {
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view()
                                          : query.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    std::string key = PercentDecode(pair.substr(0, eq), true);
    std::string value = eq == std::string_view::npos
                            ? ""
                            : PercentDecode(pair.substr(eq + 1), true);
    if (allow_secret_id && key == "secretId") {
      r->secret_id = std::move(value);
    } else if (key == "versionId") {
      r->version_id = std::move(value);
    } else if (key == "versionStage") {
      r->version_stage = std::move(value);
    } else if (key == "refreshNow") {
      if (!ParseRefresh(value, &r->refresh_now)) {
        *r = BadRequest("invalid refreshNow value");
        return false;
      }
    } else {
      *r = BadRequest("unknown parameter: " + key);
      return false;
    }
  }
  return true;
}

}  // namespace

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out.push_back(
          static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string_view TargetPath(std::string_view target) {
  std::size_t end = target.find_first_of("?#");
  return target.substr(0, end);
}

AgentRequest ParseAgentRequest(std::string_view target,
                               std::string_view path_prefix) {
  std::string_view path = TargetPath(target);
  std::string_view query;
  if (std::size_t q = target.find('?'); q != std::string_view::npos) {
    query = target.substr(q + 1);
    if (std::size_t h = query.find('#'); h != std::string_view::npos)
      query = query.substr(0, h);
  }
  AgentRequest r;
  if (path == "/ping") {
    r.kind = RequestKind::kPing;
    return r;
  }
  if (path == "/metrics") {
    r.kind = RequestKind::kMetrics;
    return r;
  }
  if (path == "/secretsmanager/get") {
    r.kind = RequestKind::kGetSecret;
    if (!ApplyQuery(query, true, &r)) return r;
    if (r.secret_id.empty()) return BadRequest("missing parameter secretId");
    return r;
  }
  if (!path_prefix.empty() && path.starts_with(path_prefix)) {
    r.kind = RequestKind::kGetSecret;
    r.secret_id = PercentDecode(path.substr(path_prefix.size()), false);
    if (r.secret_id.empty()) return BadRequest("missing secret ID");
    ApplyQuery(query, false, &r);
    return r;
  }
  r.kind = RequestKind::kNotFound;
  return r;
}

}  // namespace keyward::agent
