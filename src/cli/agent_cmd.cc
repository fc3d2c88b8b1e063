// keyward agent: a local daemon serving the AWS Secrets Manager Agent's HTTP
// API from a version-aware cache (docs/agent.md). The command only parses
// flags, merges them over the YAML file and wires agent::Agent to the shared
// HttpListener; SIGHUP reloads, SIGINT/SIGTERM stop.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "agent/agent.h"
#include "agent/config.h"
#include "agent/template_runner.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "core/sd_notify.h"
#include "keyward/inventory/inventory.h"

namespace keyward::cli {
namespace {

using agent::AgentConfig;
using agent::LogLevel;

struct AgentFlags {
  std::string config;
  bool check_config = false;
  std::string listen;
  bool allow_non_loopback = false;
  std::string path_prefix;
  std::vector<std::string> ssrf_headers;
  std::vector<std::string> ssrf_env_variables;
  int ttl_seconds = 0;
  int max_staleness_seconds = 0;
  int refresh_now_min_interval_seconds = 0;
  int cache_size = 0;
  int max_conn = 0;
  int threads = 0;
  std::string log_level;
  std::vector<std::string> apps;
  std::string token_mode;
  std::string token_dir;
  std::vector<std::string> app_profiles;      // APP=PROFILE
  std::vector<std::string> app_groups;        // APP=GROUP
  std::map<std::string, CLI::Option*> given;  // key -> option
};

bool Given(const AgentFlags& f, const std::string& key) {
  auto it = f.given.find(key);
  return it != f.given.end() && it->second->count() > 0;
}

Status SplitPair(const std::string& flag, const std::string& spec,
                 std::string* app, std::string* value) {
  auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
    return InvalidArgumentError(flag + ": expected APP=VALUE, got '" + spec +
                                "'");
  *app = spec.substr(0, eq);
  *value = spec.substr(eq + 1);
  return OkStatus();
}

// The agent's own flags that were given, over `c`.
Status ApplyAgentFlags(const AgentFlags& f, AgentConfig& c) {
  auto from_flag = [&](const std::string& key, const std::string& flag) {
    c.origin[key] = flag;
  };
  if (Given(f, "listen")) {
    if (Status s = agent::ParseListen(f.listen, &c.host, &c.port); !s.ok())
      return InvalidArgumentError("--listen: " + s.message());
    from_flag("listen", "--listen");
  }
  if (f.allow_non_loopback) {
    c.allow_non_loopback = true;
    from_flag("allow_non_loopback", "--allow-non-loopback");
  }
#define KW_AGENT_FLAG(key, flag) \
  if (Given(f, #key)) {          \
    c.key = f.key;               \
    from_flag(#key, "--" flag);  \
  }
  KW_AGENT_FLAG(path_prefix, "path-prefix")
  KW_AGENT_FLAG(ssrf_headers, "ssrf-header")
  KW_AGENT_FLAG(ssrf_env_variables, "ssrf-env-variable")
  KW_AGENT_FLAG(ttl_seconds, "ttl-seconds")
  KW_AGENT_FLAG(max_staleness_seconds, "max-staleness-seconds")
  KW_AGENT_FLAG(refresh_now_min_interval_seconds,
                "refresh-now-min-interval-seconds")
  KW_AGENT_FLAG(cache_size, "cache-size")
  KW_AGENT_FLAG(max_conn, "max-conn")
  KW_AGENT_FLAG(threads, "threads")
  KW_AGENT_FLAG(log_level, "log-level")
  KW_AGENT_FLAG(apps, "app")
  KW_AGENT_FLAG(token_mode, "token-mode")
  KW_AGENT_FLAG(token_dir, "token-dir")
#undef KW_AGENT_FLAG
  for (const std::string& spec : f.app_profiles) {
    std::string app, v;
    KW_RETURN_IF_ERROR(SplitPair("--app-profile", spec, &app, &v));
    c.applications[app].profile = v;
    from_flag("applications." + app + ".profile", "--app-profile");
  }
  for (const std::string& spec : f.app_groups) {
    std::string app, v;
    KW_RETURN_IF_ERROR(SplitPair("--app-group", spec, &app, &v));
    c.applications[app].group = v;
    from_flag("applications." + app + ".group", "--app-group");
  }
  return OkStatus();
}

// The global flags that were given, over `c`. --inventory is the file whose
// applications --app names.
void ApplyGlobalFlags(const GlobalOptions& g, AgentConfig& c) {
  struct {
    const std::string& value;
    std::string* field;
    const char* key;
    const char* flag;
  } rows[] = {
      {g.region, &c.region, "region", "--region"},
      {g.profile, &c.profile, "profile", "--profile"},
      {g.endpoint_url, &c.endpoint_url, "endpoint_url", "--endpoint-url"},
      {g.inventory, &c.inventory, "inventory", "--inventory"},
  };
  for (const auto& r : rows) {
    if (r.value.empty()) continue;
    *r.field = r.value;
    c.origin[r.key] = r.flag;
  }
}

// The file (when given), then every flag that was given on top of it.
StatusOr<AgentConfig> BuildConfig(Cli& cli, const AgentFlags& f) {
  AgentConfig c;
  if (!f.config.empty()) {
    KW_RETURN_IF_ERROR(agent::LoadAgentConfig(f.config, *cli.runtime().fs, &c));
  }
  KW_RETURN_IF_ERROR(ApplyAgentFlags(f, c));
  ApplyGlobalFlags(cli.globals(), c);
  return c;
}

// --check-config: everything that can be checked without side effects.
Status CheckConfig(const AgentConfig& c, const FileSystem& fs) {
  KW_RETURN_IF_ERROR(agent::ValidateAgentConfig(c));
  if (c.inventory.empty()) return OkStatus();
  KW_ASSIGN_OR_RETURN(inventory::ParsedInventory parsed,
                      inventory::LoadInventory(c.inventory, fs));
  for (const auto& finding : parsed.findings) {
    if (finding.severity == Severity::kError)
      return InvalidArgumentError("inventory " + finding.ToString());
  }
  for (const std::string& app : c.AllApps()) {
    if (parsed.inventory.FindApplication(app) == nullptr)
      return InvalidArgumentError("application '" + app +
                                  "' is not in the inventory " + c.inventory);
  }
  return OkStatus();
}

int LevelRank(std::string_view level) {
  if (level == "debug") return 0;
  if (level == "info") return 1;
  if (level == "warn") return 2;
  if (level == "error") return 3;
  return 4;  // none
}

// Replaces `runner` with one for `specs` (none when empty); `start` renders
// them (problems are logged; failed templates are retried).
Status ReplaceTemplates(
    agent::Agent& agent, std::vector<agent::TemplateSpec> specs, bool start,
    const std::function<void(LogLevel, std::string_view)>& log,
    std::unique_ptr<agent::TemplateRunner>* runner) {
  if (*runner) (*runner)->Stop();
  runner->reset();
  if (specs.empty()) return OkStatus();
  KW_ASSIGN_OR_RETURN(SecretCache * cache, agent.DefaultCache());
  agent::TemplateRunner::Options o;
  o.log = log;
  KW_ASSIGN_OR_RETURN(*runner, agent::TemplateRunner::Create(
                                   cache, std::move(specs), std::move(o)));
  if (start) {
    Status first = (*runner)->Start();
    if (!first.ok()) log(LogLevel::kWarning, "template: " + first.message());
  }
  return OkStatus();
}

using AgentLog = std::function<void(LogLevel, std::string_view)>;

// "keyward agent: [warning: |error: ]MSG" lines on `err` at or above the
// level `min_level` holds (LevelRank), one at a time.
AgentLog MakeLog(std::ostream& err,
                 std::shared_ptr<std::atomic<int>> min_level) {
  auto log_mu = std::make_shared<std::mutex>();
  return [log_mu, min_level, &err](LogLevel level, std::string_view msg) {
    int rank = level == LogLevel::kInfo      ? 1
               : level == LogLevel::kWarning ? 2
                                             : 3;
    if (rank < min_level->load()) return;
    std::lock_guard<std::mutex> lock(*log_mu);
    err << "keyward agent: "
        << (rank == 3   ? "error: "
            : rank == 2 ? "warning: "
                        : "")
        << msg << std::endl;
  };
}

// A running agent: the cache, its template runner and the bound listener.
struct AgentParts {
  std::unique_ptr<agent::Agent> agent;
  std::unique_ptr<agent::TemplateRunner> templates;
  std::unique_ptr<server::HttpListener> listener;
  std::mutex templates_mu;
};

Status StartAgent(Cli& cli, const AgentConfig& config,
                  const agent::AgentDeps& deps, AgentParts& p) {
  if (config.allow_non_loopback && !server::IsLoopbackHost(config.host)) {
    deps.log(LogLevel::kWarning,
             "listening on non-loopback address " + config.host +
                 ": any host that can reach it and knows a token reads "
                 "secrets (replies still carry IP TTL 1)");
  }
  KW_ASSIGN_OR_RETURN(p.agent, agent::Agent::Create(config, deps));
  KW_RETURN_IF_ERROR(ReplaceTemplates(*p.agent, config.templates, false,
                                      deps.log, &p.templates));
  KW_ASSIGN_OR_RETURN(
      p.listener,
      server::HttpListener::Bind(p.agent->ListenerOptionsFor(), p.agent.get()));
  std::string host = config.host.find(':') != std::string::npos
                         ? "[" + config.host + "]"
                         : config.host;
  cli.out() << "keyward agent listening on http://" << host << ":"
            << p.listener->port() << " (token mode " << config.token_mode
            << ", " << config.AllApps().size() << " application(s))"
            << std::endl;
  return OkStatus();
}

// SIGHUP: the configuration (file + flags) again, applied to the agent and
// its templates; problems are logged.
void Reload(Cli& cli, const AgentFlags& f, const AgentLog& log,
            std::atomic<int>& min_level, AgentParts& p) {
  log(LogLevel::kInfo, "SIGHUP: reloading the configuration");
  auto next = BuildConfig(cli, f);
  Status s = next.ok() ? p.agent->Reload(*next) : next.status();
  if (next.ok()) min_level.store(LevelRank(next->log_level));
  if (next.ok() && s.code() != StatusCode::kInvalidArgument) {
    std::lock_guard<std::mutex> l(p.templates_mu);
    Status t =
        ReplaceTemplates(*p.agent, next->templates, true, log, &p.templates);
    if (!t.ok()) log(LogLevel::kError, "templates: " + t.message());
  }
  if (!s.ok()) log(LogLevel::kError, "reload: " + s.message());
}

// Serves until SIGINT/SIGTERM (or the listener ends); SIGHUP reloads.
void Serve(Cli& cli, const AgentFlags& f, const AgentLog& log,
           std::atomic<int>& min_level, const sigset_t& sigs, AgentParts& p) {
  std::atomic<bool> stopping{false};
  std::thread server_thread([&] { p.listener->Run().IgnoreError(); });
  std::thread control([&] {
    for (;;) {
      int sig = 0;
      if (sigwait(&sigs, &sig) != 0) continue;
      if (sig == SIGHUP) {
        Reload(cli, f, log, min_level, p);
        continue;
      }
      stopping.store(true);
      SdNotify(cli.env(), "STOPPING=1").IgnoreError();
      p.listener->Stop();
      return;
    }
  });
  Status pre = p.agent->Prefetch();
  if (!pre.ok()) log(LogLevel::kWarning, "not ready: " + pre.message());
  if (p.templates) {
    std::lock_guard<std::mutex> l(p.templates_mu);
    Status first = p.templates->Start();
    if (!first.ok()) log(LogLevel::kWarning, "template: " + first.message());
  }
  if (p.agent->WaitReady([&] { return stopping.load(); })) {
    if (Status s = SdNotify(cli.env(), "READY=1"); !s.ok())
      log(LogLevel::kWarning, s.message());
    log(LogLevel::kInfo, "ready");
  }
  server_thread.join();
  if (!stopping.load()) {
    ::kill(::getpid(), SIGTERM);  // Run ended on its own: wake the control
  }
  control.join();
}

CommandResult Run(Cli& cli, const AgentFlags& f) {
  KW_ASSIGN_OR_RETURN(AgentConfig config, BuildConfig(cli, f));
  if (f.check_config) {
    KW_RETURN_IF_ERROR(CheckConfig(config, *cli.runtime().fs));
    cli.out() << "keyward agent: configuration OK"
              << (f.config.empty() ? "" : " (" + f.config + ")") << "\n";
    return kExitOk;
  }
  KW_RETURN_IF_ERROR(agent::ValidateAgentConfig(config));
  // Signals are taken by one thread; block them before any thread starts.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  auto min_level =
      std::make_shared<std::atomic<int>>(LevelRank(config.log_level));
  agent::AgentDeps deps;
  deps.runtime.env = &cli.env();
  deps.log = MakeLog(cli.err(), min_level);
  AgentParts parts;
  KW_RETURN_IF_ERROR(StartAgent(cli, config, deps, parts));
  Serve(cli, f, deps.log, *min_level, sigs, parts);
  if (parts.templates) parts.templates->Stop();
  deps.log(LogLevel::kInfo, "stopped");
  return kExitOk;
}

// An option whose presence BuildConfig checks (Given).
template <typename T>
void AddTracked(CLI::App* sub, AgentFlags& f, const std::string& key,
                const std::string& name, T& var, const std::string& help) {
  f.given[key] = sub->add_option(name, var, help);
}

// --listen, the token and SSRF options, per-app principals.
void AddAccessOptions(CLI::App* sub, AgentFlags& f) {
  AddTracked(sub, f, "listen", "--listen", f.listen,
             "HOST:PORT (default 127.0.0.1:2773; loopback only)");
  sub->add_flag("--allow-non-loopback", f.allow_non_loopback,
                "allow a non-loopback --listen address (warns)");
  AddTracked(sub, f, "path_prefix", "--path-prefix", f.path_prefix,
             "prefix of path-style requests (default /v1/)");
  AddTracked(sub, f, "ssrf_headers", "--ssrf-header", f.ssrf_headers,
             "header carrying the token (repeatable; default "
             "X-Aws-Parameters-Secrets-Token, X-Vault-Token)");
  AddTracked(
      sub, f, "ssrf_env_variables", "--ssrf-env-variable", f.ssrf_env_variables,
      "variable holding the token or file://PATH (repeatable; default "
      "AWS_TOKEN, AWS_SESSION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN)");
}

// Cache and serving limits, logging, --app.
void AddCacheOptions(CLI::App* sub, AgentFlags& f) {
  AddTracked(sub, f, "ttl_seconds", "--ttl-seconds", f.ttl_seconds,
             "refresh period: one DescribeSecret per secret per period "
             "(default 300)");
  AddTracked(
      sub, f, "max_staleness_seconds", "--max-staleness-seconds",
      f.max_staleness_seconds,
      "serve the last good value through outages this long (default 86400)");
  AddTracked(sub, f, "refresh_now_min_interval_seconds",
             "--refresh-now-min-interval-seconds",
             f.refresh_now_min_interval_seconds,
             "refreshNow refreshes a secret at most this often (default 10)");
  AddTracked(sub, f, "cache_size", "--cache-size", f.cache_size,
             "ad-hoc secrets kept (LRU; default 1000)");
  AddTracked(sub, f, "max_conn", "--max-conn", f.max_conn,
             "connections before 429 (default 800)");
  AddTracked(sub, f, "threads", "--threads", f.threads,
             "event-loop threads (0: one per core, at most 4)");
  AddTracked(sub, f, "log_level", "--log-level", f.log_level,
             "debug | info | warn | error | none (default info)");
  AddTracked(sub, f, "apps", "--app", f.apps,
             "prefetch every secret this application consumes (repeatable)");
}

// --token-mode, --token-dir, --app-profile, --app-group.
void AddTokenOptions(CLI::App* sub, AgentFlags& f) {
  AddTracked(sub, f, "token_mode", "--token-mode", f.token_mode,
             "single (one token from the environment) | per-app (a token "
             "file and AWS principal per application)");
  AddTracked(sub, f, "token_dir", "--token-dir", f.token_dir,
             "per-app: directory of <app>.token files (0640, group of the "
             "app)");
  sub->add_option("--app-profile", f.app_profiles,
                  "per-app: APP=PROFILE, the AWS profile (principal) the "
                  "application reads with (repeatable)");
  sub->add_option("--app-group", f.app_groups,
                  "per-app: APP=GROUP owning the application's token file "
                  "(repeatable)");
}

void SetupAgent(CLI::App& app, Cli& cli) {
  auto f = std::make_shared<AgentFlags>();
  CLI::App* sub = app.add_subcommand(
      "agent",
      "Serve secrets to local applications over the AWS Secrets Manager "
      "Agent's HTTP API (any language), from a version-aware cache");
  sub->add_option("--config", f->config, "YAML configuration file");
  sub->add_flag("--check-config", f->check_config,
                "validate the configuration (and inventory) and exit");
  AddAccessOptions(sub, *f);
  AddCacheOptions(sub, *f);
  AddTokenOptions(sub, *f);
  sub->footer(
      "Region, profile and endpoint come from the global --region, "
      "--profile, --endpoint-url (or the config file) and the usual AWS "
      "environment.\nExample:\n  AWS_TOKEN=$(openssl rand -hex 32) keyward "
      "agent --inventory secrets-inventory.yaml --app orders\n  curl -H "
      "\"X-Aws-Parameters-Secrets-Token: $AWS_TOKEN\" "
      "'localhost:2773/secretsmanager/get?secretId=platform-data/pg/orders'");
  cli.SetRunner(sub, [&cli, f] { return Run(cli, *f); });
}

}  // namespace

void AddAgentCommand(CLI::App& app, Cli& cli) { SetupAgent(app, cli); }

}  // namespace keyward::cli
