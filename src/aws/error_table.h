// The one table of AWS error types keyward knows: for each, the keyward
// StatusCode a client maps it to, the HTTP status AWS answers it with, whether
// AWS standard mode retries it (and whether it is throttling), and the advice
// the client shows. Read by the Secrets Manager client's mapping
// (secrets::MapAwsError), the retry classifier (aws::IsRetryable) and
// `keyward server` (the HTTP status of an error it answers). It lives in the
// aws layer because the retry classifier does; it knows no protocol.
//
// A new error type is one row in error_table.cc (tests/aws/error_table_test.cc
// checks that every error shape of botocore's secretsmanager model has one).
//
// Thread-safety: the table is immutable.
#ifndef KEYWARD_SRC_AWS_ERROR_TABLE_H_
#define KEYWARD_SRC_AWS_ERROR_TABLE_H_

#include <span>
#include <string_view>

#include "keyward/status.h"

namespace keyward::aws {

struct AwsErrorInfo {
  std::string_view type;  // as in "__type", without namespace
  StatusCode code;        // what a client maps it to
  int http_status;        // what AWS answers it with (awsJson1.1)
  bool retryable;         // AWS standard mode retries it
  bool throttling;        // a throttling error (a subset of retryable)
  // Declared as an error shape in botocore's secretsmanager model (the
  // others are AWS's common errors, or another protocol's spelling).
  bool secretsmanager;
  // What to check; "{id}" is replaced by the secret id (or "the secret").
  std::string_view advice;
};

// Every row, in table order.
std::span<const AwsErrorInfo> ErrorTable();

// The row of `type` (exact, without namespace), or nullptr.
const AwsErrorInfo* FindAwsError(std::string_view type);

// The HTTP status AWS answers `type` with: the table's, else 400 (a client
// error, as for every unlisted type).
int HttpStatusForAwsError(std::string_view type);

}  // namespace keyward::aws

#endif  // KEYWARD_SRC_AWS_ERROR_TABLE_H_
