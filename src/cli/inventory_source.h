// The inventory as the operator commands (`put`, `exec`) see it: the file
// named by --inventory, else ./secrets-inventory.yaml when it exists, else
// none (commands then skip inventory checks).
#ifndef KEYWARD_SRC_CLI_INVENTORY_SOURCE_H_
#define KEYWARD_SRC_CLI_INVENTORY_SOURCE_H_

#include <optional>

#include "cli/cli.h"
#include "keyward/inventory/inventory.h"

namespace keyward::cli {

// Loads the inventory. nullopt when no --inventory was given and the default
// file does not exist. INVALID_ARGUMENT for unusable or missing files. Error
// findings are reported as one warning line on cli.err() (run `keyward
// inventory lint` for them); they do not fail.
StatusOr<std::optional<inventory::Inventory>> LoadCliInventory(Cli& cli);

// "; did you mean 'a' or 'b'? (declared in FILE)" for the inventory's
// declared names closest to `name`, or "" when none is close.
std::string SuggestDeclaredSecrets(const inventory::Inventory& inv,
                                   std::string_view name);
std::string SuggestDeclaredApps(const inventory::Inventory& inv,
                                std::string_view app);

// A NOT_FOUND status about secret `name` with the closest names declared in
// the CLI's inventory appended (when there is an inventory and a close
// name); any other status unchanged.
Status WithSecretSuggestions(Cli& cli, Status status, std::string_view name);

}  // namespace keyward::cli

#endif  // KEYWARD_SRC_CLI_INVENTORY_SOURCE_H_
