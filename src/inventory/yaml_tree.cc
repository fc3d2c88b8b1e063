#include "inventory/yaml_tree.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <exception>
#include <optional>
#include <sstream>

#include "keyward/lint_rules.h"

namespace keyward::inventory {
namespace {

std::string Where(std::string_view path, int line, int column) {
  return std::string(path) + ":" + std::to_string(line) + ":" +
         std::to_string(column) + ": ";
}

Status Refuse(std::string_view path, int line, int column, LintRule rule,
              std::string_view message) {
  return InvalidArgumentError(Where(path, line, column) +
                              std::string(RuleId(rule)) + ": " +
                              std::string(message));
}

// Thrown by the handler to stop yaml-cpp; never leaves this file.
struct Stop {
  int line;
  int column;
  LintRule rule;
  std::string message;
};

// Validates UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF) and
// refuses C0/C1 control bytes other than tab, LF and CR.
std::optional<Stop> CheckEncoding(std::string_view text) {
  int line = 1;
  int column = 1;
  std::size_t i = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // BOM
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    std::size_t len = 0;
    unsigned cp = 0;
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
        return Stop{line, column, LintRule::kInputEncoding,
                    "control byte 0x" +
                        std::string(1, "0123456789abcdef"[c >> 4]) +
                        std::string(1, "0123456789abcdef"[c & 15]) +
                        " is not allowed (the inventory is UTF-8 text)"};
      }
      if (c == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    }
    bool ok = len != 0 && i + len <= text.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(text[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (ok) {
      static constexpr unsigned kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= kMin[len] && cp <= 0x10FFFF &&
           !(cp >= 0xD800 && cp <= 0xDFFF) && !(cp >= 0x80 && cp <= 0x9F);
    }
    if (!ok) {
      return Stop{
          line, column, LintRule::kInputEncoding,
          "invalid UTF-8 byte sequence (the inventory must be UTF-8 text)"};
    }
    i += len;
    ++column;
  }
  return std::nullopt;
}

class TreeBuilder : public YAML::EventHandler {
 public:
  explicit TreeBuilder(const YamlLimits& limits) : limits_(limits) {}

  std::optional<YamlNode>& root() { return root_; }
  int documents() const { return documents_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1) {
      throw Stop{Line(mark), Column(mark), LintRule::kYamlDocuments,
                 "only one YAML document is allowed (found a second '---')"};
    }
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    CheckAnchor(mark, anchor);
    YamlNode n;
    n.kind = YamlNode::Kind::kNull;
    SetMark(n, mark);
    Add(std::move(n));
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    ThrowAlias(mark);
  }
  void OnAnchor(const YAML::Mark& mark, const std::string&) override {
    ThrowAlias(mark);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag,
                YAML::anchor_t anchor, const std::string& value) override {
    CheckAnchor(mark, anchor);
    CheckTag(mark, tag);
    YamlNode n;
    n.kind = YamlNode::Kind::kScalar;
    SetMark(n, mark);
    n.value = value;
    n.quoted = tag == "!";
    Add(std::move(n));
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag,
                       YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override {
    Open(mark, tag, anchor, style, YamlNode::Kind::kSequence);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag,
                  YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override {
    Open(mark, tag, anchor, style, YamlNode::Kind::kMapping);
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Frame {
    YamlNode node;
    bool have_key = false;
    YamlNode key;
  };

  static int Line(const YAML::Mark& m) { return m.line < 0 ? 1 : m.line + 1; }
  static int Column(const YAML::Mark& m) {
    return m.column < 0 ? 1 : m.column + 1;
  }

  void SetMark(YamlNode& n, const YAML::Mark& mark) {
    n.line = Line(mark);
    n.column = Column(mark);
    if (++nodes_ > limits_.max_nodes) {
      throw Stop{
          n.line, n.column, LintRule::kInputTooLarge,
          "more than " + std::to_string(limits_.max_nodes) + " YAML nodes"};
    }
  }
  [[noreturn]] void ThrowAlias(const YAML::Mark& mark) {
    throw Stop{
        Line(mark), Column(mark), LintRule::kYamlAlias,
        "anchors (&name) and aliases (*name) are not allowed in the inventory"};
  }
  void CheckAnchor(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor) ThrowAlias(mark);
  }
  void CheckTag(const YAML::Mark& mark, const std::string& tag) {
    if (tag.empty() || tag == "?" || tag == "!") return;
    throw Stop{Line(mark), Column(mark), LintRule::kYamlTag,
               "YAML tags (!tag, !!type) are not allowed in the inventory"};
  }
  void Open(const YAML::Mark& mark, const std::string& tag,
            YAML::anchor_t anchor, YAML::EmitterStyle::value style,
            YamlNode::Kind kind) {
    CheckAnchor(mark, anchor);
    CheckTag(mark, tag);
    if (static_cast<int>(stack_.size()) >= limits_.max_depth) {
      throw Stop{Line(mark), Column(mark), LintRule::kYamlDepth,
                 "nesting deeper than " + std::to_string(limits_.max_depth) +
                     " levels (the inventory needs 4)"};
    }
    Frame f;
    f.node.kind = kind;
    f.node.flow = style == YAML::EmitterStyle::Flow;
    SetMark(f.node, mark);
    stack_.push_back(std::move(f));
  }
  void Close() {
    YamlNode n = std::move(stack_.back().node);
    stack_.pop_back();
    Add(std::move(n));
  }
  void Add(YamlNode n) {
    if (stack_.empty()) {
      root_ = std::move(n);
      return;
    }
    Frame& f = stack_.back();
    if (f.node.kind == YamlNode::Kind::kSequence) {
      f.node.items.push_back(std::move(n));
    } else if (!f.have_key) {
      f.key = std::move(n);
      f.have_key = true;
    } else {
      f.node.entries.push_back(YamlEntry{std::move(f.key), std::move(n)});
      f.have_key = false;
    }
  }

  const YamlLimits& limits_;
  std::vector<Frame> stack_;
  std::optional<YamlNode> root_;
  int documents_ = 0;
  std::size_t nodes_ = 0;
};

// Counts open collections only; throws Stop past the limit.
class DepthProbe : public YAML::EventHandler {
 public:
  explicit DepthProbe(int max_depth) : max_depth_(max_depth) {}
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark& mark, const std::string&,
                       YAML::anchor_t, YAML::EmitterStyle::value) override {
    Open(mark);
  }
  void OnSequenceEnd() override { --depth_; }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Open(mark);
  }
  void OnMapEnd() override { --depth_; }

