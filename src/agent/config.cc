// The one file of the agent that calls yaml-cpp (it throws; caught here).
#include "agent/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "inventory/yaml_tree.h"
#include "keyward/server/http_listener.h"

namespace keyward::agent {
namespace {

// Deepest nesting an agent config may have (it needs 4 levels).
constexpr int kMaxConfigDepth = 64;

std::string Where(const std::string& path, const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  return path + ":" + std::to_string(m.line + 1) + ":" +
         std::to_string(m.column + 1);
}

Status ErrorAt(const std::string& path, const YAML::Node& n,
               const std::string& message) {
  return InvalidArgumentError(Where(path, n) + ": " + message);
}

StatusOr<std::string> Scalar(const std::string& path, const std::string& key,
                             const YAML::Node& n) {
  if (!n.IsScalar()) return ErrorAt(path, n, key + ": expected a string");
  return n.Scalar();
}

StatusOr<int> Int(const std::string& path, const std::string& key,
                  const YAML::Node& n) {
  KW_ASSIGN_OR_RETURN(std::string s, Scalar(path, key, n));
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) {
    return ErrorAt(path, n, key + ": expected an integer, got '" + s + "'");
  }
  return v;
}

StatusOr<bool> Bool(const std::string& path, const std::string& key,
                    const YAML::Node& n) {
  KW_ASSIGN_OR_RETURN(std::string s, Scalar(path, key, n));
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  return ErrorAt(path, n, key + ": expected true or false, got '" + s + "'");
}

StatusOr<std::vector<std::string>> List(const std::string& path,
                                        const std::string& key,
                                        const YAML::Node& n) {
  if (!n.IsSequence())
    return ErrorAt(path, n, key + ": expected a list of strings");
  std::vector<std::string> out;
  for (const YAML::Node& item : n) {
    KW_ASSIGN_OR_RETURN(std::string s, Scalar(path, key, item));
    out.push_back(std::move(s));
  }
  return out;
}

Status ParseApplications(const std::string& path, const YAML::Node& n,
                         AgentConfig* c) {
  if (!n.IsMap()) return ErrorAt(path, n, "applications: expected a mapping");
  for (const auto& kv : n) {
    std::string app = kv.first.Scalar();
    AppSettings& s = c->applications[app];
    const YAML::Node& v = kv.second;
    if (v.IsNull()) continue;
    if (!v.IsMap()) {
      return ErrorAt(path, v, "applications." + app + ": expected a mapping");
    }
    for (const auto& f : v) {
      std::string key = f.first.Scalar();
      std::string full = "applications." + app + "." + key;
      std::string* dest = key == "profile"      ? &s.profile
                          : key == "group"      ? &s.group
                          : key == "token_file" ? &s.token_file
                                                : nullptr;
      if (dest == nullptr) {
        return ErrorAt(
            path, f.first,
            "unknown key '" + full + "' (expected profile, group, token_file)");
      }
      KW_ASSIGN_OR_RETURN(*dest, Scalar(path, full, f.second));
      c->origin[full] = Where(path, f.second);
    }
  }
  return OkStatus();
}

// The plain keys of the agent's file: key -> member, by type.
template <typename T>
struct Field {
  const char* key;
  T AgentConfig::*member;
};
constexpr Field<int> kIntFields[] = {
    {"ttl_seconds", &AgentConfig::ttl_seconds},
    {"max_staleness_seconds", &AgentConfig::max_staleness_seconds},
    {"refresh_now_min_interval_seconds",
     &AgentConfig::refresh_now_min_interval_seconds},
    {"cache_size", &AgentConfig::cache_size},
    {"max_conn", &AgentConfig::max_conn},
    {"threads", &AgentConfig::threads},
};
constexpr Field<std::string> kStringFields[] = {
    {"path_prefix", &AgentConfig::path_prefix},
    {"region", &AgentConfig::region},
    {"profile", &AgentConfig::profile},
    {"endpoint_url", &AgentConfig::endpoint_url},
    {"log_level", &AgentConfig::log_level},
    {"inventory", &AgentConfig::inventory},
    {"token_mode", &AgentConfig::token_mode},
    {"token_dir", &AgentConfig::token_dir},
};
constexpr Field<std::vector<std::string>> kListFields[] = {
    {"ssrf_headers", &AgentConfig::ssrf_headers},
    {"ssrf_env_variables", &AgentConfig::ssrf_env_variables},
    {"apps", &AgentConfig::apps},
};

// Sets the member `key` names from `v`; false when no plain key matches.
StatusOr<bool> ParsePlainKey(const std::string& path, const std::string& key,
                             const YAML::Node& v, AgentConfig* c) {
  for (const auto& f : kIntFields) {
    if (key != f.key) continue;
    KW_ASSIGN_OR_RETURN(c->*f.member, Int(path, key, v));
    return true;
  }
  for (const auto& f : kStringFields) {
    if (key != f.key) continue;
    KW_ASSIGN_OR_RETURN(c->*f.member, Scalar(path, key, v));
    return true;
  }
  for (const auto& f : kListFields) {
    if (key != f.key) continue;
    KW_ASSIGN_OR_RETURN(c->*f.member, List(path, key, v));
    return true;
  }
  if (key == "allow_non_loopback") {
    KW_ASSIGN_OR_RETURN(c->allow_non_loopback, Bool(path, key, v));
    return true;
  }
  return false;
}

Status ParseRoot(const std::string& path, const YAML::Node& root,
                 const FileSystem& fs, AgentConfig* c) {
  if (root.IsNull()) return OkStatus();
  if (!root.IsMap()) return ErrorAt(path, root, "expected a mapping of keys");
  for (const auto& kv : root) {
    std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    c->origin[key] = Where(path, v);
    KW_ASSIGN_OR_RETURN(bool plain, ParsePlainKey(path, key, v, c));
    if (plain) continue;
    if (key == "listen") {
      KW_ASSIGN_OR_RETURN(std::string s, Scalar(path, key, v));
      if (Status st = ParseListen(s, &c->host, &c->port); !st.ok()) {
        return ErrorAt(path, v, "listen: " + st.message());
      }
    } else if (key == "applications") {
      KW_RETURN_IF_ERROR(ParseApplications(path, v, c));
    } else if (key == "templates") {
      KW_ASSIGN_OR_RETURN(c->templates, ParseTemplateSpecs(v, path, fs));
    } else if (key == "exec") {
      // Reserved for the agent's supervised exec mode (docs/agent.md).
      return ErrorAt(path, kv.first,
                     "exec: not yet supported by keyward agent (use `keyward "
                     "exec --watch`)");
    } else {
      return ErrorAt(path, kv.first, "unknown key '" + key + "'");
    }
  }
  return OkStatus();
}

Status Place(const AgentConfig& c, const std::string& key,
             const std::string& message) {
  auto it = c.origin.find(key);
  std::string where = it == c.origin.end() ? key : it->second;
  return InvalidArgumentError(where + ": " + message);
}

}  // namespace

