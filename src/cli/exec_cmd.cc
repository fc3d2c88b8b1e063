// keyward exec --app APP -- COMMAND...: for applications that cannot embed the
// Secret Config Module yet. Resolves APP's secrets from the inventory, fetches
// them (BatchGetSecretValue in chunks of 20, or GetSecretValue when the
// principal may not batch), and replaces this process with COMMAND, the
// values in its environment (names: cli/exec_env.h). Values never appear on a
// command line or in keyward's output; --dry-run lists variable names only.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/exec_args.h"
#include "cli/exec_env.h"
#include "cli/exec_watch.h"
#include "cli/inventory_source.h"
#include "cli/output.h"
#include "secrets/json_codec.h"

extern char** environ;

namespace keyward::cli {
namespace {

using secrets::Json;

// One variable to set: where it comes from, and (after fetching) its value.
struct Binding {
  std::string var;
  std::string secret;
  std::string property;  // "" for a plain string secret
  SecureString value;
};

// Fetches every secret's current value, keyed by name.
StatusOr<std::map<std::string, SecretValue>> Fetch(
    secrets::SecretsManagerApi& api, const std::vector<std::string>& names) {
  std::map<std::string, SecretValue> out;
  std::vector<std::string> missing;
  bool batch = true;
  for (std::size_t i = 0; i < names.size() && batch; i += 20) {
    secrets::BatchGetSecretValueRequest req;
    req.secret_ids.assign(names.begin() + i,
                          names.begin() + std::min(names.size(), i + 20));
    auto r = api.BatchGetSecretValue(req);
    if (!r.ok()) {
      // The app's policy may allow GetSecretValue only (BatchGetSecretValue
      // takes Resource "*"): fall back to one call per secret.
      if (r.status().code() != StatusCode::kPermissionDenied &&
          r.status().code() != StatusCode::kUnimplemented) {
        return r.status();
      }
      batch = false;
      break;
    }
    for (auto& v : r->values) {
      if (v.payload.string) out.emplace(v.name, std::move(*v.payload.string));
    }
    for (const auto& e : r->errors)
      missing.push_back(e.secret_id + " (" + e.error_code + ")");
  }
  if (!batch) {
    out.clear();
    missing.clear();
    for (const auto& n : names) {
      auto r = api.GetSecretValue({n, "", std::string(secrets::kAwsCurrent)});
      if (!r.ok()) return r.status().WithContext("reading '" + n + "'");
      if (r->payload.string) out.emplace(n, std::move(*r->payload.string));
    }
  }
  for (const auto& n : names) {
    if (!out.contains(n) &&
        missing.end() == std::find_if(missing.begin(), missing.end(),
                                      [&](const std::string& m) {
                                        return m.starts_with(n + " ");
                                      })) {
      missing.push_back(n + " (no string value)");
    }
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    return NotFoundError("cannot read: " + list);
  }
  return out;
}

// The variables for APP: defaults from the inventory's declared properties,
// renamed by --env overrides. INVALID_ARGUMENT for unknown override targets
// and name collisions.
StatusOr<std::vector<Binding>> Plan(
    const ExecOptions& o,
    const std::vector<const inventory::Secret*>& secrets) {
  std::vector<EnvOverride> overrides;
  for (const auto& spec : o.env_overrides) {
    KW_ASSIGN_OR_RETURN(EnvOverride ov, ParseEnvOverride(spec));
    overrides.push_back(ov);
  }
  std::vector<Binding> plan;
  for (const inventory::Secret* s : secrets) {
    std::vector<std::string> props = s->properties;
    if (props.empty()) props.push_back("");
    for (const auto& p : props) {
      plan.push_back(
          {DefaultEnvVarName(s->name, p, o.env_prefix), s->name, p, {}});
    }
  }
  for (const auto& ov : overrides) {
    auto it = std::find_if(plan.begin(), plan.end(), [&](const Binding& b) {
      return b.secret == ov.secret && b.property == ov.property;
    });
    if (it == plan.end()) {
      return InvalidArgumentError(
          "--env " + ov.var + "=" + ov.secret +
          (ov.property.empty() ? "" : "#" + ov.property) + ": app '" + o.app +
          "' has no such secret/property in the "
          "inventory");
    }
    it->var = ov.var;
  }
  std::map<std::string, const Binding*> seen;
  for (const auto& b : plan) {
    if (!IsValidEnvVarName(b.var)) {
      return InvalidArgumentError("'" + b.var +
                                  "' is not a valid variable name; rename it "
                                  "with --env VAR=" +
                                  b.secret + "#" + b.property);
    }
    auto [it, fresh] = seen.emplace(b.var, &b);
    if (!fresh) {
      return InvalidArgumentError(
          "variable " + b.var + " would be set by both " + it->second->secret +
          "#" + it->second->property + " and " + b.secret + "#" + b.property +
          "; rename one with --env");
    }
  }
  return plan;
}

// Fills each binding's value from the fetched secrets.
Status Resolve(std::vector<Binding>& plan,
               const std::map<std::string, SecretValue>& values) {
  for (auto& b : plan) {
    std::string_view text = values.at(b.secret).Reveal();
    if (b.property.empty()) {
      b.value.assign(text.data(), text.size());
      continue;
    }
    auto j = secrets::ParseJson(text);
    Status s;
    if (!j || !j->is_object()) {
      s = FailedPreconditionError("'" + b.secret +
                                  "' is not a JSON object, but the inventory "
                                  "declares property '" +
                                  b.property + "'");
    } else if (auto it = j->find(b.property); it == j->end()) {
      s = FailedPreconditionError("'" + b.secret + "' has no property '" +
                                  b.property + "' (declared in the inventory)");
    } else if (it->is_string()) {
      b.value.assign(it->get_ref<const std::string&>());
    } else {
      std::string dumped = it->dump();
      b.value.assign(dumped);
      WipeString(dumped);
    }
    if (j) secrets::WipeJson(*j);
    KW_RETURN_IF_ERROR(s);
  }
  return OkStatus();
}

// PATH lookup with keyward's own PATH (the child's may be pristine).
std::string FindProgram(const Environment& env, const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  const std::string path =
      env.Get("PATH").value_or("/usr/local/bin:/usr/bin:/bin");
  std::string_view dirs = path;
  while (true) {
    auto colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return "";
}

// Replaces this process with the command; returns only on failure.
CommandResult Exec(Cli& cli, const ExecOptions& o,
                   const std::vector<Binding>& plan) {
  std::vector<SecureString> env;
  if (!o.pristine) {
    for (char** e = environ; *e != nullptr; ++e) {
      std::string_view kv(*e);
      std::string_view var = kv.substr(0, kv.find('='));
      bool replaced =
          std::any_of(plan.begin(), plan.end(),
                      [&](const Binding& b) { return b.var == var; });
      if (!replaced) env.emplace_back(kv);
    }
  }
  for (const auto& b : plan) {
    SecureString kv(b.var.begin(), b.var.end());
    kv.push_back('=');
    kv.append(b.value);
    env.push_back(std::move(kv));
  }
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<char*> argv;
  for (const auto& a : o.command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::string program = FindProgram(cli.env(), o.command[0]);
  cli.out().flush();
  cli.err().flush();
  if (!program.empty()) ::execve(program.c_str(), argv.data(), envp.data());
  int err = program.empty() ? ENOENT : errno;
  cli.err() << "keyward: error: cannot run '" << o.command[0]
            << "': " << std::strerror(err) << "\n";
  return err == ENOENT ? 127 : 126;
}

CommandResult DryRun(Cli& cli, const std::vector<Binding>& plan) {
  if (cli.json()) {
    Json arr = Json::array();
    for (const auto& b : plan) {
      arr.push_back({{"Variable", b.var},
                     {"Secret", b.secret},
                     {"Property", b.property}});
    }
    cli.out() << arr.dump(2) << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows = {
      {"VARIABLE", "SECRET", "PROPERTY"}};
  for (const auto& b : plan)
    rows.push_back({b.var, b.secret, b.property.empty() ? "-" : b.property});
  PrintTable(cli.out(), rows);
  return kExitOk;
}

CommandResult Run(Cli& cli, const ExecOptions& o) {
  auto inv = LoadCliInventory(cli);
  if (!inv.ok()) return inv.status();
  if (!*inv) {
    return InvalidArgumentError(
        "exec needs the inventory: pass --inventory FILE or run where "
        "./secrets-inventory.yaml exists");
  }
  std::vector<const inventory::Secret*> secrets = (*inv)->SecretsForApp(o.app);
  if (secrets.empty()) {
    return InvalidArgumentError(
        "application '" + o.app + "' consumes no secrets in " + (*inv)->path +
        ((*inv)->FindApplication(o.app)
             ? ""
             : " (it is not declared under 'applications')") +
        SuggestDeclaredApps(**inv, o.app));
  }
  auto plan = Plan(o, secrets);
  if (!plan.ok()) return plan.status();
  if (o.dry_run) return DryRun(cli, *plan);
  if (o.command.empty()) {
    return InvalidArgumentError(
        "no command given: keyward exec --app APP -- COMMAND...");
  }
  if (o.watch.watch) {
    std::vector<agent::EnvBinding> vars;
    for (const auto& b : *plan) vars.push_back({b.var, {b.secret, b.property}});
    return RunWatched(cli, o.watch, o.command, o.pristine, vars);
  }
  auto client = cli.MakeClient();
  if (!client.ok()) return client.status();
  std::vector<std::string> names;
  for (const auto* s : secrets) names.push_back(s->name);
  auto values = Fetch(**client, names);
  if (!values.ok()) return values.status();
  if (Status s = Resolve(*plan, *values); !s.ok()) return s;
  values->clear();
  return Exec(cli, o, *plan);
}

void SetupExec(CLI::App& app, Cli& cli) {
  auto o = std::make_shared<ExecOptions>();
  CLI::App* sub = app.add_subcommand(
      "exec", "Run a command with an application's secrets in its environment");
  AddExecOptions(*sub, *o);
  cli.AcceptChildCommand(sub);
  sub->footer(std::string(kExecFooter));
  cli.SetRunner(sub, [&cli, o] {
    o->command = cli.child_command();
    return Run(cli, *o);
  });
}

}  // namespace

void AddExecCommand(CLI::App& app, Cli& cli) { SetupExec(app, cli); }

}  // namespace keyward::cli
