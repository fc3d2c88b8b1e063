// STS on keyward server, in process on a loopback socket with a fake clock
// (so session expiry is tested without waiting 900 s): keyward's own
// StsClient and SecretsManagerClient as clients; raw signed requests for the
// error shapes, tampered tokens and role-file parsing.
#include "server/sts_service.h"

#include <gtest/gtest.h>

#include <thread>

#include "keyward/aws/credentials.h"
#include "keyward/aws/sigv4.h"
#include "keyward/aws/sts.h"
#include "keyward/secrets/client.h"
#include "keyward/server/http_server.h"
#include "tests/testing/fakes.h"

namespace keyward::server {
namespace {

using keyward::testing::FakeClock;
using namespace std::chrono_literals;

constexpr char kCredentials[] =
    "[ops]\naws_access_key_id = AKIDOPS\naws_secret_access_key = ops-secret\n"
    "[billing]\naws_access_key_id = AKIDBILLING\n"
    "aws_secret_access_key = billing-secret\n"
    "[stranger]\naws_access_key_id = AKIDSTRANGER\n"
    "aws_secret_access_key = stranger-secret\n"
    "[odd|name]\naws_access_key_id = AKIDODD\n"
    "aws_secret_access_key = odd-secret\n";

constexpr char kRoles[] = R"({"Roles": [
  {"RoleName": "billing-reader",
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
     {"Effect": "Allow", "Action": "sts:AssumeRole",
      "Principal": {"AWS": ["arn:aws:iam::123456789012:user/ops",
                            "arn:aws:iam::123456789012:user/billing"]}}]},
   "PolicyDocument": {"Statement": [
     {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue",
                                    "sts:AssumeRole"],
      "Resource": "*"}]}},
  {"RoleName": "long", "MaxSessionDuration": 43200,
   "AssumeRolePolicyDocument": "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"sts:*\", \"Principal\": {\"AWS\": \"123456789012\"}}]}"},
  {"RoleName": "chained", "Path": "/apps/",
   "AssumeRolePolicyDocument": {"Statement": [
     {"Effect": "Allow", "Action": "sts:AssumeRole",
      "Principal": {"AWS": "arn:aws:iam::123456789012:role/billing-reader"}}]}}
]})";

class StsServer {
 public:
  // `ops_policy`: an identity policy for the "ops" key (none by default).
  explicit StsServer(const char* ops_policy = nullptr) {
    auto store = SecretStore::Open(":memory:");
    ServiceOptions opts;
    opts.runtime.clock = &clock;
    auto svc = SecretsService::Create(
        std::move(*store),
        std::move(*ValueCipher::FromKey(std::string(32, 'k'),
                                        keyward::Random::Real())),
        opts);
    service_ = std::move(*svc);
    auto roles = ParseRolesFile(kRoles, "roles.json", "123456789012");
    EXPECT_TRUE(roles.ok()) << roles.status();
    StsServiceOptions so;
    so.runtime.clock = &clock;
    sts_ = std::move(
        *StsService::Create(std::move(*roles),
                            std::move(*ValueCipher::FromKey(
                                std::string(32, 'k'), keyward::Random::Real())),
                            so));
    auto keys = ParseCredentialsFile(kCredentials, "credentials");
    // "stranger" may do nothing at all (not even sts:AssumeRole).
    (*keys)[2].policy = *IamPolicy::Parse(R"({"Statement":[]})", "none");
    if (ops_policy != nullptr)
      (*keys)[0].policy = *IamPolicy::Parse(ops_policy, "ops.json");
    AuthOptions ao;
    ao.runtime.clock = &clock;
    ao.sessions = sts_.get();
    auth_ = std::make_unique<RequestAuthenticator>(std::move(*keys), ao);
    ServerOptions opt;
    opt.host = "127.0.0.1";
    opt.port = 0;
    auto front =
        HttpFrontEnd::Bind(opt, service_.get(), auth_.get(), sts_.get());
    EXPECT_TRUE(front.ok()) << front.status();
    front_ = std::move(*front);
    thread_ = std::thread([this] { (void)front_->Run(); });
  }
  ~StsServer() {
    front_->Stop();
    thread_.join();
  }
  std::string endpoint() const {
    return "http://127.0.0.1:" + std::to_string(front_->port());
  }
  std::unique_ptr<aws::StsClient> Sts() {
    aws::StsOptions o;
    o.region = "us-east-1";
    o.endpoint_url = endpoint();
    o.runtime.clock = &clock;
    o.max_attempts = 1;
    return std::move(*aws::StsClient::Create(std::move(o)));
  }
  std::unique_ptr<secrets::SecretsManagerClient> Secrets(
      const aws::Credentials& c) {
    secrets::ClientConfig config;
    config.region = "us-east-1";
    config.endpoint_url = endpoint();
    config.credentials = aws::NewStaticCredentialsProvider(c);
    config.retry.max_attempts = 1;
    config.runtime.clock = &clock;
    return std::move(*secrets::SecretsManagerClient::Create(std::move(config)));
  }
  // A raw STS Query request signed with `c`: {status, body}.
  std::pair<int, std::string> Raw(const aws::Credentials& c, std::string form) {
    HttpRequest r;
    r.method = "POST";
    r.url = endpoint() + "/";
    r.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    r.body = std::move(form);
    aws::SigningParams p{"us-east-1", "sts", clock.Now()};
    EXPECT_TRUE(aws::SignRequest(r, c, p).ok());
    auto resp = NewCurlHttpClient({}, Environment::Real())->Send(r);
    EXPECT_TRUE(resp.ok()) << resp.status();
    return {resp->status, std::string(resp->body.data(), resp->body.size())};
  }

