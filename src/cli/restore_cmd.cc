// keyward restore NAME: cancels a scheduled deletion (RestoreSecret).
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/commands.h"

namespace keyward::cli {
namespace {

using Json = nlohmann::json;

CommandResult Run(Cli& cli, const std::string& name) {
  auto client = cli.MakeClient();
  if (!client.ok()) return client.status();
  auto r = (*client)->RestoreSecret(name);
  if (!r.ok()) return r.status();
  if (cli.json()) {
    cli.out() << Json{{"Name", r->name}, {"ARN", r->arn}}.dump(2) << "\n";
  } else {
    cli.out() << "restored " << r->name << " (deletion cancelled)\n";
  }
  return kExitOk;
}

void SetupRestore(CLI::App& app, Cli& cli) {
  AddSecretCommand(
      app, cli, "restore", "Cancel a secret's scheduled deletion",
      "Works during the recovery window of 'keyward delete' (not after "
      "--force).\n\n"
      "Example:\n  keyward restore platform-data/stripe/orders",
      &Run);
}

}  // namespace

void AddRestoreCommand(CLI::App& app, Cli& cli) { SetupRestore(app, cli); }

}  // namespace keyward::cli
