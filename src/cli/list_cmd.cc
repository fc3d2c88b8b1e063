// keyward list [--prefix P]: secrets in the store (ListSecrets, all pages).
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/output.h"

namespace keyward::cli {
namespace {

using Json = nlohmann::json;

struct ListOptions {
  std::string prefix;
  bool include_deleted = false;
};

CommandResult Run(Cli& cli, const ListOptions& o) {
  auto client = cli.MakeClient();
  if (!client.ok()) return client.status();
  secrets::ListSecretsRequest req;
  // The "name" filter is a prefix match in Secrets Manager.
  if (!o.prefix.empty()) req.filters.push_back({"name", {o.prefix}});
  req.include_planned_deletion = o.include_deleted;
  auto all = (*client)->ListAllSecrets(req);
  if (!all.ok()) return all.status();
  std::vector<secrets::SecretMetadata> list = std::move(*all);
  // Keep only true prefixes (the service's name filter also matches words).
  std::erase_if(list,
                [&](const auto& m) { return !m.name.starts_with(o.prefix); });
  std::sort(list.begin(), list.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  if (cli.json()) {
    Json arr = Json::array();
    for (const auto& m : list) {
      Json j{{"Name", m.name},
             {"ARN", m.arn},
             {"Description", m.description},
             {"LastChangedDate", TimeOrDash(m.last_changed_date)}};
      if (m.deleted_date) j["DeletedDate"] = TimeOrDash(m.deleted_date);
      arr.push_back(std::move(j));
    }
    cli.out() << arr.dump(2) << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "LAST CHANGED", "DESCRIPTION"}};
  for (const auto& m : list) {
    std::string desc = m.description;
    if (m.deleted_date) desc = "[scheduled for deletion] " + desc;
    rows.push_back({m.name, TimeOrDash(m.last_changed_date), desc});
  }
  PrintTable(cli.out(), rows);
  return kExitOk;
}

void SetupList(CLI::App& app, Cli& cli) {
  auto o = std::make_shared<ListOptions>();
  CLI::App* sub = app.add_subcommand("list", "List secrets in the store");
  sub->add_option("--prefix", o->prefix,
                  "only names starting with this prefix");
  sub->add_flag("--include-deleted", o->include_deleted,
                "include secrets scheduled for deletion");
  sub->footer(
      "Examples:\n  keyward list --prefix platform-data/\n  keyward list -o "
      "json");
  cli.SetRunner(sub, [&cli, o] { return Run(cli, *o); });
}

}  // namespace

void AddListCommand(CLI::App& app, Cli& cli) { SetupList(app, cli); }

}  // namespace keyward::cli
