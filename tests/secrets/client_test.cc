// SecretsManagerClient against FakeHttpClient: wire format, error mapping,
// retries with backoff, ClientRequestToken reuse, clock-skew correction and
// hostile responses.
#include "keyward/secrets/client.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "keyward/aws/sigv4.h"
#include "tests/testing/fakes.h"

namespace keyward::secrets {
namespace {

using keyward::testing::FakeClock;
using keyward::testing::FakeHttpClient;
using Json = nlohmann::json;

constexpr char kCanary[] = "canary-51f0c2-never-print";

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_ = std::make_shared<FakeHttpClient>();
    client_ = NewClient();
  }

  // A client on the fake transport, clock, sleep and random source;
  // `retry` overrides the retry options.
  std::unique_ptr<SecretsManagerClient> NewClient(RetryOptions retry = {}) {
    aws::Credentials creds;
    creds.access_key_id = "AKIDEXAMPLE";
    creds.secret_access_key =
        SecretValue("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    ClientConfig config;
    config.region = "eu-west-1";
    config.endpoint_url = "http://127.0.0.1:9";
    config.credentials = aws::NewStaticCredentialsProvider(creds);
    config.http = http_;
    config.runtime.clock = &clock_;
    config.runtime.sleep = &sleeper_;
    config.runtime.random = &random_;
    config.retry = retry;
    return SecretsManagerClient::Create(std::move(config)).value();
  }

  Json RequestJson(std::size_t i) {
    auto reqs = http_->requests();
    return Json::parse(
        std::string(reqs.at(i).body.begin(), reqs.at(i).body.end()));
  }

  FakeClock clock_;
  testing::FakeRandom random_{0.5};
  std::shared_ptr<FakeHttpClient> http_;
  testing::FakeSleeper sleeper_;
  std::unique_ptr<SecretsManagerClient> client_;
};

TEST_F(ClientTest, GetSecretValueWireFormat) {
  http_->Push(200, Json{{"ARN",
                         "arn:aws:secretsmanager:eu-west-1:1:secret:platform-"
                         "data/a/b-AbCdEf"},
                        {"Name", "platform-data/a/b"},
                        {"VersionId", "v1"},
                        {"VersionStages", {"AWSCURRENT"}},
                        {"SecretString", kCanary},
                        {"CreatedDate", 1700000000.5}}
                       .dump());
  auto r = client_->GetSecretValue({"platform-data/a/b", "", "AWSPREVIOUS"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->payload.string->Reveal(), kCanary);
  EXPECT_FALSE(r->payload.binary.has_value());
  EXPECT_EQ(r->version_stages, std::vector<std::string>{"AWSCURRENT"});
  ASSERT_TRUE(r->created_date.has_value());

  auto req = http_->requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "http://127.0.0.1:9/");
  EXPECT_EQ(*req.Header("X-Amz-Target"), "secretsmanager.GetSecretValue");
  EXPECT_EQ(*req.Header("Content-Type"), "application/x-amz-json-1.1");
  std::string authz(*req.Header("Authorization"));
  EXPECT_NE(authz.find("Credential=AKIDEXAMPLE/20231114/eu-west-1/"
                       "secretsmanager/aws4_request"),
            std::string::npos)
      << authz;
  EXPECT_NE(
      authz.find("SignedHeaders=content-type;host;x-amz-date;x-amz-target"),
      std::string::npos)
      << authz;
  EXPECT_EQ(RequestJson(0), (Json{{"SecretId", "platform-data/a/b"},
                                  {"VersionStage", "AWSPREVIOUS"}}));
}

TEST_F(ClientTest, BinaryRoundTrip) {
  std::string bytes("\x00\x01\xff\xfe binary", 11);
  http_->Push(200,
              Json{{"ARN", "a"}, {"Name", "n"}, {"VersionId", "v1"}}.dump());
  CreateSecretRequest create;
  create.name = "platform-data/a/b";
  create.payload.binary = SecretValue(bytes);
  ASSERT_TRUE(client_->CreateSecret(create).ok());
  Json sent = RequestJson(0);
  EXPECT_EQ(sent["SecretBinary"], "AAH//iBiaW5hcnk=");
  EXPECT_FALSE(sent.contains("SecretString"));
  EXPECT_EQ(sent["ClientRequestToken"].get<std::string>().size(), 36u);

  http_->Push(200,
              Json{{"Name", "n"}, {"SecretBinary", "AAH//iBiaW5hcnk="}}.dump());
  auto r = client_->GetSecretValue({"platform-data/a/b", "", ""});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->payload.binary->Reveal(), bytes);
}

