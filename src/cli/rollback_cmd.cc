// keyward rollback NAME [--to VERSION_ID]: moves AWSCURRENT back to the
// version labelled AWSPREVIOUS (or to a given version) with
// UpdateSecretVersionStage. Secrets Manager then labels the version that was
// current AWSPREVIOUS, so a second rollback undoes the first.
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/versions.h"

namespace keyward::cli {
namespace {

using Json = nlohmann::json;

struct RollbackOptions {
  std::string name;
  std::string to;
};

CommandResult Run(Cli& cli, const RollbackOptions& o) {
  KW_ASSIGN_OR_RETURN(auto client, cli.MakeClient());
  KW_ASSIGN_OR_RETURN(RollbackResult r, Rollback(*client, o.name, o.to));
  if (cli.json()) {
    Json j{{"Name", r.name},
           {"PreviousCurrentVersionId", r.previous_current},
           {"VersionId", r.version_id},
           {"Changed", r.changed}};
    cli.out() << j.dump(2) << "\n";
  } else if (!r.changed) {
    cli.out() << "unchanged: version " << r.previous_current << " of " << r.name
              << " is already AWSCURRENT\n";
  } else {
    cli.out() << "rolled back " << r.name << ": AWSCURRENT is now version "
              << r.version_id << "\n  (was "
              << (r.previous_current.empty() ? "-" : r.previous_current)
              << ", now AWSPREVIOUS; undo with: keyward rollback " << r.name
              << ")\n";
  }
  return kExitOk;
}

void SetupRollback(CLI::App& app, Cli& cli) {
  auto o = std::make_shared<RollbackOptions>();
  CLI::App* sub = app.add_subcommand(
      "rollback", "Make the previous (or a given) version current again");
  sub->add_option("name", o->name, "secret name or ARN")->required();
  sub->add_option("--to", o->to,
                  "version id to make current (default: AWSPREVIOUS)");
  sub->footer(
      "Moves the AWSCURRENT stage; no value is read or written. Applications "
      "pick\n"
      "the old value up on their next refresh.\n\n"
      "Examples:\n"
      "  keyward rollback platform-data/postgres/orders\n"
      "  keyward rollback platform-data/postgres/orders --to 3f1c...  (from "
      "'keyward history')");
  cli.SetRunner(sub, [&cli, o] { return Run(cli, *o); });
}

}  // namespace

void AddRollbackCommand(CLI::App& app, Cli& cli) { SetupRollback(app, cli); }

}  // namespace keyward::cli
