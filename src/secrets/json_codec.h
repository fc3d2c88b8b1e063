// JSON helpers for the Secrets Manager client and server: parsing without
// exceptions, base64 for SecretBinary, and wiping json trees that held
// secret material.
#ifndef KEYWARD_SRC_SECRETS_JSON_CODEC_H_
#define KEYWARD_SRC_SECRETS_JSON_CODEC_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "keyward/secret_value.h"
#include "keyward/status.h"

namespace keyward::secrets {

using Json = nlohmann::json;

// Deepest nesting of arrays/objects ParseJson accepts. nlohmann's parser is
// iterative, but copying, dumping and comparing a tree recurse once per level,
// so an unbounded document (e.g. 100,000 nested `[`) would overflow the stack
// in whatever walks it next. Secret values and API bodies never come close.
inline constexpr int kMaxJsonDepth = 128;

// True when `text` opens more than `max_depth` nested arrays/objects (a linear
// scan that skips strings; it does not validate the rest of the syntax).
bool JsonNestingExceeds(std::string_view text, int max_depth = kMaxJsonDepth);

// Parses `text`; nullopt when it is not valid JSON or nests deeper than
// kMaxJsonDepth (never throws, never recurses on the input's depth).
std::optional<Json> ParseJson(std::string_view text);

// Overwrites every string in `j` with zeros (before it is destroyed).
// Iterative: safe on any depth.
void WipeJson(Json& j);

// Serializes `j` into a wiped-on-release buffer, then wipes `j`.
SecureString DumpAndWipe(Json& j);

std::string Base64Encode(std::string_view bytes);
// nullopt when `text` is not valid base64.
std::optional<SecureString> Base64Decode(std::string_view text);

// Typed field access (absent or wrong type -> default).
std::string GetString(const Json& j, const char* key);
std::optional<double> GetNumber(const Json& j, const char* key);

}  // namespace keyward::secrets

#endif  // KEYWARD_SRC_SECRETS_JSON_CODEC_H_
