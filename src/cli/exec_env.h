// How `keyward exec` names environment variables after secrets (documented in
// docs/cli.md). The default name is the secret name without its category
// segment, plus the property, upper-cased, with every character outside
// [A-Z0-9] turned into '_':
//
//   platform-data/postgres/orders            password ->
//   POSTGRES_ORDERS_PASSWORD platform-config/postgres/platform-postgres   host
//   -> POSTGRES_PLATFORM_POSTGRES_HOST platform-data/stripe/orders (plain
//   string)        -> STRIPE_ORDERS
//
// --env-prefix P prepends P; --env VAR=NAME#PROPERTY (or VAR=NAME for a plain
// string secret) renames one variable.
//
// Thread-safety: pure functions.
#ifndef KEYWARD_SRC_CLI_EXEC_ENV_H_
#define KEYWARD_SRC_CLI_EXEC_ENV_H_

#include <string>
#include <string_view>

#include "keyward/status.h"

namespace keyward::cli {

// The default variable for `property` of `secret_name` ("" property: the
// whole plain-string value).
std::string DefaultEnvVarName(std::string_view secret_name,
                              std::string_view property,
                              std::string_view prefix = "");

// True for names of the form [A-Za-z_][A-Za-z0-9_]*.
bool IsValidEnvVarName(std::string_view name);

struct EnvOverride {
  std::string var;
  std::string secret;
  std::string property;  // "" for a plain-string secret
  friend bool operator==(const EnvOverride&, const EnvOverride&) = default;
};

// Parses "VAR=NAME#PROPERTY" or "VAR=NAME". INVALID_ARGUMENT naming the spec.
StatusOr<EnvOverride> ParseEnvOverride(std::string_view spec);

}  // namespace keyward::cli

#endif  // KEYWARD_SRC_CLI_EXEC_ENV_H_
