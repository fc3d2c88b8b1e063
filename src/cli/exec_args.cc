#include "cli/exec_args.h"

#include "cli/cli.h"

namespace keyward::cli {

const std::string_view kExecFooter =
    "The command and its arguments go after '--'; nothing after '--' is read "
    "by keyward\n"
    "(so the command may take -e, --env, --help or '--' of its own).\n\n"
    "Variable names: the secret name without platform-data/ or "
    "platform-config/,\n"
    "plus the property, upper-cased, other characters as '_':\n"
    "  platform-data/postgres/orders#password -> POSTGRES_ORDERS_PASSWORD\n"
    "Exit status: the command's; 126/127 when it cannot be run; keyward's "
    "own\n"
    "codes (2-5) before it starts.\n\n"
    "Examples:\n"
    "  keyward exec --app orders -- ./orders-server --port 8080\n"
    "  keyward exec --app orders --env "
    "DATABASE_PASSWORD=platform-data/postgres/orders#password -- ./run\n"
    "  keyward exec --app orders --watch --on-change signal:HUP -- ./run\n"
    "  keyward exec --pristine --app orders -- /usr/bin/env\n"
    "  keyward exec --app orders -- node -e 'console.log(1)'\n"
    "  keyward exec --app orders --dry-run";

void AddExecOptions(CLI::App& sub, ExecOptions& o) {
  sub.add_option("--app,-a", o.app, "application declared in the inventory")
      ->required();
  sub.add_option("--env-prefix", o.env_prefix,
                 "prefix for every variable name");
  // One value per occurrence: "--env A=x#p --env B=y#q", never greedy.
  sub.add_option("--env,-e", o.env_overrides,
                 "rename one variable (repeatable)")
      ->type_name("VAR=NAME#PROPERTY")
      ->allow_extra_args(false);
  sub.add_flag("--pristine", o.pristine,
               "pass only the secrets, not keyward's own environment");
  sub.add_flag("--dry-run", o.dry_run,
               "list the variables that would be set (no values)");
  AddWatchOptions(&sub, o.watch);
}

StatusOr<ExecOptions> ParseExecArgs(const std::vector<std::string>& args) {
  ExecOptions o;
  CLI::App app{"keyward exec", "exec"};
  AddExecOptions(app, o);
  std::vector<const char*> argv = {"exec"};
  for (const auto& a : args) argv.push_back(a.c_str());
  SplitArgs split =
      SplitAtDoubleDash(static_cast<int>(argv.size()), argv.data());
  std::vector<const char*> head;
  for (const auto& a : split.head) head.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(head.size()), head.data());
  } catch (const CLI::ExtrasError&) {
    return InvalidArgumentError(
        "unexpected arguments before '--' (not shown); the command to run "
        "goes after '--': keyward exec [OPTIONS] -- COMMAND [ARGS...]");
  } catch (const CLI::ParseError& e) {
    return InvalidArgumentError(e.what());
  }
  o.command = std::move(split.tail);
  return o;
}

}  // namespace keyward::cli
