#include "keyward/inventory/leak.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

namespace keyward::inventory {
namespace {

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsUpper(c) || IsLower(c) || IsDigit(c); }
bool IsTokenChar(char c) {
  return IsAlnum(c) || c == '+' || c == '/' || c == '=' || c == '_' ||
         c == '-' || c == '.' || c == '~';
}
char Lower(char c) { return IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (Lower(s[i]) != Lower(prefix[i])) return false;
  }
  return true;
}

std::size_t FindNoCase(std::string_view s, std::string_view needle,
                       std::size_t from = 0) {
  if (needle.size() > s.size()) return std::string_view::npos;
  for (std::size_t i = from; i + needle.size() <= s.size(); ++i) {
    if (StartsWithNoCase(s.substr(i), needle)) return i;
  }
  return std::string_view::npos;
}

// Values that document where a secret goes rather than holding one.
bool IsPlaceholder(std::string_view v) {
  if (v.empty()) return true;
  if (v[0] == '$' || v[0] == '<' || v.substr(0, 2) == "{{" || v[0] == '%')
    return true;
  if (std::all_of(v.begin(), v.end(),
                  [](char c) { return c == '*' || c == 'x' || c == 'X'; })) {
    return true;
  }
  return false;
}

std::optional<LeakMatch> FindPem(std::string_view text) {
  std::size_t begin = text.find("-----BEGIN ");
  while (begin != std::string_view::npos) {
    std::size_t end = text.find("-----", begin + 11);
    if (end == std::string_view::npos) break;
    std::string_view label = text.substr(begin + 11, end - begin - 11);
    if (label.size() >= 11 &&
        label.substr(label.size() - 11) == "PRIVATE KEY") {
      return LeakMatch{"a PEM private key block", begin, end + 5 - begin};
    }
    begin = text.find("-----BEGIN ", end);
  }
  return std::nullopt;
}

std::optional<LeakMatch> FindAwsKeyId(std::string_view text) {
  static constexpr std::array<std::string_view, 4> kPrefixes = {"AKIA", "ASIA",
                                                                "ABIA", "ACCA"};
  for (std::size_t i = 0; i + 20 <= text.size(); ++i) {
    if (i > 0 && IsAlnum(text[i - 1])) continue;
    std::string_view p = text.substr(i, 4);
    if (std::find(kPrefixes.begin(), kPrefixes.end(), p) == kPrefixes.end())
      continue;
    bool ok = true;
    for (std::size_t k = 4; k < 20 && ok; ++k)
      ok = IsUpper(text[i + k]) || IsDigit(text[i + k]);
    if (ok && (i + 20 == text.size() || !IsAlnum(text[i + 20]))) {
      return LeakMatch{"an AWS access key id", i, 20};
    }
  }
  return std::nullopt;
}

// scheme://user:password@host
std::optional<LeakMatch> FindUrlPassword(std::string_view text) {
  std::size_t scheme = text.find("://");
  while (scheme != std::string_view::npos) {
    std::size_t start = scheme + 3;
    std::size_t end = start;
    while (end < text.size() && text[end] != '/' && text[end] != ' ' &&
           text[end] != '@' && text[end] != '\n' && text[end] != '"' &&
           text[end] != '\'') {
      ++end;
    }
    if (end < text.size() && text[end] == '@') {
      std::string_view userinfo = text.substr(start, end - start);
      std::size_t colon = userinfo.find(':');
      if (colon != std::string_view::npos &&
          !IsPlaceholder(userinfo.substr(colon + 1))) {
        return LeakMatch{"a URL with a password", start, end - start};
      }
    }
    scheme = text.find("://", start);
  }
  return std::nullopt;
}

