// Template compilation, escapers and the `templates:` configuration parser.
#include "agent/template.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <set>

#include "agent/config_values.h"
#include "core/text.h"
#include "keyward/process.h"

namespace keyward::agent {
namespace {

void AppendU(std::uint32_t cp, SecureString& out) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4)
    out += text::kHexDigits[(cp >> shift) & 15];
}

void AppendJson(std::string_view v, SecureString& out) {
  out += '"';
  for (char c : v) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          AppendU(static_cast<unsigned char>(c), out);
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void AppendDotenv(std::string_view v, SecureString& out) {
  if (v.find('\'') == std::string_view::npos) {
    out += '\'';
    out.append(v.data(), v.size());
    out += '\'';
    return;
  }
  out += '"';
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
  out += '"';
}

void AppendShell(std::string_view v, SecureString& out) {
  out += '\'';
  for (char c : v) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
}

// Decodes one UTF-8 sequence at v[i]; returns its length, or 0 when invalid.
std::size_t DecodeUtf8(std::string_view v, std::size_t i, std::uint32_t& cp) {
  unsigned char c = static_cast<unsigned char>(v[i]);
  std::size_t len = c >= 0xF0 && c < 0xF5 ? 4
                    : c >= 0xE0           ? 3
                    : c >= 0xC2           ? 2
                                          : 0;
  if (len == 0 || i + len > v.size()) return 0;
  cp = c & (0x7F >> len);
  for (std::size_t k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(v[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// java.util.Properties.load(): ISO-8859-1 text with \uXXXX escapes.
void AppendProperties(std::string_view v, bool key, SecureString& out) {
  for (std::size_t i = 0; i < v.size();) {
    char c = v[i];
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      std::uint32_t cp = 0;
      std::size_t len = DecodeUtf8(v, i, cp);
      if (len == 0) {  // not UTF-8: keep the byte as a Latin-1 character
        cp = u;
        len = 1;
      }
      if (cp >= 0x10000) {
        cp -= 0x10000;
        AppendU(0xD800 + (cp >> 10), out);
        AppendU(0xDC00 + (cp & 0x3FF), out);
      } else {
        AppendU(cp, out);
      }
      i += len;
      continue;
    }
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\f':
        out += "\\f";
        break;
      case '=':
      case ':':
      case '#':
      case '!':
        out += '\\';
        out += c;
        break;
      case ' ':
        if (key || i == 0) out += '\\';
        out += ' ';
        break;
      default:
        if (u < 0x20 || u == 0x7F) {
          AppendU(u, out);
        } else {
          out += c;
        }
    }
    ++i;
  }
}

struct EscapeName {
  const char* name;
  Escape escape;
};
constexpr EscapeName kEscapes[] = {{"raw", Escape::kRaw},
                                   {"json", Escape::kJson},
                                   {"dotenv", Escape::kDotenv},
                                   {"properties", Escape::kProperties},
                                   {"shell", Escape::kShell}};

// A cursor over template text that knows its line and column.
struct Cursor {
  std::string_view text;
  std::size_t pos = 0;
  int line = 1;
  int col = 1;
  bool done() const { return pos >= text.size(); }
  char peek() const { return text[pos]; }
  bool at(std::string_view s) const { return text.substr(pos).starts_with(s); }
  void advance() {
    if (text[pos] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
    ++pos;
  }
  void skip_space() {
    while (!done() && (peek() == ' ' || peek() == '\t' || peek() == '\n' ||
                       peek() == '\r')) {
      advance();
    }
  }
};

std::string Where(const std::string& origin, int line, int col) {
  return origin + ":" + std::to_string(line) + ":" + std::to_string(col);
}

Status SyntaxError(const std::string& origin, const Cursor& c,
                   const std::string& message) {
  return InvalidArgumentError(Where(origin, c.line, c.col) + ": " + message);
}

// A "..." string with \" and \\ escapes.
StatusOr<std::string> ReadString(Cursor& c, const std::string& origin) {
  if (c.done() || c.peek() != '"')
    return SyntaxError(origin, c, "expected a \"quoted string\"");
  Cursor start = c;
  c.advance();
  std::string s;
  while (!c.done() && c.peek() != '"') {
    if (c.peek() == '\\' && c.pos + 1 < c.text.size() &&
        (c.text[c.pos + 1] == '"' || c.text[c.pos + 1] == '\\')) {
      c.advance();
    }
    if (c.peek() == '\n') break;
    s += c.peek();
    c.advance();
  }
  if (c.done() || c.peek() != '"')
    return SyntaxError(origin, start, "unclosed string (missing '\"')");
  c.advance();
  return s;
}

std::string ReadWord(Cursor& c) {
  std::string w;
  while (!c.done() && ((c.peek() >= 'a' && c.peek() <= 'z') ||
                       (c.peek() >= 'A' && c.peek() <= 'Z'))) {
    w += c.peek();
    c.advance();
  }
  return w;
}

}  // namespace

void AppendEscaped(Escape escape, std::string_view value, SecureString& out) {
  switch (escape) {
    case Escape::kRaw:
      out.append(value.data(), value.size());
      break;
    case Escape::kJson:
      AppendJson(value, out);
      break;
    case Escape::kDotenv:
      AppendDotenv(value, out);
      break;
    case Escape::kProperties:
      AppendProperties(value, false, out);
      break;
    case Escape::kShell:
      AppendShell(value, out);
      break;
  }
}

void AppendPropertiesKey(std::string_view key, SecureString& out) {
  AppendProperties(key, true, out);
}

StatusOr<ValueRef> ParseValueRef(std::string_view text) {
  ValueRef ref;
  auto hash = text.find('#');
  ref.secret = std::string(text.substr(0, hash));
  if (hash != std::string_view::npos) {
    ref.property = std::string(text.substr(hash + 1));
    if (ref.property.empty()) {
      return InvalidArgumentError("'" + std::string(text) +
                                  "': empty property after '#'");
    }
  }
  if (ref.secret.empty()) {
    return InvalidArgumentError("'" + std::string(text) +
                                "' names no secret (expected NAME#PROPERTY "
                                "or NAME)");
  }
  return ref;
}

StatusOr<TemplateFormat> ParseTemplateFormat(std::string_view text) {
  if (text == "template") return TemplateFormat::kTemplate;
  if (text == "dotenv") return TemplateFormat::kDotenv;
  if (text == "json") return TemplateFormat::kJson;
  if (text == "properties") return TemplateFormat::kProperties;
  return InvalidArgumentError("unknown format '" + std::string(text) +
                              "' (template, dotenv, json or properties)");
}

void Template::Finish() {
  std::set<std::string> names;
  for (const auto& p : pieces_) {
    if (p.has_ref) names.insert(p.ref.secret);
  }
  secrets_.assign(names.begin(), names.end());
}

StatusOr<Template> Template::Parse(std::string_view text,
                                   const std::string& origin) {
  Template t;
  Cursor c{text};
  Piece piece;
  while (!c.done()) {
    if (!c.at("{{")) {
      piece.literal += c.peek();
      c.advance();
      continue;
    }
    Cursor open = c;
    c.advance();
    c.advance();
    c.skip_space();
    if (c.done())
      return SyntaxError(origin, open, "unclosed placeholder (missing '}}')");
    if (c.peek() == '"') {
      KW_ASSIGN_OR_RETURN(std::string lit, ReadString(c, origin));
      piece.literal += lit;
    } else {
      Cursor word_at = c;
      std::string word = ReadWord(c);
      if (word != "secret") {
        return SyntaxError(origin, word_at,
                           word.empty()
                               ? "expected 'secret' or a \"string\""
                               : "unknown function '" + word +
                                     "' (only 'secret' and \"text\" exist)");
      }
      piece.has_ref = true;
      piece.where = Where(origin, open.line, open.col);
      c.skip_space();
      KW_ASSIGN_OR_RETURN(piece.ref.secret, ReadString(c, origin));
      if (piece.ref.secret.empty())
        return SyntaxError(origin, c, "empty secret name");
      c.skip_space();
      if (!c.done() && c.peek() == '"') {
        KW_ASSIGN_OR_RETURN(piece.ref.property, ReadString(c, origin));
        c.skip_space();
      }
      if (!c.done() && c.peek() == '|') {
        c.advance();
        c.skip_space();
        Cursor filter_at = c;
        std::string filter = ReadWord(c);
        auto it =
            std::find_if(std::begin(kEscapes), std::end(kEscapes),
                         [&](const EscapeName& e) { return filter == e.name; });
        if (it == std::end(kEscapes)) {
          return SyntaxError(origin, filter_at,
                             "unknown filter '" + filter +
                                 "' (json, dotenv, properties, shell, raw)");
        }
        piece.escape = it->escape;
      }
    }
    c.skip_space();
    if (!c.at("}}")) {
      return SyntaxError(
          origin, c.done() ? open : c,
          c.done() ? "unclosed placeholder (missing '}}')" : "expected '}}'");
    }
    c.advance();
    c.advance();
    if (piece.has_ref) {
      t.pieces_.push_back(std::move(piece));
      piece = Piece();
    }
  }
  if (!piece.literal.empty()) t.pieces_.push_back(std::move(piece));
  t.Finish();
  return t;
}

StatusOr<Template> Template::ForFormat(
    TemplateFormat format,
    const std::vector<std::pair<std::string, ValueRef>>& values,
    const std::string& origin) {
  if (format == TemplateFormat::kTemplate)
    return InvalidArgumentError(origin + ": format template needs text");
  Template t;
  std::string prefix;
  if (format == TemplateFormat::kJson) {
    prefix = values.empty() ? "{" : "{\n  ";
  } else {
    prefix =
        "# Written by keyward from " + origin + "; edits are overwritten.\n";
  }
  for (const auto& [key, ref] : values) {
    Piece p;
    p.literal = std::move(prefix);
    p.has_ref = true;
    p.ref = ref;
    p.where = origin + ": " + key;
    SecureString k;
    switch (format) {
      case TemplateFormat::kDotenv:
        if (!text::IsVariableName(key)) {
          return InvalidArgumentError(origin + ": '" + key +
                                      "' is not a valid variable name");
        }
        p.literal += key + "=";
        p.escape = Escape::kDotenv;
        prefix = "\n";
        break;
      case TemplateFormat::kJson:
        AppendJson(key, k);
        p.literal.append(k.data(), k.size());
        p.literal += ": ";
        p.escape = Escape::kJson;
        prefix = ",\n  ";
        break;
      default:
        AppendPropertiesKey(key, k);
        p.literal.append(k.data(), k.size());
        p.literal += "=";
        p.escape = Escape::kProperties;
        prefix = "\n";
    }
    t.pieces_.push_back(std::move(p));
  }
  Piece last;
  last.literal = format == TemplateFormat::kJson
                     ? (values.empty() ? "{}\n" : "\n}\n")
                     : (values.empty() ? prefix : "\n");
  t.pieces_.push_back(std::move(last));
  t.Finish();
  return t;
}

StatusOr<SecureString> Template::Render(const SecretLookup& lookup) const {
  SecureString out;
  for (const Piece& p : pieces_) {
    out.append(p.literal.data(), p.literal.size());
    if (!p.has_ref) continue;
    StatusOr<SecretValue> v = lookup(p.ref);
    if (!v.ok()) return v.status().WithContext(p.where);
    AppendEscaped(p.escape, v->Reveal(), out);
  }
  return out;
}

StatusOr<Template> CompileTemplate(const TemplateSpec& spec) {
  if (spec.format == TemplateFormat::kTemplate)
    return Template::Parse(spec.text, spec.text_origin);
  return Template::ForFormat(spec.format, spec.values, spec.origin);
}

// ---------------------------------------------------------------------------
// The `templates:` configuration.

namespace {

class SpecParser {
 public:
  SpecParser(const std::string& path, const FileSystem& fs)
      : path_(path), fs_(fs) {}

  StatusOr<std::vector<TemplateSpec>> Parse(const YAML::Node& node) {
    std::vector<TemplateSpec> specs;
    if (!node || node.IsNull()) return specs;
    if (!node.IsSequence())
      return Error(node, "'templates' must be a list of templates");
    std::set<std::string> destinations;
    for (const YAML::Node& item : node) {
      KW_ASSIGN_OR_RETURN(TemplateSpec spec, ParseOne(item));
      if (!destinations.insert(spec.destination).second) {
        return Error(item, "two templates write '" + spec.destination + "'");
      }
      specs.push_back(std::move(spec));
    }
    return specs;
  }

 private:
  std::string Where(const YAML::Node& n) const {
    const YAML::Mark m = n.Mark();
    return agent::Where(path_, m.line < 0 ? 1 : m.line + 1,
                        m.column < 0 ? 1 : m.column + 1);
  }
  Status Error(const YAML::Node& n, const std::string& message) const {
    return InvalidArgumentError(Where(n) + ": " + message);
  }
  StatusOr<std::string> Scalar(const YAML::Node& n,
                               const std::string& key) const {
    if (!n.IsScalar()) return Error(n, "'" + key + "' must be a single value");
    return n.Scalar();
  }
  // The scalar parsed by `parse`, its error placed at the node.
  template <typename T, typename F>
  StatusOr<T> Value(const YAML::Node& n, const std::string& key,
                    F parse) const {
    KW_ASSIGN_OR_RETURN(std::string s, Scalar(n, key));
    StatusOr<T> v = parse(s);
    if (!v.ok()) return Error(n, key + ": " + v.status().message());
    return v;
  }

  StatusOr<TemplateSpec> ParseOne(const YAML::Node& item);
  Status ParseKey(const std::string& key, const YAML::Node& value,
                  TemplateSpec& spec, std::string& source);
  Status ParseValues(const YAML::Node& n, TemplateSpec& spec) const;
  Status ParseCommand(const YAML::Node& n, TemplateSpec& spec) const;
  Status LoadSource(const YAML::Node& at, const std::string& source,
                    TemplateSpec& spec) const;

  const std::string& path_;
  const FileSystem& fs_;
};

StatusOr<TemplateSpec> SpecParser::ParseOne(const YAML::Node& item) {
  if (!item.IsMap()) return Error(item, "a template must be a map");
  TemplateSpec spec;
  spec.origin = Where(item);
  std::string source;
  bool has_contents = false, has_format = false;
  for (auto it = item.begin(); it != item.end(); ++it) {
    std::string key = it->first.Scalar();
    has_contents |= key == "contents";
    has_format |= key == "format";
    Status s = ParseKey(key, it->second, spec, source);
    if (!s.ok()) {
      if (s.message().empty())
        return Error(it->first, "unknown key '" + key + "' in a template");
      return s;
    }
  }
  if (spec.destination.empty())
    return Error(item, "a template needs 'destination'");
  if (!has_format && spec.format == TemplateFormat::kTemplate &&
      !spec.values.empty()) {
    return Error(item, "'values' needs 'format: dotenv|json|properties'");
  }
  if (spec.format == TemplateFormat::kTemplate) {
    if (source.empty() == !has_contents) {
      return Error(item,
                   "a template needs exactly one of 'source' and 'contents'");
    }
    if (!spec.values.empty())
      return Error(item,
                   "'values' is for the dotenv, json and properties formats");
    if (!source.empty()) KW_RETURN_IF_ERROR(LoadSource(item, source, spec));
  } else {
    if (!source.empty() || has_contents) {
      return Error(item, "format " + item["format"].Scalar() +
                             " takes 'values', not 'source'/'contents'");
    }
    if (spec.values.empty()) return Error(item, "'values' is empty");
  }
  if (spec.pid_file.empty() != (spec.signal == 0))
    return Error(item, "'signal' and 'pid_file' go together");
  StatusOr<Template> compiled = CompileTemplate(spec);
  if (!compiled.ok()) return compiled.status();
  return spec;
}

Status SpecParser::ParseKey(const std::string& key, const YAML::Node& v,
                            TemplateSpec& spec, std::string& source) {
  if (key == "destination") {
    KW_ASSIGN_OR_RETURN(spec.destination, Scalar(v, key));
    if (spec.destination.empty() || spec.destination.back() == '/')
      return Error(v, "destination must name a file");
  } else if (key == "format") {
    KW_ASSIGN_OR_RETURN(spec.format,
                        Value<TemplateFormat>(v, key, ParseTemplateFormat));
  } else if (key == "source") {
    KW_ASSIGN_OR_RETURN(source, Scalar(v, key));
    if (source.empty()) return Error(v, "'source' is empty");
  } else if (key == "contents") {
    KW_ASSIGN_OR_RETURN(spec.text, Scalar(v, key));
    const YAML::Mark m = v.Mark();
    // Errors inside inline contents point at the declaration's line:col
    // plus the offset within the text (block scalars start one line later).
    spec.text_origin =
        path_ + " (contents at line " + std::to_string(m.line + 1) + ")";
  } else if (key == "values") {
    return ParseValues(v, spec);
  } else if (key == "mode") {
    KW_ASSIGN_OR_RETURN(spec.mode, Value<unsigned>(v, key, ParseFileMode));
  } else if (key == "owner") {
    KW_ASSIGN_OR_RETURN(spec.owner, Scalar(v, key));
  } else if (key == "group") {
    KW_ASSIGN_OR_RETURN(spec.group, Scalar(v, key));
  } else if (key == "command") {
    return ParseCommand(v, spec);
  } else if (key == "command_timeout") {
    KW_ASSIGN_OR_RETURN(spec.command_timeout, Value<std::chrono::milliseconds>(
                                                  v, key, ParseDuration));
    if (spec.command_timeout.count() == 0)
      return Error(v, "command_timeout must be > 0");
  } else if (key == "pid_file") {
    KW_ASSIGN_OR_RETURN(spec.pid_file, Scalar(v, key));
  } else if (key == "signal") {
    KW_ASSIGN_OR_RETURN(spec.signal, Value<int>(v, key, ParseSignal));
  } else {
    return Status(StatusCode::kInvalidArgument, "");  // unknown key
  }
  return OkStatus();
}

Status SpecParser::ParseValues(const YAML::Node& n, TemplateSpec& spec) const {
  if (!n.IsMap()) {
    return Error(n, "'values' must map KEY: secret#property");
  }
  std::set<std::string> keys;
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string key = it->first.Scalar();
    if (!keys.insert(key).second)
      return Error(it->first, "duplicate key '" + key + "'");
    KW_ASSIGN_OR_RETURN(ValueRef ref,
                        Value<ValueRef>(it->second, key, ParseValueRef));
    spec.values.emplace_back(key, std::move(ref));
  }
  return OkStatus();
}

Status SpecParser::ParseCommand(const YAML::Node& n, TemplateSpec& spec) const {
  if (n.IsSequence()) {
    for (const YAML::Node& w : n) {
      KW_ASSIGN_OR_RETURN(std::string word, Scalar(w, "command"));
      spec.command.push_back(std::move(word));
    }
  } else {
    KW_ASSIGN_OR_RETURN(std::string line, Scalar(n, "command"));
    StatusOr<std::vector<std::string>> words = ShellSplit(line);
    if (!words.ok()) return Error(n, "command: " + words.status().message());
    spec.command = std::move(*words);
  }
  if (spec.command.empty() || spec.command[0].empty())
    return Error(n, "'command' is empty");
  return OkStatus();
}

Status SpecParser::LoadSource(const YAML::Node& at, const std::string& source,
                              TemplateSpec& spec) const {
  std::string file = source;
  auto slash = path_.rfind('/');
  if (!file.starts_with("/") && slash != std::string::npos)
    file = path_.substr(0, slash + 1) + file;
  StatusOr<std::string> text = fs_.ReadFile(file);
  if (!text.ok()) {
    return Error(at["source"],
                 "cannot read template source: " + text.status().message());
  }
  spec.text = std::move(*text);
  spec.text_origin = file;
  return OkStatus();
}

}  // namespace

StatusOr<std::vector<TemplateSpec>> ParseTemplateSpecs(const YAML::Node& node,
                                                       const std::string& path,
                                                       const FileSystem& fs) {
  try {
    return SpecParser(path, fs).Parse(node);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(path + ":" + std::to_string(e.mark.line + 1) +
                                ":" + std::to_string(e.mark.column + 1) + ": " +
                                e.msg);
  }
}

}  // namespace keyward::agent