TEST_F(ClientTest, RetriesServerErrorsWithSameTokenAndJitteredBackoff) {
  http_->Push(500, R"({"__type":"InternalServiceError","message":"boom"})");
  http_->Push(503, "<html><body>Service Unavailable</body></html>");
  http_->Push(200, Json{{"ARN", "a"},
                        {"Name", "n"},
                        {"VersionId", "v2"},
                        {"VersionStages", {"AWSCURRENT"}}}
                       .dump());
  PutSecretValueRequest put;
  put.secret_id = "platform-data/a/b";
  put.payload.string = SecretValue(kCanary);
  auto r = client_->PutSecretValue(put);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->version_id, "v2");
  ASSERT_EQ(http_->requests().size(), 3u);
  // One ClientRequestToken across every attempt: no duplicate versions.
  std::string token = RequestJson(0)["ClientRequestToken"];
  EXPECT_EQ(RequestJson(1)["ClientRequestToken"], token);
  EXPECT_EQ(RequestJson(2)["ClientRequestToken"], token);
  // Full jitter with random()=0.5: 0.5 * 100ms, then 0.5 * 200ms.
  EXPECT_EQ(sleeper_.sleeps(), (std::vector<std::chrono::milliseconds>{
                                   std::chrono::milliseconds(50),
                                   std::chrono::milliseconds(100)}));
}

TEST_F(ClientTest, GivesUpAfterThreeAttempts) {
  for (int i = 0; i < 3; ++i) {
    http_->Push(
        400, R"({"__type":"ThrottlingException","message":"Rate exceeded"})");
  }
  auto r = client_->DescribeSecret("platform-data/a/b");
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().error_type(), "ThrottlingException");
  EXPECT_EQ(http_->requests().size(), 3u);
  EXPECT_EQ(sleeper_.sleeps().size(), 2u);
}

TEST_F(ClientTest, RetryQuotaStopsRetriesDuringAnOutageAndRefills) {
  // A client with a 12-token quota: 2 retries (5 each) fit, a 3rd does not.
  RetryOptions retry;
  retry.retry_quota = 12;
  auto client = NewClient(retry);
  constexpr char kDown[] = R"({"__type":"InternalServiceError","message":"x"})";
  for (int i = 0; i < 3; ++i) http_->Push(500, kDown);
  auto r = client->DescribeSecret("platform-data/a/b");  // 12 -> 2 tokens
  EXPECT_EQ(http_->requests().size(), 3u);
  EXPECT_EQ(r.status().message().find("retry quota"), std::string::npos);
  http_->Push(500, kDown);
  r = client->DescribeSecret("platform-data/a/b");  // no retry: 2 < 5
  EXPECT_EQ(http_->requests().size(), 4u);
  EXPECT_EQ(r.status().error_type(), "InternalServiceError");
  EXPECT_NE(r.status().message().find("retry quota is exhausted"),
            std::string::npos)
      << r.status();
  // Three first-time successes return 1 token each: 5, enough for a retry,
  // and a retried success refunds its cost.
  for (int i = 0; i < 3; ++i) {
    http_->Push(200, R"({"Name":"n","ARN":"a"})");
    EXPECT_TRUE(client->DescribeSecret("platform-data/a/b").ok());
  }
  http_->Push(500, kDown);
  http_->Push(200, R"({"Name":"n","ARN":"a"})");
  EXPECT_TRUE(client->DescribeSecret("platform-data/a/b").ok());
  EXPECT_EQ(http_->requests().size(), 9u);
  http_->Push(500, kDown);
  http_->Push(200, R"({"Name":"n","ARN":"a"})");
  EXPECT_TRUE(client->DescribeSecret("platform-data/a/b").ok());
  EXPECT_EQ(http_->requests().size(), 11u);
}

