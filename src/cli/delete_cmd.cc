// keyward delete NAME: schedules a secret for deletion after a recovery window
// (7-30 days, default 30) during which `keyward restore` brings it back.
// --force deletes immediately and irrecoverably, and only after the operator
// types the secret's name on the terminal (or passes --yes).
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/prompt.h"

namespace keyward::cli {
namespace {

using Json = nlohmann::json;

struct DeleteOptions {
  std::string name;
  int recovery_window_days = 30;
  bool force = false;
};

CommandResult Run(Cli& cli, const DeleteOptions& o) {
  if (o.force && !cli.globals().yes) {
    auto ok = Confirm(
        "Delete '" + o.name +
            "' IMMEDIATELY, with no recovery window? This cannot be undone.",
        o.name);
    if (!ok.ok()) return ok.status();
    if (!*ok) {
      return InvalidArgumentError(
          "not confirmed; nothing deleted (the answer must be the name)");
    }
  }
  auto client = cli.MakeClient();
  if (!client.ok()) return client.status();
  secrets::DeleteSecretRequest req;
  req.secret_id = o.name;
  if (o.force) {
    req.force_delete_without_recovery = true;
  } else {
    req.recovery_window_days = o.recovery_window_days;
  }
  auto r = (*client)->DeleteSecret(req);
  if (!r.ok()) return r.status();
  if (cli.json()) {
    Json j{{"Name", r->name},
           {"ARN", r->arn},
           {"DeletionDate", TimeOrDash(r->deletion_date)},
           {"Recoverable", !o.force}};
    cli.out() << j.dump(2) << "\n";
    return kExitOk;
  }
  if (o.force) {
    cli.out() << "deleted " << r->name << " permanently (no recovery window)\n";
  } else {
    cli.out() << "scheduled " << r->name << " for deletion on "
              << TimeOrDash(r->deletion_date) << " (" << o.recovery_window_days
              << "-day recovery window)\n"
              << "  undo with: keyward restore " << r->name << "\n";
  }
  return kExitOk;
}

void SetupDelete(CLI::App& app, Cli& cli) {
  auto o = std::make_shared<DeleteOptions>();
  CLI::App* sub = app.add_subcommand(
      "delete", "Schedule a secret for deletion (recoverable for 7-30 days)");
  sub->add_option("name", o->name, "secret name or ARN")->required();
  auto* window = sub->add_option("--recovery-window", o->recovery_window_days,
                                 "days before deletion becomes final (7-30)")
                     ->check(CLI::Range(7, 30))
                     ->default_val(30);
  sub->add_flag("--force", o->force,
                "delete now, without recovery (asks you to type the name "
                "unless --yes)")
      ->excludes(window);
  sub->footer(
      "Remove the secret from secrets-inventory.yaml in the same change.\n\n"
      "Examples:\n"
      "  keyward delete platform-data/stripe/orders\n"
      "  keyward delete platform-data/stripe/orders --recovery-window 7\n"
      "  keyward delete platform-data/stripe/orders --force --yes");
  cli.SetRunner(sub, [&cli, o] { return Run(cli, *o); });
}

}  // namespace

void AddDeleteCommand(CLI::App& app, Cli& cli) { SetupDelete(app, cli); }

}  // namespace keyward::cli
