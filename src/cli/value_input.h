// Secret values as an operator supplies them to `keyward put`: from a file,
// from stdin, or typed at a no-echo prompt. Never from argv (shell history,
// `ps`). Buffers are wiped on release; nothing here prints a value.
#ifndef KEYWARD_SRC_CLI_VALUE_INPUT_H_
#define KEYWARD_SRC_CLI_VALUE_INPUT_H_

#include <string>
#include <string_view>
#include <vector>

#include "keyward/secret_value.h"
#include "keyward/status.h"
#include "secrets/json_codec.h"

namespace keyward::cli {

// A JSON object of properties, or a plain string. Wipes itself.
struct SuppliedValue {
  bool is_object = false;
  secrets::Json object = secrets::Json::object();
  SecureString plain;

  SuppliedValue() = default;
  SuppliedValue(SuppliedValue&&) = default;
  SuppliedValue& operator=(SuppliedValue&&) = default;
  ~SuppliedValue() { secrets::WipeJson(object); }

  // Property keys (object) in order; empty for a plain string.
  std::vector<std::string> Keys() const;
};

// Reads everything from `fd` into a wiped buffer. INVALID_ARGUMENT when the
// input is larger than Secrets Manager accepts (naming `what`).
StatusOr<SecureString> ReadAllFd(int fd, std::string_view what);

// Reads `path` ("-": stdin). INVALID_ARGUMENT naming the path when it cannot
// be read or is too large.
StatusOr<SecureString> ReadValueFile(const std::string& path);

// Interprets supplied text: text starting with '{' (after whitespace) must be
// a JSON object whose values are strings, numbers or booleans; anything else
// is a plain string, minus one trailing newline. INVALID_ARGUMENT (naming
// `source`, never echoing the text) for malformed JSON, nested values, empty
// property values or empty input.
StatusOr<SuppliedValue> ParseSupplied(const SecureString& text,
                                      std::string_view source);

}  // namespace keyward::cli

#endif  // KEYWARD_SRC_CLI_VALUE_INPUT_H_
