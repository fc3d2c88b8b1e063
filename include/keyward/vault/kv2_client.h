// VaultKv2Client: the HashiCorp Vault KV version 2 operations the Phase 2
// migration needs (read a secret's current or given version, read its
// metadata, write with check-and-set), over Vault's HTTP API:
//
//   GET  /v1/{mount}/data/{path}[?version=N]   ->
//   {"data":{"data":{..},"metadata":{..}}} POST /v1/{mount}/data/{path}
//   {"options":{"cas":N},"data":{..}}
//                                              -> {"data":{"version":N,..}}
//   GET  /v1/{mount}/metadata/{path}           ->
//   {"data":{"current_version":N,..}} errors: {"errors":["..."]} with
//   400/403/404/412/429/5xx
//
// Configuration follows the Vault CLI's environment: VAULT_ADDR, VAULT_TOKEN
// (sent as X-Vault-Token), VAULT_NAMESPACE (X-Vault-Namespace) and
// VAULT_CACERT (PEM bundle for TLS verification).
//
// Errors (every method):
//   NOT_FOUND          404: no such secret (or its current version is deleted)
//   ABORTED            check-and-set mismatch: Vault holds another version
//   PERMISSION_DENIED  403: token invalid/expired or its policy lacks the path
//   INVALID_ARGUMENT   400 (other than CAS), malformed paths or data
//   FAILED_PRECONDITION 412: a performance standby has not caught up
//   RESOURCE_EXHAUSTED 429: rate limited
//   UNAVAILABLE        5xx (503: sealed or standby), connection errors
//   INTERNAL           responses that do not follow the API
// Secret data never appears in a message; Vault's own error strings do.
//
// Thread-safety: safe to use from many threads (the HttpClient is).
#ifndef KEYWARD_VAULT_KV2_CLIENT_H_
#define KEYWARD_VAULT_KV2_CLIENT_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "keyward/http/http_client.h"
#include "keyward/runtime.h"
#include "keyward/secret_value.h"
#include "keyward/status.h"

namespace keyward::vault {

struct VaultConfig {
  // Required: scheme://host[:port], e.g. "https://vault.example.com:8200".
  std::string address;
  // Required: the token sent as X-Vault-Token.
  SecretValue token;
  // Optional Vault Enterprise namespace (X-Vault-Namespace).
  std::string vault_namespace;
  // The KV v2 mount. Default "secret" (the RFC's mount).
  std::string mount = "secret";
  // Used for the default curl client (ca_bundle comes from VAULT_CACERT).
  HttpClientOptions http_options;
  // Default: the libcurl client with `http_options` (proxies and CA bundle
  // from `runtime.env`).
  std::shared_ptr<HttpClient> http;
  Runtime runtime;
};

// Reads VAULT_ADDR, VAULT_TOKEN, VAULT_NAMESPACE and VAULT_CACERT.
// INVALID_ARGUMENT naming the missing variable when VAULT_ADDR or
// VAULT_TOKEN is unset or empty.
StatusOr<VaultConfig> ConfigFromEnvironment(const Environment& env);

// One version of a KV v2 secret.
struct KvSecret {
  // The "data" object serialized as compact JSON. Wiped on release.
  SecretValue data;
  int version = 0;
  std::string created_time;
};

struct KvMetadata {
  int current_version = 0;
  int oldest_version = 0;
  bool cas_required = false;
  std::string updated_time;
};

class VaultKv2Client {
 public:
  // INVALID_ARGUMENT for a malformed address, an empty token or mount.
  static StatusOr<std::unique_ptr<VaultKv2Client>> Create(VaultConfig config);
  ~VaultKv2Client();

  // The current version (version == 0) or the given version of `path`.
  // NOT_FOUND when absent or deleted.
  StatusOr<KvSecret> Read(std::string_view path, int version = 0);

  // NOT_FOUND when the path has no metadata.
  StatusOr<KvMetadata> ReadMetadata(std::string_view path);

  // Writes `data_json` (a JSON object) as a new version and returns its
  // number. With `cas`, Vault accepts the write only when the current
  // version equals *cas (0: only when the secret does not exist yet);
  // otherwise ABORTED. INVALID_ARGUMENT when data_json is not an object.
  StatusOr<int> Write(std::string_view path, const SecretValue& data_json,
                      std::optional<int> cas);

  // Requests sent so far (for benchmarks and reports).
  std::int64_t request_count() const;
  const std::string& address() const;
  const std::string& mount() const;

 private:
  struct Impl;
  explicit VaultKv2Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "a/b c" -> "a/b%20c": percent-encodes everything but unreserved
// characters and '/'.
std::string EncodeVaultPath(std::string_view path);

}  // namespace keyward::vault

#endif  // KEYWARD_VAULT_KV2_CLIENT_H_
