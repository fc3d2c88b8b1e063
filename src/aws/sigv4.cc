#include "keyward/aws/sigv4.h"

// Only this file hashes for SigV4; see Sha256Parts.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>
#include <initializer_list>

#include "aws/sigv4_canonical.h"

namespace keyward::aws {
namespace {

using sigv4_internal::AppendCanonicalRequest;
using sigv4_internal::kAlgorithm;

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

namespace {

// Hex SHA-256 of the body (64 characters, no terminator).
void PayloadHashInto(const HttpRequest& request, char out[64]) {
  if (request.body.empty()) {
    std::memcpy(out, kEmptySha256, 64);
    return;
  }
  unsigned char digest[32];
  Sha256Parts({std::string_view(request.body.data(), request.body.size())},
              digest);
  HexInto(digest, sizeof(digest), out);
}

// Step 1, streamed: the hex hash of the canonical request (64 characters)
// into `out`, its signed header list into `signed_headers`.
Status HashCanonicalRequest(const HttpRequest& request,
                            const SigningParams& params,
                            std::string_view payload_hash,
                            std::string& signed_headers, char out[64]) {
  std::string canonical;
  canonical.reserve(512);
  KW_RETURN_IF_ERROR(AppendCanonicalRequest(request, params.normalize_path,
                                            payload_hash, nullptr, canonical,
                                            signed_headers));
  unsigned char digest[32];
  Sha256Parts({canonical}, digest);
  HexInto(digest, sizeof(digest), out);
  // It may contain X-Amz-Security-Token.
  Wipe(canonical.data(), canonical.size());
  return OkStatus();
}

// Steps 2 and 3: the string to sign is fed to the HMAC in parts, from the
// cache's prepared state when there is one, else with a derived key.
SigningKey SignStringToSign(const Credentials& creds,
                            const SigningParams& params,
                            std::string_view amz_date,
                            std::string_view canonical_hash,
                            const SigningKeyCache::HmacState* state) {
  const std::string_view date = amz_date.substr(0, 8);
  const std::initializer_list<std::string_view> string_to_sign = {
      kAlgorithm,    "\n",          amz_date, "\n",           date,
      "/",           params.region, "/",      params.service, "/aws4_request\n",
      canonical_hash};
  if (state != nullptr) return HmacFromState(*state, string_to_sign);
  SigningKey key = DeriveSigningKey(creds.secret_access_key, date,
                                    params.region, params.service);
  SigningKey mac = Hmac(key.data(), key.size(), string_to_sign);
  Wipe(key.data(), key.size());
  return mac;
}

// Step 4: `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
std::string AuthorizationHeader(const Credentials& creds,
                                const SigningParams& params,
                                std::string_view date,
                                std::string_view signed_headers,
                                const SigningKey& mac) {
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
  return authz;
}

}  // namespace

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
  PayloadHashInto(request, payload_hash_buf);
  const std::string_view payload_hash(payload_hash_buf,
                                      sizeof(payload_hash_buf));
  if (params.sign_body_header)
    request.SetHeader("x-amz-content-sha256", std::string(payload_hash));

  char canonical_hash[64];
  std::string signed_headers;
  signed_headers.reserve(64);
  KW_RETURN_IF_ERROR(HashCanonicalRequest(request, params, payload_hash,
                                          signed_headers, canonical_hash));
  const std::string_view date = amz_date.substr(0, 8);
  const std::string_view hash(canonical_hash, sizeof(canonical_hash));
  SigningKey mac;
  if (cache != nullptr) {
    SigningKeyCache::HmacState state =
        cache->GetState(creds, date, params.region, params.service);
    mac = SignStringToSign(creds, params, amz_date, hash, &state);
  } else {
    mac = SignStringToSign(creds, params, amz_date, hash, nullptr);
  }
  std::string authz =
      AuthorizationHeader(creds, params, date, signed_headers, mac);
  if (token && params.omit_session_token) {
    request.SetHeader("X-Amz-Security-Token",
                      std::string(creds.session_token.Reveal()));
  }
  request.SetHeader("Authorization", std::move(authz));
  return OkStatus();
}

}  // namespace keyward::aws
