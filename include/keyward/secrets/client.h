// SecretsManagerApi: the Secrets Manager operations keyward uses, and
// SecretsManagerClient, its implementation over AWS's JSON 1.1 protocol
// (POST /, X-Amz-Target: secretsmanager.<Operation>, SigV4).
//
// Usage:
//   KW_ASSIGN_OR_RETURN(auto config, ResolveClientConfig(env, overrides));
//   KW_ASSIGN_OR_RETURN(auto client, SecretsManagerClient::Create(config));
//   auto value = client->GetSecretValue({.secret_id =
//   "platform-data/postgres/app"});
//
// Errors (every method): AWS error types map to codes in one table
// (MapAwsError, keyward/secrets/errors.h):
//   NOT_FOUND            ResourceNotFoundException
//   PERMISSION_DENIED    AccessDeniedException, explicit deny
//   UNAUTHENTICATED      bad signature, unknown key, expired token
//   INVALID_ARGUMENT     InvalidParameterException, validation errors
//   FAILED_PRECONDITION  InvalidRequestException (e.g. scheduled for deletion)
//   ALREADY_EXISTS       ResourceExistsException
//   RESOURCE_EXHAUSTED   throttling, LimitExceededException
//   UNAVAILABLE          5xx, network errors (after retries)
//   DEADLINE_EXCEEDED    timeouts (after retries)
//   INTERNAL             malformed responses
// Messages say what to check and never contain secret values.
//
// Thread-safety: SecretsManagerClient is safe to use from many threads.
#ifndef KEYWARD_SECRETS_CLIENT_H_
#define KEYWARD_SECRETS_CLIENT_H_

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "keyward/aws/credentials.h"
#include "keyward/aws/retry.h"
#include "keyward/http/http_client.h"
#include "keyward/runtime.h"
#include "keyward/secrets/types.h"
#include "keyward/status.h"

namespace keyward::secrets {

// The operation set. Fakes for unit tests derive from this and override what
// they need (every method defaults to UNIMPLEMENTED).
class SecretsManagerApi {
 public:
  virtual ~SecretsManagerApi() = default;
  virtual StatusOr<SecretValueResult> GetSecretValue(
      const GetSecretValueRequest& req);
  virtual StatusOr<BatchGetSecretValueResult> BatchGetSecretValue(
      const BatchGetSecretValueRequest& req);
  virtual StatusOr<SecretMetadata> DescribeSecret(const std::string& secret_id);
  virtual StatusOr<ListSecretsResult> ListSecrets(
      const ListSecretsRequest& req);
  virtual StatusOr<WriteResult> CreateSecret(const CreateSecretRequest& req);
  virtual StatusOr<WriteResult> PutSecretValue(
      const PutSecretValueRequest& req);
  virtual StatusOr<WriteResult> UpdateSecret(const UpdateSecretRequest& req);
  virtual StatusOr<DeleteSecretResult> DeleteSecret(
      const DeleteSecretRequest& req);
  virtual StatusOr<RestoreSecretResult> RestoreSecret(
      const std::string& secret_id);
  virtual StatusOr<ListSecretVersionIdsResult> ListSecretVersionIds(
      const ListSecretVersionIdsRequest& req);
  virtual Status UpdateSecretVersionStage(
      const UpdateSecretVersionStageRequest& req);
  virtual Status TagResource(const std::string& secret_id,
                             const std::vector<Tag>& tags);
  virtual Status UntagResource(const std::string& secret_id,
                               const std::vector<std::string>& tag_keys);
  virtual StatusOr<SecretValue> GetRandomPassword(
      const GetRandomPasswordRequest& req);
  // Resource policies (JSON text). PutResourcePolicy with
  // `block_public_policy` refuses policies that allow broad access
  // (PublicPolicyException).
  virtual Status PutResourcePolicy(const std::string& secret_id,
                                   const std::string& policy,
                                   bool block_public_policy);
  virtual StatusOr<ResourcePolicyResult> GetResourcePolicy(
      const std::string& secret_id);
  virtual Status DeleteResourcePolicy(const std::string& secret_id);

