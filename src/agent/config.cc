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

Status ParseRoot(const std::string& path, const YAML::Node& root,
                 const FileSystem& fs, AgentConfig* c) {
  if (root.IsNull()) return OkStatus();
  if (!root.IsMap()) return ErrorAt(path, root, "expected a mapping of keys");
  for (const auto& kv : root) {
    std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    c->origin[key] = Where(path, v);
    if (key == "listen") {
      KW_ASSIGN_OR_RETURN(std::string s, Scalar(path, key, v));
      if (Status st = ParseListen(s, &c->host, &c->port); !st.ok()) {
        return ErrorAt(path, v, "listen: " + st.message());
      }
    } else if (key == "allow_non_loopback") {
      KW_ASSIGN_OR_RETURN(c->allow_non_loopback, Bool(path, key, v));
    } else if (key == "path_prefix") {
      KW_ASSIGN_OR_RETURN(c->path_prefix, Scalar(path, key, v));
    } else if (key == "ssrf_headers") {
      KW_ASSIGN_OR_RETURN(c->ssrf_headers, List(path, key, v));
    } else if (key == "ssrf_env_variables") {
      KW_ASSIGN_OR_RETURN(c->ssrf_env_variables, List(path, key, v));
    } else if (key == "ttl_seconds") {
      KW_ASSIGN_OR_RETURN(c->ttl_seconds, Int(path, key, v));
    } else if (key == "max_staleness_seconds") {
      KW_ASSIGN_OR_RETURN(c->max_staleness_seconds, Int(path, key, v));
    } else if (key == "refresh_now_min_interval_seconds") {
      KW_ASSIGN_OR_RETURN(c->refresh_now_min_interval_seconds,
                          Int(path, key, v));
    } else if (key == "cache_size") {
      KW_ASSIGN_OR_RETURN(c->cache_size, Int(path, key, v));
    } else if (key == "max_conn") {
      KW_ASSIGN_OR_RETURN(c->max_conn, Int(path, key, v));
    } else if (key == "threads") {
      KW_ASSIGN_OR_RETURN(c->threads, Int(path, key, v));
    } else if (key == "region") {
      KW_ASSIGN_OR_RETURN(c->region, Scalar(path, key, v));
    } else if (key == "profile") {
      KW_ASSIGN_OR_RETURN(c->profile, Scalar(path, key, v));
    } else if (key == "endpoint_url") {
      KW_ASSIGN_OR_RETURN(c->endpoint_url, Scalar(path, key, v));
    } else if (key == "log_level") {
      KW_ASSIGN_OR_RETURN(c->log_level, Scalar(path, key, v));
    } else if (key == "inventory") {
      KW_ASSIGN_OR_RETURN(c->inventory, Scalar(path, key, v));
    } else if (key == "apps") {
      KW_ASSIGN_OR_RETURN(c->apps, List(path, key, v));
    } else if (key == "token_mode") {
      KW_ASSIGN_OR_RETURN(c->token_mode, Scalar(path, key, v));
    } else if (key == "token_dir") {
      KW_ASSIGN_OR_RETURN(c->token_dir, Scalar(path, key, v));
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
  if (c.refresh_now_min_interval_seconds < 0 ||
      c.refresh_now_min_interval_seconds > 3600)
    return Place(c, "refresh_now_min_interval_seconds", "must be in 0..3600");
  if (c.cache_size < 1 || c.cache_size > 100000)
    return Place(c, "cache_size", "must be in 1..100000");
  if (c.max_conn < 1 || c.max_conn > 10000)
    return Place(c, "max_conn", "must be in 1..10000");
  if (c.threads < 0 || c.threads > 64)
    return Place(c, "threads", "must be in 0..64");
  static const std::set<std::string> kLevels = {"debug", "info", "warn",
                                                "error", "none"};
  if (!kLevels.count(c.log_level))
    return Place(c, "log_level", "must be debug, info, warn, error or none");
  if (c.token_mode != "single" && c.token_mode != "per-app")
    return Place(c, "token_mode", "must be single or per-app");
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

}  // namespace keyward::agent
