#include "cli/cli.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"

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
  o.region_option = "--region";
  KW_ASSIGN_OR_RETURN(secrets::ClientConfig config,
                      secrets::ResolveClientConfig(runtime_, o));
  return secrets::SecretsManagerClient::Create(std::move(config));
}

aws::AwsConfigOptions Cli::AwsOptions() const {
  aws::AwsConfigOptions o;
  o.profile = globals_.profile;
  o.region = globals_.region;
  o.endpoint_url = globals_.endpoint_url;
  o.region_option = "--region";
  o.chain.runtime = runtime_;
  return o;
}

StatusOr<aws::AwsConfig> Cli::ResolveAws() const {
  return aws::ResolveAwsConfig(AwsOptions());
}

namespace {
constexpr std::string_view kUsageHint = "\n(run 'keyward --help' for usage)";
}  // namespace

Status UsageError(std::string_view message) {
  return InvalidArgumentError(std::string(message) + std::string(kUsageHint));
}

Status AsInputError(const Status& status) {
  return Status(StatusCode::kInvalidArgument, status.message(),
                status.error_type());
}

int Cli::ReportError(const Status& status) {
  if (json()) {
    // Under -o json errors are JSON too (stdout stays parseable): one
    // object on stderr, same exit codes (docs/cli.md).
    std::string_view message = status.message();
    if (message.ends_with(kUsageHint)) message.remove_suffix(kUsageHint.size());
    nlohmann::json e{{"Code", std::string(StatusCodeToString(status.code()))},
                     {"Message", message},
                     {"ExitCode", ExitCodeFor(status)}};
    if (!status.error_type().empty()) e["AwsError"] = status.error_type();
    nlohmann::json j{{"Error", e}};
    err_ << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
         << "\n";
    return ExitCodeFor(status);
  }
  err_ << "keyward: error: " << status.message();
  if (!status.error_type().empty()) err_ << " [" << status.error_type() << "]";
  err_ << "\n";
  return ExitCodeFor(status);
}

int Cli::ExitCode(const CommandResult& result) {
  return result.ok() ? *result : ReportError(result.status());
}

void Cli::SetRunner(CLI::App* sub, std::function<CommandResult()> run) {
  runners_.emplace_back(sub, std::move(run));
}

std::function<CommandResult()> Cli::SelectedRunner(CLI::App& app) const {
  // Walk down the chain of parsed subcommands; the deepest with a runner wins.
  std::function<CommandResult()> found;
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

CLI::App* AddSecretCommand(CLI::App& app, Cli& cli, const std::string& name,
                           const std::string& description,
                           const std::string& footer,
                           CommandResult (*run)(Cli&, const std::string&)) {
  auto secret = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand(name, description);
  sub->add_option("name", *secret, "secret name or ARN")->required();
  sub->footer(footer);
  cli.SetRunner(sub, [&cli, secret, run] { return run(cli, *secret); });
  return sub;
}

void AddGlobalOptions(CLI::App& app, GlobalOptions& g) {
  // No envname("AWS_PROFILE"): an explicit --profile disables the
  // environment's access keys, AWS_PROFILE does not (botocore's rule; the
  // resolver reads AWS_PROFILE itself).
  app.add_option("--profile", g.profile,
                 "AWS profile from ~/.aws/config and ~/.aws/credentials "
                 "(default: AWS_DEFAULT_PROFILE, AWS_PROFILE, default); "
                 "when given, only this profile's credentials are used");
  app.add_option(
      "--region", g.region,
      "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, profile)");
  app.add_option("--endpoint-url", g.endpoint_url,
                 "Secrets Manager endpoint (default: "
                 "AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL, the "
                 "profile's, else AWS's regional endpoint; keyward server "
                 "listens on http://127.0.0.1:4585 by default)");
  app.add_option(
      "--inventory", g.inventory,
      "inventory file (default: ./secrets-inventory.yaml when it exists)");
  app.add_option("--output,-o", g.output, "output format")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--no-color", g.no_color,
               "never use colour (also NO_COLOR=1; colour is only used on a "
               "terminal)");
  app.add_flag("--yes,-y", g.yes, "answer yes to confirmations");
}

