#include "cli/inventory_source.h"

namespace keyward::cli {

StatusOr<std::optional<inventory::Inventory>> LoadCliInventory(Cli& cli) {
  std::string path = cli.globals().inventory;
  if (path.empty()) {
    path = std::string(inventory::kDefaultInventoryPath);
    if (!FileSystem::Real().Stat(path).exists)
      return std::optional<inventory::Inventory>();
  }
  auto parsed = inventory::LoadInventory(path, FileSystem::Real());
  if (!parsed.ok()) {
    Status s = parsed.status();
    if (s.code() == StatusCode::kNotFound) {
      return InvalidArgumentError("inventory file '" + path +
                                  "' does not exist");
    }
    return s;
  }
  if (std::size_t n = parsed->ErrorCount(); n > 0) {
    cli.err() << "keyward: warning: " << path << " has " << n << " error"
              << (n == 1 ? "" : "s") << " (run 'keyward inventory lint " << path
              << "')\n";
  }
  return std::optional<inventory::Inventory>(std::move(parsed->inventory));
}

}  // namespace keyward::cli