// "password=...", "pwd=..." in connection strings (DSNs, JDBC, ADO.NET).
std::optional<LeakMatch> FindDsnPassword(std::string_view text) {
  static constexpr std::array<std::string_view, 3> kKeys = {
      "password=", "pwd=", "passwd="};
  for (std::string_view key : kKeys) {
    std::size_t at = FindNoCase(text, key);
    while (at != std::string_view::npos) {
      bool boundary = at == 0 || !IsAlnum(text[at - 1]);
      std::size_t v = at + key.size();
      std::size_t e = v;
      while (e < text.size() && text[e] != ';' && text[e] != ' ' &&
             text[e] != '&' && text[e] != '\n') {
        ++e;
      }
      if (boundary && !IsPlaceholder(text.substr(v, e - v))) {
        return LeakMatch{"a connection string with a password", at, e - at};
      }
      at = FindNoCase(text, key, at + 1);
    }
  }
  return std::nullopt;
}

std::optional<LeakMatch> FindAuthorization(std::string_view text) {
  struct Scheme {
    std::string_view word;
    std::size_t min_len;
    const char* kind;
  };
  static constexpr std::array<Scheme, 2> kSchemes = {
      Scheme{"bearer ", 16, "a bearer token"},
      Scheme{"basic ", 12, "a basic-auth credential"}};
  for (const Scheme& s : kSchemes) {
    std::size_t at = FindNoCase(text, s.word);
    while (at != std::string_view::npos) {
      std::size_t v = at + s.word.size();
      std::size_t e = v;
      while (e < text.size() && IsTokenChar(text[e])) ++e;
      std::string_view tok = text.substr(v, e - v);
      bool mixed = std::any_of(tok.begin(), tok.end(), IsDigit) &&
                   std::any_of(tok.begin(), tok.end(),
                               [](char c) { return IsLower(c) || IsUpper(c); });
      if ((at == 0 || !IsAlnum(text[at - 1])) && tok.size() >= s.min_len &&
          mixed) {
        return LeakMatch{s.kind, at, e - at};
      }
      at = FindNoCase(text, s.word, at + 1);
    }
  }
  return std::nullopt;
}

bool IsBase64UrlSegment(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return IsAlnum(c) || c == '-' || c == '_' || c == '=';
  });
}

// Classifies one token (a maximal run of IsTokenChar); nullptr when benign.
const char* ClassifyToken(std::string_view tok, const LeakOptions& options) {
  struct Prefix {
    std::string_view prefix;
    std::size_t min_len;
    const char* kind;
  };
  static constexpr std::array<Prefix, 12> kPrefixes = {
      Prefix{"ghp_", 36, "a GitHub token"},
      Prefix{"gho_", 36, "a GitHub token"},
      Prefix{"ghu_", 36, "a GitHub token"},
      Prefix{"ghs_", 36, "a GitHub token"},
      Prefix{"github_pat_", 40, "a GitHub token"},
      Prefix{"glpat-", 24, "a GitLab token"},
      Prefix{"xoxb-", 20, "a Slack token"},
      Prefix{"xoxp-", 20, "a Slack token"},
      Prefix{"sk_live_", 20, "a Stripe key"},
      Prefix{"rk_live_", 20, "a Stripe key"},
      Prefix{"sk_test_", 20, "a Stripe key"},
      Prefix{"AIza", 39, "a Google API key"}};
  for (const Prefix& p : kPrefixes) {
    if (tok.size() >= p.min_len && tok.substr(0, p.prefix.size()) == p.prefix)
      return p.kind;
  }
  if (tok.size() >= 20 && tok.substr(0, 3) == "eyJ") {
    std::size_t d1 = tok.find('.');
    std::size_t d2 = d1 == std::string_view::npos ? d1 : tok.find('.', d1 + 1);
    if (d2 != std::string_view::npos && IsBase64UrlSegment(tok.substr(0, d1)) &&
        IsBase64UrlSegment(tok.substr(d1 + 1, d2 - d1 - 1))) {
      return "a JSON Web Token";
    }
  }
  bool upper = std::any_of(tok.begin(), tok.end(), IsUpper);
  bool lower = std::any_of(tok.begin(), tok.end(), IsLower);
  bool digit = std::any_of(tok.begin(), tok.end(), IsDigit);
  bool b64 = std::all_of(tok.begin(), tok.end(), [](char c) {
    return IsAlnum(c) || c == '+' || c == '/';
  });
  if (tok.size() == 40 && b64 && upper && lower &&
      (digit || tok.find_first_of("+/") != tok.npos)) {
    return "an AWS secret access key";
  }
  if (!options.entropy || tok.size() < options.min_entropy_length)
    return nullptr;
  bool hex = std::all_of(tok.begin(), tok.end(), [](char c) {
    return IsDigit(c) || (c >= 'a' && c <= 'f');
  });
  if (hex && tok.size() >= 32 && digit && lower && ShannonEntropy(tok) >= 3.0) {
    return "a high-entropy string";
  }
  if (!(upper && lower && digit)) return nullptr;
  double n = static_cast<double>(std::min<std::size_t>(tok.size(), 64));
  if (ShannonEntropy(tok) >= 0.8 * std::log2(n)) return "a high-entropy string";
  return nullptr;
}

