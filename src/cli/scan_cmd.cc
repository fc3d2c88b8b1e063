// keyward scan PATH...: secrets still living outside the store (values masked).
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/commands.h"
#include "keyward/inventory/scan.h"

namespace keyward::cli {
namespace {

using OrderedJson = nlohmann::ordered_json;

CommandResult Run(Cli& cli, const std::vector<std::string>& paths) {
  inventory::ScanOptions options;
  options.runtime = cli.runtime();
  auto result = inventory::ScanPaths(paths, options);
  if (!result.ok()) return result.status();
  if (cli.json()) {
    OrderedJson arr = OrderedJson::array();
    for (const auto& f : result->findings) {
      arr.push_back({{"File", f.file},
                     {"Line", f.line},
                     {"Column", f.column},
                     {"Key", f.key},
                     {"Kind", f.kind}});
    }
    cli.out() << OrderedJson{{"FilesScanned", result->files_scanned},
                             {"Findings", arr},
                             {"Skipped", result->skipped}}
                     .dump(2)
              << "\n";
  } else {
    for (const auto& f : result->findings) cli.out() << f.ToString() << "\n";
    for (const auto& s : result->skipped)
      cli.err() << "keyward: note: skipped " << s << "\n";
    cli.err() << result->files_scanned << " files scanned, "
              << result->findings.size()
              << " secret(s) found outside the store\n";
  }
  return result->findings.empty() ? kExitOk : kExitCheckFailed;
}

void SetupScan(CLI::App& app, Cli& cli) {
  auto paths = std::make_shared<std::vector<std::string>>();
  CLI::App* sub = app.add_subcommand(
      "scan", "Find secrets outside the store (.env files, configs)");
  sub->add_option("paths", *paths, "files or directories")->required();
  sub->footer(
      "Exit: 0 nothing found, 1 secrets found, 2 bad paths. Values are always "
      "masked.\n"
      "Example:\n  keyward scan /srv/orders /etc/orders.env");
  cli.SetRunner(sub, [&cli, paths] { return Run(cli, *paths); });
}

}  // namespace

void AddScanCommand(CLI::App& app, Cli& cli) { SetupScan(app, cli); }

}  // namespace keyward::cli
