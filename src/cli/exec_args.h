// keyward exec's command line: OPTIONS in any order, then "--", then the
// child's argv, which is never parsed, validated or echoed. One place to add
// exec options (e.g. --watch): AddExecOptions.
#ifndef KEYWARD_SRC_CLI_EXEC_ARGS_H_
#define KEYWARD_SRC_CLI_EXEC_ARGS_H_

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cli/exec_watch.h"
#include "keyward/status.h"

namespace keyward::cli {

struct ExecOptions {
  std::string app;                         // --app, -a (required)
  std::string env_prefix;                  // --env-prefix
  std::vector<std::string> env_overrides;  // --env, -e (repeatable, one each)
  bool pristine = false;                   // --pristine
  bool dry_run = false;                    // --dry-run
  WatchOptions watch;  // --watch & co.: supervise instead of execve
  // The child's argv: everything after the first "--", untouched.
  std::vector<std::string> command;
};

// Registers exec's options on `sub` (the `keyward exec` subcommand, or a
// bare CLI::App in ParseExecArgs). Add new exec options here.
void AddExecOptions(CLI::App& sub, ExecOptions& o);

// Parses exec's arguments (the words after "exec") without the global
// options: what `keyward exec` does inside RunCli, for tests and other front
// ends. INVALID_ARGUMENT for a usage error; the message never contains an
// argument of the child nor a stray argument.
StatusOr<ExecOptions> ParseExecArgs(const std::vector<std::string>& args);

// The help footer of `keyward exec` (variable names, exit status, examples).
extern const std::string_view kExecFooter;

}  // namespace keyward::cli

#endif  // KEYWARD_SRC_CLI_EXEC_ARGS_H_
