// Escapers: how a secret value is written into a template's output or the
// agent's JSON responses. Each appends to a SecureString, so the escaped
// copy of a value is wiped like the value itself.
#ifndef KEYWARD_SRC_AGENT_ESCAPE_H_
#define KEYWARD_SRC_AGENT_ESCAPE_H_

#include <string_view>

#include "keyward/secret_value.h"

namespace keyward::agent {

// How a value is written into the output.
enum class Escape {
  kRaw,         // bytes as they are
  kJson,        // a JSON string literal, quotes included
  kDotenv,      // 'value', or "value" with \\ \" \n \r escapes when it has a '
  kProperties,  // a java.util.Properties value (\\, \n, \uXXXX, ...)
  kShell,       // one POSIX shell word in single quotes ('\'' for a quote)
};

// Appends `value` to `out` escaped as `escape` says.
void AppendEscaped(Escape escape, std::string_view value, SecureString& out);
// A java.util.Properties key (also escapes ' ', '=' and ':').
void AppendPropertiesKey(std::string_view key, SecureString& out);

// Appends `s` JSON-escaped the way serde_json does (no quotes added).
void AppendJsonEscaped(std::string_view s, SecureString* out);

}  // namespace keyward::agent

#endif  // KEYWARD_SRC_AGENT_ESCAPE_H_
