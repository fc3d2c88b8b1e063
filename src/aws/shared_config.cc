// INI parsing with the semantics of Python's configparser.RawConfigParser
// (defaults: delimiters '=' and ':', comment prefixes '#' and ';' on whole
// lines only, empty lines kept inside values, strict duplicates, lowercased
// keys) plus botocore's nested sub-section step (_parse_nested).
#include "keyward/aws/shared_config.h"

#include <algorithm>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/text.h"
#include "keyward/secret_value.h"

namespace keyward::aws {
namespace {

// Python's str.isspace() for the ASCII range (what strip() and \s remove).
bool IsPySpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f' || (c >= '\x1c' && c <= '\x1f');
}

std::string_view Strip(std::string_view s) {
  while (!s.empty() && IsPySpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsPySpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view RStrip(std::string_view s) {
  while (!s.empty() && IsPySpace(s.back())) s.remove_suffix(1);
  return s;
}

// Strict UTF-8 (as Python decodes it: no overlongs, no surrogates, <=
// U+10FFFF). Returns the 0-based offset of the first bad byte, or nullopt.
std::optional<std::size_t> FindInvalidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    for (int k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return i;
      auto d = static_cast<unsigned char>(s[i + k]);
      unsigned l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
      if (d < l || d > h) return i;
    }
    i += n + 1;
  }
  return std::nullopt;
}

// Splits like Python's universal newlines: "\n", "\r\n" and "\r".
std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' || text[i] == '\r') {
      lines.push_back(text.substr(start, i - start));
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

// The value of one key while it is being read: its first line plus any
// continuation and empty lines.
struct RawValue {
  std::vector<std::string> parts;
  std::vector<int> lines;
};

class Parser {
 public:
  explicit Parser(std::string_view path) { file_.path = std::string(path); }

  Status Line(std::string_view line, int lineno);
  StatusOr<IniFile> Finish();
  ~Parser() {
    for (auto& sect : raw_)
      for (auto& v : sect)
        for (auto& p : v.parts) WipeString(p);
  }

 private:
  Status Error(int line, std::string_view message) const {
    return InvalidArgumentError(file_.path + ":" + std::to_string(line) + ": " +
                                std::string(message));
  }
  Status Header(std::string_view name, int lineno);
  Status Option(std::string_view text, int lineno);
  Status FinishEntry(IniEntry& entry, RawValue& raw);

