// The escapers templates and the agent's responses write values through.
#include "agent/escape.h"

#include <cstdint>

#include "core/text.h"

namespace keyward::agent {
namespace {

void AppendU(std::uint32_t cp, SecureString& out) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4)
    out += text::kHexDigits[(cp >> shift) & 15];
}

void AppendJson(std::string_view v, SecureString& out) {
  out += '"';
  AppendJsonEscaped(v, &out);
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

}  // namespace

void AppendJsonEscaped(std::string_view s, SecureString* out) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20) {
          out->append("\\u00");
          out->push_back(text::kHexDigits[c >> 4]);
          out->push_back(text::kHexDigits[c & 0xf]);
        } else {
          out->push_back(ch);
        }
    }
  }
}

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

}  // namespace keyward::agent
