// keyward iam policy|policies: least-privilege identity policies from the
// inventory (one per application, plus the operator policy).
// keyward iam resource-policy: per-secret resource policies (deny everyone
// but the secret's consumers and the operators), printed, written or applied.

#include "cli/cli.h"
#include "cli/commands.h"
#include "keyward/iam/policy.h"
#include "keyward/inventory/inventory.h"
#include "keyward/secrets/client.h"

namespace keyward::cli {
namespace {

// --out-dir, made with its parents; one that cannot be made is an input
// error (exit code 2).
Status MakeOutputDirectory(Cli& cli, const std::string& dir) {
  Status made = cli.runtime().fs->MakeDirectories(dir);
  return made.ok() ? made : AsInputError(made);
}

struct IamOptions {
  std::string file;
  std::string app;
  bool operator_policy = false;
  std::string out_dir;
  std::string account;
  std::string partition;
  bool batch_get = false;
  // resource-policy
  std::string secret;
  std::vector<std::string> operator_arns;
  bool apply = false;
};

StatusOr<inventory::Inventory> LoadForIam(Cli& cli, const IamOptions& o) {
  std::string path = !o.file.empty() ? o.file
                     : !cli.globals().inventory.empty()
                         ? cli.globals().inventory
                         : std::string(inventory::kDefaultInventoryPath);
  const FileSystem& fs = *cli.runtime().fs;
  if (!fs.Stat(path).exists) {
    return InvalidArgumentError("inventory file '" + path + "' does not exist");
  }
  KW_ASSIGN_OR_RETURN(auto parsed, inventory::LoadInventory(path, fs));
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

CommandResult RunPolicy(Cli& cli, const IamOptions& o) {
  if (o.app.empty() == !o.operator_policy) {
    return InvalidArgumentError("pass exactly one of --app APP or --operator");
  }
  auto inv = LoadForIam(cli, o);
  if (!inv.ok()) return inv.status();
  auto policy =
      o.operator_policy
          ? iam::OperatorPolicy(*inv, PolicyOptionsFor(cli, o))
          : iam::ApplicationPolicy(*inv, o.app, PolicyOptionsFor(cli, o));
  if (!policy.ok()) {
    // An undeclared application is the caller's input error (exit 2).
    bool input = policy.status().code() == StatusCode::kNotFound ||
                 policy.status().code() == StatusCode::kFailedPrecondition;
    return input ? AsInputError(policy.status()) : policy.status();
  }
  cli.out() << *policy;
  return kExitOk;
}

CommandResult RunPolicies(Cli& cli, const IamOptions& o) {
  auto inv = LoadForIam(cli, o);
  if (!inv.ok()) return inv.status();
  KW_RETURN_IF_ERROR(MakeOutputDirectory(cli, o.out_dir));
  iam::PolicyOptions p = PolicyOptionsFor(cli, o);
  auto write = [&](const std::string& name, const std::string& text) -> Status {
    std::string path = o.out_dir + "/" + name + ".json";
    KW_RETURN_IF_ERROR(cli.runtime().fs->WriteFile(path, text, kPublicFile));
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
    if (!policy.ok()) return policy.status();
    if (Status s = write(a.name, *policy); !s.ok()) return s;
  }
  auto op = iam::OperatorPolicy(*inv, p);
  if (!op.ok()) return op.status();
  if (Status s = write("operator", *op); !s.ok()) return s;
  return kExitOk;
}

// The account for principals without an iam_principal: --account, else the
// first declared iam_principal's.
StatusOr<std::string> AccountFor(const inventory::Inventory& inv,
                                 const IamOptions& o) {
  if (!o.account.empty()) return o.account;
  for (const auto& a : inv.applications) {
    if (a.iam_principal.empty()) continue;
    std::size_t start = 0;
    for (int i = 0; i < 4 && start != std::string::npos; ++i)
      start = a.iam_principal.find(':', start + (i ? 1 : 0));
    std::size_t end = start == std::string::npos
                          ? std::string::npos
                          : a.iam_principal.find(':', start + 1);
    if (end != std::string::npos)
      return a.iam_principal.substr(start + 1, end - start - 1);
  }
  return InvalidArgumentError(
      "no AWS account id for the resource policies: pass --account or "
      "declare an application's iam_principal in the inventory");
}

// A file name for a secret name ("platform-data/x/y" -> "platform-data_x_y").
std::string FileNameFor(std::string name) {
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  return name;
}

// The secrets the command covers: --secret, else every secret.
StatusOr<std::vector<const inventory::Secret*>> SelectSecrets(
    const inventory::Inventory& inv, const IamOptions& o) {
  std::vector<const inventory::Secret*> out;
  if (o.secret.empty()) {
    for (const auto& s : inv.secrets) out.push_back(&s);
    return out;
  }
  const inventory::Secret* s = inv.FindSecret(o.secret);
  if (s == nullptr) {
    return NotFoundError("secret '" + o.secret + "' is not declared in " +
                         inv.path);
  }
  out.push_back(s);
  return out;
}

// Writes, prints and/or puts one secret's policy; false when the put failed.
StatusOr<bool> EmitResourcePolicy(Cli& cli, const IamOptions& o,
                                  const std::string& name,
                                  const std::string& policy,
                                  secrets::SecretsManagerClient* client) {
  if (!o.out_dir.empty()) {
    std::string path = o.out_dir + "/" + FileNameFor(name) + ".json";
    KW_RETURN_IF_ERROR(cli.runtime().fs->WriteFile(path, policy, kPublicFile));
    cli.out() << path << "\n";
  } else if (client == nullptr) {
    cli.out() << policy;
  }
  if (client == nullptr) return true;
  Status st = client->PutResourcePolicy(name, policy, true);
  if (!st.ok()) {
    cli.err() << "keyward: error: " << name << ": " << st.message() << "\n";
    return false;
  }
  cli.out() << "applied " << name << "\n";
  return true;
}

StatusOr<iam::ResourcePolicyOptions> ResourcePolicyOptionsFor(
    Cli& cli, const inventory::Inventory& inv, const IamOptions& o) {
  KW_ASSIGN_OR_RETURN(std::string account, AccountFor(inv, o));
  iam::ResourcePolicyOptions ro;
  ro.partition = o.partition.empty() ? "aws" : o.partition;
  ro.account = account;
  ro.operator_arns = o.operator_arns;
  if (ro.operator_arns.empty()) {
    cli.err() << "keyward: note: no --operator-arn; the operators are "
              << iam::DefaultOperatorArn(ro.partition, ro.account)
              << " (keyward server --inventory's operator)\n";
  }
  return ro;
}

CommandResult RunResourcePolicy(Cli& cli, const IamOptions& o) {
  auto inv = LoadForIam(cli, o);
  if (!inv.ok()) return inv.status();
  auto ro = ResourcePolicyOptionsFor(cli, *inv, o);
  if (!ro.ok()) return ro.status();
  auto secrets = SelectSecrets(*inv, o);
  if (!secrets.ok()) return AsInputError(secrets.status());
  if (!o.apply && o.out_dir.empty() && secrets->size() != 1) {
    return UsageError(
        "pass --secret NAME to print one policy, --out-dir DIR to write them "
        "all, or --apply to put them");
  }
  std::unique_ptr<secrets::SecretsManagerClient> client;
  if (o.apply) {
    auto c = cli.MakeClient();
    if (!c.ok()) return c.status();
    client = std::move(*c);
  }
  if (!o.out_dir.empty())
    KW_RETURN_IF_ERROR(MakeOutputDirectory(cli, o.out_dir));
  int failed = 0;
  for (const inventory::Secret* s : *secrets) {
    auto policy = iam::SecretResourcePolicy(*inv, s->name, *ro);
    if (!policy.ok()) return policy.status();
    auto put = EmitResourcePolicy(cli, o, s->name, *policy, client.get());
    if (!put.ok()) return put.status();
    failed += *put ? 0 : 1;
  }
  if (failed == 0) return kExitOk;
  return InternalError(std::to_string(failed) + " of " +
                       std::to_string(secrets->size()) +
                       " resource policies were not applied");
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

void SetupIam(CLI::App& app, Cli& cli) {
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

  auto rp = std::make_shared<IamOptions>();
  CLI::App* r = iam->add_subcommand(
      "resource-policy",
      "Per-secret resource policies: deny everyone but the secret's consumers "
      "and the operators");
  r->add_option("--secret", rp->secret, "one secret (default: every secret)");
  r->add_option("--out-dir", rp->out_dir,
                "write one NAME.json per secret ('/' becomes '_')");
  r->add_option("--operator-arn", rp->operator_arns,
                "an operator principal never denied (repeatable; default "
                "arn:aws:iam::ACCOUNT:user/keyward-operator)");
  r->add_flag("--apply", rp->apply,
              "PutResourcePolicy (BlockPublicPolicy) on each secret");
  r->add_option(
      "--file", rp->file,
      "inventory file (default: --inventory or ./secrets-inventory.yaml)");
  r->add_option("--account", rp->account,
                "AWS account id (default: from an iam_principal)");
  r->add_option("--partition", rp->partition,
                "aws | aws-cn | aws-us-gov (default aws)");
  r->footer(
      "Examples:\n  keyward iam resource-policy --secret "
      "platform-data/postgres/orders\n  keyward iam resource-policy --apply   "
      "# against the endpoint and profile in use");
  cli.SetRunner(r, [&cli, rp] { return RunResourcePolicy(cli, *rp); });
}

}  // namespace

void AddIamCommand(CLI::App& app, Cli& cli) { SetupIam(app, cli); }

}  // namespace keyward::cli