SplitArgs SplitAtDoubleDash(int argc, const char* const* argv) {
  SplitArgs s;
  for (int i = 0; i < argc; ++i) {
    std::string_view a = argv[i];
    if (!s.has_tail && i > 0 && a == "--") {
      s.has_tail = true;
      continue;
    }
    (s.has_tail ? s.tail : s.head).emplace_back(a);
  }
  return s;
}

std::size_t EditDistance(std::string_view a, std::string_view b) {
  // Optimal string alignment: insertions, deletions, substitutions and
  // transpositions of neighbours ("lsit" -> "list") cost 1 each.
  std::vector<std::vector<std::size_t>> d(
      a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] =
          std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::vector<std::string> Closest(std::string_view word,
                                 const std::vector<std::string>& candidates,
                                 std::size_t max_results) {
  // Allow about one typo per three characters (at least 1, at most 3).
  std::size_t limit = std::clamp<std::size_t>(word.size() / 3, 1, 3);
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const std::string& c : candidates) {
    std::size_t d = EditDistance(word, c);
    bool prefix = word.size() >= 3 && c.starts_with(word);
    if (d <= limit || prefix) scored.emplace_back(prefix ? 0 : d, c);
  }
  std::stable_sort(
      scored.begin(), scored.end(),
      [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (const auto& [d, c] : scored) {
    if (out.size() == max_results) break;
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  return out;
}

namespace {

// The deepest subcommand CLI11 selected (or `app` itself).
CLI::App* Selected(CLI::App& app) {
  CLI::App* cur = &app;
  while (true) {
    CLI::App* next = nullptr;
    for (CLI::App* s : cur->get_subcommands()) {
      if (s->parsed()) next = s;
    }
    if (next == nullptr) return cur;
    cur = next;
  }
}

// "--name" and "-n" spellings of an app's flags.
std::vector<std::string> FlagNames(const CLI::App& app) {
  std::vector<std::string> out;
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_positional()) continue;
    for (const auto& l : opt->get_lnames()) out.push_back("--" + l);
  }
  return out;
}

// Only a flag's name is ever shown: "--regoin=eu" -> "--regoin"; something
// that does not look like a flag name yields "".
std::string FlagNameOf(std::string_view arg) {
  if (!arg.starts_with("--")) return "";
  std::string_view name = arg.substr(0, arg.find('='));
  if (name.size() < 3 || name.size() > 40) return "";
  for (char c : name.substr(2)) {
    if (!std::islower(static_cast<unsigned char>(c)) &&
        !std::isdigit(static_cast<unsigned char>(c)) && c != '-')
      return "";
  }
  return std::string(name);
}

// The message for stray arguments: unknown flags are named with their
// closest known spelling; positional strays are never shown (they may be a
// value typed on the command line).
std::string ExtrasMessage(CLI::App& app, CLI::App* sel,
                          const std::vector<std::string>& extras,
                          bool takes_child_command) {
  std::vector<std::string> known = FlagNames(*sel);
  if (sel != &app) {
    for (auto& f : FlagNames(app)) known.push_back(f);
  }
  for (const std::string& x : extras) {
    std::string flag = FlagNameOf(x);
    if (flag.empty()) continue;
    std::string msg = "unknown option " + flag;
    if (sel != &app) msg += " for 'keyward " + sel->get_name() + "'";
    auto near = Closest(flag, known, 2);
    if (!near.empty()) {
      msg += "; did you mean " + near[0];
      if (near.size() > 1) msg += " or " + near[1];
      msg += "?";
    }
    return msg;
  }
  if (sel == &app && !extras.empty()) {
    // The first word is in the command's place: suggest, do not echo.
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands({}))
      names.push_back(sub->get_name());
    auto near = Closest(extras[0], names, 2);
    std::string msg = "unknown command (not shown)";
    if (!near.empty()) {
      msg += "; did you mean '" + near[0] + "'";
      if (near.size() > 1) msg += " or '" + near[1] + "'";
      msg += "?";
    }
    return msg;
  }
  std::string msg =
      "unexpected extra arguments (not shown, in case they hold a secret; "
      "values are never taken from the command line)";
  if (takes_child_command) {
    msg += "; the command to run goes after '--': keyward " + sel->get_name() +
           " [OPTIONS] -- COMMAND [ARGS...]";
  }
  return msg;
}

// The global options, for the help of a subcommand that does not list them.
std::string GlobalOptionsHelp(const CLI::App& app) {
  std::ostringstream s;
  s << "\nGlobal options (accepted before or after the command):\n";
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_positional() || opt->get_lnames().empty()) continue;
    if (opt->get_lnames()[0] == "help" || opt->get_lnames()[0] == "version")
      continue;
    std::string names = opt->get_name(false, true);
    if (opt->get_type_size() != 0) names += " " + opt->get_type_name();
    s << "  " << names;
    std::size_t width = names.size() + 2;
    s << std::string(width < 30 ? 30 - width : 1, ' ') << opt->get_description()
      << "\n";
  }
  return s.str();
}

