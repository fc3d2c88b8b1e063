// RequestAuthenticator: SigV4 verification with AWS's error types.
#include "keyward/server/auth.h"

#include <gtest/gtest.h>

#include "keyward/aws/sigv4.h"
#include "tests/testing/fakes.h"

namespace keyward::server {
namespace {

using keyward::testing::FakeClock;

class AuthTest : public ::testing::Test {
 protected:
  AuthTest() {
    auto keys = ParseCredentialsFile(
        "[keyward-local]\naws_access_key_id = "
        "AKIDEXAMPLE\naws_secret_access_key = s3cr3t\n"
        "[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = "
        "other\n",
        "creds");
    EXPECT_TRUE(keys.ok()) << keys.status();
    AuthOptions opt;
    opt.runtime.clock = &clock_;
    auth_ = std::make_unique<RequestAuthenticator>(std::move(*keys), opt);
  }
  HttpRequest Signed(std::string secret = "s3cr3t",
                     std::string region = "us-east-1",
                     std::string key = "AKIDEXAMPLE",
                     Clock::duration skew = {}) {
    HttpRequest r;
    r.url = "http://127.0.0.1:4585/";
    r.headers = {{"X-Amz-Target", "secretsmanager.ListSecrets"},
                 {"Content-Type", "application/x-amz-json-1.1"}};
    r.body = "{}";
    aws::Credentials c{key, SecretValue(secret), {}, {}, "test"};
    aws::SigningParams p{region, "secretsmanager", clock_.Now() + skew};
    EXPECT_TRUE(aws::SignRequest(r, c, p).ok());
    return r;
  }
  std::string ErrorType(const HttpRequest& r) {
    return auth_->Verify(r).status().error_type();
  }

  FakeClock clock_;
  std::unique_ptr<RequestAuthenticator> auth_;
};

TEST_F(AuthTest, AcceptsEveryProfilesKey) {
  auto k = auth_->Verify(Signed());
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ((*k)->profile, "keyward-local");
  auto o = auth_->Verify(Signed("other", "us-east-1", "AKIDOTHER"));
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ((*o)->profile, "other");
}

TEST_F(AuthTest, RejectsWithAwsErrorTypes) {
  HttpRequest unsigned_req = Signed();
  unsigned_req.headers.erase(unsigned_req.headers.begin() + 2,
                             unsigned_req.headers.end());
  EXPECT_EQ(ErrorType(unsigned_req), "MissingAuthenticationTokenException");
  EXPECT_EQ(ErrorType(Signed("wrong")), "InvalidSignatureException");
  EXPECT_EQ(ErrorType(Signed("s3cr3t", "xx-west-1")),
            "InvalidSignatureException");
  EXPECT_EQ(ErrorType(Signed("s3cr3t", "us-east-1", "AKIDNOPE")),
            "UnrecognizedClientException");
  EXPECT_EQ(ErrorType(Signed("s3cr3t", "us-east-1", "AKIDEXAMPLE",
                             std::chrono::minutes(-16))),
            "InvalidSignatureException");
  EXPECT_EQ(ErrorType(Signed("s3cr3t", "us-east-1", "AKIDEXAMPLE",
                             std::chrono::minutes(16))),
            "InvalidSignatureException");
  EXPECT_TRUE(auth_
                  ->Verify(Signed("s3cr3t", "us-east-1", "AKIDEXAMPLE",
                                  std::chrono::minutes(14)))
                  .ok());
  HttpRequest tampered = Signed();
  tampered.body = "{\"x\":1}";
  EXPECT_EQ(ErrorType(tampered), "InvalidSignatureException");
  HttpRequest garbage = Signed();
  garbage.SetHeader("Authorization", "AWS4-HMAC-SHA256 nonsense");
  EXPECT_EQ(ErrorType(garbage), "IncompleteSignatureException");
  auto msg = auth_->Verify(
      Signed("s3cr3t", "us-east-1", "AKIDEXAMPLE", std::chrono::minutes(-20)));
  EXPECT_NE(msg.status().message().find("Signature expired"),
            std::string::npos);
}

// Issue 15 F9: X-Amz-Target picks the operation, so a request that does not
// sign it could be replayed as another operation.
TEST_F(AuthTest, TargetHeaderMustBeSigned) {
  HttpRequest r;
  r.url = "http://127.0.0.1:4585/";
  r.headers = {{"Content-Type", "application/x-amz-json-1.1"}};
  r.body = "{}";
  aws::Credentials c{"AKIDEXAMPLE", SecretValue("s3cr3t"), {}, {}, "test"};
  ASSERT_TRUE(
      aws::SignRequest(r, c, {"us-east-1", "secretsmanager", clock_.Now()})
          .ok());
  EXPECT_TRUE(auth_->Verify(r).ok());  // no target at all: nothing to bind
  r.headers.emplace_back("X-Amz-Target", "secretsmanager.DeleteSecret");
  auto v = auth_->Verify(r);
  EXPECT_EQ(v.status().error_type(), "InvalidSignatureException");
  EXPECT_NE(v.status().message().find("X-Amz-Target"), std::string::npos)
      << v.status();
  EXPECT_TRUE(auth_->Verify(Signed()).ok());  // signed target: accepted
}

// Issue 19: every region of the partition is served unless --region
// restricts the set; the verified request carries its scope's region.
TEST_F(AuthTest, EveryPartitionRegionUnlessRestricted) {
  for (const char* r : {"us-east-1", "us-west-2", "eu-central-1",
                        "ap-southeast-3", "il-central-1", "mx-central-1"}) {
    auto v = auth_->Verify(Signed("s3cr3t", r));
    ASSERT_TRUE(v.ok()) << r << ": " << v.status();
    EXPECT_EQ(v->region, r);
  }
  for (const char* r : {"us-east", "moon-base-1", "us-east-1a", "EU-WEST-1",
                        "cn-north-1", "us-gov-west-1x"}) {
    EXPECT_EQ(ErrorType(Signed("s3cr3t", r)), "InvalidSignatureException") << r;
  }
  EXPECT_FALSE(IsPartitionRegion("us-gov-west-1"));  // the aws-us-gov partition
  auto keys = ParseCredentialsFile(
      "[a]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = s3cr3t\n",
      "creds");
  AuthOptions opt;
  opt.runtime.clock = &clock_;
  opt.regions = {"us-east-1", "eu-west-1"};
  RequestAuthenticator only(std::move(*keys), opt);
  EXPECT_TRUE(only.Verify(Signed("s3cr3t", "eu-west-1")).ok());
  auto refused = only.Verify(Signed("s3cr3t", "us-west-2"));
  EXPECT_EQ(refused.status().error_type(), "InvalidSignatureException");
  EXPECT_NE(refused.status().message().find("'us-east-1', 'eu-west-1'"),
            std::string::npos)
      << refused.status();
}

TEST(ParseCredentialsFileTest, HalfPairIsAnErrorWithLine) {
  auto r = ParseCredentialsFile("[a]\naws_access_key_id = X\n", "f");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("f:1"), std::string::npos) << r.status();
}

}  // namespace
}  // namespace keyward::server
