// The one AWS error table (src/aws/error_table.h): every error shape of
// botocore's secretsmanager model has a row, HTTP statuses are AWS's, and the
// client mapping, the retry classifier and the server all read it.
#include "aws/error_table.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>

#include "keyward/aws/retry.h"
#include "keyward/secrets/errors.h"
#include "server/messages.h"
#include "tests/testing/peers.h"

namespace keyward::aws {
namespace {

// The error shapes of botocore's data/secretsmanager/2017-10-17 model.
constexpr std::string_view kModelErrors[] = {
    "DecryptionFailure",           "EncryptionFailure",
    "InternalServiceError",        "InvalidNextTokenException",
    "InvalidParameterException",   "InvalidRequestException",
    "LimitExceededException",      "MalformedPolicyDocumentException",
    "PreconditionNotMetException", "PublicPolicyException",
    "ResourceExistsException",     "ResourceNotFoundException",
};

TEST(ErrorTableTest, EveryModelErrorHasARow) {
  for (std::string_view type : kModelErrors) {
    const AwsErrorInfo* row = FindAwsError(type);
    ASSERT_NE(row, nullptr) << type;
    EXPECT_TRUE(row->secretsmanager) << type;
  }
  std::size_t marked = 0;
  for (const AwsErrorInfo& row : ErrorTable()) marked += row.secretsmanager;
  EXPECT_EQ(marked, std::size(kModelErrors));
}

// The same check against the installed botocore's model, when there is one.
TEST(ErrorTableTest, MatchesInstalledBotocoreModel) {
  auto r = ::keyward::testing::RunCommand(
      {"python3", "-c",
       "import botocore.session\n"
       "m = botocore.session.get_session().get_service_model("
       "'secretsmanager')\n"
       "print('\\n'.join(s.name for s in m.error_shapes))\n"});
  if (r.exit_code != 0) GTEST_SKIP() << "SKIPPED: botocore is not installed";
  std::istringstream in(r.out);
  std::string name;
  int n = 0;
  while (std::getline(in, name)) {
    if (name.empty()) continue;
    ++n;
    const AwsErrorInfo* row = FindAwsError(name);
    ASSERT_NE(row, nullptr) << name << " (botocore) has no row";
    EXPECT_TRUE(row->secretsmanager) << name;
  }
  EXPECT_GE(n, 12);
}

TEST(ErrorTableTest, RowsAreConsistent) {
  std::set<std::string_view> seen;
  for (const AwsErrorInfo& row : ErrorTable()) {
    EXPECT_TRUE(seen.insert(row.type).second) << "duplicate " << row.type;
    EXPECT_FALSE(row.advice.empty()) << row.type;
    if (row.throttling) {
      EXPECT_TRUE(row.retryable) << row.type;
    }
    // A client treats UNAVAILABLE as transient: such rows are retried.
    if (row.code == StatusCode::kUnavailable) {
      EXPECT_TRUE(row.retryable) << row.type;
    }
    EXPECT_GE(row.http_status, 400) << row.type;
    EXPECT_LT(row.http_status, 600) << row.type;
  }
}

// What AWS answers (awsJson1.1: client errors 400, faults 500; the query
// protocol's authentication errors 403).
TEST(ErrorTableTest, HttpStatusesAreAws) {
  EXPECT_EQ(HttpStatusForAwsError("ResourceNotFoundException"), 400);
  EXPECT_EQ(HttpStatusForAwsError("AccessDeniedException"), 400);
  EXPECT_EQ(HttpStatusForAwsError("UnrecognizedClientException"), 400);
  EXPECT_EQ(HttpStatusForAwsError("InvalidSignatureException"), 400);
  EXPECT_EQ(HttpStatusForAwsError("ThrottlingException"), 400);
  EXPECT_EQ(HttpStatusForAwsError("InternalServiceError"), 500);
  EXPECT_EQ(HttpStatusForAwsError("InternalFailure"), 500);
  EXPECT_EQ(HttpStatusForAwsError("ServiceUnavailable"), 503);
  EXPECT_EQ(HttpStatusForAwsError("AccessDenied"), 403);
  EXPECT_EQ(HttpStatusForAwsError("InvalidClientTokenId"), 403);
  EXPECT_EQ(HttpStatusForAwsError("SignatureDoesNotMatch"), 403);
  EXPECT_EQ(HttpStatusForAwsError("MissingAuthenticationToken"), 403);
  EXPECT_EQ(HttpStatusForAwsError("MissingAuthenticationTokenException"), 400);
  EXPECT_EQ(HttpStatusForAwsError("SomethingNew"), 400);
}

TEST(ErrorTableTest, RetryClassifierReadsTheTable) {
  for (const AwsErrorInfo& row : ErrorTable()) {
    EXPECT_EQ(
        IsRetryable(Status(StatusCode::kUnknown, "x", std::string(row.type))),
        row.retryable)
        << row.type;
  }
  // Quota, not throttling.
  EXPECT_FALSE(IsRetryable(
      Status(StatusCode::kResourceExhausted, "x", "LimitExceededException")));
  // Unknown types: by code.
  EXPECT_TRUE(IsRetryable(Status(StatusCode::kUnavailable, "x", "")));
  EXPECT_TRUE(IsRetryable(Status(StatusCode::kDeadlineExceeded, "x", "")));
  EXPECT_FALSE(IsRetryable(Status(StatusCode::kInvalidArgument, "x", "")));
  EXPECT_FALSE(IsRetryable(Status()));
}

TEST(ErrorTableTest, ClientMappingReadsTheTable) {
  secrets::AwsErrorContext ctx{"GetSecretValue", "app/db", "", "us-east-1"};
  for (const AwsErrorInfo& row : ErrorTable()) {
    Status s = secrets::MapAwsError(row.http_status, row.type, "", ctx);
    EXPECT_EQ(s.code(), row.code) << row.type;
    EXPECT_EQ(s.error_type(), row.type);
    EXPECT_TRUE(s.message().starts_with("GetSecretValue: ")) << s;
  }
  Status s = secrets::MapAwsError(400, "ResourceNotFoundException", "", ctx);
  EXPECT_NE(s.message().find("secret 'app/db' was not found"),
            std::string::npos)
      << s;
}

// Every error type keyward server answers with has a row (so its HTTP
// status is the table's).
TEST(ErrorTableTest, EveryServerMessageTypeHasARow) {
  for (const auto& m : server::MessageTable()) {
    EXPECT_NE(FindAwsError(m.type), nullptr) << m.type;
  }
}

}  // namespace
}  // namespace keyward::aws