TEST_F(ClientTest, RetriesTransientNetworkErrors) {
  http_->PushError(
      UnavailableError("cannot reach http://127.0.0.1:9: Couldn't connect"));
  http_->PushError(DeadlineExceededError("timed out"));
  http_->Push(200, R"({"SecretList":[]})");
  EXPECT_TRUE(client_->ListSecrets({}).ok());
  EXPECT_EQ(http_->requests().size(), 3u);
}

struct ErrorCase {
  int http;
  std::string body;
  StatusCode code;
  std::string type;
  std::string message_part;
};

class ClientErrorTest : public ClientTest,
                        public ::testing::WithParamInterface<ErrorCase> {};

TEST_P(ClientErrorTest, MapsErrorsWithoutRetrying) {
  const ErrorCase& c = GetParam();
  http_->Push(c.http, c.body);
  auto r = client_->GetSecretValue({"platform-data/a/b", "", ""});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), c.code) << r.status();
  EXPECT_EQ(r.status().error_type(), c.type);
  EXPECT_NE(r.status().message().find(c.message_part), std::string::npos)
      << r.status();
  EXPECT_EQ(http_->requests().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ClientErrorTest,
    ::testing::Values(
        ErrorCase{
            400,
            R"({"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."})",
            StatusCode::kNotFound, "ResourceNotFoundException",
            "secret 'platform-data/a/b' was not found"},
        ErrorCase{
            400,
            R"({"__type":"com.amazon.coral.service#AccessDeniedException","Message":"not authorized"})",
            StatusCode::kPermissionDenied, "AccessDeniedException",
            "IAM policy"},
        ErrorCase{
            400,
            R"({"__type":"InvalidSignatureException","message":"The request signature we calculated does not match"})",
            StatusCode::kUnauthenticated, "InvalidSignatureException",
            "signature does not match"},
        ErrorCase{
            400,
            R"({"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."})",
            StatusCode::kUnauthenticated, "UnrecognizedClientException",
            "access key id is not recognized"},
        ErrorCase{400,
                  R"({"__type":"ExpiredTokenException","message":"expired"})",
                  StatusCode::kUnauthenticated, "ExpiredTokenException",
                  "session token has expired"},
        ErrorCase{
            400,
            R"({"__type":"InvalidRequestException","message":"marked for deletion"})",
            StatusCode::kFailedPrecondition, "InvalidRequestException",
            "scheduled for deletion"},
        ErrorCase{403, "<html><h1>Forbidden by proxy</h1></html>",
                  StatusCode::kPermissionDenied, "HTTP403", "non-JSON body"},
        ErrorCase{404, "", StatusCode::kInternal, "HTTP404", "non-JSON body"}));

TEST_F(ClientTest, MalformedSuccessBodies) {
  for (const char* body :
       {"", "{\"Name\": \"trunc", "[1,2]", "<html>ok</html>"}) {
    http_->Push(200, body);
    auto r = client_->GetSecretValue({"platform-data/a/b", "", ""});
    EXPECT_EQ(r.status().code(), StatusCode::kInternal) << body;
    EXPECT_NE(r.status().message().find("malformed response"),
              std::string::npos);
  }
  http_->Push(200, R"({"Name":"n","SecretBinary":"!!!not base64"})");
  EXPECT_EQ(client_->GetSecretValue({"x", "", ""}).status().code(),
            StatusCode::kInternal);
}

