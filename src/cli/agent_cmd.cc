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

// The file (when given), then every flag that was given on top of it.
StatusOr<AgentConfig> BuildConfig(Cli& cli, const AgentFlags& f) {
  AgentConfig c;
  if (!f.config.empty()) {
    KW_RETURN_IF_ERROR(
        agent::LoadAgentConfig(f.config, FileSystem::Real(), &c));
  }
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
  const GlobalOptions& g = cli.globals();
  if (!g.region.empty()) {
    c.region = g.region;
    from_flag("region", "--region");
  }
  if (!g.profile.empty()) {
    c.profile = g.profile;
    from_flag("profile", "--profile");
  }
  if (!g.endpoint_url.empty()) {
    c.endpoint_url = g.endpoint_url;
    from_flag("endpoint_url", "--endpoint-url");
  }
  // --inventory is the global flag (the file whose applications --app names).
  if (!g.inventory.empty()) {
    c.inventory = g.inventory;
    from_flag("inventory", "--inventory");
  }
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
  return c;
}

// --check-config: everything that can be checked without side effects.
Status CheckConfig(const AgentConfig& c) {
  KW_RETURN_IF_ERROR(agent::ValidateAgentConfig(c));
  if (c.inventory.empty()) return OkStatus();
  KW_ASSIGN_OR_RETURN(
      inventory::ParsedInventory parsed,
      inventory::LoadInventory(c.inventory, FileSystem::Real()));
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

int Run(Cli& cli, const AgentFlags& f) {
  auto config = BuildConfig(cli, f);
  if (!config.ok()) return cli.Fail(config.status());
  if (f.check_config) {
    if (Status s = CheckConfig(*config); !s.ok()) return cli.Fail(s);
    cli.out() << "keyward agent: configuration OK"
              << (f.config.empty() ? "" : " (" + f.config + ")") << "\n";
    return kExitOk;
  }
  if (Status s = agent::ValidateAgentConfig(*config); !s.ok())
    return cli.Fail(s);

  // Signals are taken by one thread; block them before any thread starts.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  auto log_mu = std::make_shared<std::mutex>();
  auto min_level =
      std::make_shared<std::atomic<int>>(LevelRank(config->log_level));
  std::ostream& err = cli.err();
  agent::AgentDeps deps;
  deps.env = &cli.env();
  deps.log = [log_mu, min_level, &err](LogLevel level, std::string_view msg) {
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
  if (config->allow_non_loopback && !server::IsLoopbackHost(config->host)) {
    deps.log(LogLevel::kWarning,
             "listening on non-loopback address " + config->host +
                 ": any host that can reach it and knows a token reads "
                 "secrets (replies still carry IP TTL 1)");
  }
  auto agent = agent::Agent::Create(*config, deps);
  if (!agent.ok()) return cli.Fail(agent.status());
  std::unique_ptr<agent::TemplateRunner> templates;
  if (Status s = ReplaceTemplates(**agent, config->templates, false, deps.log,
                                  &templates);
      !s.ok()) {
    return cli.Fail(s);
  }
  auto listener =
      server::HttpListener::Bind((*agent)->ListenerOptionsFor(), agent->get());
  if (!listener.ok()) return cli.Fail(listener.status());
  std::string host = config->host.find(':') != std::string::npos
                         ? "[" + config->host + "]"
                         : config->host;
  cli.out() << "keyward agent listening on http://" << host << ":"
            << (*listener)->port() << " (token mode " << config->token_mode
            << ", " << config->AllApps().size() << " application(s))"
            << std::endl;

  std::atomic<bool> stopping{false};
  std::mutex templates_mu;
  std::thread server_thread([&] { (*listener)->Run().IgnoreError(); });
  std::thread control([&] {
    for (;;) {
      int sig = 0;
      if (sigwait(&sigs, &sig) != 0) continue;
      if (sig == SIGHUP) {
        deps.log(LogLevel::kInfo, "SIGHUP: reloading the configuration");
        auto next = BuildConfig(cli, f);
        Status s = next.ok() ? (*agent)->Reload(*next) : next.status();
        if (next.ok()) min_level->store(LevelRank(next->log_level));
        if (next.ok() && s.code() != StatusCode::kInvalidArgument) {
          std::lock_guard<std::mutex> l(templates_mu);
          Status t = ReplaceTemplates(**agent, next->templates, true, deps.log,
                                      &templates);
          if (!t.ok()) deps.log(LogLevel::kError, "templates: " + t.message());
        }
        if (!s.ok()) deps.log(LogLevel::kError, "reload: " + s.message());
        continue;
      }
      stopping.store(true);
      SdNotify(cli.env(), "STOPPING=1").IgnoreError();
      (*listener)->Stop();
      return;
    }
  });
  Status pre = (*agent)->Prefetch();
  if (!pre.ok()) deps.log(LogLevel::kWarning, "not ready: " + pre.message());
  if (templates) {
    std::lock_guard<std::mutex> l(templates_mu);
    Status first = templates->Start();
    if (!first.ok())
      deps.log(LogLevel::kWarning, "template: " + first.message());
  }
  if ((*agent)->WaitReady([&] { return stopping.load(); })) {
    if (Status s = SdNotify(cli.env(), "READY=1"); !s.ok())
      deps.log(LogLevel::kWarning, s.message());
    deps.log(LogLevel::kInfo, "ready");
  }
  server_thread.join();
  if (!stopping.load()) {
    ::kill(::getpid(), SIGTERM);  // Run ended on its own: wake the control
  }
  control.join();
  if (templates) templates->Stop();
  deps.log(LogLevel::kInfo, "stopped");
  return kExitOk;
}

void Setup(CLI::App& app, Cli& cli) {
  auto f = std::make_shared<AgentFlags>();
  CLI::App* sub = app.add_subcommand(
      "agent",
      "Serve secrets to local applications over the AWS Secrets Manager "
      "Agent's HTTP API (any language), from a version-aware cache");
  sub->add_option("--config", f->config, "YAML configuration file");
  sub->add_flag("--check-config", f->check_config,
                "validate the configuration (and inventory) and exit");
  auto opt = [&](const std::string& key, const std::string& name, auto& var,
                 const std::string& help) {
    f->given[key] = sub->add_option(name, var, help);
  };
  opt("listen", "--listen", f->listen,
      "HOST:PORT (default 127.0.0.1:2773; loopback only)");
  sub->add_flag("--allow-non-loopback", f->allow_non_loopback,
                "allow a non-loopback --listen address (warns)");
  opt("path_prefix", "--path-prefix", f->path_prefix,
      "prefix of path-style requests (default /v1/)");
  opt("ssrf_headers", "--ssrf-header", f->ssrf_headers,
      "header carrying the token (repeatable; default "
      "X-Aws-Parameters-Secrets-Token, X-Vault-Token)");
  opt("ssrf_env_variables", "--ssrf-env-variable", f->ssrf_env_variables,
      "variable holding the token or file://PATH (repeatable; default "
      "AWS_TOKEN, AWS_SESSION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN)");
  opt("ttl_seconds", "--ttl-seconds", f->ttl_seconds,
      "refresh period: one DescribeSecret per secret per period (default "
      "300)");
  opt("max_staleness_seconds", "--max-staleness-seconds",
      f->max_staleness_seconds,
      "serve the last good value through outages this long (default 86400)");
  opt("refresh_now_min_interval_seconds", "--refresh-now-min-interval-seconds",
      f->refresh_now_min_interval_seconds,
      "refreshNow refreshes a secret at most this often (default 10)");
  opt("cache_size", "--cache-size", f->cache_size,
      "ad-hoc secrets kept (LRU; default 1000)");
  opt("max_conn", "--max-conn", f->max_conn,
      "connections before 429 (default 800)");
  opt("threads", "--threads", f->threads,
      "event-loop threads (0: one per core, at most 4)");
  opt("log_level", "--log-level", f->log_level,
      "debug | info | warn | error | none (default info)");
  opt("apps", "--app", f->apps,
      "prefetch every secret this application consumes (repeatable)");
  opt("token_mode", "--token-mode", f->token_mode,
      "single (one token from the environment) | per-app (a token file and "
      "AWS principal per application)");
  opt("token_dir", "--token-dir", f->token_dir,
      "per-app: directory of <app>.token files (0640, group of the app)");
  sub->add_option("--app-profile", f->app_profiles,
                  "per-app: APP=PROFILE, the AWS profile (principal) the "
                  "application reads with (repeatable)");
  sub->add_option("--app-group", f->app_groups,
                  "per-app: APP=GROUP owning the application's token file "
                  "(repeatable)");
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

void AddAgentCommand(CLI::App& app, Cli& cli) { Setup(app, cli); }

}  // namespace keyward::cli
