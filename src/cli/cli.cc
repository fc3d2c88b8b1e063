#include "cli/cli.h"

#include <algorithm>

namespace keyward::cli {

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
      return kExitUsage;
    case StatusCode::kUnauthenticated:
    case StatusCode::kPermissionDenied:
      return kExitAuth;
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kResourceExhausted:
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kAborted:
    case StatusCode::kCancelled:
      return kExitStore;
    case StatusCode::kUnknown:
    case StatusCode::kUnimplemented:
    case StatusCode::kInternal:
    case StatusCode::kDataLoss:
      return kExitInternal;
  }
  return kExitInternal;
}

StatusOr<std::unique_ptr<secrets::SecretsManagerClient>> Cli::MakeClient() {
  secrets::ClientOverrides o;
  o.region = globals_.region;
  o.endpoint_url = globals_.endpoint_url;
  o.profile = globals_.profile;
  KW_ASSIGN_OR_RETURN(secrets::ClientConfig config,
                      secrets::ResolveClientConfig(env_, o));
  return secrets::SecretsManagerClient::Create(std::move(config));
}

int Cli::Fail(const Status& status) {
  err_ << "keyward: error: " << status.message();
  if (!status.error_type().empty()) err_ << " [" << status.error_type() << "]";
  err_ << "\n";
  return ExitCodeFor(status);
}

void Cli::SetRunner(CLI::App* sub, std::function<int()> run) {
  runners_.emplace_back(sub, std::move(run));
}

std::function<int()> Cli::SelectedRunner(CLI::App& app) const {
  // Walk down the chain of parsed subcommands; the deepest with a runner wins.
  std::function<int()> found;
  CLI::App* cur = &app;
  while (cur != nullptr) {
    for (const auto& [sub, run] : runners_) {
      if (sub == cur) found = run;
    }
    CLI::App* next = nullptr;
    for (CLI::App* s : cur->get_subcommands()) {
      if (s->parsed()) next = s;
    }
    cur = next;
  }
  return found;
}

std::vector<CommandEntry>& CommandTable() {
  static auto* table = new std::vector<CommandEntry>();
  return *table;
}

void AddGlobalOptions(CLI::App& app, GlobalOptions& g) {
  app.add_option("--profile", g.profile,
                 "AWS profile from ~/.aws/config and ~/.aws/credentials")
      ->envname("AWS_PROFILE");
  app.add_option(
      "--region", g.region,
      "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, profile)");
  app.add_option("--endpoint-url", g.endpoint_url,
                 "Secrets Manager endpoint (e.g. http://127.0.0.1:8200 for "
                 "keyward server)");
  app.add_option(
      "--inventory", g.inventory,
      "inventory file (default: ./secrets-inventory.yaml when it exists)");
  app.add_option("--output,-o", g.output, "output format")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--no-color", g.no_color, "never use color");
  app.add_flag("--yes,-y", g.yes, "answer yes to confirmations");
}

int RunCli(int argc, const char* const* argv, std::ostream& out,
           std::ostream& err, const Environment& env) {
  Cli cli(out, err, env);
  CLI::App app{
      "keyward: secrets in AWS Secrets Manager, named by convention, declared "
      "in "
      "secrets-inventory.yaml, read through one module.",
      "keyward"};
  app.set_version_flag("--version", std::string("keyward ") + KEYWARD_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  AddGlobalOptions(app, cli.globals());
  auto table = CommandTable();
  std::sort(table.begin(), table.end(),
            [](const CommandEntry& a, const CommandEntry& b) {
              return std::string_view(a.name) < std::string_view(b.name);
            });
  for (const CommandEntry& e : table) e.setup(app, cli);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    out << app.help();
    return kExitOk;
  } catch (const CLI::CallForAllHelp& e) {
    out << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::CallForVersion& e) {
    out << e.what() << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    // Subcommand help (`keyward get --help`) arrives here too.
    if (e.get_exit_code() == 0) {
      std::ostringstream help_out, help_err;
      app.exit(e, help_out, help_err);
      out << help_out.str();
      return kExitOk;
    }
    if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
      // Never echo stray arguments: an operator may have typed a value.
      err << "keyward: error: unexpected extra arguments (not shown, in case "
             "they hold a "
             "secret; values are never taken from the command line)\n"
             "(run 'keyward --help' for usage)\n";
      return kExitUsage;
    }
    err << "keyward: error: " << e.what()
        << "\n(run 'keyward --help' for usage)\n";
    return kExitUsage;
  }
  std::function<int()> run = cli.SelectedRunner(app);
  if (!run) {
    err << "keyward: error: no command given\n" << app.help();
    return kExitUsage;
  }
  return run();
}

}  // namespace keyward::cli
