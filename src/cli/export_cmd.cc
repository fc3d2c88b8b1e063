// keyward export eso --phase 1|2 --out-dir DIR: the External Secrets
// Operator resources for the migration, generated from the inventory
// (keyward/migrate/eso.h). Offline: reads only the inventory file.
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "keyward/inventory/inventory.h"
#include "keyward/migrate/eso.h"
#include "keyward/migrate/model.h"

namespace keyward::cli {
namespace {

struct ExportOptions {
  int phase = 0;
  std::string out_dir;
  std::string refresh_interval = "1h";
  // Phase 1
  migrate::Phase1Options p1;
  std::string aws_auth = "secret-ref";
  // Phase 2
  migrate::Phase2Options p2;
  std::string vault_service_account = "external-secrets/external-secrets";
};

std::string InventoryPath(Cli& cli) {
  return cli.globals().inventory.empty()
             ? std::string(inventory::kDefaultInventoryPath)
             : cli.globals().inventory;
}

// Loads the inventory; lint errors make it unusable for generation.
StatusOr<migrate::MigrationModel> LoadModel(Cli& cli) {
  KW_ASSIGN_OR_RETURN(auto parsed, inventory::LoadInventory(InventoryPath(cli),
                                                            *cli.runtime().fs));
  if (parsed.HasErrors()) {
    for (const auto& f : parsed.findings) {
      if (f.severity == Severity::kError) cli.err() << f.ToString() << "\n";
    }
    return InvalidArgumentError(
        InventoryPath(cli) + " has " + std::to_string(parsed.ErrorCount()) +
        " error(s); fix them (keyward inventory lint) and re-run");
  }
  return migrate::ModelFromInventory(parsed.inventory);
}

std::string RegionFrom(Cli& cli) {
  auto resolved = cli.ResolveAws();
  return resolved.ok() ? resolved->region : cli.globals().region;
}

StatusOr<std::vector<migrate::GeneratedFile>> Generate(
    Cli& cli, ExportOptions o, const migrate::MigrationModel& model) {
  if (o.phase == 1) {
    o.p1.region = RegionFrom(cli);
    o.p1.auth = o.aws_auth == "role" ? migrate::AwsAuth::kRole
                                     : migrate::AwsAuth::kSecretRef;
    o.p1.refresh_interval = o.refresh_interval;
    return migrate::GeneratePhase1(model, o.p1);
  }
  if (o.p2.server.empty())
    o.p2.server = cli.env().Get("VAULT_ADDR").value_or("");
  auto slash = o.vault_service_account.find('/');
  if (slash == std::string::npos) {
    return InvalidArgumentError(
        "--vault-service-account must be NAMESPACE/NAME");
  }
  o.p2.service_account_namespace = o.vault_service_account.substr(0, slash);
  o.p2.service_account_name = o.vault_service_account.substr(slash + 1);
  o.p2.refresh_interval = o.refresh_interval;
  return migrate::GeneratePhase2(model, o.p2);
}

CommandResult Run(Cli& cli, const ExportOptions& o) {
  auto model = LoadModel(cli);
  if (!model.ok()) return model.status();
  auto files = Generate(cli, o, *model);
  if (!files.ok()) return files.status();
  Status written =
      migrate::WriteGeneratedFiles(*cli.runtime().fs, o.out_dir, *files);
  if (!written.ok()) return written;
  if (cli.json()) {
    nlohmann::json out{{"Phase", o.phase},
                       {"OutDir", o.out_dir},
                       {"Files", nlohmann::json::array()}};
    for (const auto& f : *files) out["Files"].push_back(f.path);
    cli.out() << out.dump(2) << "\n";
    return kExitOk;
  }
  for (const auto& f : *files)
    cli.out() << "wrote " << o.out_dir << "/" << f.path << "\n";
  cli.out() << files->size() << " file(s) for Phase " << o.phase << " ("
            << model->secrets.size() << " secrets, " << model->apps.size()
            << " applications); review, then kubectl apply -f " << o.out_dir
            << "\n";
  return kExitOk;
}

void SetupEso(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<ExportOptions>();
  CLI::App* sub =
      parent.add_subcommand("eso",
                            "External Secrets Operator resources: Phase 1 "
                            "(Secrets Manager) or 2 (Vault)");
  sub->add_option("--phase", o->phase,
                  "1: ESO on Secrets Manager; 2: ESO on Vault KV v2")
      ->required()
      ->check(CLI::IsMember({1, 2}));
  sub->add_option("--out-dir", o->out_dir, "directory for the generated files")
      ->required();
  sub->add_option("--refresh-interval", o->refresh_interval,
                  "ExternalSecret refreshInterval")
      ->capture_default_str();
  auto* p1 = sub->add_option_group("Phase 1 (region: --region, AWS_REGION)");
  p1->add_option("--store-name", o->p1.store_name, "ClusterSecretStore name")
      ->capture_default_str();
  p1->add_option("--aws-auth", o->aws_auth,
                 "secret-ref: access keys in a Kubernetes Secret; role: assume "
                 "--aws-role")
      ->check(CLI::IsMember({"secret-ref", "role"}))
      ->capture_default_str();
  p1->add_option("--aws-credentials-secret", o->p1.credentials_secret,
                 "Secret holding the access keys (secret-ref)")
      ->capture_default_str();
  p1->add_option("--aws-credentials-namespace", o->p1.credentials_namespace,
                 "its namespace")
      ->capture_default_str();
  p1->add_option("--aws-role", o->p1.role_arn,
                 "IAM role ARN ESO assumes (role)");
  p1->add_option(
      "--aws-service-account", o->p1.service_account,
      "NAMESPACE/NAME whose token ESO exchanges for the role (role, optional)");
  auto* p2 = sub->add_option_group("Phase 2");
  p2->add_option("--vault-server", o->p2.server,
                 "Vault URL seen from the cluster (default: VAULT_ADDR)");
  p2->add_option("--vault-namespace", o->p2.vault_namespace,
                 "Vault Enterprise namespace");
  p2->add_option("--vault-mount", o->p2.mount, "KV v2 mount")
      ->capture_default_str();
  p2->add_option("--vault-auth-mount", o->p2.auth_mount,
                 "Kubernetes auth mount")
      ->capture_default_str();
  p2->add_option("--vault-role", o->p2.role, "Vault Kubernetes auth role")
      ->capture_default_str();
  p2->add_option("--vault-service-account", o->vault_service_account,
                 "NAMESPACE/NAME of ESO's service account")
      ->capture_default_str();
  sub->footer(
      "Examples:\n"
      "  keyward export eso --phase 1 --region eu-west-1 --out-dir deploy/eso\n"
      "  keyward export eso --phase 1 --region eu-west-1 --aws-auth role \\\n"
      "      --aws-role arn:aws:iam::123456789012:role/eso --out-dir "
      "deploy/eso\n"
      "  keyward export eso --phase 2 --vault-server "
      "https://vault.example.com:8200 --out-dir deploy/eso");
  cli.SetRunner(sub, [&cli, o] { return Run(cli, *o); });
}

void SetupExport(CLI::App& app, Cli& cli) {
  CLI::App* sub = app.add_subcommand(
      "export", "Generate migration artifacts from the inventory");
  sub->require_subcommand(1);
  SetupEso(*sub, cli);
}

}  // namespace

void AddExportCommand(CLI::App& app, Cli& cli) { SetupExport(app, cli); }

}  // namespace keyward::cli
