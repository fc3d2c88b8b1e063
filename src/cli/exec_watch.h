// `keyward exec --watch`: the flags that turn exec into a supervisor and the
// code that runs it (agent/supervisor.h). exec_cmd.cc plans the variables as
// for a plain exec and hands them over here.
#ifndef KEYWARD_SRC_CLI_EXEC_WATCH_H_
#define KEYWARD_SRC_CLI_EXEC_WATCH_H_

#include <string>
#include <vector>

#include "agent/supervisor.h"
#include "cli/cli.h"

namespace keyward::cli {

struct WatchOptions {
  bool watch = false;
  std::string on_change = "restart";  // restart | signal:NAME
  std::string stop_signal = "TERM";
  std::string stop_timeout = "10s";
  std::string refresh_interval = "60s";
};

// Adds --watch, --on-change, --stop-signal, --stop-timeout and
// --refresh-interval (the last four need --watch) to `exec`.
void AddWatchOptions(CLI::App* exec, WatchOptions& w);

// Fetches the secrets into a SecretCache refreshed every refresh_interval,
// starts `command` with `variables` in its environment (plus keyward's own
// unless `pristine`) and supervises it. Returns the child's exit status or
// keyward's error exit code.
CommandResult RunWatched(Cli& cli, const WatchOptions& w,
                         const std::vector<std::string>& command, bool pristine,
                         const std::vector<agent::EnvBinding>& variables);

}  // namespace keyward::cli

#endif  // KEYWARD_SRC_CLI_EXEC_WATCH_H_
