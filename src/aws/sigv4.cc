#include "keyward/aws/sigv4.h"

// Only this file hashes for SigV4; see Sha256Parts.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <initializer_list>
#include <map>

#include "core/text.h"

namespace keyward::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
// SHA-256 of the empty payload.
constexpr char kEmptySha256[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// Zeroes secret material; the empty asm keeps the compiler from dropping the
// memset (OPENSSL_cleanse is a byte loop for these short buffers).
void Wipe(void* p, std::size_t n) {
  std::memset(p, 0, n);
  asm volatile("" : : "r"(p) : "memory");
}

// Two lowercase hex digits per byte value.
struct HexTable {
  char pairs[256][2];
  constexpr HexTable() : pairs() {
    constexpr char kDigits[] = "0123456789abcdef";
    for (int i = 0; i < 256; ++i) {
      pairs[i][0] = kDigits[i >> 4];
      pairs[i][1] = kDigits[i & 0xf];
    }
  }
};
constexpr HexTable kHexTable;

void HexInto(const unsigned char* p, std::size_t n, char* out) {
  for (std::size_t i = 0; i < n; ++i)
    std::memcpy(out + 2 * i, kHexTable.pairs[p[i]], 2);
}

std::string ToHex(const unsigned char* p, std::size_t n) {
  std::string out(n * 2, '\0');
  HexInto(p, n, out.data());
  return out;
}

// Streaming SHA-256 (OpenSSL's low-level interface, see Sha256Parts); the
// state is wiped on destruction.
class Sha256 {
 public:
  Sha256() { SHA256_Init(&ctx_); }
  ~Sha256() { Wipe(&ctx_, sizeof(ctx_)); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view s) { SHA256_Update(&ctx_, s.data(), s.size()); }
  void Update(const unsigned char* p, std::size_t n) {
    SHA256_Update(&ctx_, p, n);
  }
  void Final(unsigned char out[32]) { SHA256_Final(out, &ctx_); }

 private:
  SHA256_CTX ctx_;
};

// SHA-256 through OpenSSL's low-level interface: the EVP layer's per-call
// dispatch cost more than hashing these short inputs (SHA-NI is used either
// way). These functions are deprecated in OpenSSL 3 but fully supported.
void Sha256Parts(std::initializer_list<std::string_view> parts,
                 unsigned char out[32]) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  for (std::string_view p : parts) SHA256_Update(&ctx, p.data(), p.size());
  SHA256_Final(out, &ctx);
  Wipe(&ctx, sizeof(ctx));
}

// HMAC-SHA256 (RFC 2104) of the concatenation of `parts`.
SigningKey Hmac(const unsigned char* key, std::size_t key_len,
                std::initializer_list<std::string_view> parts) {
  constexpr std::size_t kBlock = 64;
  unsigned char k[kBlock] = {0};
  if (key_len > kBlock) {
    Sha256Parts({std::string_view(reinterpret_cast<const char*>(key), key_len)},
                k);
  } else {
    std::memcpy(k, key, key_len);
  }
  unsigned char pad[kBlock];
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = k[i] ^ 0x36;
  unsigned char inner[32];
  {
    Sha256 h;
    h.Update(pad, kBlock);
    for (std::string_view p : parts) h.Update(p);
    h.Final(inner);
  }
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = k[i] ^ 0x5c;
  SigningKey out{};
  {
    Sha256 h;
    h.Update(pad, kBlock);
    h.Update(inner, sizeof(inner));
    h.Final(out.data());
  }
  Wipe(k, sizeof(k));
  Wipe(pad, sizeof(pad));
  Wipe(inner, sizeof(inner));
  return out;
}
SigningKey Hmac(const unsigned char* key, std::size_t key_len,
                std::string_view data) {
  return Hmac(key, key_len, {data});
}

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