 private:
  void Open(const YAML::Mark& mark) {
    if (++depth_ <= max_depth_) return;
    throw Stop{mark.line < 0 ? 1 : mark.line + 1,
               mark.column < 0 ? 1 : mark.column + 1, LintRule::kYamlDepth,
               "nesting deeper than " + std::to_string(max_depth_) + " levels"};
  }
  int max_depth_;
  int depth_ = 0;
};

// Runs `parse` over a parser of `text`; what it throws becomes the refusal
// naming the place: a Stop from a handler, a YAML syntax error, running out
// of memory.
template <class Parse>
Status ParseRefusing(std::string_view text, std::string_view path,
                     Parse parse) {
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    parse(parser);
  } catch (const Stop& s) {
    return Refuse(path, s.line, s.column, s.rule, s.message);
  } catch (const YAML::Exception& e) {
    int line = e.mark.is_null() ? 1 : e.mark.line + 1;
    int column = e.mark.is_null() ? 1 : e.mark.column + 1;
    return Refuse(path, line, column, LintRule::kYamlSyntax, e.msg);
  } catch (const std::bad_alloc&) {
    return Refuse(path, 1, 1, LintRule::kInputTooLarge,
                  "out of memory while parsing");
  } catch (const std::exception& e) {
    return Refuse(path, 1, 1, LintRule::kYamlSyntax, e.what());
  }
  return OkStatus();
}

}  // namespace

Status CheckYamlDepth(std::string_view text, std::string_view path,
                      int max_depth) {
  DepthProbe probe(max_depth);
  return ParseRefusing(text, path, [&probe](YAML::Parser& parser) {
    while (parser.HandleNextDocument(probe)) {
    }
  });
}

std::string_view KindNoun(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::kNull:
      return "empty";
    case YamlNode::Kind::kScalar:
      return "a scalar";
    case YamlNode::Kind::kSequence:
      return "a list";
    case YamlNode::Kind::kMapping:
      return "a mapping";
  }
  return "unknown";
}

StatusOr<YamlNode> ParseYamlTree(std::string_view text, std::string_view path,
                                 const YamlLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return Refuse(path, 1, 1, LintRule::kInputTooLarge,
                  "file is " + std::to_string(text.size()) +
                      " bytes; the limit is " +
                      std::to_string(limits.max_bytes) + " bytes");
  }
  if (auto bad = CheckEncoding(text)) {
    return Refuse(path, bad->line, bad->column, bad->rule, bad->message);
  }
  TreeBuilder builder(limits);
  KW_RETURN_IF_ERROR(
      ParseRefusing(text, path, [&builder](YAML::Parser& parser) {
        if (parser.HandleNextDocument(builder)) {
          // A second document (or trailing garbage) is refused by the
          // handler or reported as a syntax error.
          parser.HandleNextDocument(builder);
        }
      }));
  if (!builder.root().has_value() ||
      builder.root()->kind == YamlNode::Kind::kNull) {
    return Refuse(path, 1, 1, LintRule::kYamlEmpty,
                  "the file is empty (expected 'version: 1')");
  }
  return std::move(*builder.root());
}

}  // namespace keyward::inventory
