// STS query-protocol client against a fake HTTP client.
#include "keyward/aws/sts.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/fakes.h"

namespace keyward::aws {
namespace {

using ::keyward::testing::FakeClock;
using ::keyward::testing::FakeHttpClient;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCanary[] = "CANARYsecretKEYdoNOTprint0123456789abcd";

Credentials Source() {
  Credentials c;
  c.access_key_id = "AKIDSOURCE";
  c.secret_access_key = SecretValue(kCanary);
  c.session_token = SecretValue("CANARYtoken");
  return c;
}

class StsTest : public ::testing::Test {
 protected:
  std::unique_ptr<StsClient> Make(std::string region = "eu-west-1") {
    StsOptions o;
    o.region = std::move(region);
    o.http = http_;
    o.runtime.clock = &clock_;
    o.runtime.sleep = &sleeper_;
    auto c = StsClient::Create(std::move(o));
    EXPECT_TRUE(c.ok());
    return std::move(*c);
  }
  std::shared_ptr<FakeHttpClient> http_ = std::make_shared<FakeHttpClient>();
  FakeClock clock_;
  testing::FakeSleeper sleeper_;
};

TEST(StsEndpointTest, RegionalAndGlobal) {
  EXPECT_EQ(StsEndpointFor("eu-west-1"), "https://sts.eu-west-1.amazonaws.com");
  EXPECT_EQ(StsEndpointFor("cn-north-1"),
            "https://sts.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(StsEndpointFor(""), "https://sts.amazonaws.com");
}

TEST(XmlTextTest, EntitiesAndAbsence) {
  auto t = XmlText(
      "<a><B>x &amp; &lt;y&gt; &quot;&apos; &#65;&#x42;&#233;</B></a>", "B");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(std::string(t->begin(), t->end()), "x & <y> \"' AB\xC3\xA9");
  EXPECT_FALSE(XmlText("<a></a>", "B").has_value());
  EXPECT_FALSE(XmlText("<B>unterminated", "B").has_value());
  EXPECT_FALSE(XmlText("<B>&bogus;</B>", "B").has_value());
}

TEST_F(StsTest, AssumeRoleRequestAndResponse) {
  http_->Push(200,
              "<AssumeRoleResponse><AssumeRoleResult><Credentials>"
              "<AccessKeyId>ASIANEW</AccessKeyId><SecretAccessKey>s3cr&amp;t</"
              "SecretAccessKey>"
              "<SessionToken>tok</"
              "SessionToken><Expiration>2023-11-15T01:00:00.123Z</Expiration>"
              "</Credentials><AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/"
              "r/s</Arn>"
              "</AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>");
  auto sts = Make();
  auto r =
      sts->AssumeRole(Source(), {"arn:aws:iam::1:role/r", "s p", "x&y", 900});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->credentials.access_key_id, "ASIANEW");
  EXPECT_EQ(r->credentials.secret_access_key.Reveal(), "s3cr&t");
  EXPECT_EQ(r->credentials.session_token.Reveal(), "tok");
  EXPECT_EQ(FormatIso8601(*r->credentials.expiration), "2023-11-15T01:00:00Z");
  EXPECT_EQ(r->assumed_role_arn, "arn:aws:sts::1:assumed-role/r/s");
  std::vector<HttpRequest> reqs = http_->requests();
  const HttpRequest& req = reqs.at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "https://sts.eu-west-1.amazonaws.com/");
  EXPECT_EQ(std::string(req.body.begin(), req.body.end()),
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%"
            "3A1%3Arole%2Fr&"
            "RoleSessionName=s%20p&ExternalId=x%26y&DurationSeconds=900");
  EXPECT_EQ(*req.Header("Content-Type"),
            "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_EQ(*req.Header("X-Amz-Security-Token"), "CANARYtoken");
  EXPECT_THAT(
      std::string(*req.Header("Authorization")),
      HasSubstr(
          "AWS4-HMAC-SHA256 Credential=AKIDSOURCE/20231114/eu-west-1/sts/"));
}

TEST_F(StsTest, GetCallerIdentity) {
  http_->Push(
      200,
      "<GetCallerIdentityResponse><GetCallerIdentityResult>"
      "<Arn>arn:aws:iam::123456789012:user/app</Arn><UserId>AIDA1</UserId>"
      "<Account>123456789012</Account></GetCallerIdentityResult>"
      "</GetCallerIdentityResponse>");
  auto sts = Make("");
  auto id = sts->GetCallerIdentity(Source());
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->account, "123456789012");
  EXPECT_EQ(id->arn, "arn:aws:iam::123456789012:user/app");
  EXPECT_EQ(id->user_id, "AIDA1");
  std::vector<HttpRequest> reqs = http_->requests();
  const HttpRequest& req = reqs.at(0);
  EXPECT_EQ(req.url, "https://sts.amazonaws.com/");
  EXPECT_THAT(std::string(*req.Header("Authorization")),
              HasSubstr("/us-east-1/sts/"));
}

TEST_F(StsTest, ErrorMapping) {
  struct Case {
    int http;
    std::string code;
    StatusCode want;
    std::string text;
  } cases[] = {
      {403, "AccessDenied", StatusCode::kPermissionDenied, "trust policy"},
      {403, "InvalidClientTokenId", StatusCode::kUnauthenticated,
       "rejected the source"},
      {403, "SignatureDoesNotMatch", StatusCode::kUnauthenticated,
       "wrong secret key"},
      {400, "ExpiredToken", StatusCode::kUnauthenticated,
       "expired session token"},
      {403, "RegionDisabledException", StatusCode::kFailedPrecondition,
       "not activated"},
      {400, "ValidationError", StatusCode::kInvalidArgument, "ValidationError"},
      {400, "MalformedPolicyDocument", StatusCode::kInvalidArgument,
       "Malformed"},
  };
  for (const Case& k : cases) {
    http_->Push(k.http,
                "<ErrorResponse><Error><Code>" + k.code +
                    "</Code><Message>detail</Message></Error></ErrorResponse>");
    auto r =
        Make()->AssumeRole(Source(), {"arn:aws:iam::1:role/r", "s", "", 0});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), k.want) << k.code;
    EXPECT_EQ(r.status().error_type(), k.code);
    EXPECT_THAT(r.status().message(), HasSubstr(k.text));
    EXPECT_THAT(r.status().message(), HasSubstr("detail"));
    EXPECT_THAT(r.status().message(), Not(HasSubstr("CANARY")));
  }
  EXPECT_TRUE(sleeper_.sleeps().empty());  // none of these is retried
}