// Step 1 into `t` and `signed_headers` (appended). The headers are sorted in
// place of a std::map by a stable insertion sort of views (few headers).
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
  auto wanted = [only_headers](std::string_view name) {
    if (only_headers == nullptr) return true;
    for (const std::string& h : *only_headers) {
      if (IEquals(name, h)) return true;
    }
    return false;
  };
  struct Ref {
    std::string_view name, value;
  };
  constexpr std::size_t kInline = 16;
  Ref inline_refs[kInline];
  std::vector<Ref> heap_refs;
  Ref* refs = inline_refs;
  if (request.headers.size() + 1 > kInline) {
    heap_refs.resize(request.headers.size() + 1);
    refs = heap_refs.data();
  }
  std::size_t n = 0;
  bool have_host = false;
  for (const auto& [name, value] : request.headers) {
    if (!wanted(name)) continue;
    if (IEquals(name, "host")) have_host = true;
    // Stable insertion sort by lowercased name.
    std::size_t i = n++;
    while (i > 0 && ICompare(refs[i - 1].name, name) > 0) {
      refs[i] = refs[i - 1];
      --i;
    }
    refs[i] = Ref{name, value};
  }
  if (!have_host && wanted("host")) {
    std::size_t i = n++;
    while (i > 0 && ICompare(refs[i - 1].name, "host") > 0) {
      refs[i] = refs[i - 1];
      --i;
    }
    refs[i] = Ref{"host", url.authority};
  }

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
  t += payload_hash;
  return OkStatus();
}

// 1700000000 s -> "20231114T221320Z" (16 characters, no terminator), without
// gmtime/strftime (glibc's take a process-wide lock).
void FormatAmzDateInto(Clock::time_point tp, char out[16]) {
  std::int64_t secs =
      std::chrono::duration_cast<std::chrono::seconds>(tp.time_since_epoch())
          .count();
  std::int64_t days = secs / 86400, rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // Howard Hinnant's civil_from_days.
  std::int64_t z = days + 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  std::int64_t doe = z - era * 146097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = yoe + era * 400;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  auto put = [](char* p, std::int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  };
  put(out, y, 4);
  put(out + 4, m, 2);
  put(out + 6, d, 2);
  out[8] = 'T';
  put(out + 9, rem / 3600, 2);
  put(out + 11, rem / 60 % 60, 2);
  put(out + 13, rem % 60, 2);
  out[15] = 'Z';
}

}  // namespace

std::string HexSha256(std::string_view data) {
  unsigned char digest[32];
  Sha256Parts({data}, digest);
  return ToHex(digest, sizeof(digest));
}

StatusOr<CanonicalRequest> BuildCanonicalRequest(
    const HttpRequest& request, bool normalize_path,
    std::string_view payload_hash,
    const std::vector<std::string>* only_headers) {
  CanonicalRequest out;
  out.text.reserve(512);
  KW_RETURN_IF_ERROR(AppendCanonicalRequest(request, normalize_path,
                                            payload_hash, only_headers,
                                            out.text, out.signed_headers));
  return out;
}

std::string CredentialScope(std::string_view amz_date, std::string_view region,
                            std::string_view service) {
  std::string s(amz_date.substr(0, 8));
  s += '/';
  s += region;
  s += '/';
  s += service;
  s += "/aws4_request";
  return s;
}

std::string BuildStringToSign(std::string_view amz_date, std::string_view scope,
                              std::string_view canonical_request) {
  std::string s(kAlgorithm);
  s += '\n';
  s += amz_date;
  s += '\n';
  s += scope;
  s += '\n';
  s += HexSha256(canonical_request);
  return s;
}

SigningKey DeriveSigningKey(const SecretValue& secret_access_key,
                            std::string_view date, std::string_view region,
                            std::string_view service) {
  SecureString k = "AWS4";
  k += secret_access_key.Reveal();
  SigningKey date_key =
      Hmac(reinterpret_cast<const unsigned char*>(k.data()), k.size(), date);
  SigningKey region_key = Hmac(date_key.data(), date_key.size(), region);
  SigningKey service_key = Hmac(region_key.data(), region_key.size(), service);
  SigningKey signing =
      Hmac(service_key.data(), service_key.size(), "aws4_request");
  Wipe(date_key.data(), date_key.size());
  Wipe(region_key.data(), region_key.size());
  Wipe(service_key.data(), service_key.size());
  return signing;
}

std::string ComputeSignature(const SigningKey& key,
                             std::string_view string_to_sign) {
  SigningKey mac = Hmac(key.data(), key.size(), string_to_sign);
  return ToHex(mac.data(), mac.size());
}

