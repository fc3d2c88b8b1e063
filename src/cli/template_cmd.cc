// keyward template --config FILE [--once | --check]: renders the templates
// declared under the file's `templates:` key (docs/templates.md) and, unless
// --once, keeps them rendered: the secrets are re-checked every
// --refresh-interval and a template is rewritten when one it uses changes,
// until SIGTERM/SIGINT. The same library (agent/template_runner.h) serves
// `keyward agent`'s templates.
#include <signal.h>
#include <yaml-cpp/yaml.h>

#include <set>
#include <sstream>

#include "agent/config_values.h"
#include "agent/supervisor.h"
#include "agent/template_runner.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "inventory/yaml_tree.h"

namespace keyward::cli {
namespace {

constexpr int kMaxConfigDepth = 64;

struct TemplateFlags {
  std::string config;
  bool once = false;
  bool check = false;
  std::string refresh_interval = "60s";
};

StatusOr<std::vector<agent::TemplateSpec>> LoadSpecs(const FileSystem& fs,
                                                     const std::string& path) {
  KW_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(path));
  // yaml-cpp's node builder recurses once per level: bound the nesting
  // first (a templates file nests 4 levels).
  KW_RETURN_IF_ERROR(inventory::CheckYamlDepth(text, path, kMaxConfigDepth));
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(path + ":" + std::to_string(e.mark.line + 1) +
                                ":" + std::to_string(e.mark.column + 1) + ": " +
                                e.msg);
  }
  if (!root.IsMap() || !root["templates"]) {
    return InvalidArgumentError(path + ": no 'templates:' list");
  }
  return agent::ParseTemplateSpecs(root["templates"], path, fs);
}

// Waits for SIGTERM, SIGINT or SIGQUIT (blocked beforehand).
void WaitForStop() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGQUIT);
  int sig = 0;
  while (::sigwait(&set, &sig) != 0) {
  }
}

CommandResult Run(Cli& cli, const TemplateFlags& f) {
  auto specs = LoadSpecs(*cli.runtime().fs, f.config);
  if (!specs.ok()) return specs.status();
  if (specs->empty())
    return InvalidArgumentError(f.config + ": 'templates' is empty");
  if (f.check) {
    cli.out() << f.config << ": " << specs->size() << " template(s) OK\n";
    return kExitOk;
  }
  auto refresh = agent::ParseDuration(f.refresh_interval);
  if (!refresh.ok() || *refresh < std::chrono::seconds(1)) {
    return InvalidArgumentError(
        "--refresh-interval: give a duration of at least 1s");
  }
  // Before any thread exists, so that every thread inherits the mask and
  // sigwait() below receives the signals.
  if (Status s = agent::Supervisor::BlockSignals(); !s.ok()) return s;
  auto client = cli.MakeClient();
  if (!client.ok()) return client.status();
  SecretCacheOptions options;
  options.client =
      std::shared_ptr<secrets::SecretsManagerApi>(std::move(*client));
  options.ttl = std::chrono::ceil<std::chrono::seconds>(*refresh);
  options.refresh_ahead = std::chrono::seconds(0);
  options.background_refresh = !f.once;
  auto cache = SecretCache::Create(std::move(options));
  if (!cache.ok()) return cache.status();
  std::set<std::string> names;
  for (const auto& spec : *specs) {
    auto t = agent::CompileTemplate(spec);
    if (t.ok()) names.insert(t->secrets().begin(), t->secrets().end());
  }
  std::vector<SecretCache::LoadRequest> requests;
  for (const auto& n : names) requests.push_back({n, {}, {}});
  (*cache)->LoadDeclared(requests);  // errors surface in the renders

  agent::TemplateRunner::Options ro;
  ro.background = !f.once;
  ro.log = [&cli](agent::TemplateRunner::LogLevel, std::string_view m) {
    cli.err() << "keyward: " << m << "\n";
    cli.err().flush();
  };
  auto runner =
      agent::TemplateRunner::Create(cache->get(), std::move(*specs), ro);
  if (!runner.ok()) return runner.status();
  Status first = (*runner)->Start();
  if (f.once) {
    if (!first.ok()) return first;
    return kExitOk;
  }
  WaitForStop();
  (*runner)->Stop();
  return kExitOk;
}

void SetupTemplate(CLI::App& app, Cli& cli) {
  auto f = std::make_shared<TemplateFlags>();
  CLI::App* sub = app.add_subcommand(
      "template", "Render files from secrets and keep them current");
  sub->add_option("--config,-c", f->config,
                  "YAML file with a 'templates:' list (docs/templates.md)")
      ->required();
  sub->add_flag("--once", f->once, "render every template once and exit");
  sub->add_flag("--check", f->check,
                "validate the templates (and their sources) and exit");
  sub->add_option("--refresh-interval", f->refresh_interval,
                  "look for rotations this often (default 60s)")
      ->type_name("DURATION");
  sub->footer(
      "Runs until SIGTERM/SIGINT; a template is rewritten (atomically) only "
      "when a\n"
      "secret it uses changes. A failed render keeps the previous file.\n\n"
      "Examples:\n"
      "  keyward template --config /etc/keyward/templates.yaml --check\n"
      "  keyward template --config /etc/keyward/templates.yaml --once\n"
      "  keyward template --config /etc/keyward/templates.yaml "
      "--refresh-interval 5m");
  cli.SetRunner(sub, [&cli, f] { return Run(cli, *f); });
}

}  // namespace

void AddTemplateCommand(CLI::App& app, Cli& cli) { SetupTemplate(app, cli); }

}  // namespace keyward::cli
