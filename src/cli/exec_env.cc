#include "cli/exec_env.h"

#include "core/text.h"

namespace keyward::cli {
namespace {

void AppendUpper(std::string& out, std::string_view s) {
  for (char c : s) {
    if (c >= 'a' && c <= 'z') {
      out.push_back(static_cast<char>(c - 'a' + 'A'));
    } else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      out.push_back(c);
    } else {
      out.push_back('_');
    }
  }
}

}  // namespace

std::string DefaultEnvVarName(std::string_view secret_name,
                              std::string_view property,
                              std::string_view prefix) {
  std::string_view rest = secret_name;
  if (rest.starts_with("platform-data/")) {
    rest.remove_prefix(14);
  } else if (rest.starts_with("platform-config/")) {
    rest.remove_prefix(16);
  }
  std::string out(prefix);
  AppendUpper(out, rest);
  if (!property.empty()) {
    out.push_back('_');
    AppendUpper(out, property);
  }
  if (!out.empty() && out[0] >= '0' && out[0] <= '9')
    out.insert(out.begin(), '_');
  return out;
}

bool IsValidEnvVarName(std::string_view name) {
  return text::IsVariableName(name);
}

StatusOr<EnvOverride> ParseEnvOverride(std::string_view spec) {
  auto eq = spec.find('=');
  if (eq == std::string_view::npos) {
    return InvalidArgumentError(
        "--env " + std::string(spec) +
        ": expected VAR=SECRET_NAME#PROPERTY or VAR=SECRET_NAME");
  }
  EnvOverride o;
  o.var = std::string(spec.substr(0, eq));
  std::string_view target = spec.substr(eq + 1);
  auto hash = target.find('#');
  o.secret = std::string(target.substr(0, hash));
  if (hash != std::string_view::npos)
    o.property = std::string(target.substr(hash + 1));
  if (!IsValidEnvVarName(o.var)) {
    return InvalidArgumentError(
        "--env " + std::string(spec) + ": '" + o.var +
        "' is not a valid variable name ([A-Za-z_][A-Za-z0-9_]*)");
  }
  if (o.secret.empty() ||
      (hash != std::string_view::npos && o.property.empty())) {
    return InvalidArgumentError(
        "--env " + std::string(spec) +
        ": expected VAR=SECRET_NAME#PROPERTY or VAR=SECRET_NAME");
  }
  return o;
}

}  // namespace keyward::cli
