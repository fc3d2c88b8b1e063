#include "aws/sigv4_canonical.h"

#include <algorithm>
#include <cctype>

namespace keyward::aws::sigv4_internal {
namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
}

void UriEncode(std::string_view in, bool keep_slash, std::string& out) {
  for (unsigned char c : in) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back("0123456789ABCDEF"[c >> 4]);
      out.push_back("0123456789ABCDEF"[c & 0xf]);
    }
  }
}

std::string UriDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() &&
        std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      out.push_back(static_cast<char>(
          std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

// RFC 3986 remove_dot_segments plus collapsing of empty segments.
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    std::string_view seg = path.substr(start, end - start);
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!seg.empty() && seg != ".") {
      out.push_back(seg);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string result = "/";
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i > 0) result += '/';
    result += out[i];
  }
  bool trailing =
      path.size() > 1 &&
      (path.back() == '/' || path.ends_with("/.") || path.ends_with("/.."));
  if (trailing && result.size() > 1) result += '/';
  return result;
}

std::string CanonicalQuery(std::string_view query) {
  if (query.empty()) return "";
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t amp = query.find('&', start);
    std::size_t end = amp == std::string_view::npos ? query.size() : amp;
    std::string_view kv = query.substr(start, end - start);
    if (!kv.empty()) {
      std::size_t eq = kv.find('=');
      std::string k, v;
      UriEncode(UriDecode(kv.substr(0, eq)), false, k);
      if (eq != std::string_view::npos)
        UriEncode(UriDecode(kv.substr(eq + 1)), false, v);
      params.emplace_back(std::move(k), std::move(v));
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Appends `v` trimmed, with runs of whitespace (including folded lines)
// collapsed to one space.
void AppendCanonicalHeaderValue(std::string_view v, std::string& out) {
  bool clean = v.empty() || (!IsSpace(v.front()) && !IsSpace(v.back()));
  for (std::size_t i = 0; clean && i < v.size(); ++i) {
    if (static_cast<unsigned char>(v[i]) > ' ') continue;  // the common case
    if (IsSpace(v[i]) && (v[i] != ' ' || IsSpace(v[i + 1]))) clean = false;
  }
  if (clean) {
    out += v;
    return;
  }
  bool in_space = false, any = false;
  for (char c : v) {
    if (IsSpace(c)) {
      in_space = true;
      continue;
    }
    if (in_space && any) out += ' ';
    in_space = false;
    any = true;
    out += c;
  }
}

char LowerAscii(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

// Byte order of the lowercased names.
int ICompare(std::string_view a, std::string_view b) {
  std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    auto x = static_cast<unsigned char>(LowerAscii(a[i]));
    auto y = static_cast<unsigned char>(LowerAscii(b[i]));
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

// The parts of a URL the canonical request needs, as views (ParseUrl's rules,
// without its allocations). False when malformed (ParseUrl says why).
struct UrlView {
  std::string_view authority, path, query;
};
// Plain loops: the string_view searches call memchr per character for
// find_first_of, which costs more than these short URLs.
bool SplitUrl(std::string_view url, UrlView* out) {
  std::size_t sep = std::string_view::npos;
  if (url.starts_with("https://")) {
    sep = 5;
  } else if (url.starts_with("http://")) {
    sep = 4;
  } else {
    sep = url.find("://");
    if (sep == std::string_view::npos || sep == 0) return false;
    std::string_view scheme = url.substr(0, sep);
    if (!IEquals(scheme, "http") && !IEquals(scheme, "https")) return false;
  }
  std::string_view rest = url.substr(sep + 3);
  std::size_t path_start = 0;
  std::size_t colon = std::string_view::npos, bracket = std::string_view::npos;
  for (; path_start < rest.size(); ++path_start) {
    char c = rest[path_start];
    if (c == '/' || c == '?') break;
    if (c == '@') return false;
    if (c == ':') colon = path_start;
    if (c == ']') bracket = path_start;
  }
  std::string_view authority = rest.substr(0, path_start);
  std::string_view tail = rest.substr(path_start);
  if (authority.empty()) return false;
  if (colon != std::string_view::npos &&
      (bracket == std::string_view::npos || colon > bracket)) {
    std::string_view port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5) return false;
    int n = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return false;
      n = n * 10 + (c - '0');
    }
    if (n > 65535) return false;
  }
  out->authority = authority;
  std::size_t q = 0;
  while (q < tail.size() && tail[q] != '?') ++q;
  if (q == tail.size()) q = std::string_view::npos;
  out->path = tail.substr(0, q);
  if (out->path.empty()) out->path = "/";
  out->query =
      q == std::string_view::npos ? std::string_view() : tail.substr(q + 1);
  return true;
}

// True when NormalizePath(path) == path (the common case: no dot segments,
// no empty segments).
bool IsNormalPath(std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  std::size_t start = 1;
  while (start < path.size()) {
    std::size_t slash = path.find('/', start);
    std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    std::string_view seg = path.substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..") return false;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return true;
}

bool Wanted(const std::vector<std::string>* only_headers,
            std::string_view name) {
  if (only_headers == nullptr) return true;
  for (const std::string& h : *only_headers) {
    if (IEquals(name, h)) return true;
  }
  return false;
}

// The headers to sign as views, in a stable order of their lowercased names:
// an insertion sort in place of a std::map (few headers), with inline storage
// for the usual count.
class SortedHeaders {
 public:
  struct Ref {
    std::string_view name, value;
  };

  SortedHeaders(const HttpRequest& request,
                const std::vector<std::string>* only_headers,
                std::string_view authority) {
    if (request.headers.size() + 1 > kInline) {
      heap_.resize(request.headers.size() + 1);
      refs_ = heap_.data();
    } else {
      refs_ = inline_.refs;
    }
    bool have_host = false;
    for (const auto& [name, value] : request.headers) {
      if (!Wanted(only_headers, name)) continue;
      if (IEquals(name, "host")) have_host = true;
      Insert(Ref{name, value});
    }
    if (!have_host && Wanted(only_headers, "host"))
      Insert(Ref{"host", authority});
  }
  SortedHeaders(const SortedHeaders&) = delete;
  SortedHeaders& operator=(const SortedHeaders&) = delete;

  const Ref* data() const { return refs_; }
  std::size_t size() const { return n_; }

 private:
  static constexpr std::size_t kInline = 16;

  // Through locals: a store into a Ref may alias refs_ and n_ (a pointer
  // and a size_t), which would make every step reload them.
  void Insert(Ref ref) {
    Ref* refs = refs_;
    std::size_t i = n_++;
    while (i > 0 && ICompare(refs[i - 1].name, ref.name) > 0) {
      refs[i] = refs[i - 1];
      --i;
    }
    refs[i] = ref;
  }

  // Left uninitialised (a union with an empty constructor): Insert writes
  // each slot before it is read, and zeroing 16 slots (512 bytes) was the
  // hottest instruction of a cached-key signature.
  union InlineSlots {
    InlineSlots() {}
    Ref refs[kInline];
  } inline_;
  std::vector<Ref> heap_;
  Ref* refs_;
  std::size_t n_ = 0;
};

// `name:value[,value...]\n` per header (repeated names joined), then the blank
// line, then the signed header list, which also goes to `signed_headers`.
void AppendHeaderBlock(const SortedHeaders& sorted, std::string& t,
                       std::string& signed_headers) {
  // Locals, not the object's members: the character stores into `t` may
  // alias anything, so members would be reloaded after each one.
  const SortedHeaders::Ref* const refs = sorted.data();
  const std::size_t n = sorted.size();
  std::size_t signed_start = signed_headers.size();
  for (std::size_t i = 0; i < n;) {
    std::size_t name_at = t.size();
    t += refs[i].name;
    for (std::size_t k = name_at; k < t.size(); ++k) t[k] = LowerAscii(t[k]);
    std::string_view lower(t.data() + name_at, refs[i].name.size());
    if (signed_headers.size() > signed_start) signed_headers += ';';
    signed_headers += lower;
    t += ':';
    AppendCanonicalHeaderValue(refs[i].value, t);
    std::size_t j = i + 1;
    for (; j < n && IEquals(refs[j].name, refs[i].name); ++j) {
      t += ',';
      AppendCanonicalHeaderValue(refs[j].value, t);
    }
    t += '\n';
    i = j;
  }
  t += '\n';
  t.append(signed_headers, signed_start);
  t += '\n';
}

}  // namespace

Status AppendCanonicalRequest(const HttpRequest& request, bool normalize_path,
                              std::string_view payload_hash,
                              const std::vector<std::string>* only_headers,
                              std::string& t, std::string& signed_headers) {
  UrlView url;
  if (!SplitUrl(request.url, &url)) {
    StatusOr<Url> parsed = ParseUrl(request.url);
    if (!parsed.ok()) return parsed.status();
    return InvalidArgumentError("malformed URL");
  }
  SortedHeaders refs(request, only_headers, url.authority);
  t += request.method;
  t += '\n';
  if (!normalize_path || IsNormalPath(url.path)) {
    UriEncode(url.path, true, t);
  } else {
    UriEncode(NormalizePath(url.path), true, t);
  }
  t += '\n';
  if (!url.query.empty()) t += CanonicalQuery(url.query);
  t += '\n';
  AppendHeaderBlock(refs, t, signed_headers);
  t += payload_hash;
  return OkStatus();
}

}  // namespace keyward::aws::sigv4_internal
