// Template compilation and rendering (the escapers are in escape.cc, the
// `templates:` configuration parser in template_spec.cc).
#include "agent/template.h"

#include <algorithm>
#include <set>

#include "core/text.h"

namespace keyward::agent {
namespace {

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

// The rest of {{ secret "NAME" ["PROPERTY"] [| FILTER] }} after the word
// `secret`, up to (not including) the closing braces.
Status ReadSecretCall(Cursor& c, const std::string& origin, ValueRef& ref,
                      Escape& escape) {
  c.skip_space();
  KW_ASSIGN_OR_RETURN(ref.secret, ReadString(c, origin));
  if (ref.secret.empty()) return SyntaxError(origin, c, "empty secret name");
  c.skip_space();
  if (!c.done() && c.peek() == '"') {
    KW_ASSIGN_OR_RETURN(ref.property, ReadString(c, origin));
    c.skip_space();
  }
  if (c.done() || c.peek() != '|') return OkStatus();
  c.advance();
  c.skip_space();
  Cursor filter_at = c;
  std::string filter = ReadWord(c);
  auto it = std::find_if(std::begin(kEscapes), std::end(kEscapes),
                         [&](const EscapeName& e) { return filter == e.name; });
  if (it == std::end(kEscapes)) {
    return SyntaxError(origin, filter_at,
                       "unknown filter '" + filter +
                           "' (json, dotenv, properties, shell, raw)");
  }
  escape = it->escape;
  return OkStatus();
}

}  // namespace

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
      KW_RETURN_IF_ERROR(ReadSecretCall(c, origin, piece.ref, piece.escape));
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
        AppendEscaped(Escape::kJson, key, k);
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

}  // namespace keyward::agent
