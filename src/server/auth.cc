#include "keyward/server/auth.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <functional>

#include "keyward/aws/shared_config.h"
#include "keyward/aws/sigv4.h"

namespace keyward::server {
namespace {

Status AuthError(std::string type, std::string message) {
  return Status(StatusCode::kUnauthenticated, std::move(message),
                std::move(type));
}

bool KeyIs(const std::string& key, std::string_view want) {
  if (key.size() != want.size()) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(key[i])) != want[i])
      return false;
  }
  return true;
}

}  // namespace

bool IsPartitionRegion(std::string_view r) {
  static constexpr std::string_view kPrefixes[] = {"us", "eu", "ap", "sa", "ca",
                                                   "me", "af", "il", "mx"};
  auto word = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  };
  if (r.size() < 6 || r[2] != '-') return false;
  if (std::find(std::begin(kPrefixes), std::end(kPrefixes), r.substr(0, 2)) ==
      std::end(kPrefixes)) {
    return false;
  }
  // "-\w+-\d+" after the prefix; \w+ is greedy, so the last '-' ends it.
  std::size_t last = r.rfind('-');
  if (last <= 3 || last + 1 == r.size()) return false;
  for (std::size_t i = 3; i < last; ++i) {
    if (!word(r[i])) return false;
  }
  for (std::size_t i = last + 1; i < r.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(r[i]))) return false;
  }
  return true;
}

StatusOr<std::vector<AccessKey>> ParseCredentialsFile(std::string_view text,
                                                      std::string_view path) {
  KW_ASSIGN_OR_RETURN(aws::IniFile ini, aws::ParseIni(text, path));
  std::vector<AccessKey> keys;
  for (const auto& section : ini.sections) {
    AccessKey key;
    key.profile = section.name;
    if (key.profile.starts_with("profile "))
      key.profile = key.profile.substr(8);
    bool has_secret = false;
    for (const auto& e : section.entries) {
      if (KeyIs(e.key, "aws_access_key_id")) key.access_key_id = e.value;
      if (KeyIs(e.key, "aws_secret_access_key")) {
        key.secret_access_key = SecretValue(e.value);
        has_secret = true;
      }
      if (KeyIs(e.key, "aws_session_token"))
        key.session_token = SecretValue(e.value);
    }
    if (key.access_key_id.empty() && !has_secret) continue;
    if (key.access_key_id.empty() || !has_secret) {
      return InvalidArgumentError(std::string(path) + ":" +
                                  std::to_string(section.line) + ": profile [" +
                                  section.name +
                                  "] has only half of an access key pair");
    }
    keys.push_back(std::move(key));
  }
  return keys;
}

RequestAuthenticator::RequestAuthenticator(std::vector<AccessKey> keys,
                                           AuthOptions options)
    : options_(std::move(options)) {
  for (auto& k : keys) {
    std::string id = k.access_key_id;
    keys_.emplace(std::move(id), std::move(k));
  }
}

StatusOr<const AccessKey*> RequestAuthenticator::FindKey(
    std::string_view access_key_id, std::optional<std::string_view> token,
    std::shared_ptr<const AccessKey>* session) const {
  if (auto it = keys_.find(access_key_id); it != keys_.end())
    return &it->second;
  if (options_.sessions == nullptr || !token) {
    return AuthError("UnrecognizedClientException",
                     "The security token included in the request is invalid.");
  }
  KW_ASSIGN_OR_RETURN(*session,
                      options_.sessions->SessionKey(access_key_id, *token));
  return session->get();
}

aws::SigningKeyCache& RequestAuthenticator::KeyCacheFor(
    std::string_view access_key_id) const {
  return key_caches_[std::hash<std::string_view>{}(access_key_id) % kKeyCaches];
}

