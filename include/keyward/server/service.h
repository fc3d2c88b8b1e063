// SecretsService: the Secrets Manager JSON 1.1 API semantics behind
// `keyward server`, on an in-memory model written through to a SecretStore.
//
// Handle() takes an operation name ("GetSecretValue", from the X-Amz-Target
// header) and its JSON body, and returns the HTTP status and JSON body AWS
// would return, errors as {"__type": ..., "message": ...}. Covered:
// GetSecretValue, BatchGetSecretValue, DescribeSecret, ListSecrets,
// CreateSecret, PutSecretValue, UpdateSecret, DeleteSecret, RestoreSecret,
// ListSecretVersionIds, UpdateSecretVersionStage, TagResource,
// UntagResource, GetRandomPassword, RotateSecret, CancelRotateSecret (run
// through a RotationHook, see StartRotation), ReplicateSecretToRegions,
// RemoveRegionsFromReplication, StopReplicationToReplica.
//
// Every write is committed to the store (fsync'd) before Handle returns.
// Values are kept encrypted in memory as well and decrypted per request; a
// value that fails authentication is reported (InternalServiceError and the
// log hook) and never served.
//
// Thread-safety: Handle is safe to call concurrently (GetSecretValue takes
// no lock, other reads share one, writes are serialized).
#ifndef KEYWARD_SERVER_SERVICE_H_
#define KEYWARD_SERVER_SERVICE_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "keyward/env.h"
#include "keyward/runtime.h"
#include "keyward/secret_value.h"
#include "keyward/server/policy.h"
#include "keyward/server/rotation.h"
#include "keyward/server/store.h"
#include "keyward/server/value_cipher.h"
#include "keyward/status.h"

namespace keyward::server {

struct ServiceOptions {
  // The default region (for callers without one) and the account used in
  // ARNs. Defaults match moto_server's account.
  std::string region = "us-east-1";
  std::string account_id = "123456789012";
  // The clock (dates, deletion windows, rotation), randomness (ARN
  // suffixes, passwords, version ids) and the rest of the OS. Default: real.
  Runtime runtime;
  // Generates version ids when the client sent no ClientRequestToken.
  // Default: a random UUID v4 from runtime.random.
  std::function<std::string()> new_uuid;
  // Receives operational warnings (e.g. a value that failed its integrity
  // check). Never given a value. Default: discard.
  std::function<void(const std::string&)> warn;
};

struct RotationOptions {
  // How often the rotation schedules are checked. Default: a minute.
  std::chrono::milliseconds check_interval{60000};
  // The length of a day in rotation schedules (tests shrink it so that a
  // schedule comes due within seconds). Default: 86400.
  double day_seconds = 86400;
};

struct ApiResponse {
  int http_status = 200;
  SecureString body;       // JSON; may carry a secret value
  std::string error_type;  // "" on success
  std::string secret_id;   // the SecretId the request named, for the access log
};

// The identity a request was authenticated as.
struct Caller {
  // A constructor (not an aggregate) so Caller{key, policy} stays valid
  // under -Wmissing-field-initializers.
  Caller(std::string key = {}, const IamPolicy* p = nullptr, std::string r = {})
      : access_key_id(std::move(key)), policy(p), region(std::move(r)) {}
  std::string access_key_id;
  const IamPolicy* policy = nullptr;  // null: everything allowed
  // The region the request was signed for; empty: ServiceOptions::region.
  // Each region's secrets are separate, as in AWS.
  std::string region;
  // Who the key belongs to; null: arn:aws:iam::ACCOUNT:user/<key id>.
  const Principal* principal = nullptr;
  // The client's address (aws:SourceIp; a view of the connection's, valid
  // during Handle) and whether it came over TLS.
  std::string_view source_ip;
  bool secure_transport = false;
};

class SecretsService {
 public:
  // Loads every secret from `store`; purges secrets whose recovery window
  // has passed. Errors from the store are returned.
  static StatusOr<std::unique_ptr<SecretsService>> Create(
      std::unique_ptr<SecretStore> store, std::unique_ptr<ValueCipher> cipher,
      ServiceOptions options);
  ~SecretsService();

  ApiResponse Handle(std::string_view operation, std::string_view body,
                     const Caller& caller = {});

  // Runs rotations from now on (RotateSecret, and each secret's schedule)
  // through `hook`, on a thread of the service's own, one rotation at a
  // time. Without it RotateSecret answers InvalidRequestException. Call once,
  // before requests arrive.
  void StartRotation(std::unique_ptr<RotationHook> hook,
                     RotationOptions options = {});

  // Number of live (not deleted) secrets.
  std::size_t size() const;

  struct Impl;

 private:
  explicit SecretsService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The words of `text` as ListSecrets' "all"/"description" word match sees
// them (AWS-verified splitting; see service.cc). Exposed for tests.
std::vector<std::string> FilterWords(std::string_view text);

// A JSON error body as AWS sends it. (The HTTP status of an error type is
// the error table's: aws::HttpStatusForAwsError, src/aws/error_table.h.)
SecureString ErrorBody(std::string_view type, std::string_view message);

}  // namespace keyward::server

#endif  // KEYWARD_SERVER_SERVICE_H_
