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

// The version to move AWSCURRENT to: --to (which must exist) or AWSPREVIOUS.
StatusOr<std::string> Target(
    const RollbackOptions& o,
    const std::vector<secrets::SecretVersion>& versions) {
  if (!o.to.empty()) {
    for (const auto& v : versions) {
      if (v.version_id == o.to) return o.to;
    }
    return NotFoundError("secret '" + o.name + "' has no version '" + o.to +
                         "' (see: keyward history " + o.name + ")");
  }
  for (const auto& v : versions) {
    if (HasStage(v.version_stages, secrets::kAwsPrevious)) return v.version_id;
  }
  return FailedPreconditionError(
      "secret '" + o.name +
      "' has no AWSPREVIOUS version to roll back to; pick one with "
      "--to VERSION_ID (see: keyward history " +
      o.name + ")");
}

int Run(Cli& cli, const RollbackOptions& o) {
  auto client = cli.MakeClient();
  if (!client.ok()) return cli.Fail(client.status());
  auto versions = AllVersions(**client, o.name);
  if (!versions.ok()) return cli.Fail(versions.status());
  std::string current;
  for (const auto& v : *versions) {
    if (HasStage(v.version_stages, secrets::kAwsCurrent))
      current = v.version_id;
  }
  auto target = Target(o, *versions);
  if (!target.ok()) return cli.Fail(target.status());
  Json j{{"Name", o.name},
         {"PreviousCurrentVersionId", current},
         {"VersionId", *target}};
  if (*target == current) {
    j["Changed"] = false;
    if (cli.json()) {
      cli.out() << j.dump(2) << "\n";
    } else {
      cli.out() << "unchanged: version " << current << " of " << o.name
                << " is already AWSCURRENT\n";
    }
    return kExitOk;
  }
  secrets::UpdateSecretVersionStageRequest req;
  req.secret_id = o.name;
  req.version_stage = std::string(secrets::kAwsCurrent);
  req.move_to_version_id = *target;
  req.remove_from_version_id = current;
  Status s = (*client)->UpdateSecretVersionStage(req);
  if (!s.ok()) return cli.Fail(s);
  j["Changed"] = true;
  if (cli.json()) {
    cli.out() << j.dump(2) << "\n";
  } else {
    cli.out() << "rolled back " << o.name << ": AWSCURRENT is now version "
              << *target << "\n  (was " << (current.empty() ? "-" : current)
              << ", now AWSPREVIOUS; undo with: keyward rollback " << o.name
              << ")\n";
  }
  return kExitOk;
}

void Setup(CLI::App& app, Cli& cli) {
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

void AddRollbackCommand(CLI::App& app, Cli& cli) { Setup(app, cli); }

}  // namespace keyward::cli