  FakeClock clock{Clock::time_point(std::chrono::seconds(1764540000))};

 private:
  std::unique_ptr<SecretsService> service_;
  std::unique_ptr<StsService> sts_;
  std::unique_ptr<RequestAuthenticator> auth_;
  std::unique_ptr<HttpFrontEnd> front_;
  std::thread thread_;
};

aws::Credentials Key(std::string id, std::string secret) {
  aws::Credentials c;
  c.access_key_id = std::move(id);
  c.secret_access_key = SecretValue(secret);
  return c;
}

const aws::Credentials kOps = Key("AKIDOPS", "ops-secret");
const aws::Credentials kStranger = Key("AKIDSTRANGER", "stranger-secret");
constexpr char kReader[] = "arn:aws:iam::123456789012:role/billing-reader";

TEST(StsServiceTest, GetCallerIdentityOfALongTermKey) {
  StsServer server;
  auto id = server.Sts()->GetCallerIdentity(kOps);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->account, "123456789012");
  EXPECT_EQ(id->arn, "arn:aws:iam::123456789012:user/ops");
  EXPECT_EQ(id->user_id.substr(0, 4), "AIDA");
  EXPECT_EQ(id->user_id.size(), 21u);
  // Stable per key; needs no permission (stranger's policy allows nothing).
  EXPECT_EQ(server.Sts()->GetCallerIdentity(kOps)->user_id, id->user_id);
  EXPECT_TRUE(server.Sts()->GetCallerIdentity(kStranger).ok());
}

TEST(StsServiceTest, AssumeRoleIssuesASessionThatActsWithTheRolesPolicy) {
  StsServer server;
  auto session =
      server.Sts()->AssumeRole(kOps, {kReader, "night-batch", "", 0});
  ASSERT_TRUE(session.ok()) << session.status();
  const aws::Credentials& c = session->credentials;
  EXPECT_EQ(c.access_key_id.substr(0, 4), "ASIA");
  EXPECT_EQ(c.access_key_id.size(), 20u);
  EXPECT_FALSE(c.session_token.empty());
  EXPECT_EQ(*c.expiration, server.clock.Now() + 3600s);
  EXPECT_EQ(session->assumed_role_arn,
            "arn:aws:sts::123456789012:assumed-role/billing-reader/"
            "night-batch");

  auto id = server.Sts()->GetCallerIdentity(c);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->arn, session->assumed_role_arn);
  EXPECT_EQ(id->user_id.substr(0, 4), "AROA");
  EXPECT_TRUE(id->user_id.ends_with(":night-batch"));

  // The session acts with the role's policy: GetSecretValue only.
  auto ops = server.Secrets(kOps);
  secrets::CreateSecretRequest create;
  create.name = "app/db";
  create.payload.string = SecretValue("pw");
  ASSERT_TRUE(ops->CreateSecret(create).ok());
  auto as_role = server.Secrets(c);
  auto v = as_role->GetSecretValue({"app/db", "", ""});
  ASSERT_TRUE(v.ok()) << v.status();
  auto list = as_role->ListSecrets({});
  EXPECT_EQ(list.status().error_type(), "AccessDeniedException");
}

