// A small, position-carrying YAML tree built from yaml-cpp's event parser.
// This is the only file that calls yaml-cpp for the inventory: it catches
// yaml-cpp's exceptions and enforces the hostile-input limits (size, UTF-8,
// control bytes, nesting, anchors/aliases, tags, one document) before and
// while parsing, so no alias is ever expanded and no recursion gets deep.
//
// Thread-safety: pure function.
#ifndef KEYWARD_SRC_INVENTORY_YAML_TREE_H_
#define KEYWARD_SRC_INVENTORY_YAML_TREE_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keyward/status.h"

namespace keyward::inventory {

struct YamlEntry;

struct YamlNode {
  enum class Kind { kNull, kScalar, kSequence, kMapping };
  Kind kind = Kind::kNull;
  int line = 0;         // 1-based
  int column = 0;       // 1-based
  std::string value;    // scalars
  bool quoted = false;  // scalar was quoted or a block scalar (not plain)
  std::vector<YamlNode> items;     // sequences
  std::vector<YamlEntry> entries;  // mappings, file order
  bool flow = false;               // [a, b] / {a: b}

  // Out of line: YamlEntry must be complete first (std::pair of an
  // incomplete type does not compile with clang-14 + libstdc++).
  YamlNode();
  YamlNode(const YamlNode&);
  YamlNode(YamlNode&&) noexcept;
  YamlNode& operator=(const YamlNode&);
  YamlNode& operator=(YamlNode&&) noexcept;
  ~YamlNode();
};

// One "key: value" of a mapping (pair-like, so `auto& [k, v]` works).
struct YamlEntry {
  YamlNode first;
  YamlNode second;
};

inline YamlNode::YamlNode() = default;
inline YamlNode::YamlNode(const YamlNode&) = default;
inline YamlNode::YamlNode(YamlNode&&) noexcept = default;
inline YamlNode& YamlNode::operator=(const YamlNode&) = default;
inline YamlNode& YamlNode::operator=(YamlNode&&) noexcept = default;
inline YamlNode::~YamlNode() = default;

struct YamlLimits {
  std::size_t max_bytes = 16u << 20;
  int max_depth = 32;
  std::size_t max_nodes = 2'000'000;
};

// Parses one YAML document. INVALID_ARGUMENT with a message of the form
// "<path>:<line>:<col>: <rule>: <message>" when the input is unusable.
// Rules: input-too-large, input-encoding, yaml-syntax, yaml-alias, yaml-tag,
// yaml-depth, yaml-documents, yaml-empty.
StatusOr<YamlNode> ParseYamlTree(std::string_view text, std::string_view path,
                                 const YamlLimits& limits = {});

// Walks every document of `text` with yaml-cpp's event parser and refuses
// nesting deeper than `max_depth` (anchors, aliases, tags and several
// documents are allowed). Call it before handing untrusted text to
// YAML::Load*/LoadAll*, whose parser and node builder recurse once per level:
// yaml-cpp 0.7's own guard stops only at 500 levels, with the message "bad
// file". The event parser stops at the first level past `max_depth`, so its
// recursion stays bounded too. INVALID_ARGUMENT
// "<path>:<line>:<col>: yaml-depth: ..." or "...: yaml-syntax: ...";
// otherwise OK.
Status CheckYamlDepth(std::string_view text, std::string_view path,
                      int max_depth);

// The node kind as a noun for messages: "a mapping", "a list", ...
std::string_view KindNoun(const YamlNode& node);

}  // namespace keyward::inventory

#endif  // KEYWARD_SRC_INVENTORY_YAML_TREE_H_