std::vector<std::string> AgentConfig::AllApps() const {
  std::vector<std::string> out = apps;
  for (const auto& [name, s] : applications) {
    if (std::find(out.begin(), out.end(), name) == out.end())
      out.push_back(name);
  }
  return out;
}

std::string AgentConfig::TokenFileFor(const std::string& app) const {
  auto it = applications.find(app);
  if (it != applications.end() && !it->second.token_file.empty())
    return it->second.token_file;
  return token_dir + "/" + app + ".token";
}

Status ParseListen(std::string_view listen, std::string* host, int* port) {
  std::size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos)
    return InvalidArgumentError("expected HOST:PORT, got '" +
                                std::string(listen) + "'");
  std::string h(listen.substr(0, colon));
  if (h.size() > 2 && h.front() == '[' && h.back() == ']')
    h = h.substr(1, h.size() - 2);
  std::string_view p = listen.substr(colon + 1);
  int v = -1;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
  if (h.empty() || ec != std::errc() || end != p.data() + p.size() || v < 0 ||
      v > 65535) {
    return InvalidArgumentError("expected HOST:PORT, got '" +
                                std::string(listen) + "'");
  }
  *host = std::move(h);
  *port = v;
  return OkStatus();
}

Status ParseAgentConfig(std::string_view text, const std::string& path,
                        const FileSystem& fs, AgentConfig* config) {
  // yaml-cpp's node builder recurses once per level: bound the nesting
  // before it sees the text (an agent config nests 4 levels).
  KW_RETURN_IF_ERROR(inventory::CheckYamlDepth(text, path, kMaxConfigDepth));
  try {
    YAML::Node root = YAML::Load(std::string(text));
    return ParseRoot(path, root, fs, config);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(path + ":" + std::to_string(e.mark.line + 1) +
                                ":" + std::to_string(e.mark.column + 1) + ": " +
                                e.msg);
  } catch (const std::exception& e) {
    return InvalidArgumentError(path + ": " + e.what());
  }
}