std::optional<LeakMatch> FindToken(std::string_view text,
                                   const LeakOptions& options) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !IsTokenChar(text[i])) ++i;
    std::size_t start = i;
    while (i < text.size() && IsTokenChar(text[i])) ++i;
    if (i - start < 16) continue;
    std::string_view tok = text.substr(start, i - start);
    if (const char* kind = ClassifyToken(tok, options)) {
      return LeakMatch{kind, start, tok.size()};
    }
    // Tokens glued with '.', '/' or '-' (paths, hosts): also try the parts.
    std::size_t p = 0;
    while (p < tok.size()) {
      std::size_t q = tok.find_first_of("./-_", p);
      if (q == std::string_view::npos) q = tok.size();
      std::string_view part = tok.substr(p, q - p);
      if (part.size() >= 16 && part.size() < tok.size()) {
        if (const char* kind = ClassifyToken(part, options)) {
          return LeakMatch{kind, start + p, part.size()};
        }
      }
      p = q + 1;
    }
  }
  return std::nullopt;
}

}  // namespace

double ShannonEntropy(std::string_view s) {
  if (s.empty()) return 0;
  std::array<int, 256> counts{};
  for (char c : s) ++counts[static_cast<unsigned char>(c)];
  double h = 0;
  const double n = static_cast<double>(s.size());
  for (int c : counts) {
    if (c == 0) continue;
    double p = c / n;
    h -= p * std::log2(p);
  }
  return h;
}

std::optional<LeakMatch> DetectSecret(std::string_view text,
                                      const LeakOptions& options) {
  if (auto m = FindPem(text)) return m;
  if (auto m = FindAwsKeyId(text)) return m;
  if (auto m = FindUrlPassword(text)) return m;
  if (auto m = FindDsnPassword(text)) return m;
  if (auto m = FindAuthorization(text)) return m;
  return FindToken(text, options);
}

bool IsSecretLookingKeyName(std::string_view key) {
  std::string k;
  k.reserve(key.size());
  for (char c : key) k.push_back(c == '-' ? '_' : Lower(c));
  static constexpr std::array<std::string_view, 15> kWords = {
      "password",   "passwd", "pwd",           "secret",      "token",
      "api_key",    "apikey", "private_key",   "access_key",  "credential",
      "passphrase", "pass",   "client_secret", "signing_key", "session_key"};
  // Match whole underscore-separated words or word sequences.
  std::string padded = "_" + k + "_";
  for (std::string_view w : kWords) {
    std::string needle = "_" + std::string(w) + "_";
    if (padded.find(needle) != std::string::npos) return true;
  }
  // DBPASSWORD, MYSECRET, GITHUBTOKEN ...
  return k.size() > 8 && (k.ends_with("password") || k.ends_with("secret") ||
                          k.ends_with("token"));
}

}  // namespace keyward::inventory
