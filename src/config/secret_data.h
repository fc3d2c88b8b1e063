// The immutable snapshot behind keyward::Secret, and how a Secrets Manager
// result becomes one (JSON properties parsed once, at fetch time).
#ifndef KEYWARD_SRC_CONFIG_SECRET_DATA_H_
#define KEYWARD_SRC_CONFIG_SECRET_DATA_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "keyward/env.h"
#include "keyward/secret_value.h"
#include "keyward/secrets/types.h"
#include "keyward/status.h"

namespace keyward::internal {

struct SecretData {
  std::string name;
  std::string version_id;
  // As GetSecretValue returned them (for the agent's response body).
  std::string arn;
  std::vector<std::string> version_stages;
  std::optional<Clock::time_point> created_date;
  bool binary = false;
  bool json = false;
  SecretValue value;
  // Property name -> value (strings as-is, other JSON types as JSON text).
  std::map<std::string, SecretValue, std::less<>> properties;
  Clock::time_point fetched_at;
};

// Builds a snapshot from a GetSecretValue / BatchGetSecretValue result.
// `fallback_name` is used when the result carries no name.
SecretData BuildSecretData(secrets::SecretValueResult&& result,
                           std::string_view fallback_name,
                           Clock::time_point now);

// OK, or NOT_FOUND listing every property in `required` that `data` lacks
// (and the ones it has); FAILED_PRECONDITION when properties are required of
// a value that is not a JSON object.
Status CheckRequiredProperties(const SecretData& data,
                               const std::vector<std::string>& required);

}  // namespace keyward::internal

#endif  // KEYWARD_SRC_CONFIG_SECRET_DATA_H_