  IniFile file_;
  std::vector<std::vector<RawValue>> raw_;  // parallel to file_.sections
  // Section name -> index, and per section key -> entry index, so that a
  // hostile file with 100,000s of sections or keys parses in linear time
  // (duplicate checks by scanning were quadratic).
  std::unordered_map<std::string, std::size_t> section_index_;
  std::vector<std::unordered_map<std::string, std::size_t>> key_index_;
  int cursect_ = -1;
  int curopt_ = -1;
  std::size_t indent_level_ = 0;
  int first_error_line_ = 0;  // non-fatal errors are reported at the end
  std::string first_error_;
};

Status Parser::Line(std::string_view line, int lineno) {
  std::string_view value = Strip(line);
  bool comment =
      !value.empty() && (value.front() == '#' || value.front() == ';');
  if (comment) return OkStatus();
  if (value.empty()) {
    // Python keeps empty lines inside a value (trailing ones are dropped).
    if (cursect_ >= 0 && curopt_ >= 0) {
      raw_[cursect_][curopt_].parts.emplace_back();
      raw_[cursect_][curopt_].lines.push_back(lineno);
    }
    return OkStatus();
  }
  std::size_t indent = 0;
  while (indent < line.size() && IsPySpace(line[indent])) ++indent;
  if (cursect_ >= 0 && curopt_ >= 0 && indent > indent_level_) {
    raw_[cursect_][curopt_].parts.emplace_back(value);
    raw_[cursect_][curopt_].lines.push_back(lineno);
    return OkStatus();
  }
  indent_level_ = indent;
  // SECTCRE is r"\[(?P<header>.+)\]" matched at the start: up to the last ']'.
  if (value.front() == '[') {
    std::size_t close = value.rfind(']');
    if (close != std::string_view::npos && close > 1) {
      return Header(value.substr(1, close - 1), lineno);
    }
  }
  if (cursect_ < 0) {
    if (lineno == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") {
      return Error(
          lineno,
          "the file starts with a UTF-8 byte order mark, which the AWS CLI "
          "does not accept; save it without one");
    }
    return Error(lineno, "a setting appears before any [section] header");
  }
  return Option(value, lineno);
}

Status Parser::Header(std::string_view name, int lineno) {
  curopt_ = -1;
  auto [it, inserted] =
      section_index_.try_emplace(std::string(name), file_.sections.size());
  if (!inserted) {
    if (name != "DEFAULT") {
      return Error(lineno, "section [" + std::string(name) +
                               "] appears twice (first at line " +
                               std::to_string(file_.sections[it->second].line) +
                               ")");
    }
    cursect_ = static_cast<int>(it->second);
    return OkStatus();
  }
  file_.sections.push_back(IniSection{std::string(name), lineno, {}});
  raw_.emplace_back();
  key_index_.emplace_back();
  cursect_ = static_cast<int>(file_.sections.size()) - 1;
  return OkStatus();
}

Status Parser::Option(std::string_view text, int lineno) {
  std::size_t delim = text.find_first_of("=:");
  if (delim == std::string_view::npos) {
    // Non-fatal in Python: parsing goes on and the error is raised at the end.
    if (first_error_line_ == 0) {
      first_error_line_ = lineno;
      first_error_ =
          "expected \"key = value\", a [section] header or a comment";
    }
    return OkStatus();
  }
  std::string key = text::AsciiLower(RStrip(text.substr(0, delim)));
  if (key.empty() && first_error_line_ == 0) {
    first_error_line_ = lineno;
    first_error_ = "a setting has an empty name";
  }
  IniSection& sect = file_.sections[cursect_];
  auto [prev, inserted] =
      key_index_[cursect_].try_emplace(key, sect.entries.size());
  if (!inserted) {
    return Error(lineno, "\"" + key + "\" is set twice in section [" +
                             sect.name + "] (first at line " +
                             std::to_string(sect.entries[prev->second].line) +
                             ")");
  }
  sect.entries.push_back(IniEntry{key, "", lineno, false, {}});
  RawValue raw;
  raw.parts.emplace_back(Strip(text.substr(delim + 1)));
  raw.lines.push_back(lineno);
  raw_[cursect_].push_back(std::move(raw));
  curopt_ = static_cast<int>(sect.entries.size()) - 1;
  return OkStatus();
}

Status Parser::FinishEntry(IniEntry& entry, RawValue& raw) {
  std::string joined;
  for (std::size_t i = 0; i < raw.parts.size(); ++i) {
    if (i > 0) joined += '\n';
    joined += raw.parts[i];
  }
  entry.value = std::string(RStrip(joined));
  WipeString(joined);
  if (entry.value.empty() || entry.value.front() != '\n') return OkStatus();
  // botocore's _parse_nested: every non-empty line is "key = value".
  entry.nested = true;
  for (std::size_t i = 1; i < raw.parts.size(); ++i) {
    std::string_view part = Strip(raw.parts[i]);
    if (part.empty()) continue;
    std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      return Error(raw.lines[i], "a line in the nested \"" + entry.key +
                                     "\" block is not \"key = value\"");
    }
    entry.children.push_back(IniEntry{std::string(Strip(part.substr(0, eq))),
                                      std::string(Strip(part.substr(eq + 1))),
                                      raw.lines[i],
                                      false,
                                      {}});
  }
  return OkStatus();
}

StatusOr<IniFile> Parser::Finish() {
  if (first_error_line_ != 0) return Error(first_error_line_, first_error_);
  for (std::size_t s = 0; s < file_.sections.size(); ++s) {
    for (std::size_t e = 0; e < file_.sections[s].entries.size(); ++e) {
      KW_RETURN_IF_ERROR(FinishEntry(file_.sections[s].entries[e], raw_[s][e]));
    }
  }
  return std::move(file_);
}

}  // namespace

const IniEntry* IniSection::Find(std::string_view key) const {
  for (const IniEntry& e : entries) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

const IniSection* IniFile::Find(std::string_view name) const {
  for (const IniSection& s : sections) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

StatusOr<IniFile> ParseIni(std::string_view text, std::string_view path) {
  if (auto bad = FindInvalidUtf8(text)) {
    int line = 1 + static_cast<int>(
                       std::count(text.begin(), text.begin() + *bad, '\n'));
    return InvalidArgumentError(std::string(path) + ":" + std::to_string(line) +
                                ": the file is not valid UTF-8");
  }
  Parser parser(path);
  std::vector<std::string_view> lines = SplitLines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    KW_RETURN_IF_ERROR(parser.Line(lines[i], static_cast<int>(i) + 1));
  }
  return parser.Finish();
}

IniFile ApplyIniDefaults(const IniFile& file) {
  IniFile out;
  out.path = file.path;
  const IniSection* defaults = file.Find("DEFAULT");
  for (const IniSection& s : file.sections) {
    if (&s == defaults) continue;
    out.sections.push_back(s);
    if (defaults == nullptr) continue;
    for (const IniEntry& d : defaults->entries) {
      if (s.Find(d.key) == nullptr) out.sections.back().entries.push_back(d);
    }
  }
  return out;
}

void WipeIni(IniFile& file) {
  for (IniSection& s : file.sections) {
    for (IniEntry& e : s.entries) {
      WipeString(e.value);
      for (IniEntry& c : e.children) WipeString(c.value);
    }
  }
}

}  // namespace keyward::aws
