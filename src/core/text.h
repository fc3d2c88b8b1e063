// Small text helpers every layer needs (joining lists for messages, hex
// digits, environment variable names), in one place instead of a copy per file.
#ifndef KEYWARD_SRC_CORE_TEXT_H_
#define KEYWARD_SRC_CORE_TEXT_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keyward {
class Environment;
}

namespace keyward::text {

// Lower-case hex digits, for encoding digests, tokens and keys.
inline constexpr char kHexDigits[] = "0123456789abcdef";

// Lower-case hex of `bytes` (two digits per byte).
std::string HexEncode(std::string_view bytes);

// ASCII lower case: A-Z become a-z, every other byte is unchanged (whatever
// the locale), as AWS compares header names, config keys and tag prefixes.
inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// "a, b, c" (or with another separator); "" for no items.
std::string Join(const std::vector<std::string>& items,
                 std::string_view separator = ", ");

// True for a POSIX-style variable name: [A-Za-z_][A-Za-z0-9_]*.
bool IsVariableName(std::string_view name);

// The value of environment variable `name`, or nullopt when it is unset or
// empty (as the AWS SDKs treat an empty AWS_* variable).
std::optional<std::string> NonEmptyEnv(const Environment& env,
                                       std::string_view name);

}  // namespace keyward::text

#endif  // KEYWARD_SRC_CORE_TEXT_H_
