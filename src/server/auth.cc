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
  std::string_view want_token = key.session_token.Reveal();
  std::string_view got_token = token.value_or("");
  if (want_token.size() != got_token.size() ||
      CRYPTO_memcmp(want_token.data(), got_token.data(), got_token.size()) !=
          0) {
    return AuthError("UnrecognizedClientException",
                     "The security token included in the request is invalid.");
  }
  std::optional<std::string_view> amz_date = request.Header("x-amz-date");
  if (!amz_date) {
    return AuthError(
        "IncompleteSignatureException",
        "Authorization header requires existence of a 'X-Amz-Date' header.");
  }
  if (std::find(auth.signed_headers.begin(), auth.signed_headers.end(),
                "host") == auth.signed_headers.end()) {
    return AuthError("InvalidSignatureException",
                     "'Host' or ':authority' must be a 'SignedHeader' in the "
                     "AWS Authorization.");
  }
  // The operation is chosen by X-Amz-Target; unsigned, it could be changed
  // in flight (a captured GetSecretValue replayed as DeleteSecret).
  if (request.Header("x-amz-target") &&
      std::find(auth.signed_headers.begin(), auth.signed_headers.end(),
                "x-amz-target") == auth.signed_headers.end()) {
    return AuthError("InvalidSignatureException",
                     "'X-Amz-Target' must be a 'SignedHeader' in the AWS "
                     "Authorization.");
  }
  std::string date(*amz_date);
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
    return AuthError("InvalidSignatureException",
                     "Date in Credential scope does not match YYYYMMDD from "
                     "ISO-8601 version of "
                     "date from HTTP: '" +
                         auth.date + "' != '" + date.substr(0, 8) + "'");
  }
  if (auth.service != service) {
    return AuthError("InvalidSignatureException",
                     "Credential should be scoped to correct service: '" +
                         std::string(service) + "'.");
  }
  if (!IsPartitionRegion(auth.region)) {
    return AuthError("InvalidSignatureException",
                     "Credential should be scoped to a valid region, not '" +
                         auth.region + "'. ");
  }
  if (!options_.regions.empty() &&
      std::find(options_.regions.begin(), options_.regions.end(),
                auth.region) == options_.regions.end()) {
    std::string served;
    for (const auto& r : options_.regions)
      served += (served.empty() ? "'" : ", '") + r + "'";
    return AuthError("InvalidSignatureException",
                     "Credential should be scoped to a valid region, not '" +
                         auth.region + "'. This keyward server serves " +
                         served + " (--region).");
  }
  Clock::time_point now = options_.runtime.clock->Now();
  if (*when < now - options_.max_skew) {
    return AuthError("InvalidSignatureException",
                     "Signature expired: " + date + " is now earlier than " +
                         FormatAmzDate(now - options_.max_skew) + " (" +
                         FormatAmzDate(now) + " - 15 min.)");
  }
  if (*when > now + options_.max_skew) {
    return AuthError("InvalidSignatureException",
                     "Signature not yet current: " + date +
                         " is still later than " +
                         FormatAmzDate(now + options_.max_skew) + " (" +
                         FormatAmzDate(now) + " + 15 min.)");
  }
  if (auto h = request.Header("x-amz-content-sha256");
      h && *h != "UNSIGNED-PAYLOAD") {
    if (*h != aws::HexSha256(
                  std::string_view(request.body.data(), request.body.size()))) {
      return AuthError(
          "InvalidSignatureException",
          "The provided 'x-amz-content-sha256' header does not match what was "
          "computed.");
    }
  }
  Status sig = aws::VerifySignature(request, auth, key.secret_access_key, date,
                                    /*normalize_path=*/true,
                                    &KeyCacheFor(key.access_key_id));
  if (!sig.ok()) {
    return AuthError(
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you "
        "provided. Check your AWS Secret Access Key and signing method. "
        "Consult "
        "the service documentation for details.");
  }
  return VerifiedRequest{&key, auth.region, std::move(session)};
}

}  // namespace keyward::server
