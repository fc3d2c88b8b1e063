#include "cli/exec_watch.h"

#include <map>

#include "agent/config_values.h"
#include "keyward/secret_cache.h"

extern char** environ;

namespace keyward::cli {
namespace {

struct ParsedWatch {
  agent::ChangeAction on_change;
  int stop_signal = 0;
  std::chrono::milliseconds stop_timeout{0};
  std::chrono::seconds refresh{0};
};

StatusOr<ParsedWatch> Parse(const WatchOptions& w) {
  ParsedWatch p;
  auto flag = [](const char* name, const Status& s) {
    return InvalidArgumentError(std::string(name) + ": " + s.message());
  };
  auto action = agent::ParseChangeAction(w.on_change);
  if (!action.ok()) return flag("--on-change", action.status());
  p.on_change = *action;
  auto sig = agent::ParseSignal(w.stop_signal);
  if (!sig.ok()) return flag("--stop-signal", sig.status());
  p.stop_signal = *sig;
  auto timeout = agent::ParseDuration(w.stop_timeout);
  if (!timeout.ok()) return flag("--stop-timeout", timeout.status());
  if (timeout->count() <= 0)
    return InvalidArgumentError("--stop-timeout must be > 0");
  p.stop_timeout = *timeout;
  auto refresh = agent::ParseDuration(w.refresh_interval);
  if (!refresh.ok()) return flag("--refresh-interval", refresh.status());
  if (*refresh < std::chrono::seconds(1))
    return InvalidArgumentError("--refresh-interval must be at least 1s");
  p.refresh = std::chrono::ceil<std::chrono::seconds>(*refresh);
  return p;
}

// A cache over the CLI's client that re-checks every `refresh` (one
// DescribeSecret per secret), with every secret loaded and its properties
// required, so a version lacking one is refused instead of restarting the
// child without it.
StatusOr<std::unique_ptr<SecretCache>> LoadCache(
    Cli& cli, std::chrono::seconds refresh,
    const std::vector<agent::EnvBinding>& variables) {
  KW_ASSIGN_OR_RETURN(auto client, cli.MakeClient());
  SecretCacheOptions options;
  options.client =
      std::shared_ptr<secrets::SecretsManagerApi>(std::move(client));
  options.ttl = refresh;
  options.refresh_ahead = std::chrono::seconds(0);
  KW_ASSIGN_OR_RETURN(auto cache, SecretCache::Create(std::move(options)));
  std::map<std::string, std::vector<std::string>> required;
  for (const auto& v : variables) {
    auto& props = required[v.value.secret];
    if (!v.value.property.empty()) props.push_back(v.value.property);
  }
  std::vector<SecretCache::LoadRequest> requests;
  for (auto& [name, props] : required) requests.push_back({name, {}, props});
  std::vector<SecretHandle> handles = cache->LoadDeclared(requests);
  for (std::size_t i = 0; i < handles.size(); ++i) {
    StatusOr<Secret> s = handles[i].Get();
    if (!s.ok())
      return s.status().WithContext("reading '" + requests[i].name + "'");
  }
  return cache;
}

}  // namespace

void AddWatchOptions(CLI::App* exec, WatchOptions& w) {
  CLI::Option* watch = exec->add_flag(
      "--watch", w.watch,
      "stay the parent: forward signals, exit with the command's status, and "
      "act on rotations");
  exec->add_option("--on-change", w.on_change,
                   "on rotation: restart (default) or signal:NAME")
      ->type_name("restart|signal:NAME")
      ->needs(watch);
  exec->add_option("--stop-signal", w.stop_signal,
                   "signal that stops the command for a restart (default TERM)")
      ->type_name("NAME")
      ->needs(watch);
  exec->add_option("--stop-timeout", w.stop_timeout,
                   "then SIGKILL after this long (default 10s)")
      ->type_name("DURATION")
      ->needs(watch);
  exec->add_option("--refresh-interval", w.refresh_interval,
                   "look for rotations this often (default 60s)")
      ->type_name("DURATION")
      ->needs(watch);
}

CommandResult RunWatched(Cli& cli, const WatchOptions& w,
                         const std::vector<std::string>& command, bool pristine,
                         const std::vector<agent::EnvBinding>& variables) {
  auto parsed = Parse(w);
  if (!parsed.ok()) return parsed.status();
  // Before the cache's refresher thread exists, so it inherits the mask.
  if (Status s = agent::Supervisor::BlockSignals(); !s.ok()) return s;
  auto cache = LoadCache(cli, parsed->refresh, variables);
  if (!cache.ok()) return cache.status();
  agent::SupervisorOptions o;
  o.argv = command;
  if (!pristine) {
    for (char** e = environ; *e != nullptr; ++e) o.base_env.emplace_back(*e);
  }
  o.secrets = variables;
  o.on_change = parsed->on_change;
  o.stop_signal = parsed->stop_signal;
  o.stop_timeout = parsed->stop_timeout;
  auto sup = agent::Supervisor::Create(cache->get(), std::move(o));
  if (!sup.ok()) return sup.status();
  cli.out().flush();
  cli.err().flush();
  auto status = (*sup)->Run();
  if (!status.ok()) return status.status();
  return *status;
}

}  // namespace keyward::cli