namespace {

Status InvalidSignature(std::string message) {
  return AuthError("InvalidSignatureException", std::move(message));
}

bool Signed(const aws::ParsedAuthorization& auth, std::string_view header) {
  return std::find(auth.signed_headers.begin(), auth.signed_headers.end(),
                   header) != auth.signed_headers.end();
}

// The request's session token equals the key's (none for a long-term key),
// compared in constant time.
Status CheckSessionToken(const AccessKey& key,
                         std::optional<std::string_view> token) {
  std::string_view want_token = key.session_token.Reveal();
  std::string_view got_token = token.value_or("");
  if (want_token.size() != got_token.size() ||
      CRYPTO_memcmp(want_token.data(), got_token.data(), got_token.size()) !=
          0) {
    return AuthError("UnrecognizedClientException",
                     "The security token included in the request is invalid.");
  }
  return OkStatus();
}

Status CheckSignedHeaders(const HttpRequest& request,
                          const aws::ParsedAuthorization& auth) {
  if (!Signed(auth, "host")) {
    return InvalidSignature(
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS "
        "Authorization.");
  }
  // The operation is chosen by X-Amz-Target; unsigned, it could be changed
  // in flight (a captured GetSecretValue replayed as DeleteSecret).
  if (request.Header("x-amz-target") && !Signed(auth, "x-amz-target")) {
    return InvalidSignature(
        "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.");
  }
  return OkStatus();
}

// X-Amz-Date (YYYYMMDD'T'HHMMSS'Z'), which must agree with the credential
// scope's date.
StatusOr<Clock::time_point> ParseRequestDate(
    const std::string& date, const aws::ParsedAuthorization& auth) {
  auto when = ParseIso8601(date.size() == 16
                               ? date.substr(0, 4) + "-" + date.substr(4, 2) +
                                     "-" + date.substr(6, 5) + ":" +
                                     date.substr(11, 2) + ":" + date.substr(13)
                               : std::string("invalid"));
  if (!when.ok()) {
    return AuthError(
        "IncompleteSignatureException",
        "X-Amz-Date must be in ISO 8601 basic format (YYYYMMDD'T'HHMMSS'Z').");
  }
  if (date.substr(0, 8) != auth.date) {
    return InvalidSignature(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
        "version of date from HTTP: '" +
        auth.date + "' != '" + date.substr(0, 8) + "'");
  }
  return *when;
}

// The credential scope names `service` and a region this server serves.
Status CheckScope(const aws::ParsedAuthorization& auth,
                  std::string_view service,
                  const std::vector<std::string>& regions) {
  if (auth.service != service) {
    return InvalidSignature(
        "Credential should be scoped to correct service: '" +
        std::string(service) + "'.");
  }
  if (!IsPartitionRegion(auth.region)) {
    return InvalidSignature(
        "Credential should be scoped to a valid region, not '" + auth.region +
        "'. ");
  }
  if (!regions.empty() &&
      std::find(regions.begin(), regions.end(), auth.region) == regions.end()) {
    std::string served;
    for (const auto& r : regions)
      served += (served.empty() ? "'" : ", '") + r + "'";
    return InvalidSignature(
        "Credential should be scoped to a valid region, not '" + auth.region +
        "'. This keyward server serves " + served + " (--region).");
  }
  return OkStatus();
}

Status CheckSkew(Clock::time_point when, const std::string& date,
                 Clock::time_point now, Clock::duration max_skew) {
  if (when < now - max_skew) {
    return InvalidSignature("Signature expired: " + date +
                            " is now earlier than " +
                            FormatAmzDate(now - max_skew) + " (" +
                            FormatAmzDate(now) + " - 15 min.)");
  }
  if (when > now + max_skew) {
    return InvalidSignature("Signature not yet current: " + date +
                            " is still later than " +
                            FormatAmzDate(now + max_skew) + " (" +
                            FormatAmzDate(now) + " + 15 min.)");
  }
  return OkStatus();
}

// A signed x-amz-content-sha256 must be the body's hash.
Status CheckPayloadHash(const HttpRequest& request) {
  if (auto h = request.Header("x-amz-content-sha256");
      h && *h != "UNSIGNED-PAYLOAD") {
    if (*h != aws::HexSha256(
                  std::string_view(request.body.data(), request.body.size()))) {
      return InvalidSignature(
          "The provided 'x-amz-content-sha256' header does not match what was "
          "computed.");
    }
  }
  return OkStatus();
}

}  // namespace

StatusOr<VerifiedRequest> RequestAuthenticator::Verify(
    const HttpRequest& request, std::string_view service) const {
  if (service.empty()) service = options_.service;
  std::optional<std::string_view> header = request.Header("authorization");
  if (!header) {
    return AuthError("MissingAuthenticationTokenException",
                     "Missing Authentication Token");
  }
  auto parsed = aws::ParseAuthorization(*header);
  if (!parsed.ok())
    return AuthError("IncompleteSignatureException", parsed.status().message());
  const aws::ParsedAuthorization& auth = *parsed;
  std::optional<std::string_view> token =
      request.Header("x-amz-security-token");
  std::shared_ptr<const AccessKey> session;
  KW_ASSIGN_OR_RETURN(const AccessKey* found,
                      FindKey(auth.access_key_id, token, &session));
  const AccessKey& key = *found;
  KW_RETURN_IF_ERROR(CheckSessionToken(key, token));
  std::optional<std::string_view> amz_date = request.Header("x-amz-date");
  if (!amz_date) {
    return AuthError(
        "IncompleteSignatureException",
        "Authorization header requires existence of a 'X-Amz-Date' header.");
  }
  KW_RETURN_IF_ERROR(CheckSignedHeaders(request, auth));
  std::string date(*amz_date);
  KW_ASSIGN_OR_RETURN(Clock::time_point when, ParseRequestDate(date, auth));
  KW_RETURN_IF_ERROR(CheckScope(auth, service, options_.regions));
  KW_RETURN_IF_ERROR(
      CheckSkew(when, date, options_.runtime.clock->Now(), options_.max_skew));
  KW_RETURN_IF_ERROR(CheckPayloadHash(request));
  Status sig = aws::VerifySignature(request, auth, key.secret_access_key, date,
                                    /*normalize_path=*/true,
                                    &KeyCacheFor(key.access_key_id));
  if (!sig.ok()) {
    return InvalidSignature(
        "The request signature we calculated does not match the signature you "
        "provided. Check your AWS Secret Access Key and signing method. "
        "Consult the service documentation for details.");
  }
  return VerifiedRequest{&key, auth.region, std::move(session)};
}

}  // namespace keyward::server