SigningKeyCache::HmacState::HmacState() {
  std::memset(bytes, 0, sizeof(bytes));
}
SigningKeyCache::HmacState::~HmacState() { Wipe(bytes, sizeof(bytes)); }
SigningKeyCache::HmacState::HmacState(const HmacState& o) {
  std::memcpy(bytes, o.bytes, sizeof(bytes));
}
SigningKeyCache::HmacState& SigningKeyCache::HmacState::operator=(
    const HmacState& o) {
  std::memcpy(bytes, o.bytes, sizeof(bytes));
  return *this;
}

namespace {
static_assert(2 * sizeof(SHA256_CTX) <= sizeof(SigningKeyCache::HmacState));

SHA256_CTX* InnerCtx(SigningKeyCache::HmacState& s) {
  return reinterpret_cast<SHA256_CTX*>(s.bytes);
}
SHA256_CTX* OuterCtx(SigningKeyCache::HmacState& s) {
  return reinterpret_cast<SHA256_CTX*>(s.bytes + sizeof(SHA256_CTX));
}

void InitHmacState(const SigningKey& key, SigningKeyCache::HmacState* out) {
  unsigned char pad[64] = {0};
  std::memcpy(pad, key.data(), key.size());
  for (unsigned char& c : pad) c ^= 0x36;
  SHA256_Init(InnerCtx(*out));
  SHA256_Update(InnerCtx(*out), pad, sizeof(pad));
  for (unsigned char& c : pad) c ^= 0x36 ^ 0x5c;
  SHA256_Init(OuterCtx(*out));
  SHA256_Update(OuterCtx(*out), pad, sizeof(pad));
  Wipe(pad, sizeof(pad));
}

// HMAC-SHA256 of the concatenation of `parts` from a prepared state.
SigningKey HmacFromState(const SigningKeyCache::HmacState& state,
                         std::initializer_list<std::string_view> parts) {
  SigningKeyCache::HmacState s = state;
  unsigned char inner[32];
  for (std::string_view p : parts)
    SHA256_Update(InnerCtx(s), p.data(), p.size());
  SHA256_Final(inner, InnerCtx(s));
  SHA256_Update(OuterCtx(s), inner, sizeof(inner));
  SigningKey out{};
  SHA256_Final(out.data(), OuterCtx(s));
  Wipe(inner, sizeof(inner));
  return out;
}
}  // namespace

const SigningKeyCache::Entry& SigningKeyCache::FindOrDerive(
    std::string_view access_key_id, const SecretValue& secret,
    std::string_view date, std::string_view region, std::string_view service) {
  // e.scope == date/region/service, compared in place (no allocation).
  auto same_scope = [&](std::string_view scope) {
    if (scope.size() != date.size() + region.size() + service.size() + 2)
      return false;
    return scope.substr(0, date.size()) == date && scope[date.size()] == '/' &&
           scope.substr(date.size() + 1, region.size()) == region &&
           scope[date.size() + 1 + region.size()] == '/' &&
           scope.substr(date.size() + region.size() + 2) == service;
  };
  for (const Entry& e : entries_) {
    if (same_scope(e.scope) && e.access_key_id == access_key_id &&
        e.secret == secret) {
      return e;
    }
  }
  std::string scope(date);
  scope += '/';
  scope += region;
  scope += '/';
  scope += service;
  Entry e{std::string(access_key_id), secret, scope,
          DeriveSigningKey(secret, date, region, service), HmacState()};
  InitHmacState(e.key, &e.state);
  if (entries_.size() >= 8) {
    OPENSSL_cleanse(entries_.front().key.data(), entries_.front().key.size());
    entries_.erase(entries_.begin());
  }
  entries_.push_back(std::move(e));
  return entries_.back();
}

SigningKey SigningKeyCache::Get(const Credentials& creds, std::string_view date,
                                std::string_view region,
                                std::string_view service) {
  std::lock_guard<std::mutex> lock(mu_);
  return FindOrDerive(creds.access_key_id, creds.secret_access_key, date,
                      region, service)
      .key;
}

SigningKey SigningKeyCache::Get(std::string_view access_key_id,
                                const SecretValue& secret,
                                std::string_view date, std::string_view region,
                                std::string_view service) {
  std::lock_guard<std::mutex> lock(mu_);
  return FindOrDerive(access_key_id, secret, date, region, service).key;
}

