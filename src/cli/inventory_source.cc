#include "cli/inventory_source.h"

#include <sstream>

namespace keyward::cli {

StatusOr<std::optional<inventory::Inventory>> LoadCliInventory(Cli& cli) {
  std::string path = cli.globals().inventory;
  if (path.empty()) {
    path = std::string(inventory::kDefaultInventoryPath);
    if (!cli.runtime().fs->Stat(path).exists)
      return std::optional<inventory::Inventory>();
  }
  auto parsed = inventory::LoadInventory(path, *cli.runtime().fs);
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

namespace {

std::string DidYouMean(const std::vector<std::string>& near,
                       const std::string& path) {
  if (near.empty()) return "";
  std::string s = "; did you mean ";
  for (std::size_t i = 0; i < near.size(); ++i) {
    if (i > 0) s += i + 1 == near.size() ? " or " : ", ";
    s += "'" + near[i] + "'";
  }
  return s + "? (declared in " + path + ")";
}

}  // namespace

std::string SuggestDeclaredSecrets(const inventory::Inventory& inv,
                                   std::string_view name) {
  std::vector<std::string> names;
  for (const auto& s : inv.secrets) {
    if (s.name != name) names.push_back(s.name);
  }
  return DidYouMean(Closest(name, names, 3), inv.path);
}

std::string SuggestDeclaredApps(const inventory::Inventory& inv,
                                std::string_view app) {
  std::vector<std::string> names;
  for (const auto& a : inv.applications) {
    if (a.name != app) names.push_back(a.name);
  }
  return DidYouMean(Closest(app, names, 3), inv.path);
}

Status WithSecretSuggestions(Cli& cli, Status status, std::string_view name) {
  if (status.code() != StatusCode::kNotFound) return status;
  std::ostringstream ignored;  // warnings were printed by the command already
  Cli quiet(cli.out(), ignored, cli.runtime());
  quiet.globals() = cli.globals();
  auto inv = LoadCliInventory(quiet);
  if (!inv.ok() || !*inv) return status;
  std::string hint = SuggestDeclaredSecrets(**inv, name);
  if (hint.empty()) return status;
  return Status(status.code(), status.message() + hint, status.error_type());
}

}  // namespace keyward::cli