TEST_F(StsTest, RetriesThrottlingAnd5xxThenGivesUp) {
  http_->Push(
      400,
      "<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>");
  http_->Push(503, "");
  http_->PushError(UnavailableError("connection refused"));
  auto r = Make()->GetCallerIdentity(Source());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("connection refused"));
  EXPECT_EQ(http_->requests().size(), 3u);
  EXPECT_EQ(sleeper_.sleeps().size(), 2u);
  http_->Push(503, "");
  http_->Push(200,
              "<GetCallerIdentityResponse><Arn>arn:x</Arn></"
              "GetCallerIdentityResponse>");
  EXPECT_TRUE(Make()->GetCallerIdentity(Source()).ok());
}

TEST_F(StsTest, MalformedResponses) {
  http_->Push(
      200,
      "<AssumeRoleResponse><AccessKeyId>A</AccessKeyId></AssumeRoleResponse>");
  auto r = Make()->AssumeRole(Source(), {"arn:aws:iam::1:role/r", "s", "", 0});
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  http_->Push(200,
              "<Credentials><AccessKeyId>A</"
              "AccessKeyId><SecretAccessKey>CANARY</SecretAccessKey>"
              "<SessionToken>t</SessionToken><Expiration>soon</Expiration></"
              "Credentials>");
  r = Make()->AssumeRole(Source(), {"arn:aws:iam::1:role/r", "s", "", 0});
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_THAT(r.status().message(), Not(HasSubstr("CANARY")));
  http_->Push(200, "<html>proxy</html>");
  EXPECT_EQ(Make()->GetCallerIdentity(Source()).status().code(),
            StatusCode::kInternal);
}

}  // namespace
}  // namespace keyward::aws
