// Response bodies exactly as the AWS Secrets Manager Agent writes them
// (aws_secretsmanager_caching's GetSecretValueOutputDef through serde_json,
// and utils.rs err_response), so a client written for the AWS agent cannot
// tell the difference:
//
//   {"ARN":"...","Name":"...","VersionId":"...","SecretString":"...",
//    "VersionStages":["AWSCURRENT"],"CreatedDate":"1569534789.046"}
//
// Field order as above; SecretString or SecretBinary (standard base64),
// whichever the secret holds; VersionStages omitted when the store sent none;
// ARN/Name/VersionId/CreatedDate null when absent. CreatedDate is a *string*
// of fractional epoch seconds in Rust's shortest round-trip f64 notation
// ("1569534789.046", "1700000000" when whole). Strings are escaped as
// serde_json does (", \, and control characters only; UTF-8 passes through).
#ifndef KEYWARD_SRC_AGENT_RESPONSE_H_
#define KEYWARD_SRC_AGENT_RESPONSE_H_

#include <string>
#include <string_view>

#include "agent/escape.h"
#include "keyward/secret_cache.h"
#include "keyward/secret_value.h"

namespace keyward::agent {

// The GetSecretValue body for `secret` (holds the value: SecureString).
SecureString FormatGetSecretValue(const Secret& secret);

// err_response: {"__type":"CODE", "message":"MSG"} (with the space the AWS
// agent writes), or {"__type":"InternalFailure"} for an empty message or an
// internal failure.
std::string AwsErrorBody(std::string_view code, std::string_view message);

// Fractional epoch seconds as Rust's f64 Display prints them.
std::string RustSecondsString(Clock::time_point t);

}  // namespace keyward::agent

#endif  // KEYWARD_SRC_AGENT_RESPONSE_H_
