// The CLI's commands: one Add*Command per subcommand, defined in its
// src/cli/NAME_cmd.cc. Commands() lists them all (commands.cc); a new
// command adds its declaration here and its row there.
#ifndef KEYWARD_SRC_CLI_COMMANDS_H_
#define KEYWARD_SRC_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <span>

#include "cli/cli.h"

namespace keyward::cli {

void AddAgentCommand(CLI::App& app, Cli& cli);
void AddCompletionCommand(CLI::App& app, Cli& cli);
void AddDeleteCommand(CLI::App& app, Cli& cli);
void AddDescribeCommand(CLI::App& app, Cli& cli);
void AddExecCommand(CLI::App& app, Cli& cli);
void AddExportCommand(CLI::App& app, Cli& cli);
void AddGetCommand(CLI::App& app, Cli& cli);
void AddHistoryCommand(CLI::App& app, Cli& cli);
void AddIamCommand(CLI::App& app, Cli& cli);
void AddInventoryCommand(CLI::App& app, Cli& cli);
void AddListCommand(CLI::App& app, Cli& cli);
void AddManCommand(CLI::App& app, Cli& cli);
void AddMigrateCommand(CLI::App& app, Cli& cli);
void AddPutCommand(CLI::App& app, Cli& cli);
void AddRestoreCommand(CLI::App& app, Cli& cli);
void AddRollbackCommand(CLI::App& app, Cli& cli);
void AddScanCommand(CLI::App& app, Cli& cli);
void AddServerCommand(CLI::App& app, Cli& cli);
void AddTagCommand(CLI::App& app, Cli& cli);
void AddUntagCommand(CLI::App& app, Cli& cli);
void AddTemplateCommand(CLI::App& app, Cli& cli);
void AddWhoamiCommand(CLI::App& app, Cli& cli);

using CommandSetup = void (*)(CLI::App& app, Cli& cli);
struct CommandEntry {
  const char* name;
  CommandSetup setup;
};

// Every command, sorted by name (the order of `keyward --help`).
std::span<const CommandEntry> Commands();

}  // namespace keyward::cli

#endif  // KEYWARD_SRC_CLI_COMMANDS_H_