// Field separators in the caller's name do not confuse the token.
TEST(StsServiceTest, ProfileNamesWithSeparatorsGetWorkingSessions) {
  StsServer server;
  auto s = server.Sts()->AssumeRole(
      Key("AKIDODD", "odd-secret"),
      {"arn:aws:iam::123456789012:role/long", "odd", "", 0});
  ASSERT_TRUE(s.ok()) << s.status();
  auto id = server.Sts()->GetCallerIdentity(s->credentials);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->arn, "arn:aws:sts::123456789012:assumed-role/long/odd");
}

// AssumeRole evaluates the caller's identity policy with the request's
// context, as every other request: a Deny conditioned on aws:SourceIp
// applies (it was skipped when evaluated without context), and an Allow
// conditioned on it grants (it never did).
TEST(StsServiceTest, IdentityPolicyConditionsSeeTheRequestContext) {
  {
    StsServer server(R"({"Statement":[
        {"Effect":"Allow","Action":"*","Resource":"*"},
        {"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*",
         "Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]})");
    auto a = server.Sts()->AssumeRole(kOps, {kReader, "x1", "", 0});
    EXPECT_EQ(a.status().error_type(), "AccessDenied") << a.status();
  }
  {
    StsServer server(R"({"Statement":[
        {"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*",
         "Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"},
                      "Bool":{"aws:SecureTransport":"false"}}}]})");
    auto a = server.Sts()->AssumeRole(kOps, {kReader, "x1", "", 0});
    EXPECT_TRUE(a.ok()) << a.status();
  }
}

TEST(StsServiceTest, DurationSecondsBounds) {
  StsServer server;
  auto sts = server.Sts();
  EXPECT_EQ(
      sts->AssumeRole(kOps, {kReader, "s1", "", 899}).status().error_type(),
      "ValidationError");
  EXPECT_TRUE(sts->AssumeRole(kOps, {kReader, "s1", "", 900}).ok());
  auto over = sts->AssumeRole(kOps, {kReader, "s1", "", 3601});
  EXPECT_EQ(over.status().error_type(), "ValidationError");
  EXPECT_NE(over.status().message().find("MaxSessionDuration"),
            std::string::npos);
  auto longest = sts->AssumeRole(
      kOps, {"arn:aws:iam::123456789012:role/long", "s2", "", 43200});
  ASSERT_TRUE(longest.ok()) << longest.status();
  EXPECT_EQ(*longest->credentials.expiration, server.clock.Now() + 43200s);
  EXPECT_EQ(sts->AssumeRole(kOps, {"arn:aws:iam::123456789012:role/long", "s2",
                                   "", 43201})
                .status()
                .error_type(),
            "ValidationError");
}

TEST(StsServiceTest, AccessDeniedByTrustOrIdentityPolicyAndForUnknownRoles) {
  StsServer server;
  auto sts = server.Sts();
  // Not named by the trust policy (the account-wide "long" role trusts it,
  // but its identity policy allows nothing).
  auto a = sts->AssumeRole(kStranger, {kReader, "x1", "", 0});
  EXPECT_EQ(a.status().error_type(), "AccessDenied");
  EXPECT_EQ(sts->AssumeRole(kStranger, {"arn:aws:iam::123456789012:role/long",
                                        "x1", "", 0})
                .status()
                .error_type(),
            "AccessDenied");
  auto [status, body] = server.Raw(
      kStranger,
      "Action=AssumeRole&Version=2011-06-15&RoleSessionName=x1&RoleArn=arn%"
      "3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fnope");
  EXPECT_EQ(status, 403);
  EXPECT_NE(body.find("<Code>AccessDenied</Code>"), std::string::npos) << body;
  EXPECT_NE(body.find("<Message>User: arn:aws:iam::123456789012:user/stranger "
                      "is not authorized to perform: sts:AssumeRole on "
                      "resource: arn:aws:iam::123456789012:role/nope"
                      "</Message>"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/"
                      "2011-06-15/\">"),
            std::string::npos);
  EXPECT_NE(body.find("<Type>Sender</Type>"), std::string::npos);
}

