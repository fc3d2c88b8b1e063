#include "cli/commands.h"

namespace keyward::cli {

std::span<const CommandEntry> Commands() {
  static constexpr CommandEntry kCommands[] = {
      {"agent", &AddAgentCommand},     {"completion", &AddCompletionCommand},
      {"delete", &AddDeleteCommand},   {"describe", &AddDescribeCommand},
      {"exec", &AddExecCommand},       {"export", &AddExportCommand},
      {"get", &AddGetCommand},         {"history", &AddHistoryCommand},
      {"iam", &AddIamCommand},         {"inventory", &AddInventoryCommand},
      {"list", &AddListCommand},       {"man", &AddManCommand},
      {"migrate", &AddMigrateCommand}, {"put", &AddPutCommand},
      {"restore", &AddRestoreCommand}, {"rollback", &AddRollbackCommand},
      {"scan", &AddScanCommand},       {"server", &AddServerCommand},
      {"tag", &AddTagCommand},         {"template", &AddTemplateCommand},
      {"untag", &AddUntagCommand},     {"whoami", &AddWhoamiCommand},
  };
  return kCommands;
}

}  // namespace keyward::cli
