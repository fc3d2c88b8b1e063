// AWS Signature Version 4 (header signing), as pure stages with the signing
// time passed in, following the AWS SigV4 specification:
//
//   1. BuildCanonicalRequest   method, canonical URI, canonical query,
//                              canonical headers, signed headers, payload hash
//   2. BuildStringToSign       algorithm, X-Amz-Date, scope, hash(step 1)
//   3. DeriveSigningKey        HMAC chain over date/region/service/aws4_request
//   4. ComputeSignature        hex(HMAC(key, step 2))
//   5. SignRequest             adds X-Amz-Date, X-Amz-Security-Token and
//                              Authorization to the request
//
// VerifyRequest is the server side: it recomputes the signature of a received
// request from its Authorization header.
//
// Thread-safety: free functions are pure; SigningKeyCache is thread-safe.
#ifndef KEYWARD_AWS_SIGV4_H_
#define KEYWARD_AWS_SIGV4_H_

#include <array>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyward/aws/credentials.h"
#include "keyward/env.h"
#include "keyward/http/http_client.h"
#include "keyward/status.h"

namespace keyward::aws {

using SigningKey = std::array<unsigned char, 32>;

struct SigningParams {
  std::string region;
  std::string service;
  Clock::time_point time;
  // Remove dot segments and duplicate slashes from the path (every service
  // except S3).
  bool normalize_path = true;
  // Add an x-amz-content-sha256 header carrying the payload hash (and sign it).
  bool sign_body_header = false;
  // Add X-Amz-Security-Token after signing instead of signing it (some
  // services, e.g. IoT, want this). Default: signed, like every AWS SDK.
  bool omit_session_token = false;
};

struct CanonicalRequest {
  std::string text;            // the canonical request
  std::string signed_headers;  // "host;x-amz-date"
};

// Step 1. Signs every header of `request` (names lowercased, values trimmed,
// inner whitespace runs collapsed, duplicates joined with ',') unless
// `only_headers` (lowercase names) restricts the set. A Host header is
// derived from the URL when absent. INVALID_ARGUMENT for a malformed URL.
StatusOr<CanonicalRequest> BuildCanonicalRequest(
    const HttpRequest& request, bool normalize_path,
    std::string_view payload_hash,
    const std::vector<std::string>* only_headers = nullptr);

// "20150830/us-east-1/service/aws4_request"
std::string CredentialScope(std::string_view amz_date, std::string_view region,
                            std::string_view service);

// Step 2.
std::string BuildStringToSign(std::string_view amz_date, std::string_view scope,
                              std::string_view canonical_request);

// Step 3. `date` is YYYYMMDD.
SigningKey DeriveSigningKey(const SecretValue& secret_access_key,
                            std::string_view date, std::string_view region,
                            std::string_view service);

// Step 4: lowercase hex HMAC-SHA256.
std::string ComputeSignature(const SigningKey& key,
                             std::string_view string_to_sign);

std::string HexSha256(std::string_view data);

// Caches derived signing keys per (access key, date, region, service): the
// key changes once a day, so steady-state signing costs one HMAC.
class SigningKeyCache {
 public:
  SigningKey Get(const Credentials& creds, std::string_view date,
                 std::string_view region, std::string_view service);
  // The same for a verifier, which holds the key pair but no Credentials.
  SigningKey Get(std::string_view access_key_id, const SecretValue& secret,
                 std::string_view date, std::string_view region,
                 std::string_view service);

  // The HMAC-SHA256 state of a signing key after its inner and outer pads
  // were absorbed (two SHA256_CTX, opaque here): signing with it saves two of
  // the signature's SHA-256 blocks. Wiped on destruction.
  struct HmacState {
    alignas(8) unsigned char bytes[256];
    HmacState();
    ~HmacState();
    HmacState(const HmacState&);
    HmacState& operator=(const HmacState&);
  };

 private:
  friend Status SignRequest(HttpRequest& request, const Credentials& creds,
                            const SigningParams& params,
                            SigningKeyCache* cache);
  // Like Get, but the key's HMAC state.
  HmacState GetState(const Credentials& creds, std::string_view date,
                     std::string_view region, std::string_view service);
  // The entry for the key, derived when absent (caller holds mu_).
  struct Entry;
  const Entry& FindOrDerive(std::string_view access_key_id,
                            const SecretValue& secret, std::string_view date,
                            std::string_view region, std::string_view service);

  struct Entry {
    std::string access_key_id;
    SecretValue secret;
    std::string scope;  // date/region/service
    SigningKey key{};
    HmacState state;
  };
  std::mutex mu_;
  std::vector<Entry> entries_;  // few entries; most recent last
};

// Step 5. Signs `request` in place. `cache` may be null.
// INVALID_ARGUMENT for a malformed URL or missing credentials.
Status SignRequest(HttpRequest& request, const Credentials& creds,
                   const SigningParams& params,
                   SigningKeyCache* cache = nullptr);

// The parts of an "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
// Signature=..." header.
struct ParsedAuthorization {
  std::string access_key_id;
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;
  std::string signature;
};
// INVALID_ARGUMENT (AWS: IncompleteSignature) when malformed.
StatusOr<ParsedAuthorization> ParseAuthorization(std::string_view header);

// Recomputes the signature of a received request with `secret` and compares
// it in constant time. UNAUTHENTICATED ("SignatureDoesNotMatch") on mismatch.
// With `cache`, the signing key is derived once per key, day, region and
// service (a server verifying many requests of the same principal).
Status VerifySignature(const HttpRequest& request,
                       const ParsedAuthorization& auth,
                       const SecretValue& secret, std::string_view amz_date,
                       bool normalize_path = true,
                       SigningKeyCache* cache = nullptr);

}  // namespace keyward::aws

#endif  // KEYWARD_AWS_SIGV4_H_
