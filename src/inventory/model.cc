// The inventory model's small operations (look-ups, names of enum values,
// finding counts) and reading the file; decoding and the lint rules are in
// inventory.cc.
#include <algorithm>

#include "keyward/inventory/inventory.h"

namespace keyward::inventory {

std::string_view RotationStatusName(RotationStatus status) {
  switch (status) {
    case RotationStatus::kNone:
      return "none";
    case RotationStatus::kManual:
      return "manual";
    case RotationStatus::kAutomatic:
      return "automatic";
    case RotationStatus::kUnset:
      break;
  }
  return "";
}

std::optional<RotationStatus> ParseRotationStatus(std::string_view text) {
  for (RotationStatus s : {RotationStatus::kNone, RotationStatus::kManual,
                           RotationStatus::kAutomatic}) {
    if (text == RotationStatusName(s)) return s;
  }
  return std::nullopt;
}

const std::vector<std::string_view>& ConventionalPropertyKeys() {
  static const auto* const kKeys = new std::vector<std::string_view>{
      "username", "password", "host", "port", "token"};
  return *kKeys;
}

std::string Finding::ToString() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) +
         ": " + std::string(RuleId(rule)) + ": " +
         (severity == Severity::kWarning ? "warning: " : "") + message;
}

bool ParsedInventory::HasErrors() const { return ErrorCount() > 0; }

std::size_t ParsedInventory::ErrorCount() const {
  return static_cast<std::size_t>(std::count_if(
      findings.begin(), findings.end(),
      [](const Finding& f) { return f.severity == Severity::kError; }));
}

std::size_t ParsedInventory::WarningCount() const {
  return findings.size() - ErrorCount();
}

const Application* Inventory::FindApplication(std::string_view name) const {
  for (const Application& a : applications) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

const Secret* Inventory::FindSecret(std::string_view name) const {
  for (const Secret& s : secrets) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::vector<const Secret*> Inventory::SecretsForApp(
    std::string_view app) const {
  std::vector<const Secret*> out;
  for (const Secret& s : secrets) {
    if (std::find(s.consumers.begin(), s.consumers.end(), app) !=
        s.consumers.end()) {
      out.push_back(&s);
    }
  }
  return out;
}

StatusOr<ParsedInventory> LoadInventory(const std::string& path,
                                        const FileSystem& fs,
                                        const ParseOptions& options) {
  FileInfo info = fs.Stat(path);
  if (info.exists &&
      static_cast<std::uint64_t>(info.size) > options.max_bytes) {
    return InvalidArgumentError(
        path + ":1:1: input-too-large: file is " + std::to_string(info.size) +
        " bytes; the limit is " + std::to_string(options.max_bytes) + " bytes");
  }
  KW_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(path));
  return ParseInventory(text, path, options);
}

}  // namespace keyward::inventory
