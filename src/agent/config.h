// `keyward agent` configuration: one YAML file (every key also a command-line
// flag, flags win), validated at start with file:line:col errors.
//
//   listen: 127.0.0.1:2773            # --listen
//   allow_non_loopback: false         # --allow-non-loopback (warns)
//   path_prefix: /v1/                 # --path-prefix
//   ssrf_headers: [X-Aws-Parameters-Secrets-Token, X-Vault-Token]
//   ssrf_env_variables: [AWS_TOKEN, AWS_SESSION_TOKEN,
//                        AWS_CONTAINER_AUTHORIZATION_TOKEN]
//   ttl_seconds: 300                  # refresh period (1 DescribeSecret)
//   max_staleness_seconds: 86400      # serve through outages this long
//   refresh_now_min_interval_seconds: 10
//   cache_size: 1000
//   max_conn: 800
//   threads: 0                        # event loops (0: one per core, max 4)
//   region: / profile: / endpoint_url: # the AWS client (as the CLI resolves)
//   log_level: info                   # debug | info | warn | error | none
//   inventory: secrets-inventory.yaml # --inventory
//   apps: [orders]                    # --app (repeatable): prefetch these
//   token_mode: single                # single | per-app
//   token_dir: /run/keyward-agent     # per-app: <dir>/<app>.token
//   applications:                     # per-app settings (optional)
//     orders: {profile: orders, group: orders, token_file: /path}
//   templates: [...]                  # files rendered from secrets
//                                     # (agent/template.h, docs/templates.md)
//   exec: {...}                       # reserved: supervised exec (use
//                                     # `keyward exec --watch` for now)
//
// Errors are INVALID_ARGUMENT "path:line:col: message" for file values and
// "--flag: message" for command-line values.
#ifndef KEYWARD_SRC_AGENT_CONFIG_H_
#define KEYWARD_SRC_AGENT_CONFIG_H_

#include <map>
#include <string>
#include <vector>

#include "agent/template.h"
#include "keyward/env.h"
#include "keyward/status.h"

namespace keyward::agent {

struct AppSettings {
  std::string profile;     // AWS profile of the app's principal ("": default)
  std::string group;       // group of its token file ("": ours)
  std::string token_file;  // "": <token_dir>/<app>.token
};

struct AgentConfig {
  std::string host = "127.0.0.1";
  int port = 2773;
  bool allow_non_loopback = false;
  std::string path_prefix = "/v1/";
  std::vector<std::string> ssrf_headers = {"X-Aws-Parameters-Secrets-Token",
                                           "X-Vault-Token"};
  std::vector<std::string> ssrf_env_variables = {
      "AWS_TOKEN", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN"};
  int ttl_seconds = 300;
  int max_staleness_seconds = 86400;
  int refresh_now_min_interval_seconds = 10;
  int cache_size = 1000;
  int max_conn = 800;
  int threads = 0;
  std::string region;
  std::string profile;
  std::string endpoint_url;
  std::string log_level = "info";
  std::string inventory;
  std::vector<std::string> apps;
  std::string token_mode = "single";
  std::string token_dir;
  std::map<std::string, AppSettings> applications;
  // Templates rendered from the agent's cache (the default principal's).
  std::vector<TemplateSpec> templates;

  // Where each key came from: "path:line:col" for the file, "--flag" for
  // the command line. Used to place validation errors.
  std::map<std::string, std::string> origin;

  bool per_app() const { return token_mode == "per-app"; }
  // Every application the agent serves or prefetches (apps + applications).
  std::vector<std::string> AllApps() const;
  std::string TokenFileFor(const std::string& app) const;
};

// Parses YAML `text` (the contents of `path`) over the values already in
// `config`. INVALID_ARGUMENT "path:line:col: message" for syntax errors,
// unknown keys, wrong types, template errors (ParseTemplateSpecs), and the
// reserved exec section. Template sources are read through `fs`.
Status ParseAgentConfig(std::string_view text, const std::string& path,
                        const FileSystem& fs, AgentConfig* config);
// Reads `path` through `fs` and parses it.
Status LoadAgentConfig(const std::string& path, const FileSystem& fs,
                       AgentConfig* config);

// Checks ranges and combinations; the first problem, placed by `origin`.
Status ValidateAgentConfig(const AgentConfig& config);

// "HOST:PORT" (IPv6 as [::1]:2773).
Status ParseListen(std::string_view listen, std::string* host, int* port);

}  // namespace keyward::agent

#endif  // KEYWARD_SRC_AGENT_CONFIG_H_