TEST(StsServiceTest, ExpiredSessionsAreRefusedEverywhere) {
  StsServer server;
  auto session = server.Sts()->AssumeRole(kOps, {kReader, "short", "", 900});
  ASSERT_TRUE(session.ok()) << session.status();
  const aws::Credentials& c = session->credentials;
  server.clock.Advance(899s);
  EXPECT_TRUE(server.Sts()->GetCallerIdentity(c).ok());
  server.clock.Advance(1s);
  auto id = server.Sts()->GetCallerIdentity(c);
  EXPECT_EQ(id.status().error_type(), "ExpiredToken");
  auto v = server.Secrets(c)->GetSecretValue({"app/db", "", ""});
  EXPECT_EQ(v.status().error_type(), "ExpiredTokenException");
}

TEST(StsServiceTest, TamperedOrForeignTokensAreInvalid) {
  StsServer server;
  auto session = server.Sts()->AssumeRole(kOps, {kReader, "honest", "", 900});
  ASSERT_TRUE(session.ok()) << session.status();
  const aws::Credentials& c = session->credentials;
  std::string token(c.session_token.Reveal());
  auto with_token = [&](std::string t) {
    aws::Credentials x = c;
    x.session_token = SecretValue(t);
    return server.Sts()->GetCallerIdentity(x).status().error_type();
  };
  // Flip one character of the fields (e.g. a longer expiry or another role)
  // and of the sealed part.
  std::size_t dot = token.find('.', 5);
  for (std::size_t at : {std::size_t{6}, dot - 3, dot + 5, token.size() - 3}) {
    std::string t = token;
    t[at] = t[at] == 'A' ? 'B' : 'A';
    EXPECT_EQ(with_token(t), "InvalidClientTokenId") << at;
  }
  EXPECT_EQ(with_token(""), "InvalidClientTokenId");
  EXPECT_EQ(with_token("garbage"), "InvalidClientTokenId");
  // Another session's token with this session's key id.
  auto other = server.Sts()->AssumeRole(kOps, {kReader, "other", "", 900});
  EXPECT_EQ(with_token(std::string(other->credentials.session_token.Reveal())),
            "InvalidClientTokenId");
  // The right token with a wrong secret key.
  aws::Credentials wrong = c;
  wrong.secret_access_key = SecretValue("not-the-session-secret-key-at-all");
  EXPECT_EQ(server.Sts()->GetCallerIdentity(wrong).status().error_type(),
            "SignatureDoesNotMatch");
}

TEST(StsServiceTest, RoleChainingIsLimitedToOneHour) {
  StsServer server;
  auto first = server.Sts()->AssumeRole(kOps, {kReader, "hop1", "", 0});
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string chained = "arn:aws:iam::123456789012:role/apps/chained";
  auto too_long =
      server.Sts()->AssumeRole(first->credentials, {chained, "hop2", "", 3601});
  EXPECT_EQ(too_long.status().error_type(), "ValidationError");
  auto hop =
      server.Sts()->AssumeRole(first->credentials, {chained, "hop2", "", 0});
  ASSERT_TRUE(hop.ok()) << hop.status();
  EXPECT_EQ(hop->assumed_role_arn,
            "arn:aws:sts::123456789012:assumed-role/chained/hop2");
  // A role without a PolicyDocument may do nothing, not even chain on.
  EXPECT_EQ(server.Sts()
                ->AssumeRole(hop->credentials, {kReader, "hop3", "", 0})
                .status()
                .error_type(),
            "AccessDenied");
}

