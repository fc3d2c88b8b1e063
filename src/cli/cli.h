// The keyward CLI's shared pieces: global options, exit codes and output
// helpers. One file per subcommand (listed in commands.h); main.cc only
// calls RunCli.
#ifndef KEYWARD_SRC_CLI_CLI_H_
#define KEYWARD_SRC_CLI_CLI_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "keyward/aws/resolver.h"
#include "keyward/env.h"
#include "keyward/runtime.h"
#include "keyward/secrets/client.h"
#include "keyward/status.h"

namespace keyward::cli {

// Documented exit codes (docs/cli.md). Status codes map to these in
// ExitCodeFor() only.
enum ExitCode : int {
  kExitOk = 0,
  kExitCheckFailed = 1,  // lint findings, drift, failed criteria
  kExitUsage = 2,     // usage or input error (bad flags, bad files, bad names)
  kExitStore = 3,     // store/AWS error (not found, throttled, unavailable)
  kExitAuth = 4,      // authentication or authorization error
  kExitInternal = 5,  // bug or unexpected response
};

int ExitCodeFor(const Status& status);

// What a command's run function returns: the exit code the command chose
// (kExitOk; kExitCheckFailed after printing its findings; a child's code for
// exec), or an error Status, which RunCli reports once (Cli::ReportError)
// with the exit code ExitCodeFor() gives it.
using CommandResult = StatusOr<int>;

// A usage error (INVALID_ARGUMENT, exit code 2); its text report adds a
// line pointing to --help.
Status UsageError(std::string_view message);
// `status` as an input error (INVALID_ARGUMENT, exit code 2), same message.
Status AsInputError(const Status& status);

struct GlobalOptions {
  std::string profile;
  std::string region;
  std::string endpoint_url;
  std::string inventory;  // default ./secrets-inventory.yaml when it exists
  std::string output = "text";  // text | json
  bool no_color = false;
  bool yes = false;
};

// How the CLI writes files meant to be read by people and tools (an
// imported inventory, policy documents, man pages): mode 0644, replaced
// atomically (FileSystem::WriteFile), so an interrupted write loses nothing.
inline const FileOwnership kPublicFile{0644, "", ""};

// What a command gets: globals, streams and the runtime (the OS seam, from
// main).
class Cli {
 public:
  Cli(std::ostream& out, std::ostream& err, const Runtime& runtime)
      : out_(out), err_(err), runtime_(runtime) {}

  GlobalOptions& globals() { return globals_; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }
  const Environment& env() const { return *runtime_.env; }
  const Runtime& runtime() const { return runtime_; }
  bool json() const { return globals_.output == "json"; }

  // The resolver's options for the global flags (--profile, --region,
  // --endpoint-url) and this CLI's environment.
  aws::AwsConfigOptions AwsOptions() const;
  // Profile, region, endpoints and credential chain (aws/resolver.h): the
  // same function the Secret Config Module uses.
  StatusOr<aws::AwsConfig> ResolveAws() const;

  // A Secrets Manager client configured from globals + environment.
  StatusOr<std::unique_ptr<secrets::SecretsManagerClient>> MakeClient();

  // The one error report: prints "keyward: error: <message> [AwsType]"
  // (under -o json: {"Error": {...}} on stderr) and returns the exit code
  // for `status`.
  int ReportError(const Status& status);
  // A command's exit code: its own code, or ReportError's.
  int ExitCode(const CommandResult& result);

  // The child command: everything after the first "--" on the command line,
  // untouched (RunCli never lets CLI11 parse it). has_child_command() is
  // true when "--" was given, even with nothing after it.
  const std::vector<std::string>& child_command() const {
    return child_command_;
  }
  bool has_child_command() const { return has_child_command_; }
  void SetChildCommand(std::vector<std::string> argv, bool given) {
    child_command_ = std::move(argv);
    has_child_command_ = given;
  }
  // Marks `sub` as taking a child command after "--" (keyward exec). For
  // every other command, "--" is a usage error.
  void AcceptChildCommand(CLI::App* sub);
  bool TakesChildCommand(const CLI::App* sub) const;

  // Sets the function run when `sub` is the selected subcommand.
  void SetRunner(CLI::App* sub, std::function<CommandResult()> run);
  // The runner of the deepest selected subcommand, if any.
  std::function<CommandResult()> SelectedRunner(CLI::App& app) const;

 private:
  std::ostream& out_;
  std::ostream& err_;
  Runtime runtime_;
  GlobalOptions globals_;
  std::vector<std::pair<CLI::App*, std::function<CommandResult()>>> runners_;
  std::vector<const CLI::App*> child_command_apps_;
  std::vector<std::string> child_command_;
  bool has_child_command_ = false;
};

// Adds subcommand `name` whose one argument is a secret NAME (or ARN),
// run by `run` (describe, history, restore).
CLI::App* AddSecretCommand(CLI::App& app, Cli& cli, const std::string& name,
                           const std::string& description,
                           const std::string& footer,
                           CommandResult (*run)(Cli&, const std::string&));

// Adds the global flags to `app` (they are accepted before or after the
// subcommand: CLI11 fallthrough).
void AddGlobalOptions(CLI::App& app, GlobalOptions& g);

// argv split at the first "--" (argv[0] stays in `head`).
struct SplitArgs {
  std::vector<std::string> head;  // for CLI11
  std::vector<std::string> tail;  // after "--": never parsed
  bool has_tail = false;          // "--" was present
};
SplitArgs SplitAtDoubleDash(int argc, const char* const* argv);

// Edit distance (optimal string alignment: a swap of neighbours costs 1),
// for "did you mean".
std::size_t EditDistance(std::string_view a, std::string_view b);
// Up to `max_results` candidates close to `word` (edit distance about one
// per three characters, or `word` a prefix of at least 3 characters),
// closest first.
std::vector<std::string> Closest(std::string_view word,
                                 const std::vector<std::string>& candidates,
                                 std::size_t max_results = 3);

// Runs the CLI (used by main, with Runtime::Real(), and by in-process tests).
int RunCli(int argc, const char* const* argv, std::ostream& out,
           std::ostream& err, const Runtime& runtime);

}  // namespace keyward::cli

#endif  // KEYWARD_SRC_CLI_CLI_H_
