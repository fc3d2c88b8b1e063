// Field readers and writers shared by the wire codec's files (wire_*.cc).
// Readers are lenient: an absent member, or one of another type, reads as
// the empty value.
#ifndef KEYWARD_SRC_SECRETS_WIRE_INTERNAL_H_
#define KEYWARD_SRC_SECRETS_WIRE_INTERNAL_H_

#include <optional>
#include <string>
#include <vector>

#include "secrets/wire.h"

namespace keyward::secrets::wire::internal {

std::vector<std::string> GetStrings(const Json& j, const char* key);
std::optional<Clock::time_point> GetTime(const Json& j, const char* key);
int GetInt(const Json& j, const char* key);
std::optional<int> GetOptInt(const Json& j, const char* key);
bool GetBool(const Json& j, const char* key);
std::optional<bool> GetOptBool(const Json& j, const char* key);
std::optional<std::string> GetOptString(const Json& j, const char* key);
std::vector<Tag> GetTags(const Json& j, const char* key);

// Sets j[key] to the time as epoch seconds (what AWS sends) when set.
void PutTime(Json& j, const char* key,
             const std::optional<Clock::time_point>& t);

// SecretMetadata with its version map under `versions_key`.
Json MetadataToJson(const SecretMetadata& m, const char* versions_key);
SecretMetadata MetadataFromJson(const Json& j);
// Its rotation members (RotationEnabled once configured, RotationLambdaARN,
// RotationRules, NextRotationDate) and ReplicationStatus.
void PutRotationAndReplication(const SecretMetadata& m, Json& j);
void GetRotationAndReplication(const Json& j, SecretMetadata& m);
// The ReplicationStatus list of a response (empty when absent).
std::vector<ReplicationStatus> ReplicationStatusesOf(const Json& j);

}  // namespace keyward::secrets::wire::internal

#endif  // KEYWARD_SRC_SECRETS_WIRE_INTERNAL_H_
