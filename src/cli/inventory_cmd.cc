// keyward inventory lint|check|import|report: secrets-inventory.yaml as a
// working tool (docs/inventory.md).
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <set>

#include "cli/cli.h"
#include "cli/color.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/report.h"
#include "cli/versions.h"
#include "keyward/inventory/drift.h"
#include "keyward/inventory/inventory.h"
#include "keyward/inventory/scan.h"

namespace keyward::cli {
namespace {

using OrderedJson = nlohmann::ordered_json;
using inventory::DriftReport;
using inventory::Finding;
using inventory::ParsedInventory;

std::string InventoryPath(Cli& cli, const std::string& positional) {
  if (!positional.empty()) return positional;
  if (!cli.globals().inventory.empty()) return cli.globals().inventory;
  return std::string(inventory::kDefaultInventoryPath);
}

StatusOr<ParsedInventory> Load(const FileSystem& fs, const std::string& path) {
  if (!fs.Stat(path).exists) {
    return InvalidArgumentError(
        "inventory file '" + path +
        "' does not exist (pass FILE or --inventory, or create one with "
        "'keyward inventory import --out " +
        path + "')");
  }
  return inventory::LoadInventory(path, fs);
}

// ---- lint -------------------------------------------------------------------

struct LintOptions {
  std::string file;
  bool strict = false;
};

OrderedJson FindingJson(const Finding& f) {
  return {{"File", f.file},
          {"Line", f.line},
          {"Column", f.column},
          {"Rule", std::string(RuleId(f.rule))},
          {"Severity", f.severity == Severity::kError ? "error" : "warning"},
          {"Message", f.message}};
}

CommandResult RunLint(Cli& cli, const LintOptions& o) {
  std::string path = InventoryPath(cli, o.file);
  auto parsed = Load(*cli.runtime().fs, path);
  if (!parsed.ok()) {
    if (cli.json()) {
      cli.out() << OrderedJson{{"File", path},
                               {"Usable", false},
                               {"Error", parsed.status().message()}}
                       .dump(2)
                << "\n";
    }
    return parsed.status();
  }
  std::size_t errors = parsed->ErrorCount(), warnings = parsed->WarningCount();
  if (cli.json()) {
    OrderedJson arr = OrderedJson::array();
    for (const Finding& f : parsed->findings) arr.push_back(FindingJson(f));
    cli.out() << OrderedJson{{"File", path},
                             {"Usable", true},
                             {"Errors", errors},
                             {"Warnings", warnings},
                             {"Findings", arr}}
                     .dump(2)
              << "\n";
  } else {
    for (const Finding& f : parsed->findings) cli.out() << f.ToString() << "\n";
    cli.err() << path << ": " << parsed->inventory.secrets.size()
              << " secrets, " << parsed->inventory.applications.size()
              << " applications: " << errors
              << (errors == 1 ? " error, " : " errors, ") << warnings
              << (warnings == 1 ? " warning" : " warnings") << "\n";
  }
  if (errors > 0 || (o.strict && warnings > 0)) return kExitCheckFailed;
  return kExitOk;
}

// ---- check ------------------------------------------------------------------

struct CheckOptions {
  std::string file;
  bool no_values = false;
};

OrderedJson DriftJson(const DriftReport& r, const std::string& path) {
  OrderedJson items = OrderedJson::array();
  for (const auto& d : r.items) {
    OrderedJson j{{"Kind", inventory::DriftKindName(d.kind)},
                  {"Name", d.name},
                  {"Detail", d.detail}};
    if (d.line > 0) j["Line"] = d.line;
    if (!d.missing_keys.empty()) j["MissingKeys"] = d.missing_keys;
    if (!d.extra_keys.empty()) j["ExtraKeys"] = d.extra_keys;
    items.push_back(std::move(j));
  }
  return {{"File", path},
          {"InSync", r.InSync()},
          {"Declared", r.declared},
          {"InStore", r.in_store},
          {"ValuesCompared", r.values_compared},
          {"Drift", items}};
}

std::function<void(std::size_t, std::size_t)> ProgressPrinter(Cli& cli) {
  if (cli.json() || !::isatty(STDERR_FILENO)) return nullptr;
  return [&cli](std::size_t done, std::size_t total) {
    if (total == 0) {
      cli.err() << "\rlisting the store: " << done << " secrets" << std::flush;
    } else {
      cli.err() << "\rcomparing property keys: " << done << "/" << total
                << "   " << std::flush;
    }
  };
}

StatusOr<DriftReport> RunDrift(Cli& cli, const inventory::Inventory& inv,
                               bool no_values) {
  KW_ASSIGN_OR_RETURN(auto client, cli.MakeClient());
  inventory::DriftOptions options;
  options.compare_values = !no_values;
  options.progress = ProgressPrinter(cli);
  auto report = inventory::CheckDrift(inv, *client, options);
  if (options.progress) cli.err() << "\r\033[K" << std::flush;
  return report;
}

CommandResult RunCheck(Cli& cli, const CheckOptions& o) {
  std::string path = InventoryPath(cli, o.file);
  auto parsed = Load(*cli.runtime().fs, path);
  if (!parsed.ok()) return parsed.status();
  if (parsed->HasErrors()) {
    cli.err() << "keyward: warning: " << path << " has " << parsed->ErrorCount()
              << " lint error(s); run 'keyward inventory lint " << path
              << "'\n";
  }
  auto report = RunDrift(cli, parsed->inventory, o.no_values);
  if (!report.ok()) return report.status();
  if (cli.json()) {
    cli.out() << DriftJson(*report, path).dump(2) << "\n";
  } else {
    for (const auto& d : report->items) {
      std::string where =
          d.line > 0 ? path + ":" + std::to_string(d.line) : "store";
      cli.out() << where << ": " << inventory::DriftKindName(d.kind) << ": "
                << d.name << ": " << d.detail << "\n";
    }
    bool color = UseColor(cli.globals().no_color, cli.env(), cli.err());
    cli.err() << Paint(color, report->InSync() ? "in sync" : "drift") << ": "
              << report->declared << " declared, " << report->in_store
              << " in the store, " << report->items.size() << " difference(s)"
              << (report->values_compared ? ""
                                          : " (property keys not compared)")
              << "\n";
  }
  return report->InSync() ? kExitOk : kExitCheckFailed;
}

// ---- import -----------------------------------------------------------------

struct ImportCmdOptions {
  std::string out;
  bool no_values = false;
  bool force = false;
};

CommandResult RunImport(Cli& cli, const ImportCmdOptions& o) {
  const FileSystem& fs = *cli.runtime().fs;
  if (!o.out.empty() && fs.Stat(o.out).exists && !o.force) {
    return InvalidArgumentError(o.out +
                                " exists; pass --force to overwrite it");
  }
  auto client = cli.MakeClient();
  if (!client.ok()) return client.status();
  inventory::ImportOptions options;
  options.read_values = !o.no_values;
  auto result = inventory::ImportFromStore(**client, options);
  if (!result.ok()) return result.status();
  std::string text =
      "# secrets-inventory.yaml, imported from the store by 'keyward inventory "
      "import'.\n"
      "# Review every TODO, declare each secret's consumers, then run "
      "'keyward inventory lint'.\n" +
      inventory::FormatInventory(result->inventory, result->comments);
  if (o.out.empty()) {
    cli.out() << text;
  } else {
    KW_RETURN_IF_ERROR(fs.WriteFile(o.out, text, kPublicFile));
  }
  cli.err() << "imported " << result->inventory.secrets.size() << " secrets"
            << (result->without_consumers > 0
                    ? "; " + std::to_string(result->without_consumers) +
                          " without known consumers (marked TODO)"
                    : "")
            << (o.out.empty() ? "" : " into " + o.out) << "\n";
  return kExitOk;
}

// ---- report -----------------------------------------------------------------

struct ReportOptions {
  std::string file;
  std::vector<std::string> scan;
  bool no_store = false;
  bool no_values = false;
};

OrderedJson ReportJson(const Report& r, const inventory::Inventory& inv,
                       const std::string& path) {
  OrderedJson jc = OrderedJson::array();
  for (const auto& c : r.criteria) {
    jc.push_back({{"Criterion", c.name},
                  {"Status", CriterionStatusName(c.status)},
                  {"Detail", c.detail}});
  }
  OrderedJson apps = OrderedJson::array();
  for (const auto& a : inv.applications) {
    OrderedJson secrets = OrderedJson::array();
    for (const auto* s : inv.SecretsForApp(a.name)) {
      const RotationRow& row = r.rotation.at(s->name);
      OrderedJson js{
          {"Name", s->name},
          {"Rotation", inventory::RotationStatusName(s->rotation.status)},
          {"LastRotated", s->rotation.last_rotated},
          {"StoreLastChanged", row.store_date},
          {"Overdue", row.overdue},
          {"DatesDisagree", row.disagree}};
      if (s->rotation.interval_days)
        js["IntervalDays"] = *s->rotation.interval_days;
      secrets.push_back(std::move(js));
    }
    apps.push_back({{"Application", a.name},
                    {"IamPrincipal", a.iam_principal},
                    {"Secrets", secrets}});
  }
  return OrderedJson{{"File", path},         {"Phase0ExitCriteriaMet", r.Met()},
                     {"Verdict", r.verdict}, {"NotChecked", r.skipped},
                     {"Criteria", jc},       {"Evidence", r.evidence},
                     {"Applications", apps}};
}

// One application's secrets with their rotation rows.
void PrintAppRotation(Cli& cli, const Report& r,
                      const inventory::Inventory& inv,
                      const inventory::Application& a, bool store, bool color) {
  cli.out() << "  " << a.name << " (IAM principal: "
            << (a.iam_principal.empty() ? "none" : a.iam_principal) << ")\n";
  std::vector<std::vector<std::string>> srows = {
      {"    SECRET", "ROTATION", "LAST ROTATED", "STORE AWSCURRENT", "EVERY",
       "NOTE"}};
  for (const auto* s : inv.SecretsForApp(a.name)) {
    const RotationRow& row = r.rotation.at(s->name);
    srows.push_back(
        {"    " + s->name,
         s->rotation.status == inventory::RotationStatus::kUnset
             ? std::string("-")
             : std::string(inventory::RotationStatusName(s->rotation.status)),
         s->rotation.last_rotated.empty() ? "-" : s->rotation.last_rotated,
         store ? (row.store_date.empty() ? "-" : row.store_date)
               : "(--no-store)",
         s->rotation.interval_days
             ? std::to_string(*s->rotation.interval_days) + " days"
             : "-",
         row.note});
  }
  PrintTable(cli.out(), srows, color);
}

void PrintReport(Cli& cli, const Report& r, const inventory::Inventory& inv,
                 const std::string& path, bool store) {
  bool color = UseColor(cli.globals().no_color, cli.env(), cli.out());
  cli.out() << "Phase 0 exit criteria (" << path << ")\n\n";
  std::vector<std::vector<std::string>> rows = {
      {"STATUS", "CRITERION", "DETAIL"}};
  for (const auto& c : r.criteria) {
    rows.push_back(
        {std::string(CriterionStatusName(c.status)), c.name, c.detail});
  }
  PrintTable(cli.out(), rows, color);
  if (!r.evidence.empty()) {
    cli.out() << "\nEvidence:\n";
    for (const auto& e : r.evidence) cli.out() << "  " << e << "\n";
  }
  cli.out() << "\nApplications:\n";
  for (const auto& a : inv.applications)
    PrintAppRotation(cli, r, inv, a, store, color);
  std::string last = "Phase 0 exit criteria " + r.verdict;
  if (r.failed) {
    last = "Phase 0 exit criteria NOT met";
  } else if (r.skipped > 0) {
    last +=
        " (SKIP = not checked; run without --no-store and with --scan "
        "PATH to check them)";
  }
  cli.out() << "\n" << last << "\n";
}

CommandResult RunReport(Cli& cli, const ReportOptions& o) {
  std::string path = InventoryPath(cli, o.file);
  KW_ASSIGN_OR_RETURN(ParsedInventory parsed, Load(*cli.runtime().fs, path));
  ReportInputs in;
  in.parsed = &parsed;
  if (!o.scan.empty()) {
    inventory::ScanOptions scan;
    scan.runtime = cli.runtime();
    in.scan = inventory::ScanPaths(o.scan, scan);
  }
  if (!o.no_store) in.drift = RunDrift(cli, parsed.inventory, o.no_values);
  // The store's AWSCURRENT date of every declared secret (unless --no-store).
  std::unique_ptr<secrets::SecretsManagerClient> store;
  if (!o.no_store) {
    auto client = cli.MakeClient();
    if (client.ok()) store = std::move(*client);
  }
  in.store = store.get();
  in.now = cli.runtime().clock->Now();
  Report r = BuildReport(in);
  if (cli.json()) {
    cli.out() << ReportJson(r, parsed.inventory, path).dump(2) << "\n";
  } else {
    PrintReport(cli, r, parsed.inventory, path, store != nullptr);
  }
  // An unverified criterion is not a pass either (exit 1).
  return r.Met() ? kExitOk : kExitCheckFailed;
}

void SetupInventory(CLI::App& app, Cli& cli) {
  CLI::App* inv = app.add_subcommand(
      "inventory", "Lint, check, import and report on secrets-inventory.yaml");
  inv->require_subcommand(1);

  auto lint = std::make_shared<LintOptions>();
  CLI::App* l = inv->add_subcommand(
      "lint", "Validate the inventory offline (schema, naming, leaks)");
  l->add_option(
      "file", lint->file,
      "inventory file (default: --inventory or ./secrets-inventory.yaml)");
  l->add_flag("--strict", lint->strict, "fail on warnings too");
  l->footer(
      "Exit: 0 clean, 1 findings, 2 unusable input.\nExample:\n  keyward "
      "inventory lint examples/secrets-inventory.yaml");
  cli.SetRunner(l, [&cli, lint] { return RunLint(cli, *lint); });

  auto check = std::make_shared<CheckOptions>();
  CLI::App* c = inv->add_subcommand(
      "check", "Compare the inventory with the store (drift)");
  c->add_option("file", check->file, "inventory file");
  c->add_flag("--no-values", check->no_values,
              "do not read values (skip the property-key comparison)");
  c->footer(
      "Exit: 0 in sync, 1 drift, 2+ errors. Prints key names only, never "
      "values.");
  cli.SetRunner(c, [&cli, check] { return RunCheck(cli, *check); });

  auto imp = std::make_shared<ImportCmdOptions>();
  CLI::App* i = inv->add_subcommand(
      "import", "Write a version-1 inventory from what the store holds");
  i->add_option("--out", imp->out, "output file (default: stdout)");
  i->add_flag("--no-values", imp->no_values,
              "do not read values (properties left empty)");
  i->add_flag("--force", imp->force, "overwrite --out if it exists");
  cli.SetRunner(i, [&cli, imp] { return RunImport(cli, *imp); });

  auto rep = std::make_shared<ReportOptions>();
  CLI::App* r = inv->add_subcommand(
      "report", "Phase 0 exit criteria as a pass/fail table");
  r->add_option("file", rep->file, "inventory file");
  r->add_option("--scan", rep->scan,
                "paths to scan for secrets outside the store (repeatable)");
  r->add_flag("--no-store", rep->no_store,
              "do not contact the store (skips the completeness check)");
  r->add_flag("--no-values", rep->no_values,
              "do not read values during the completeness check");
  r->footer(
      "Exit: 0 every criterion checked and met; 1 a criterion failed, or "
      "met with\n"
      "some not checked (SKIP: \"met, N not checked\"); 2+ errors.\n"
      "LAST ROTATED is the inventory's date, STORE AWSCURRENT the date the "
      "store's\n"
      "current version was written; NOTE flags OVERDUE (older than EVERY) and "
      "dates\n"
      "that disagree.");
  cli.SetRunner(r, [&cli, rep] { return RunReport(cli, *rep); });
}

}  // namespace

void AddInventoryCommand(CLI::App& app, Cli& cli) { SetupInventory(app, cli); }

}  // namespace keyward::cli