TEST(StsServiceTest, QueryProtocolErrors) {
  StsServer server;
  auto [s1, b1] = server.Raw(kOps, "Action=GetSessionToken&Version=2011-06-15");
  EXPECT_EQ(s1, 400);
  EXPECT_NE(b1.find("<Code>InvalidAction</Code>"), std::string::npos) << b1;
  auto [s2, b2] = server.Raw(kOps, "Version=2011-06-15");
  EXPECT_NE(b2.find("<Code>MissingAction</Code>"), std::string::npos) << b2;
  auto [s3, b3] = server.Raw(
      kOps, "Action=AssumeRole&Version=2011-06-15&RoleSessionName=s");
  EXPECT_NE(b3.find("Value null at 'roleArn'"), std::string::npos) << b3;
  auto [s4, b4] = server.Raw(kOps,
                             "Action=AssumeRole&RoleSessionName=a%20b&RoleArn="
                             "arn:aws:iam::123456789012:role/billing-reader");
  EXPECT_NE(b4.find("roleSessionName"), std::string::npos) << b4;
  auto [s5, b5] = server.Raw(kOps,
                             "Action=AssumeRole&RoleSessionName=ab&RoleArn="
                             "arn:aws:iam::123456789012:role/billing-reader"
                             "&Policy=%7B%7D");
  EXPECT_NE(b5.find("session policies"), std::string::npos) << b5;
  auto [s6, b6] =
      server.Raw(Key("AKIDOPS", "wrong"), "Action=GetCallerIdentity");
  EXPECT_EQ(s6, 403);
  EXPECT_NE(b6.find("<Code>SignatureDoesNotMatch</Code>"), std::string::npos);
  auto [s7, b7] = server.Raw(kOps, "Action=GetCallerIdentity");
  EXPECT_EQ(s7, 200);
  EXPECT_NE(b7.find("<GetCallerIdentityResponse xmlns=\"https://"
                    "sts.amazonaws.com/doc/2011-06-15/\">"),
            std::string::npos)
      << b7;
  EXPECT_NE(b7.find("<ResponseMetadata>"), std::string::npos);
}

TEST(StsRolesFileTest, RefusesWhatItCannotEvaluate) {
  auto parse = [](std::string json) {
    return ParseRolesFile(json, "roles.json", "123456789012").status();
  };
  std::string trust =
      R"("AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow",
         "Action": "sts:AssumeRole", "Principal": {"AWS": "*"} %s}]})";
  auto with = [&](std::string extra) {
    std::string t = trust;
    t.replace(t.find("%s"), 2, extra);
    return R"({"Roles": [{"RoleName": "r", )" + t + "}]}";
  };
  EXPECT_TRUE(parse(with("")).ok()) << parse(with(""));
  Status cond = parse(
      with(R"(, "Condition": {"StringEquals": {"sts:ExternalId": "x"}})"));
  EXPECT_EQ(cond.error_type(), "MalformedPolicyDocumentException");
  EXPECT_NE(cond.message().find("Condition"), std::string::npos) << cond;
  EXPECT_NE(cond.message().find("roles.json"), std::string::npos) << cond;
  EXPECT_FALSE(parse(with(R"(, "condition": {})")).ok());
  EXPECT_FALSE(parse(R"({"Roles": [{"RoleName": "r"}]})").ok());
  EXPECT_FALSE(parse(R"({"Roles": [{"RoleName": "bad name", )" +
                     trust.replace(trust.find("%s"), 2, "") + "}]}")
                   .ok());
  EXPECT_FALSE(parse("[]").ok());
  EXPECT_FALSE(parse(R"({"Roles": [{"RoleName": "r", "MaxSessionDuration": 60,
      "AssumeRolePolicyDocument": {"Statement": []}}]})")
                   .ok());
}

TEST(StsTrustPolicyTest, ExplicitDenyWinsAndPrincipalForms) {
  auto p = TrustPolicy::Parse(R"({"Statement": [
      {"Effect": "Allow", "Action": "sts:AssumeRole",
       "Principal": {"AWS": "arn:aws:iam::123456789012:root"}},
      {"Effect": "Deny", "Action": "sts:*",
       "Principal": {"AWS": "arn:aws:iam::123456789012:user/mallory"}},
      {"Effect": "Allow", "Action": "sts:AssumeRole",
       "Principal": {"Service": "ec2.amazonaws.com"}}]})",
                              "t");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->Evaluate("arn:aws:iam::123456789012:user/alice", "",
                        "123456789012", "sts:AssumeRole"),
            1);
  EXPECT_EQ(p->Evaluate("arn:aws:iam::123456789012:user/mallory", "",
                        "123456789012", "sts:AssumeRole"),
            -1);
  EXPECT_EQ(p->Evaluate("arn:aws:iam::999999999999:user/alice", "",
                        "999999999999", "sts:AssumeRole"),
            0);
  EXPECT_EQ(p->Evaluate("arn:aws:iam::123456789012:user/alice", "",
                        "123456789012", "sts:TagSession"),
            0);
}

}  // namespace
}  // namespace keyward::server
