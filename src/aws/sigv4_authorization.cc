// The receiving side of SigV4: parsing a request's Authorization header and
// checking its signature (keyward server).
#include <openssl/crypto.h>

#include <string>
#include <string_view>
#include <vector>

#include "aws/sigv4_canonical.h"
#include "core/text.h"
#include "keyward/aws/sigv4.h"

namespace keyward::aws {
namespace {

using sigv4_internal::kAlgorithm;

Status Malformed(std::string why) {
  return Status(StatusCode::kInvalidArgument,
                "malformed Authorization header: " + why,
                "IncompleteSignatureException");
}

// AKID/20150830/us-east-1/service/aws4_request
bool ParseCredential(std::string_view v, ParsedAuthorization& out) {
  std::vector<std::string_view> f;
  std::size_t s = 0;
  while (true) {
    std::size_t sl = v.find('/', s);
    f.push_back(v.substr(s, sl == std::string_view::npos ? v.npos : sl - s));
    if (sl == std::string_view::npos) break;
    s = sl + 1;
  }
  if (f.size() != 5 || f[4] != "aws4_request" || f[1].size() != 8 ||
      f[0].empty()) {
    return false;
  }
  out.access_key_id = std::string(f[0]);
  out.date = std::string(f[1]);
  out.region = std::string(f[2]);
  out.service = std::string(f[3]);
  return true;
}

// a;b;c, lowercased; empty names skipped.
void ParseSignedHeaders(std::string_view v, ParsedAuthorization& out) {
  std::size_t s = 0;
  while (s <= v.size()) {
    std::size_t semi = v.find(';', s);
    std::string_view h =
        v.substr(s, semi == std::string_view::npos ? v.npos : semi - s);
    if (!h.empty()) out.signed_headers.push_back(text::AsciiLower(h));
    if (semi == std::string_view::npos) break;
    s = semi + 1;
  }
}

// The next comma-separated component of `rest`, trimmed of spaces (and of
// the commas before it); empty when only separators were left.
std::string_view NextComponent(std::string_view& rest) {
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == ','))
    rest.remove_prefix(1);
  std::size_t comma = rest.find(',');
  std::string_view part = rest.substr(0, comma);
  rest = comma == std::string_view::npos ? std::string_view()
                                         : rest.substr(comma + 1);
  while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
  return part;
}

}  // namespace

StatusOr<ParsedAuthorization> ParseAuthorization(std::string_view header) {
  if (!header.starts_with(kAlgorithm) || header.size() <= kAlgorithm.size() ||
      header[kAlgorithm.size()] != ' ') {
    return Malformed(
        "expected 'AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., "
        "Signature=...'");
  }
  ParsedAuthorization out;
  std::string_view rest = header.substr(kAlgorithm.size() + 1);
  bool have_cred = false, have_signed = false, have_sig = false;
  while (!rest.empty()) {
    std::string_view part = NextComponent(rest);
    if (part.empty()) continue;
    std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) return Malformed("component without '='");
    std::string_view k = part.substr(0, eq), v = part.substr(eq + 1);
    if (k == "Credential") {
      if (!ParseCredential(v, out)) {
        return Malformed(
            "Credential must be AKID/YYYYMMDD/region/service/aws4_request");
      }
      have_cred = true;
    } else if (k == "SignedHeaders") {
      ParseSignedHeaders(v, out);
      have_signed = !out.signed_headers.empty();
    } else if (k == "Signature") {
      out.signature = std::string(v);
      have_sig = out.signature.size() == 64;
    }
  }
  if (!have_cred) return Malformed("missing Credential");
  if (!have_signed) return Malformed("missing SignedHeaders");
  if (!have_sig) return Malformed("missing or malformed Signature");
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