TEST_F(ClientTest, CorrectsClockSkewFromDateHeader) {
  // Server time is one hour ahead of the (fake) local clock.
  http_->Push(
      400,
      R"({"__type":"InvalidSignatureException","message":"Signature expired: 20231114T221320Z is now earlier than 20231114T231320Z"})",
      {{"date", "Tue, 14 Nov 2023 23:13:20 GMT"}});
  http_->Push(200, R"({"SecretList":[]})");
  ASSERT_TRUE(client_->ListSecrets({}).ok());
  auto reqs = http_->requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(*reqs[0].Header("X-Amz-Date"), "20231114T221320Z");
  EXPECT_EQ(*reqs[1].Header("X-Amz-Date"), "20231114T231320Z");
  EXPECT_TRUE(sleeper_.sleeps().empty());
}

TEST_F(ClientTest, ValidatesBeforeSending) {
  PutSecretValueRequest put;
  put.secret_id = "platform-data/a/b";
  put.payload.string = SecretValue(std::string(65537, 'x'));
  auto r = client_->PutSecretValue(put);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(
      r.status().message(),
      "secret value is 65537 bytes; Secrets Manager allows at most 65536");
  BatchGetSecretValueRequest batch;
  batch.secret_ids.assign(21, "x");
  EXPECT_EQ(client_->BatchGetSecretValue(batch).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(client_->DeleteSecret({"x", 3, false}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(http_->requests().size(), 0u);
}

TEST_F(ClientTest, BatchGetReportsPerSecretErrors) {
  http_->Push(200,
              Json{{"SecretValues", {{{"Name", "a"}, {"SecretString", "x"}}}},
                   {"Errors",
                    {{{"SecretId", "b"},
                      {"ErrorCode", "ResourceNotFoundException"},
                      {"Message", "not found"}}}},
                   {"NextToken", "t2"}}
                  .dump());
  auto r = client_->BatchGetSecretValue({{"a", "b"}, {}, 0, ""});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->values.size(), 1u);
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].error_code, "ResourceNotFoundException");
  EXPECT_EQ(r->next_token, "t2");
  EXPECT_EQ(RequestJson(0), (Json{{"SecretIdList", {"a", "b"}}}));
}

TEST_F(ClientTest, ListAllSecretsFollowsPages) {
  http_->Push(
      200,
      R"({"SecretList":[{"Name":"a","SecretVersionsToStages":{"v1":["AWSCURRENT"]}}],"NextToken":"p2"})");
  http_->Push(200, R"({"SecretList":[{"Name":"b","DeletedDate":1700000000}]})");
  auto all = client_->ListAllSecrets({});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].CurrentVersionId(), "v1");
  EXPECT_TRUE((*all)[1].deleted_date.has_value());
  EXPECT_EQ(RequestJson(1)["NextToken"], "p2");
}

TEST_F(ClientTest, ErrorsNeverEchoTheValue) {
  http_->Push(
      400,
      std::string(R"({"__type":"InvalidParameterException","message":"bad"})"));
  PutSecretValueRequest put;
  put.secret_id = "platform-data/a/b";
  put.payload.string = SecretValue(kCanary);
  auto r = client_->PutSecretValue(put);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString().find(kCanary), std::string::npos);
}

TEST(ClientCreate, RequiresRegionAndCredentials) {
  ClientConfig c;
  EXPECT_EQ(SecretsManagerClient::Create(c).status().code(),
            StatusCode::kInvalidArgument);
  c.region = "eu-west-1";
  EXPECT_EQ(SecretsManagerClient::Create(c).status().code(),
            StatusCode::kInvalidArgument);
  c.credentials = aws::NewStaticCredentialsProvider({});
  auto client = SecretsManagerClient::Create(c);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->endpoint(),
            "https://secretsmanager.eu-west-1.amazonaws.com");
  c.region = "cn-north-1";
  EXPECT_EQ(SecretsManagerClient::Create(c).value()->endpoint(),
            "https://secretsmanager.cn-north-1.amazonaws.com.cn");
  // What an inline comment in ~/.aws/config yields is refused, as botocore
  // does (InvalidRegionError), instead of becoming a bogus host name.
  for (const char* bad : {"eu-central-1 # prod", "-eu", "eu/west", "a.b"}) {
    c.region = bad;
    auto r = SecretsManagerClient::Create(c);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find("not a valid AWS region"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace keyward::secrets
