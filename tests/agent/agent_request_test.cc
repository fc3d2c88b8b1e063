// The AWS agent's request grammar (parse.rs), case by case, plus the
// response bodies (GetSecretValueOutputDef through serde_json, err_response).
#include <gtest/gtest.h>

#include "agent/request.h"
#include "agent/response.h"

namespace keyward::agent {
namespace {

TEST(AgentRequestTest, QueryStyle) {
  AgentRequest r =
      ParseAgentRequest("/secretsmanager/get?secretId=MyTest", "/v1/");
  EXPECT_EQ(r.kind, RequestKind::kGetSecret);
  EXPECT_EQ(r.secret_id, "MyTest");
  EXPECT_EQ(r.version_id, "");
  EXPECT_EQ(r.version_stage, "");
  EXPECT_FALSE(r.refresh_now);

  r = ParseAgentRequest(
      "/secretsmanager/get?secretId=platform-data%2Fpg%2Forders&versionId=v1"
      "&versionStage=AWSPREVIOUS&refreshNow=TRUE",
      "/v1/");
  EXPECT_EQ(r.secret_id, "platform-data/pg/orders");
  EXPECT_EQ(r.version_id, "v1");
  EXPECT_EQ(r.version_stage, "AWSPREVIOUS");
  EXPECT_TRUE(r.refresh_now);
  for (const char* v : {"true", "1", "TRUE", "True"}) {
    EXPECT_TRUE(
        ParseAgentRequest(
            std::string("/secretsmanager/get?secretId=a&refreshNow=") + v,
            "/v1/")
            .refresh_now)
        << v;
  }
  for (const char* v : {"false", "0", "FALSE"}) {
    AgentRequest f = ParseAgentRequest(
        std::string("/secretsmanager/get?secretId=a&refreshNow=") + v, "/v1/");
    EXPECT_EQ(f.kind, RequestKind::kGetSecret) << v;
    EXPECT_FALSE(f.refresh_now) << v;
  }
  // '+' is a space in a query, as the url crate decodes it.
  EXPECT_EQ(
      ParseAgentRequest("/secretsmanager/get?secretId=a+b", "/v1/").secret_id,
      "a b");
}

TEST(AgentRequestTest, QueryErrorsAsTheAwsAgentWordsThem) {
  AgentRequest r = ParseAgentRequest(
      "/secretsmanager/"
      "get?secretId=MyTest&versionId=v&versionStage=dev&refreshNow=123",
      "/v1/");
  EXPECT_EQ(r.kind, RequestKind::kBadRequest);
  EXPECT_EQ(r.error, "invalid refreshNow value");
  r = ParseAgentRequest("/secretsmanager/get?secretId=MyTest&abc=123", "/v1/");
  EXPECT_EQ(r.error, "unknown parameter: abc");
  r = ParseAgentRequest("/secretsmanager/get?&versionId=v&versionStage=dev",
                        "/v1/");
  EXPECT_EQ(r.error, "missing parameter secretId");
  r = ParseAgentRequest("/secretsmanager/get", "/v1/");
  EXPECT_EQ(r.error, "missing parameter secretId");
}

TEST(AgentRequestTest, PathStyle) {
  AgentRequest r = ParseAgentRequest(
      "/v1/MyTest?versionId=myversion&versionStage=dev", "/v1/");
  EXPECT_EQ(r.kind, RequestKind::kGetSecret);
  EXPECT_EQ(r.secret_id, "MyTest");
  EXPECT_EQ(r.version_id, "myversion");
  EXPECT_EQ(r.version_stage, "dev");
  r = ParseAgentRequest("/v1/platform-data/pg/orders", "/v1/");
  EXPECT_EQ(r.secret_id, "platform-data/pg/orders");
  r = ParseAgentRequest("/v1/?versionId=v&abc=123", "/v1/");
  EXPECT_EQ(r.kind, RequestKind::kBadRequest);
  EXPECT_EQ(r.error, "missing secret ID");
  r = ParseAgentRequest("/v1/MyTest?versionId=v&abc=123", "/v1/");
  EXPECT_EQ(r.error, "unknown parameter: abc");
  // secretId is not a parameter of the path style.
  r = ParseAgentRequest("/v1/MyTest?secretId=other", "/v1/");
  EXPECT_EQ(r.error, "unknown parameter: secretId");
  r = ParseAgentRequest("/custom/x", "/custom/");
  EXPECT_EQ(r.secret_id, "x");
}

TEST(AgentRequestTest, FixedPathsAndUnknownOnes) {
  EXPECT_EQ(ParseAgentRequest("/ping", "/v1/").kind, RequestKind::kPing);
  EXPECT_EQ(ParseAgentRequest("/metrics", "/v1/").kind, RequestKind::kMetrics);
  EXPECT_EQ(ParseAgentRequest("/", "/v1/").kind, RequestKind::kNotFound);
  EXPECT_EQ(ParseAgentRequest("/v2/x", "/v1/").kind, RequestKind::kNotFound);
  EXPECT_EQ(ParseAgentRequest("/secretsmanager/get/x", "/v1/").kind,
            RequestKind::kNotFound);
  EXPECT_EQ(ParseAgentRequest("", "/v1/").kind, RequestKind::kNotFound);
}

TEST(AgentRequestTest, PercentDecodingKeepsMalformedEscapes) {
  EXPECT_EQ(PercentDecode("a%2Fb", false), "a/b");
  EXPECT_EQ(PercentDecode("a%2fb", false), "a/b");
  EXPECT_EQ(PercentDecode("a%zzb%", false), "a%zzb%");
  EXPECT_EQ(PercentDecode("a%4", false), "a%4");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
}

TEST(AgentResponseTest, ErrorBodiesAsErrResponse) {
  EXPECT_EQ(AwsErrorBody("InternalFailure", ""),
            R"({"__type":"InternalFailure"})");
  EXPECT_EQ(AwsErrorBody("ResourceNotFoundException", ""),
            R"({"__type":"InternalFailure"})");
  EXPECT_EQ(AwsErrorBody("ResourceNotFoundException",
                         "Secrets Manager can't find the specified secret."),
            "{\"__type\":\"ResourceNotFoundException\", \"message\":\"Secrets "
            "Manager can't find the specified secret.\"}");
  EXPECT_EQ(AwsErrorBody("X", "say \"hi\"\n"),
            "{\"__type\":\"X\", \"message\":\"say \\\"hi\\\"\\n\"}");
}

TEST(AgentResponseTest, DatesAreRustF64Strings) {
  using std::chrono::milliseconds;
  EXPECT_EQ(RustSecondsString(Clock::time_point(milliseconds(1569534789046))),
            "1569534789.046");
  EXPECT_EQ(RustSecondsString(Clock::time_point(milliseconds(1700000000000))),
            "1700000000");
  EXPECT_EQ(RustSecondsString(Clock::time_point(milliseconds(1523477145729))),
            "1523477145.729");
  EXPECT_EQ(RustSecondsString(Clock::time_point(milliseconds(1524572133250))),
            "1524572133.25");
}

TEST(AgentResponseTest, EscapesLikeSerdeJson) {
  SecureString out;
  AppendJsonEscaped(std::string("a\"b\\c\x01\x1f\x7f/é\t", 12), &out);
  EXPECT_EQ(std::string(out.begin(), out.end()),
            "a\\\"b\\\\c\\u0001\\u001f\x7f/é\\t");
}

}  // namespace
}  // namespace keyward::agent