SigningKeyCache::HmacState SigningKeyCache::GetState(const Credentials& creds,
                                                     std::string_view date,
                                                     std::string_view region,
                                                     std::string_view service) {
  std::lock_guard<std::mutex> lock(mu_);
  return FindOrDerive(creds.access_key_id, creds.secret_access_key, date,
                      region, service)
      .state;
}

Status SignRequest(HttpRequest& request, const Credentials& creds,
                   const SigningParams& params, SigningKeyCache* cache) {
  if (creds.access_key_id.empty() || creds.secret_access_key.empty()) {
    return InvalidArgumentError(
        "cannot sign: credentials have no access key id or secret key");
  }
  char amz_date_buf[16];
  FormatAmzDateInto(params.time, amz_date_buf);
  const std::string_view amz_date(amz_date_buf, sizeof(amz_date_buf));
  request.headers.reserve(request.headers.size() + 4);
  request.SetHeader("X-Amz-Date", std::string(amz_date));
  bool token = !creds.session_token.empty();
  if (token && !params.omit_session_token) {
    request.SetHeader("X-Amz-Security-Token",
                      std::string(creds.session_token.Reveal()));
  }
  char payload_hash_buf[64];
  if (request.body.empty()) {
    std::memcpy(payload_hash_buf, kEmptySha256, 64);
  } else {
    unsigned char digest[32];
    Sha256Parts({std::string_view(request.body.data(), request.body.size())},
                digest);
    HexInto(digest, sizeof(digest), payload_hash_buf);
  }
  const std::string_view payload_hash(payload_hash_buf,
                                      sizeof(payload_hash_buf));
  if (params.sign_body_header)
    request.SetHeader("x-amz-content-sha256", std::string(payload_hash));

  // Steps 1 and 2, streamed: the canonical request is hashed as built, and
  // the string to sign is fed to the HMAC in parts.
  char canonical_hash[64];
  std::string signed_headers;
  signed_headers.reserve(64);
  {
    std::string canonical;
    canonical.reserve(512);
    KW_RETURN_IF_ERROR(AppendCanonicalRequest(request, params.normalize_path,
                                              payload_hash, nullptr, canonical,
                                              signed_headers));
    unsigned char digest[32];
    Sha256Parts({canonical}, digest);
    HexInto(digest, sizeof(digest), canonical_hash);
    // It may contain X-Amz-Security-Token.
    Wipe(canonical.data(), canonical.size());
  }
  const std::string_view date = amz_date.substr(0, 8);
  const std::initializer_list<std::string_view> string_to_sign = {
      kAlgorithm,
      "\n",
      amz_date,
      "\n",
      date,
      "/",
      params.region,
      "/",
      params.service,
      "/aws4_request\n",
      std::string_view(canonical_hash, 64)};
  SigningKey mac;
  if (cache != nullptr) {
    mac = HmacFromState(
        cache->GetState(creds, date, params.region, params.service),
        string_to_sign);
  } else {
    SigningKey key = DeriveSigningKey(creds.secret_access_key, date,
                                      params.region, params.service);
    mac = Hmac(key.data(), key.size(), string_to_sign);
    Wipe(key.data(), key.size());
  }
  char signature[64];
  HexInto(mac.data(), mac.size(), signature);

  std::string authz;
  authz.reserve(kAlgorithm.size() + 12 + creds.access_key_id.size() + 1 + 8 +
                params.region.size() + params.service.size() + 16 + 16 +
                signed_headers.size() + 12 + 64);
  authz += kAlgorithm;
  authz += " Credential=";
  authz += creds.access_key_id;
  authz += '/';
  authz += date;
  authz += '/';
  authz += params.region;
  authz += '/';
  authz += params.service;
  authz += "/aws4_request, SignedHeaders=";
  authz += signed_headers;
  authz += ", Signature=";
  authz.append(signature, sizeof(signature));
  if (token && params.omit_session_token) {
    request.SetHeader("X-Amz-Security-Token",
                      std::string(creds.session_token.Reveal()));
  }
  request.SetHeader("Authorization", std::move(authz));
  return OkStatus();
}

