// keyward iam policy|policies: least-privilege identity policies from the
// inventory (one per application, plus the operator policy).
#include <filesystem>
#include <fstream>

#include "cli/cli.h"
#include "keyward/iam/policy.h"
#include "keyward/inventory/inventory.h"

namespace keyward::cli {
namespace {

struct IamOptions {
  std::string file;
  std::string app;
  bool operator_policy = false;
  std::string out_dir;
  std::string account;
  std::string partition;
  bool batch_get = false;
};

StatusOr<inventory::Inventory> LoadForIam(Cli& cli, const IamOptions& o) {
  std::string path = !o.file.empty() ? o.file
                     : !cli.globals().inventory.empty()
                         ? cli.globals().inventory
                         : std::string(inventory::kDefaultInventoryPath);
  if (!FileSystem::Real().Stat(path).exists) {
    return InvalidArgumentError("inventory file '" + path + "' does not exist");
  }
  KW_ASSIGN_OR_RETURN(auto parsed,
                      inventory::LoadInventory(path, FileSystem::Real()));
  if (parsed.HasErrors()) {
    return InvalidArgumentError(
        path + " has " + std::to_string(parsed.ErrorCount()) +
        " lint error(s); fix them first ('keyward inventory lint " + path +
        "'): policies are generated only from a clean inventory");
  }
  return std::move(parsed.inventory);
}

iam::PolicyOptions PolicyOptionsFor(Cli& cli, const IamOptions& o) {
  iam::PolicyOptions p;
  p.account = o.account;
  p.partition = o.partition;
  p.batch_get = o.batch_get;
  // The region as every other command resolves it; a broken profile is
  // reported by the command that needs the store, not here.
  auto resolved = cli.ResolveAws();
  p.region = resolved.ok() ? resolved->region : cli.globals().region;
  return p;
}

int RunPolicy(Cli& cli, const IamOptions& o) {
  if (o.app.empty() == !o.operator_policy) {
    return cli.Fail(
        InvalidArgumentError("pass exactly one of --app APP or --operator"));
  }
  auto inv = LoadForIam(cli, o);
  if (!inv.ok()) return cli.Fail(inv.status());
  auto policy =
      o.operator_policy
          ? iam::OperatorPolicy(*inv, PolicyOptionsFor(cli, o))
          : iam::ApplicationPolicy(*inv, o.app, PolicyOptionsFor(cli, o));
  if (!policy.ok()) {
    return policy.status().code() == StatusCode::kNotFound ||
                   policy.status().code() == StatusCode::kFailedPrecondition
               ? (cli.Fail(policy.status()), kExitUsage)
               : cli.Fail(policy.status());
  }
  cli.out() << *policy;
  return kExitOk;
}

int RunPolicies(Cli& cli, const IamOptions& o) {
  auto inv = LoadForIam(cli, o);
  if (!inv.ok()) return cli.Fail(inv.status());
  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  if (ec)
    return cli.Fail(InvalidArgumentError("cannot create " + o.out_dir + ": " +
                                         ec.message()));
  iam::PolicyOptions p = PolicyOptionsFor(cli, o);
  auto write = [&](const std::string& name, const std::string& text) -> Status {
    std::string path = o.out_dir + "/" + name + ".json";
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << text;
    if (!f.good()) return InternalError("cannot write " + path);
    cli.out() << path << "\n";
    return OkStatus();
  };
  for (const auto& a : inv->applications) {
    if (inv->SecretsForApp(a.name).empty()) {
      cli.err() << "keyward: note: " << a.name
                << " consumes no secrets; no policy written\n";
      continue;
    }
    auto policy = iam::ApplicationPolicy(*inv, a.name, p);
    if (!policy.ok()) return cli.Fail(policy.status());
    if (Status s = write(a.name, *policy); !s.ok()) return cli.Fail(s);
  }
  auto op = iam::OperatorPolicy(*inv, p);
  if (!op.ok()) return cli.Fail(op.status());
  if (Status s = write("operator", *op); !s.ok()) return cli.Fail(s);
  return kExitOk;
}

void AddCommon(CLI::App* sub, IamOptions& o) {
  sub->add_option(
      "--file", o.file,
      "inventory file (default: --inventory or ./secrets-inventory.yaml)");
  sub->add_option("--account", o.account,
                  "AWS account id (default: from the app's iam_principal)");
  sub->add_option(
      "--partition", o.partition,
      "aws | aws-cn | aws-us-gov (default: from iam_principal, else aws)");
  sub->add_flag(
      "--batch-get", o.batch_get,
      "also allow secretsmanager:BatchGetSecretValue (Resource \"*\")");
}

void Setup(CLI::App& app, Cli& cli) {
  CLI::App* iam = app.add_subcommand(
      "iam", "Least-privilege IAM policies from the inventory");
  iam->require_subcommand(1);
  auto one = std::make_shared<IamOptions>();
  CLI::App* p = iam->add_subcommand(
      "policy", "Print one application's (or the operator's) policy");
  p->add_option("--app", one->app, "application name from the inventory");
  p->add_flag("--operator", one->operator_policy,
              "the operator policy (manual population)");
  AddCommon(p, *one);
  p->footer(
      "Example:\n  keyward --region eu-west-1 iam policy --app orders --file "
      "examples/secrets-inventory.yaml");
  cli.SetRunner(p, [&cli, one] { return RunPolicy(cli, *one); });

  auto all = std::make_shared<IamOptions>();
  CLI::App* ps = iam->add_subcommand(
      "policies", "Write every application's policy and the operator policy");
  ps->add_option("--out-dir", all->out_dir,
                 "directory for APP.json and operator.json")
      ->required();
  AddCommon(ps, *all);
  cli.SetRunner(ps, [&cli, all] { return RunPolicies(cli, *all); });
}

}  // namespace

KEYWARD_CLI_COMMAND(iam, Setup);

}  // namespace keyward::cli