Status LoadAgentConfig(const std::string& path, const FileSystem& fs,
                       AgentConfig* config) {
  auto text = fs.ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseAgentConfig(*text, path, fs, config);
}

namespace {

// Integer settings with a plain range, checked in this order.
struct Range {
  const char* key;
  int AgentConfig::*member;
  int lo, hi;
};
constexpr Range kRanges[] = {
    {"refresh_now_min_interval_seconds",
     &AgentConfig::refresh_now_min_interval_seconds, 0, 3600},
    {"cache_size", &AgentConfig::cache_size, 1, 100000},
    {"max_conn", &AgentConfig::max_conn, 1, 10000},
    {"threads", &AgentConfig::threads, 0, 64},
};

// apps, applications and token_mode agree with each other.
Status ValidateApplications(const AgentConfig& c) {
  std::vector<std::string> apps = c.AllApps();
  if (!apps.empty() && c.inventory.empty())
    return Place(c, apps == c.apps ? "apps" : "applications",
                 "applications need an inventory (inventory / --inventory)");
  if (c.per_app()) {
    if (apps.empty())
      return Place(c, "token_mode",
                   "per-app needs at least one application (apps / --app)");
    for (const std::string& app : apps) {
      auto it = c.applications.find(app);
      bool own_file =
          it != c.applications.end() && !it->second.token_file.empty();
      if (!own_file && c.token_dir.empty())
        return Place(
            c, "token_dir",
            "per-app needs token_dir (or a token_file for " + app + ")");
    }
  } else if (!c.applications.empty()) {
    for (const auto& [app, s] : c.applications) {
      if (!s.profile.empty() || !s.token_file.empty() || !s.group.empty())
        return Place(c,
                     "applications." + app + "." +
                         (!s.profile.empty() ? "profile"
                          : !s.group.empty() ? "group"
                                             : "token_file"),
                     "per-application settings need token_mode: per-app");
    }
  }
  for (const std::string& app : c.apps) {
    if (app.empty()) return Place(c, "apps", "empty application name");
  }
  return OkStatus();
}

}  // namespace

Status ValidateAgentConfig(const AgentConfig& c) {
  if (c.port < 0 || c.port > 65535)
    return Place(c, "listen", "port must be in 0..65535");
  if (!server::IsLoopbackHost(c.host) && !c.allow_non_loopback) {
    return Place(c, "listen",
                 c.host +
                     " is not a loopback address: the agent serves secrets "
                     "to local processes only (set allow_non_loopback to "
                     "override)");
  }
  if (c.path_prefix.empty() || c.path_prefix.front() != '/')
    return Place(c, "path_prefix", "must begin with /");
  if (c.path_prefix == "/ping" || c.path_prefix == "/metrics" ||
      c.path_prefix == "/secretsmanager/get")
    return Place(c, "path_prefix", "collides with a fixed path");
  if (c.ssrf_headers.empty())
    return Place(c, "ssrf_headers", "the list can't be empty");
  if (c.ssrf_env_variables.empty())
    return Place(c, "ssrf_env_variables", "the list can't be empty");
  if (c.ttl_seconds < 1 || c.ttl_seconds > 86400)
    return Place(c, "ttl_seconds", "must be in 1..86400");
  if (c.max_staleness_seconds < c.ttl_seconds)
    return Place(
        c, "max_staleness_seconds",
        "must be at least ttl_seconds (" + std::to_string(c.ttl_seconds) + ")");
  for (const auto& r : kRanges) {
    int v = c.*r.member;
    if (v < r.lo || v > r.hi)
      return Place(
          c, r.key,
          "must be in " + std::to_string(r.lo) + ".." + std::to_string(r.hi));
  }
  static const std::set<std::string> kLevels = {"debug", "info", "warn",
                                                "error", "none"};
  if (!kLevels.count(c.log_level))
    return Place(c, "log_level", "must be debug, info, warn, error or none");
  if (c.token_mode != "single" && c.token_mode != "per-app")
    return Place(c, "token_mode", "must be single or per-app");
  return ValidateApplications(c);
}

}  // namespace keyward::agent