  // Convenience: every page of ListSecrets.
  StatusOr<std::vector<SecretMetadata>> ListAllSecrets(ListSecretsRequest req);
};

// AWS "standard" retry mode (keyward/aws/retry.h).
using RetryOptions = aws::RetryOptions;

struct ClientConfig {
  // Required. e.g. "eu-west-1".
  std::string region;
  // Empty: https://secretsmanager.{region}.amazonaws.com (amazonaws.com.cn
  // for cn- regions).
  std::string endpoint_url;
  // Required.
  std::shared_ptr<aws::CredentialsProvider> credentials;
  // Default: the libcurl client with `http_options` (proxies and
  // AWS_CA_BUNDLE from `runtime.env`).
  std::shared_ptr<HttpClient> http;
  HttpClientOptions http_options;
  RetryOptions retry;
  // Clock (signing, skew), sleep and random (retry backoff with jitter).
  // Tests substitute fakes (tests/testing/fakes.h).
  Runtime runtime;
  // Appended to the User-Agent.
  std::string user_agent_suffix;
};

// Region, endpoint and credentials from explicit overrides, the environment
// and the shared files, through the one resolver (aws::ResolveAwsConfig,
// keyward/aws/resolver.h; botocore's precedence):
//   region:      override > AWS_REGION > AWS_DEFAULT_REGION > profile's region
//   endpoint:    override > AWS_ENDPOINT_URL_SECRETS_MANAGER > AWS_ENDPOINT_URL
//                > profile's services section > profile's endpoint_url >
//                https://secretsmanager.{region}.amazonaws.com
//   credentials: an explicit profile -> that profile only; else environment
//                keys, then AWS_DEFAULT_PROFILE / AWS_PROFILE / "default".
// INVALID_ARGUMENT when no region can be found (saying how to set one, in
// the words of `region_option`) or a region is not a region name; NOT_FOUND
// for a selected profile that does not exist.
struct ClientOverrides {
  std::string region;
  std::string endpoint_url;
  std::string profile;
  // How the caller's user sets a region explicitly, for the "no region"
  // error. The CLI passes "--region".
  std::string region_option = "SecretConfigOptions.cache.aws.region";
};
// The environment, the shared files and credential_process come from `rt`,
// which the returned config keeps.
StatusOr<ClientConfig> ResolveClientConfig(const Runtime& rt,
                                           const ClientOverrides& overrides);

class SecretsManagerClient : public SecretsManagerApi {
 public:
  // INVALID_ARGUMENT for a missing region/credentials or malformed endpoint.
  static StatusOr<std::unique_ptr<SecretsManagerClient>> Create(
      ClientConfig config);
  ~SecretsManagerClient() override;

  StatusOr<SecretValueResult> GetSecretValue(
      const GetSecretValueRequest& req) override;
  StatusOr<BatchGetSecretValueResult> BatchGetSecretValue(
      const BatchGetSecretValueRequest& req) override;
  StatusOr<SecretMetadata> DescribeSecret(
      const std::string& secret_id) override;
  StatusOr<ListSecretsResult> ListSecrets(
      const ListSecretsRequest& req) override;
  StatusOr<WriteResult> CreateSecret(const CreateSecretRequest& req) override;
  StatusOr<WriteResult> PutSecretValue(
      const PutSecretValueRequest& req) override;
  StatusOr<WriteResult> UpdateSecret(const UpdateSecretRequest& req) override;
  StatusOr<DeleteSecretResult> DeleteSecret(
      const DeleteSecretRequest& req) override;
  StatusOr<RestoreSecretResult> RestoreSecret(
      const std::string& secret_id) override;
  StatusOr<ListSecretVersionIdsResult> ListSecretVersionIds(
      const ListSecretVersionIdsRequest& req) override;
  Status UpdateSecretVersionStage(
      const UpdateSecretVersionStageRequest& req) override;
  Status TagResource(const std::string& secret_id,
                     const std::vector<Tag>& tags) override;
  Status UntagResource(const std::string& secret_id,
                       const std::vector<std::string>& tag_keys) override;
  StatusOr<SecretValue> GetRandomPassword(
      const GetRandomPasswordRequest& req) override;
  Status PutResourcePolicy(const std::string& secret_id,
                           const std::string& policy,
                           bool block_public_policy) override;
  StatusOr<ResourcePolicyResult> GetResourcePolicy(
      const std::string& secret_id) override;
  Status DeleteResourcePolicy(const std::string& secret_id) override;

  const std::string& endpoint() const;
  const std::string& region() const;

  // Sends one JSON 1.1 call (signing, retries, error mapping) and returns the
  // response body. Exposed for tools that need an operation keyward does not
  // model; `body` may hold secrets and is wiped.
  StatusOr<SecureString> Call(std::string_view operation, SecureString body);

 private:
  struct Impl;
  explicit SecretsManagerClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A random UUID v4 (ClientRequestToken) from `random` (Random::Real():
// OpenSSL's RAND_bytes).
std::string NewUuid(const Random& random);
// Formats 16 random bytes as a UUID v4 (sets the version and variant bits).
std::string FormatUuidV4(std::array<unsigned char, 16> bytes);

}  // namespace keyward::secrets

#endif  // KEYWARD_SECRETS_CLIENT_H_
