// keyward history NAME: every version of a secret (ListSecretVersionIds,
// including deprecated versions), newest first, with stages and dates.
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/inventory_source.h"
#include "cli/output.h"
#include "cli/versions.h"

namespace keyward::cli {
namespace {

using Json = nlohmann::json;

CommandResult Run(Cli& cli, const std::string& name) {
  auto client = cli.MakeClient();
  if (!client.ok()) return client.status();
  auto versions = AllVersions(**client, name);
  if (!versions.ok())
    return WithSecretSuggestions(cli, versions.status(), name);
  if (cli.json()) {
    Json arr = Json::array();
    for (const auto& v : *versions) {
      arr.push_back({{"VersionId", v.version_id},
                     {"VersionStages", v.version_stages},
                     {"CreatedDate", TimeOrDash(v.created_date)},
                     {"LastAccessedDate", TimeOrDash(v.last_accessed_date)}});
    }
    cli.out() << Json{{"Name", name}, {"Versions", arr}}.dump(2) << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows = {
      {"VERSION ID", "STAGES", "CREATED", "LAST ACCESSED"}};
  for (const auto& v : *versions) {
    rows.push_back({v.version_id, JoinStages(v.version_stages),
                    TimeOrDash(v.created_date),
                    TimeOrDash(v.last_accessed_date)});
  }
  PrintTable(cli.out(), rows);
  return kExitOk;
}

void SetupHistory(CLI::App& app, Cli& cli) {
  AddSecretCommand(
      app, cli, "history",
      "List a secret's versions with stages and dates (never values)",
      "Versions are listed newest first; '(deprecated)' marks versions without "
      "a\n"
      "stage, which Secrets Manager may delete. Roll back with 'keyward "
      "rollback'.\n\n"
      "Examples:\n"
      "  keyward history platform-data/postgres/orders\n"
      "  keyward history platform-data/postgres/orders -o json",
      &Run);
}

}  // namespace

void AddHistoryCommand(CLI::App& app, Cli& cli) { SetupHistory(app, cli); }

}  // namespace keyward::cli
