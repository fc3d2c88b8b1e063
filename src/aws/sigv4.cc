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

namespace keyward::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr char kHex[] = "0123456789abcdef";

std::string ToHex(const unsigned char* p, std::size_t n) {
  std::string out(n * 2, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 0xf];
  }
  return out;
}

// SHA-256 through OpenSSL's low-level interface: the EVP layer's per-call
// dispatch cost more than hashing these short inputs (SHA-NI is used either
// way). These functions are deprecated in OpenSSL 3 but fully supported.
void Sha256Parts(std::initializer_list<std::string_view> parts,
                 unsigned char out[32]) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  for (std::string_view p : parts) SHA256_Update(&ctx, p.data(), p.size());
  SHA256_Final(out, &ctx);
  OPENSSL_cleanse(&ctx, sizeof(ctx));
}

// HMAC-SHA256 (RFC 2104) over the reused digest context.
SigningKey Hmac(const unsigned char* key, std::size_t key_len,
                std::string_view data) {
  constexpr std::size_t kBlock = 64;
  unsigned char k[kBlock] = {0};
  if (key_len > kBlock) {
    Sha256Parts({std::string_view(reinterpret_cast<const char*>(key), key_len)},
                k);
  } else {
    std::memcpy(k, key, key_len);
  }
  unsigned char ipad[kBlock], opad[kBlock];
  for (std::size_t i = 0; i < kBlock; ++i) {
    ipad[i] = k[i] ^ 0x36;
    opad[i] = k[i] ^ 0x5c;
  }
  unsigned char inner[32];
  Sha256Parts({std::string_view(reinterpret_cast<char*>(ipad), kBlock), data},
              inner);
  SigningKey out{};
  Sha256Parts({std::string_view(reinterpret_cast<char*>(opad), kBlock),
               std::string_view(reinterpret_cast<char*>(inner), sizeof(inner))},
              out.data());
  OPENSSL_cleanse(k, sizeof(k));
  OPENSSL_cleanse(ipad, sizeof(ipad));
  OPENSSL_cleanse(opad, sizeof(opad));
  OPENSSL_cleanse(inner, sizeof(inner));
  return out;
}

bool IsUnreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
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

// Trims and collapses runs of whitespace (including folded lines).
std::string CanonicalHeaderValue(std::string_view v) {
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  };
  bool clean = v.empty() || (!is_space(v.front()) && !is_space(v.back()));
  for (std::size_t i = 0; clean && i < v.size(); ++i) {
    if (is_space(v[i]) && (v[i] != ' ' || is_space(v[i + 1]))) clean = false;
  }
  if (clean) return std::string(v);
  std::string out;
  out.reserve(v.size());
  bool in_space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      in_space = true;
      continue;
    }
    if (in_space && !out.empty()) out += ' ';
    in_space = false;
    out += c;
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
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
  KW_ASSIGN_OR_RETURN(Url url, ParseUrl(request.url));
  // Canonical headers: lowercase name -> values in order of appearance.
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : request.headers) {
    std::string key = Lower(name);
    if (only_headers != nullptr &&
        std::find(only_headers->begin(), only_headers->end(), key) ==
            only_headers->end()) {
      continue;
    }
    auto [it, inserted] = headers.emplace(key, CanonicalHeaderValue(value));
    if (!inserted) {
      it->second += ',';
      it->second += CanonicalHeaderValue(value);
    }
  }
  bool want_host = only_headers == nullptr ||
                   std::find(only_headers->begin(), only_headers->end(),
                             "host") != only_headers->end();
  if (want_host && headers.find("host") == headers.end())
    headers["host"] = url.authority;

  CanonicalRequest out;
  std::string& t = out.text;
  t.reserve(256);
  t += request.method;
  t += '\n';
  UriEncode(normalize_path ? NormalizePath(url.path) : url.path, true, t);
  t += '\n';
  t += CanonicalQuery(url.query);
  t += '\n';
  for (const auto& [name, value] : headers) {
    t += name;
    t += ':';
    t += value;
    t += '\n';
    if (!out.signed_headers.empty()) out.signed_headers += ';';
    out.signed_headers += name;
  }
  t += '\n';
  t += out.signed_headers;
  t += '\n';
  t += payload_hash;
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
  OPENSSL_cleanse(date_key.data(), date_key.size());
  OPENSSL_cleanse(region_key.data(), region_key.size());
  OPENSSL_cleanse(service_key.data(), service_key.size());
  return signing;
}

std::string ComputeSignature(const SigningKey& key,
                             std::string_view string_to_sign) {
  SigningKey mac = Hmac(key.data(), key.size(), string_to_sign);
  return ToHex(mac.data(), mac.size());
}

SigningKey SigningKeyCache::Get(const Credentials& creds, std::string_view date,
                                std::string_view region,
                                std::string_view service) {
  std::string scope(date);
  scope += '/';
  scope += region;
  scope += '/';
  scope += service;
  std::lock_guard<std::mutex> lock(mu_);
  for (const Entry& e : entries_) {
    if (e.scope == scope && e.access_key_id == creds.access_key_id &&
        e.secret == creds.secret_access_key) {
      return e.key;
    }
  }
  Entry e{creds.access_key_id, creds.secret_access_key, scope,
          DeriveSigningKey(creds.secret_access_key, date, region, service)};
  if (entries_.size() >= 8) {
    OPENSSL_cleanse(entries_.front().key.data(), entries_.front().key.size());
    entries_.erase(entries_.begin());
  }
  entries_.push_back(std::move(e));
  return entries_.back().key;
}

Status SignRequest(HttpRequest& request, const Credentials& creds,
                   const SigningParams& params, SigningKeyCache* cache) {
  if (creds.access_key_id.empty() || creds.secret_access_key.empty()) {
    return InvalidArgumentError(
        "cannot sign: credentials have no access key id or secret key");
  }
  std::string amz_date = FormatAmzDate(params.time);
  request.SetHeader("X-Amz-Date", amz_date);
  bool token = !creds.session_token.empty();
  if (token && !params.omit_session_token) {
    request.SetHeader("X-Amz-Security-Token",
                      std::string(creds.session_token.Reveal()));
  }
  std::string payload_hash =
      HexSha256(std::string_view(request.body.data(), request.body.size()));
  if (params.sign_body_header)
    request.SetHeader("x-amz-content-sha256", payload_hash);
  KW_ASSIGN_OR_RETURN(
      CanonicalRequest canonical,
      BuildCanonicalRequest(request, params.normalize_path, payload_hash));
  std::string scope = CredentialScope(amz_date, params.region, params.service);
  std::string to_sign = BuildStringToSign(amz_date, scope, canonical.text);
  std::string_view date = std::string_view(amz_date).substr(0, 8);
  SigningKey key = cache != nullptr
                       ? cache->Get(creds, date, params.region, params.service)
                       : DeriveSigningKey(creds.secret_access_key, date,
                                          params.region, params.service);
  std::string authz(kAlgorithm);
  authz += " Credential=";
  authz += creds.access_key_id;
  authz += '/';
  authz += scope;
  authz += ", SignedHeaders=";
  authz += canonical.signed_headers;
  authz += ", Signature=";
  authz += ComputeSignature(key, to_sign);
  OPENSSL_cleanse(key.data(), key.size());
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
        if (!h.empty()) out.signed_headers.push_back(Lower(h));
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
                       bool normalize_path) {
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
      DeriveSigningKey(secret, auth.date, auth.region, auth.service);
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
