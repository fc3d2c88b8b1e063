// The one wire codec of Secrets Manager's JSON 1.1 protocol: a ToJson and a
// FromJson for every request and response shape keyward sends or answers,
// used by the client (src/secrets/client.cc). Field names are botocore's
// (secretsmanager 2017-10-17). Shared shapes (Tag, Filter, SecretPayload,
// SecretVersion) are coded once.
//
// ToJson writes only the members that are set (as the AWS SDKs do); the
// caller fills defaults (ClientRequestToken, VersionStage) first.
// FromJson<T> of a response is lenient like the SDKs (an absent member or
// one of another type reads as empty); it fails only on what cannot be
// represented (SecretBinary that is not base64).
//
// Secret material: SecretString/SecretBinary/RandomPassword go into
// SecretValue. A Json that held one must be wiped (DumpAndWipe when sending,
// WipeJson after FromJson).
#ifndef KEYWARD_SRC_SECRETS_WIRE_H_
#define KEYWARD_SRC_SECRETS_WIRE_H_

#include <string>
#include <vector>

#include "keyward/secrets/types.h"
#include "keyward/status.h"
#include "secrets/json_codec.h"

namespace keyward::secrets::wire {

// ---- requests that have no public type ------------------------------------

// DescribeSecret, RestoreSecret, GetResourcePolicy, DeleteResourcePolicy.
struct SecretIdRequest {
  std::string secret_id;
  friend bool operator==(const SecretIdRequest&,
                         const SecretIdRequest&) = default;
};

struct TagResourceRequest {
  std::string secret_id;
  std::vector<Tag> tags;
  friend bool operator==(const TagResourceRequest&,
                         const TagResourceRequest&) = default;
};

struct UntagResourceRequest {
  std::string secret_id;
  std::vector<std::string> tag_keys;
  friend bool operator==(const UntagResourceRequest&,
                         const UntagResourceRequest&) = default;
};

struct PutResourcePolicyRequest {
  std::string secret_id;
  std::string resource_policy;
  bool block_public_policy = false;
  friend bool operator==(const PutResourcePolicyRequest&,
                         const PutResourcePolicyRequest&) = default;
};

// GetRandomPassword's response.
struct RandomPasswordResult {
  SecretValue password;
};

// ---- shared shapes ----------------------------------------------------------

Json ToJson(const std::vector<Tag>& tags);
Json ToJson(const std::vector<Filter>& filters);
// Adds SecretString or SecretBinary (base64) to `out`.
void AddPayload(const SecretPayload& p, Json& out);

// ---- requests ---------------------------------------------------------------

Json ToJson(const GetSecretValueRequest& r);
Json ToJson(const BatchGetSecretValueRequest& r);
Json ToJson(const ListSecretsRequest& r);
Json ToJson(const CreateSecretRequest& r);
Json ToJson(const PutSecretValueRequest& r);
Json ToJson(const UpdateSecretRequest& r);
Json ToJson(const DeleteSecretRequest& r);
Json ToJson(const ListSecretVersionIdsRequest& r);
Json ToJson(const UpdateSecretVersionStageRequest& r);
Json ToJson(const GetRandomPasswordRequest& r);
Json ToJson(const SecretIdRequest& r);
Json ToJson(const TagResourceRequest& r);
Json ToJson(const UntagResourceRequest& r);
Json ToJson(const PutResourcePolicyRequest& r);

// ---- responses --------------------------------------------------------------

Json ToJson(const SecretValueResult& r);
Json ToJson(const BatchGetSecretValueResult& r);
// DescribeSecret's shape (VersionIdsToStages).
Json ToJson(const SecretMetadata& r);
// ListSecrets' shape (SecretVersionsToStages in each entry).
Json ToJson(const ListSecretsResult& r);
Json ToJson(const WriteResult& r);
Json ToJson(const DeleteSecretResult& r);
Json ToJson(const RestoreSecretResult& r);
Json ToJson(const ListSecretVersionIdsResult& r);
Json ToJson(const ResourcePolicyResult& r);
Json ToJson(const RandomPasswordResult& r);

// ---- decoding ---------------------------------------------------------------

// FromJson<T>(j): one specialization for every shape above.
template <class T>
StatusOr<T> FromJson(const Json& j);

#define KEYWARD_WIRE_DECODER(T) \
  template <>                   \
  StatusOr<T> FromJson<T>(const Json& j)
KEYWARD_WIRE_DECODER(std::vector<Tag>);
KEYWARD_WIRE_DECODER(std::vector<Filter>);
KEYWARD_WIRE_DECODER(SecretPayload);
KEYWARD_WIRE_DECODER(GetSecretValueRequest);
KEYWARD_WIRE_DECODER(BatchGetSecretValueRequest);
KEYWARD_WIRE_DECODER(ListSecretsRequest);
KEYWARD_WIRE_DECODER(CreateSecretRequest);
KEYWARD_WIRE_DECODER(PutSecretValueRequest);
KEYWARD_WIRE_DECODER(UpdateSecretRequest);
KEYWARD_WIRE_DECODER(DeleteSecretRequest);
KEYWARD_WIRE_DECODER(ListSecretVersionIdsRequest);
KEYWARD_WIRE_DECODER(UpdateSecretVersionStageRequest);
KEYWARD_WIRE_DECODER(GetRandomPasswordRequest);
KEYWARD_WIRE_DECODER(SecretIdRequest);
KEYWARD_WIRE_DECODER(TagResourceRequest);
KEYWARD_WIRE_DECODER(UntagResourceRequest);
KEYWARD_WIRE_DECODER(PutResourcePolicyRequest);
KEYWARD_WIRE_DECODER(SecretValueResult);
KEYWARD_WIRE_DECODER(BatchGetSecretValueResult);
KEYWARD_WIRE_DECODER(SecretMetadata);
KEYWARD_WIRE_DECODER(ListSecretsResult);
KEYWARD_WIRE_DECODER(WriteResult);
KEYWARD_WIRE_DECODER(DeleteSecretResult);
KEYWARD_WIRE_DECODER(RestoreSecretResult);
KEYWARD_WIRE_DECODER(ListSecretVersionIdsResult);
KEYWARD_WIRE_DECODER(ResourcePolicyResult);
KEYWARD_WIRE_DECODER(RandomPasswordResult);
#undef KEYWARD_WIRE_DECODER

}  // namespace keyward::secrets::wire

#endif  // KEYWARD_SRC_SECRETS_WIRE_H_
