// A signature refused for its region names the region mismatch first, with
// both regions, and says nothing about a wrong secret key (issue 12, 3.1).
#include <gtest/gtest.h>

#include "keyward/secrets/errors.h"

namespace keyward::secrets {
namespace {

TEST(RegionMismatchTest, KeywardServerMessage) {
  AwsErrorContext ctx{"ListSecrets", "", "http://127.0.0.1:4599", "eu-west-1"};
  Status s = MapAwsError(
      403, "InvalidSignatureException",
      "Credential should be scoped to a valid region, not 'eu-west-1'. This "
      "keyward server serves region 'us-east-1'.",
      ctx);
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(s.message().starts_with(
      "ListSecrets: region mismatch: the request was signed for region "
      "'eu-west-1', but the endpoint http://127.0.0.1:4599 serves region "
      "'us-east-1'"))
      << s;
  EXPECT_EQ(s.message().find("secret access key"), std::string::npos) << s;
  EXPECT_NE(s.message().find("--region us-east-1"), std::string::npos) << s;
}

TEST(RegionMismatchTest, AwsMessageTakesTheRegionFromTheHost) {
  AwsErrorContext ctx{"GetSecretValue", "a/b",
                      "https://secretsmanager.eu-central-1.amazonaws.com",
                      "us-east-1"};
  Status s = MapAwsError(400, "InvalidSignatureException",
                         "Credential should be scoped to a valid region.", ctx);
  EXPECT_NE(s.message().find("signed for region 'us-east-1'"),
            std::string::npos)
      << s;
  EXPECT_NE(s.message().find("serves region 'eu-central-1'"), std::string::npos)
      << s;
}

TEST(RegionMismatchTest, OtherSignatureErrorsKeepTheKeyAdvice) {
  AwsErrorContext ctx{"ListSecrets", "", "http://127.0.0.1:1", "us-east-1"};
  Status s =
      MapAwsError(400, "InvalidSignatureException",
                  "The request signature we calculated does not match", ctx);
  EXPECT_NE(s.message().find("secret access key is wrong"), std::string::npos)
      << s;
}

}  // namespace
}  // namespace keyward::secrets
