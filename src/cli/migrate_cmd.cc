// keyward migrate vault --dry-run|--apply: copies the inventoried secrets
// from the store to Vault KV v2 (check-and-set, read-back verification,
// resumable journal). keyward migrate status: where each secret lives, and
// the supersession criteria / retirement checklist. Never prints values.
#include <map>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "keyward/inventory/inventory.h"
#include "keyward/migrate/checklist.h"
#include "keyward/migrate/vault_copy.h"
#include "keyward/vault/kv2_client.h"

namespace keyward::cli {
namespace {

using Json = nlohmann::json;

constexpr char kDefaultJournal[] = "keyward-migrate-vault.journal";

struct MigrateOptions {
  bool dry_run = false;
  bool apply = false;
  std::string journal = kDefaultJournal;
  bool overwrite_unknown = false;
  bool recheck = false;
  int parallel = 8;
  std::string mount = "secret";
  std::vector<std::string> only;
  // status
  std::string manifests;
  std::vector<std::string> sources;
  std::vector<std::string> confirm;
  std::string vault_store = "vault-backend";
};

struct Loaded {
  inventory::Inventory inventory;
  std::vector<std::string> names;
};

StatusOr<Loaded> LoadNames(Cli& cli, const std::vector<std::string>& only) {
  std::string path = cli.globals().inventory.empty()
                         ? std::string(inventory::kDefaultInventoryPath)
                         : cli.globals().inventory;
  KW_ASSIGN_OR_RETURN(auto parsed,
                      inventory::LoadInventory(path, *cli.runtime().fs));
  if (parsed.HasErrors()) {
    return InvalidArgumentError(path + " has " +
                                std::to_string(parsed.ErrorCount()) +
                                " error(s); run keyward inventory lint");
  }
  Loaded l{std::move(parsed.inventory), {}};
  for (const auto& s : l.inventory.secrets) {
    if (only.empty() ||
        std::find(only.begin(), only.end(), s.name) != only.end()) {
      l.names.push_back(s.name);
    }
  }
  for (const std::string& n : only) {
    if (l.inventory.FindSecret(n) == nullptr) {
      return InvalidArgumentError("secret '" + n +
                                  "' is not in the inventory " + path);
    }
  }
  return l;
}

StatusOr<std::unique_ptr<vault::VaultKv2Client>> MakeVault(
    Cli& cli, const MigrateOptions& o) {
  KW_ASSIGN_OR_RETURN(vault::VaultConfig config,
                      vault::ConfigFromEnvironment(cli.env()));
  config.mount = o.mount;
  return vault::VaultKv2Client::Create(std::move(config));
}

// What both subcommands work on: the inventory's (selected) names, the
// store and Vault.
struct Endpoints {
  Loaded loaded;
  std::unique_ptr<secrets::SecretsManagerClient> store;
  std::unique_ptr<vault::VaultKv2Client> vault;
};

StatusOr<Endpoints> OpenEndpoints(Cli& cli, const MigrateOptions& o) {
  Endpoints e;
  KW_ASSIGN_OR_RETURN(e.loaded, LoadNames(cli, o.only));
  KW_ASSIGN_OR_RETURN(e.store, cli.MakeClient());
  KW_ASSIGN_OR_RETURN(e.vault, MakeVault(cli, o));
  return e;
}

// A per-secret table: SECRET, `result_header` (what `result_of` says of
// the item), VAULT-VERSION ("-" for none), DETAIL.
template <typename Items, typename ResultOf>
void PrintSecretTable(std::ostream& out, std::string_view result_header,
                      const Items& items, ResultOf result_of) {
  std::vector<std::vector<std::string>> rows = {
      {"SECRET", std::string(result_header), "VAULT-VERSION", "DETAIL"}};
  for (const auto& x : items) {
    rows.push_back({x.name, std::string(result_of(x)),
                    x.vault_version ? std::to_string(x.vault_version) : "-",
                    x.detail});
  }
  PrintTable(out, rows);
}

void PrintCopyReport(Cli& cli, const migrate::CopyReport& r, bool dry_run) {
  std::map<std::string, int> counts;
  for (const auto& x : r.results)
    ++counts[std::string(migrate::CopyOutcomeName(x.outcome))];
  if (cli.json()) {
    Json out{{"DryRun", dry_run}, {"Ok", r.ok()}, {"Results", Json::array()}};
    for (const auto& x : r.results) {
      out["Results"].push_back(
          {{"Name", x.name},
           {"Outcome", std::string(migrate::CopyOutcomeName(x.outcome))},
           {"VaultVersion", x.vault_version},
           {"StoreVersionId", x.store_version_id},
           {"Detail", x.detail}});
    }
    out["Summary"] = {{"Counts", counts},
                      {"StoreRequests", r.store_requests},
                      {"VaultRequests", r.vault_requests},
                      {"Seconds", r.seconds}};
    cli.out() << out.dump(2) << "\n";
    return;
  }
  PrintSecretTable(cli.out(), "RESULT", r.results, [](const auto& x) {
    return migrate::CopyOutcomeName(x.outcome);
  });
  std::string summary;
  for (const auto& [k, n] : counts)
    summary += (summary.empty() ? "" : ", ") + std::to_string(n) + " " + k;
  char secs[32];
  std::snprintf(secs, sizeof(secs), "%.2f", r.seconds);
  cli.out() << "\n"
            << r.results.size() << " secrets: " << summary << " ("
            << (dry_run ? "dry run; " : "") << r.store_requests
            << " store requests, " << r.vault_requests << " Vault requests, "
            << secs << " s)\n";
}

CommandResult RunVault(Cli& cli, const MigrateOptions& o) {
  if (o.dry_run == o.apply) {
    return InvalidArgumentError("give exactly one of --dry-run or --apply");
  }
  KW_ASSIGN_OR_RETURN(Endpoints e, OpenEndpoints(cli, o));
  migrate::CopyOptions copy;
  copy.dry_run = o.dry_run;
  copy.journal_path = o.journal;
  copy.overwrite_unknown = o.overwrite_unknown;
  copy.recheck = o.recheck;
  copy.parallelism = o.parallel;
  auto report = migrate::CopyToVault(e.loaded.names, *e.store, *e.vault, copy);
  if (!report.ok()) return report.status();
  PrintCopyReport(cli, *report, o.dry_run);
  if (!report->ok()) {
    cli.err() << "keyward: some secrets were not migrated; fix the causes "
                 "above and re-run "
                 "(done secrets are skipped via "
              << o.journal << ")\n";
    return kExitCheckFailed;
  }
  return kExitOk;
}

void PrintStatus(Cli& cli, const migrate::LocationReport& loc,
                 const std::vector<migrate::ChecklistItem>& items) {
  if (cli.json()) {
    Json out{{"Secrets", Json::array()}, {"Checklist", Json::array()}};
    for (const auto& s : loc.secrets) {
      out["Secrets"].push_back(
          {{"Name", s.name},
           {"Location", std::string(migrate::LocationName(s.location))},
           {"VaultVersion", s.vault_version},
           {"Detail", s.detail}});
    }
    for (const auto& i : items) {
      out["Checklist"].push_back(
          {{"Id", i.id},
           {"Result", std::string(migrate::CheckResultName(i.result))},
           {"Evidence", i.evidence}});
    }
    cli.out() << out.dump(2) << "\n";
    return;
  }
  PrintSecretTable(cli.out(), "LOCATION", loc.secrets, [](const auto& s) {
    return migrate::LocationName(s.location);
  });
  cli.out() << "\n";
  std::vector<std::vector<std::string>> checks = {
      {"CHECK", "RESULT", "EVIDENCE"}};
  for (const auto& i : items) {
    checks.push_back(
        {i.id, std::string(migrate::CheckResultName(i.result)), i.evidence});
  }
  PrintTable(cli.out(), checks);
}

CommandResult RunStatus(Cli& cli, const MigrateOptions& o) {
  for (const std::string& c : o.confirm) {
    const auto& ok = migrate::ConfirmableItems();
    if (std::find(ok.begin(), ok.end(), c) == ok.end()) {
      return InvalidArgumentError(
          "--confirm " + c +
          ": expected iam-credentials-removed or inventory-archived");
    }
  }
  KW_ASSIGN_OR_RETURN(Endpoints e, OpenEndpoints(cli, o));
  auto loc =
      migrate::LocateSecrets(e.loaded.names, *e.store, *e.vault, o.parallel);
  if (!loc.ok()) return loc.status();
  migrate::ChecklistInput in;
  in.locations = &*loc;
  if (!o.manifests.empty()) {
    auto m =
        migrate::ScanManifests(*cli.runtime().fs, o.manifests, o.vault_store);
    if (!m.ok()) return m.status();
    in.manifests = *m;
  }
  if (!o.sources.empty()) {
    auto m = migrate::ScanForModuleUse(*cli.runtime().fs, o.sources);
    if (!m.ok()) return m.status();
    in.modules = *m;
  }
  for (const auto& a : e.loaded.inventory.applications) {
    if (!a.iam_principal.empty()) in.iam_principals.push_back(a.iam_principal);
  }
  in.confirmed.insert(o.confirm.begin(), o.confirm.end());
  auto items = migrate::EvaluateChecklist(in);
  PrintStatus(cli, *loc, items);
  bool all = std::all_of(items.begin(), items.end(),
                         [](const migrate::ChecklistItem& i) {
                           return i.result == migrate::CheckResult::kPass;
                         });
  return all ? kExitOk : kExitCheckFailed;
}

void SetupMigrate(CLI::App& app, Cli& cli) {
  auto o = std::make_shared<MigrateOptions>();
  CLI::App* sub = app.add_subcommand(
      "migrate", "Phase 2: copy secrets to Vault KV v2 and track the cut-over");
  sub->require_subcommand(1);
  CLI::App* v = sub->add_subcommand(
      "vault",
      "Copy the inventoried secrets to Vault KV v2 (VAULT_ADDR, VAULT_TOKEN, "
      "VAULT_NAMESPACE, VAULT_CACERT)");
  auto* dry = v->add_flag("--dry-run", o->dry_run,
                          "read both sides and report what would change");
  auto* apply = v->add_flag(
      "--apply", o->apply, "write to Vault (check-and-set, read back, verify)");
  dry->excludes(apply);
  v->add_option("--journal", o->journal,
                "append-only result journal used to resume")
      ->capture_default_str();
  v->add_flag(
      "--overwrite-unknown", o->overwrite_unknown,
      "replace Vault values keyward did not write (still check-and-set)");
  v->add_flag("--recheck", o->recheck,
              "re-check secrets the journal says are done");
  v->add_option("--secret", o->only,
                "only these inventoried secrets (repeatable)");
  v->footer(
      "Exit: 0 all copied/identical, 1 some conflict/error (re-run resumes), 2 "
      "usage, 3 store/Vault, "
      "4 auth.\nExamples:\n"
      "  VAULT_ADDR=https://vault:8200 VAULT_TOKEN=... keyward migrate vault "
      "--dry-run\n"
      "  keyward migrate vault --apply -o json");
  CLI::App* s = sub->add_subcommand(
      "status",
      "Where each secret lives; supersession and retirement checklist");
  s->add_option("--manifests", o->manifests,
                "directory of the applied ExternalSecrets");
  s->add_option("--vault-store", o->vault_store,
                "Phase 2 ClusterSecretStore name")
      ->capture_default_str();
  s->add_option(
      "--source", o->sources,
      "application source trees to scan for the Secret Config Module");
  s->add_option(
      "--confirm", o->confirm,
      "manual items done: iam-credentials-removed, inventory-archived");
  s->add_option("--secret", o->only,
                "only these inventoried secrets (repeatable)");
  for (CLI::App* c : {v, s}) {
    c->add_option("--vault-mount", o->mount, "KV v2 mount")
        ->capture_default_str();
    c->add_option("--parallel", o->parallel, "concurrent workers")
        ->capture_default_str()
        ->check(CLI::Range(1, 64));
  }
  cli.SetRunner(v, [&cli, o] { return RunVault(cli, *o); });
  cli.SetRunner(s, [&cli, o] { return RunStatus(cli, *o); });
}

}  // namespace

void AddMigrateCommand(CLI::App& app, Cli& cli) { SetupMigrate(app, cli); }

}  // namespace keyward::cli