// -o json / --output json / --output=json / -ojson among the arguments, so a
// parse error can be reported as JSON before the options are known.
bool WantsJson(const std::vector<std::string>& head) {
  for (std::size_t i = 0; i < head.size(); ++i) {
    const std::string& a = head[i];
    if ((a == "-o" || a == "--output") && i + 1 < head.size() &&
        head[i + 1] == "json")
      return true;
    if (a == "--output=json" || a == "-ojson") return true;
  }
  return false;
}

}  // namespace

void Cli::AcceptChildCommand(CLI::App* sub) {
  child_command_apps_.push_back(sub);
}

bool Cli::TakesChildCommand(const CLI::App* sub) const {
  return std::find(child_command_apps_.begin(), child_command_apps_.end(),
                   sub) != child_command_apps_.end();
}

namespace {

// The answer to a CLI11 parse exception: help or version (exit 0), else a
// usage error.
int OnParseException(CLI::App& app, Cli& cli, const CLI::ParseError& e) {
  if (dynamic_cast<const CLI::CallForAllHelp*>(&e) != nullptr) {
    cli.out() << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  }
  if (dynamic_cast<const CLI::CallForVersion*>(&e) != nullptr) {
    cli.out() << e.what() << "\n";
    return kExitOk;
  }
  CLI::App* sel = Selected(app);
  if (dynamic_cast<const CLI::CallForHelp*>(&e) != nullptr) {
    // app.help() prints the selected subcommand's help, which lacks the
    // global options: append them.
    cli.out() << app.help();
  } else if (e.get_exit_code() == 0) {
    // Subcommand help (`keyward get --help`) arrives here too.
    std::ostringstream help_out, help_err;
    app.exit(e, help_out, help_err);
    cli.out() << help_out.str();
  } else {
    std::vector<std::string> extras = app.remaining(true);
    if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr ||
        (sel == &app && !extras.empty())) {
      return cli.ReportError(UsageError(
          ExtrasMessage(app, sel, extras, cli.TakesChildCommand(sel))));
    }
    return cli.ReportError(UsageError(e.what()));
  }
  if (sel != &app && sel->get_option_no_throw("--endpoint-url") == nullptr)
    cli.out() << GlobalOptionsHelp(app);
  return kExitOk;
}

}  // namespace

int RunCli(int argc, const char* const* argv, std::ostream& out,
           std::ostream& err, const Runtime& runtime) {
  Cli cli(out, err, runtime);
  CLI::App app{
      "keyward: secrets in AWS Secrets Manager, named by convention, declared "
      "in secrets-inventory.yaml, read through one module.",
      "keyward"};
  app.set_version_flag("--version", std::string("keyward ") + KEYWARD_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  AddGlobalOptions(app, cli.globals());
  for (const CommandEntry& e : Commands()) e.setup(app, cli);
  // Everything after the first "--" belongs to the child of `keyward exec`:
  // CLI11 never sees it, so it is never parsed, validated or echoed.
  SplitArgs split = SplitAtDoubleDash(argc, argv);
  cli.SetChildCommand(split.tail, split.has_tail);
  std::vector<const char*> head;
  for (const std::string& a : split.head) head.push_back(a.c_str());
  if (WantsJson(split.head)) cli.globals().output = "json";
  try {
    app.parse(static_cast<int>(head.size()), head.data());
  } catch (const CLI::ParseError& e) {
    return OnParseException(app, cli, e);
  }
  if (split.has_tail && !cli.TakesChildCommand(Selected(app))) {
    return cli.ReportError(UsageError(
        "arguments after '--' are only taken by 'keyward exec' (not shown)"));
  }
  std::function<CommandResult()> run = cli.SelectedRunner(app);
  if (!run) {
    err << "keyward: error: no command given\n" << app.help();
    return kExitUsage;
  }
  return cli.ExitCode(run());
}

}  // namespace keyward::cli
