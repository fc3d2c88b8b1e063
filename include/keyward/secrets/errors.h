// Maps AWS error responses to keyward status codes, with messages that say
// what to check. The types, codes and advice come from the one AWS error
// table (src/aws/error_table.h), which also gives the retry classifier and
// `keyward server` their answers.
#ifndef KEYWARD_SECRETS_ERRORS_H_
#define KEYWARD_SECRETS_ERRORS_H_

#include <string>
#include <string_view>

#include "keyward/status.h"

namespace keyward::secrets {

struct AwsErrorContext {
  std::string_view operation;  // "GetSecretValue"
  std::string_view secret_id;  // may be empty
  std::string_view endpoint;
  std::string_view region;
};

// Maps an AWS error (HTTP status, error type without namespace, service
// message) to a Status whose error_type() is `type`. The service message is
// appended; it never carries secret values.
Status MapAwsError(int http_status, std::string_view type,
                   std::string_view message, const AwsErrorContext& ctx);

// Same as aws::IsRetryable (keyward/aws/retry.h), kept for callers of the
// Secrets Manager layer.
bool IsRetryable(const Status& status);

// Strips "com.amazonaws.x#" prefixes and ":http://..." suffixes.
std::string NormalizeErrorType(std::string_view raw);

}  // namespace keyward::secrets

#endif  // KEYWARD_SECRETS_ERRORS_H_
