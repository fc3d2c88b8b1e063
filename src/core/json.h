// JSON parsing for untrusted input, shared by every layer: never throws, never
// recurses on the input's depth (a bound at parse time), and wipes trees that
// held secret material.
#ifndef KEYWARD_SRC_CORE_JSON_H_
#define KEYWARD_SRC_CORE_JSON_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace keyward::json {

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

}  // namespace keyward::json

#endif  // KEYWARD_SRC_CORE_JSON_H_