StatusOr<ParsedAuthorization> ParseAuthorization(std::string_view header) {
  auto bad = [](std::string why) {
    return Status(StatusCode::kInvalidArgument,
                  "malformed Authorization header: " + why,
                  "IncompleteSignatureException");
  };
  if (!header.starts_with(kAlgorithm) || header.size() <= kAlgorithm.size() ||
      header[kAlgorithm.size()] != ' ') {
    return bad(
        "expected 'AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., "
        "Signature=...'");
  }
  ParsedAuthorization out;
  std::string_view rest = header.substr(kAlgorithm.size() + 1);
  bool have_cred = false, have_signed = false, have_sig = false;
  while (!rest.empty()) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == ','))
      rest.remove_prefix(1);
    std::size_t comma = rest.find(',');
    std::string_view part = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view()
                                           : rest.substr(comma + 1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (part.empty()) continue;
    std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) return bad("component without '='");
    std::string_view k = part.substr(0, eq), v = part.substr(eq + 1);
    if (k == "Credential") {
      // AKID/20150830/us-east-1/service/aws4_request
      std::vector<std::string_view> f;
      std::size_t s = 0;
      while (true) {
        std::size_t sl = v.find('/', s);
        f.push_back(
            v.substr(s, sl == std::string_view::npos ? v.npos : sl - s));
        if (sl == std::string_view::npos) break;
        s = sl + 1;
      }
      if (f.size() != 5 || f[4] != "aws4_request" || f[1].size() != 8 ||
          f[0].empty()) {
        return bad(
            "Credential must be AKID/YYYYMMDD/region/service/aws4_request");
      }
      out.access_key_id = std::string(f[0]);
      out.date = std::string(f[1]);
      out.region = std::string(f[2]);
      out.service = std::string(f[3]);
      have_cred = true;
    } else if (k == "SignedHeaders") {
      std::size_t s = 0;
      while (s <= v.size()) {
        std::size_t semi = v.find(';', s);
        std::string_view h =
            v.substr(s, semi == std::string_view::npos ? v.npos : semi - s);
        if (!h.empty()) out.signed_headers.push_back(text::AsciiLower(h));
        if (semi == std::string_view::npos) break;
        s = semi + 1;
      }
      have_signed = !out.signed_headers.empty();
    } else if (k == "Signature") {
      out.signature = std::string(v);
      have_sig = out.signature.size() == 64;
    }
  }
  if (!have_cred) return bad("missing Credential");
  if (!have_signed) return bad("missing SignedHeaders");
  if (!have_sig) return bad("missing or malformed Signature");
  return out;
}

Status VerifySignature(const HttpRequest& request,
                       const ParsedAuthorization& auth,
                       const SecretValue& secret, std::string_view amz_date,
                       bool normalize_path, SigningKeyCache* cache) {
  std::string payload_hash;
  if (auto h = request.Header("x-amz-content-sha256");
      h && *h != "UNSIGNED-PAYLOAD") {
    payload_hash = std::string(*h);
  } else {
    payload_hash =
        HexSha256(std::string_view(request.body.data(), request.body.size()));
  }
  KW_ASSIGN_OR_RETURN(
      CanonicalRequest canonical,
      BuildCanonicalRequest(request, normalize_path, payload_hash,
                            &auth.signed_headers));
  std::string scope = CredentialScope(auth.date, auth.region, auth.service);
  std::string to_sign = BuildStringToSign(amz_date, scope, canonical.text);
  SigningKey key =
      cache != nullptr
          ? cache->Get(auth.access_key_id, secret, auth.date, auth.region,
                       auth.service)
          : DeriveSigningKey(secret, auth.date, auth.region, auth.service);
  std::string expected = ComputeSignature(key, to_sign);
  OPENSSL_cleanse(key.data(), key.size());
  if (expected.size() != auth.signature.size() ||
      CRYPTO_memcmp(expected.data(), auth.signature.data(), expected.size()) !=
          0) {
    return Status(
        StatusCode::kUnauthenticated,
        "The request signature we calculated does not match the signature you "
        "provided. Check your AWS Secret Access Key and signing method.",
        "SignatureDoesNotMatch");
  }
  return OkStatus();
}

}  // namespace keyward::aws
