// Resource policies, conditions and AWS's evaluation logic (issue 15, 2a).
#include <gtest/gtest.h>

#include "keyward/server/policy.h"
#include "keyward/server/principals.h"

namespace keyward::server {
namespace {

constexpr std::string_view kSecret =
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf";

IamPolicy Resource(std::string_view json) {
  auto p = IamPolicy::Parse(json, "rp.json", PolicyKind::kResource);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : *IamPolicy::Parse(R"({"Statement":[]})", "x");
}

IamPolicy Identity(std::string_view json) {
  auto p = IamPolicy::Parse(json, "id.json");
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : *IamPolicy::Parse(R"({"Statement":[]})", "x");
}

RequestContext Ctx(const Principal& p,
                   std::string_view action = "secretsmanager:GetSecretValue") {
  RequestContext c;
  c.action = action;
  c.resource = kSecret;
  c.secret_id = kSecret;
  c.principal = &p;
  c.source_ip = "127.0.0.1";
  c.region = "us-east-1";
  return c;
}

TEST(ResourcePolicyTest, PrincipalForms) {
  Principal orders = UserPrincipal("123456789012", "orders");
  Principal billing = UserPrincipal("123456789012", "billing");
  Principal foreign = UserPrincipal("999999999999", "orders");
  IamPolicy by_arn = Resource(R"({"Version":"2012-10-17","Statement":[{
      "Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/orders"},
      "Action":"secretsmanager:GetSecretValue","Resource":"*"}]})");
  EXPECT_EQ(by_arn.Evaluate(Ctx(orders)), Decision::kAllow);
  EXPECT_EQ(by_arn.Evaluate(Ctx(billing)), Decision::kNone);
  IamPolicy by_root = Resource(R"({"Statement":{"Effect":"Allow",
      "Principal":{"AWS":["arn:aws:iam::123456789012:root"]},
      "Action":"secretsmanager:*","Resource":"*"}})");
  EXPECT_EQ(by_root.Evaluate(Ctx(billing)), Decision::kAllow);
  EXPECT_EQ(by_root.Evaluate(Ctx(foreign)), Decision::kNone);
  IamPolicy by_account = Resource(R"({"Statement":{"Effect":"Allow",
      "Principal":{"AWS":"999999999999"},"Action":"*","Resource":"*"}})");
  EXPECT_EQ(by_account.Evaluate(Ctx(foreign)), Decision::kAllow);
  EXPECT_EQ(by_account.Evaluate(Ctx(orders)), Decision::kNone);
  IamPolicy star = Resource(R"({"Statement":{"Effect":"Deny","Principal":"*",
      "Action":"secretsmanager:DeleteSecret","Resource":"*"}})");
  EXPECT_EQ(star.Evaluate(Ctx(orders, "secretsmanager:DeleteSecret")),
            Decision::kDeny);
  EXPECT_EQ(star.Evaluate(Ctx(orders)), Decision::kNone);
  IamPolicy service = Resource(R"({"Statement":{"Effect":"Allow",
      "Principal":{"Service":"lambda.amazonaws.com"},"Action":"*","Resource":"*"}})");
  EXPECT_EQ(service.Evaluate(Ctx(orders)), Decision::kNone);
  // NotPrincipal with Deny: everyone but the listed principals is denied.
  IamPolicy not_p = Resource(R"({"Statement":{"Effect":"Deny",
      "NotPrincipal":{"AWS":["arn:aws:iam::123456789012:user/orders"]},
      "Action":"secretsmanager:GetSecretValue","Resource":"*"}})");
  EXPECT_EQ(not_p.Evaluate(Ctx(orders)), Decision::kNone);
  EXPECT_EQ(not_p.Evaluate(Ctx(billing)), Decision::kDeny);
  // A role ARN names its sessions.
  auto session =
      *ParsePrincipalArn("arn:aws:sts::123456789012:assumed-role/deployer/s1");
  IamPolicy role = Resource(R"({"Statement":{"Effect":"Allow",
      "Principal":{"AWS":"arn:aws:iam::123456789012:role/deployer"},
      "Action":"*","Resource":"*"}})");
  EXPECT_EQ(role.Evaluate(Ctx(session)), Decision::kAllow);
}

TEST(ResourcePolicyTest, MalformedDocumentsAreRefused) {
  for (
      const char* doc : {
          // no principal in a resource policy
          R"({"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})",
          // both
          R"({"Statement":[{"Effect":"Deny","Principal":"*","NotPrincipal":"*",
               "Action":"*","Resource":"*"}]})",
          // wildcard inside a principal ARN
          R"({"Statement":[{"Effect":"Allow","Principal":{"AWS":
               "arn:aws:iam::123456789012:user/*"},"Action":"*","Resource":"*"}]})",
          R"({"Statement":[{"Effect":"Allow","Principal":{"Nope":"x"},
               "Action":"*","Resource":"*"}]})",
          R"({"Statement":[{"Effect":"Allow","Principal":"someone",
               "Action":"*","Resource":"*"}]})",
          // NotPrincipal with Allow
          R"({"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"123456789012"},
               "Action":"*","Resource":"*"}]})",
          // unknown operator, unknown key, bad CIDR, bad Bool
          R"({"Statement":[{"Effect":"Deny","Principal":"*","Action":"*",
               "Resource":"*","Condition":{"StringSorta":{"aws:PrincipalArn":"x"}}}]})",
          R"({"Statement":[{"Effect":"Deny","Principal":"*","Action":"*",
               "Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"x"}}}]})",
          R"({"Statement":[{"Effect":"Deny","Principal":"*","Action":"*",
               "Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}}]})",
          R"({"Statement":[{"Effect":"Deny","Principal":"*","Action":"*",
               "Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"yes"}}}]})",
          R"({"Statement":[{"Effect":"Deny","Principal":"*","Action":"*",
               "Resource":"*","condition":{}}]})",
          "not json",
      }) {
    auto p = IamPolicy::Parse(doc, "rp.json", PolicyKind::kResource);
    EXPECT_FALSE(p.ok()) << doc;
    EXPECT_EQ(p.status().error_type(), "MalformedPolicyDocumentException")
        << doc;
  }
  // Identity policies must not name a principal.
  EXPECT_FALSE(IamPolicy::Parse(R"({"Statement":[{"Effect":"Allow",
      "Principal":"*","Action":"*","Resource":"*"}]})",
                                "id.json")
                   .ok());
}

TEST(ResourcePolicyTest, ConditionOperatorsAndKeys) {
  Principal orders = UserPrincipal("123456789012", "orders");
  orders.tags["team"] = "payments";
  std::vector<secrets::Tag> tags = {{"app", "orders"}, {"env", "prod"}};
  auto allow_if = [](std::string_view cond) {
    return Resource(
        std::string(R"({"Statement":{"Effect":"Allow","Principal":"*",
        "Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":)") +
        std::string(cond) + "}}");
  };
  RequestContext c = Ctx(orders);
  c.resource_tags = &tags;
  c.version_stage = "AWSCURRENT";
  struct Case {
    const char* cond;
    bool allowed;
  } cases[] = {
      {R"({"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:user/orders"}})",
       true},
      {R"({"StringEquals":{"aws:principalarn":"arn:aws:iam::123456789012:user/billing"}})",
       false},
      {R"({"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::123456789012:user/ord*"}})",
       true},
      {R"({"ArnEquals":{"aws:PrincipalArn":["x","arn:aws:iam::123456789012:user/orders"]}})",
       true},
      {R"({"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:user/orders"}})",
       false},
      {R"({"StringEquals":{"aws:PrincipalAccount":"123456789012"}})", true},
      {R"({"StringEquals":{"aws:PrincipalTag/team":"payments"}})", true},
      {R"({"StringEquals":{"aws:PrincipalTag/missing":"payments"}})", false},
      {R"({"StringNotEquals":{"aws:PrincipalTag/missing":"payments"}})", true},
      {R"({"StringEquals":{"secretsmanager:ResourceTag/app":"orders"}})", true},
      {R"({"StringEquals":{"aws:ResourceTag/env":"dev"}})", false},
      {R"({"StringEqualsIgnoreCase":{"aws:ResourceTag/env":"PROD"}})", true},
      {R"({"StringLike":{"secretsmanager:SecretId":"arn:*:secret:prod/*"}})",
       true},
      {R"({"StringNotLike":{"secretsmanager:SecretId":"arn:*:secret:prod/*"}})",
       false},
      {R"({"StringEquals":{"secretsmanager:VersionStage":"AWSCURRENT"}})",
       true},
      {R"({"StringEquals":{"secretsmanager:VersionStage":"AWSPREVIOUS"}})",
       false},
      {R"({"IpAddress":{"aws:SourceIp":["10.0.0.0/8","127.0.0.0/8"]}})", true},
      {R"({"NotIpAddress":{"aws:SourceIp":"127.0.0.1/32"}})", false},
      {R"({"IpAddress":{"aws:SourceIp":"::1/128"}})", false},
      {R"({"Bool":{"aws:SecureTransport":"false"}})", true},
      {R"({"Bool":{"aws:SecureTransport":true}})", false},
      {R"({"Null":{"secretsmanager:VersionId":"true"}})", true},
      {R"({"Null":{"secretsmanager:VersionStage":"true"}})", false},
      {R"({"StringEqualsIfExists":{"secretsmanager:VersionId":"v1"}})", true},
      {R"({"ForAnyValue:StringEquals":{"aws:PrincipalTag/team":["a","payments"]}})",
       true},
      {R"({"ForAnyValue:StringEquals":{"aws:PrincipalTag/none":["a"]}})",
       false},
      {R"({"ForAllValues:StringEquals":{"aws:PrincipalTag/none":["a"]}})",
       true},
      // Keys AND, operators AND.
      {R"({"StringEquals":{"aws:PrincipalAccount":"123456789012",
           "aws:ResourceTag/app":"billing"}})",
       false},
      {R"({"StringEquals":{"aws:PrincipalAccount":"123456789012"},
           "IpAddress":{"aws:SourceIp":"127.0.0.1"}})",
       true},
  };
  for (const auto& k : cases) {
    IamPolicy p = allow_if(k.cond);
    EXPECT_EQ(p.Evaluate(c) == Decision::kAllow, k.allowed) << k.cond;
  }
  RequestContext v6 = c;
  v6.source_ip = "::1";
  EXPECT_EQ(
      allow_if(R"({"IpAddress":{"aws:SourceIp":"::1/128"}})").Evaluate(v6),
      Decision::kAllow);
}

TEST(EvaluationTest, AwsLogicForOneAccount) {
  Principal orders = UserPrincipal("123456789012", "orders");
  IamPolicy id_allow = Identity(R"({"Statement":[{"Effect":"Allow",
      "Action":"secretsmanager:GetSecretValue","Resource":"*"}]})");
  IamPolicy id_none = Identity(R"({"Statement":[]})");
  IamPolicy id_deny = Identity(R"({"Statement":[{"Effect":"Deny",
      "Action":"secretsmanager:*","Resource":"*"}]})");
  IamPolicy rp_allow = Resource(R"({"Statement":[{"Effect":"Allow",
      "Principal":{"AWS":"arn:aws:iam::123456789012:user/orders"},
      "Action":"secretsmanager:GetSecretValue","Resource":"*"}]})");
  IamPolicy rp_deny = Resource(R"({"Statement":[{"Effect":"Deny",
      "Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*",
      "Condition":{"StringNotEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:user/ops"}}}]})");
  RequestContext c = Ctx(orders);
  const std::string_view acct = "123456789012";
  EXPECT_TRUE(Authorized(&id_allow, nullptr, c, acct));
  EXPECT_FALSE(Authorized(&id_none, nullptr, c, acct));    // implicit deny
  EXPECT_TRUE(Authorized(&id_none, &rp_allow, c, acct));   // resource grants
  EXPECT_FALSE(Authorized(&id_deny, &rp_allow, c, acct));  // explicit deny
  EXPECT_FALSE(Authorized(&id_allow, &rp_deny, c, acct));  // explicit deny
  EXPECT_FALSE(Authorized(nullptr, &rp_deny, c, acct));
  EXPECT_TRUE(Authorized(nullptr, nullptr, c, acct));  // no policies at all
  // Another account's caller needs both.
  Principal foreign = UserPrincipal("999999999999", "orders");
  IamPolicy rp_foreign = Resource(R"({"Statement":[{"Effect":"Allow",
      "Principal":{"AWS":"999999999999"},"Action":"*","Resource":"*"}]})");
  RequestContext f = Ctx(foreign);
  EXPECT_FALSE(Authorized(&id_none, &rp_foreign, f, acct));
  EXPECT_TRUE(Authorized(&id_allow, &rp_foreign, f, acct));
  EXPECT_FALSE(Authorized(&id_allow, nullptr, f, acct));
}

TEST(ResourcePolicyTest, BroadAccessIsDetected) {
  const std::string acct = "123456789012";
  EXPECT_NE(Resource(R"({"Statement":[{"Sid":"Open","Effect":"Allow",
      "Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]})")
                .BroadAccessStatement(acct),
            "");
  EXPECT_NE(Resource(R"({"Statement":[{"Effect":"Allow",
      "Principal":{"AWS":"999999999999"},"Action":"*","Resource":"*"}]})")
                .BroadAccessStatement(acct),
            "");
  EXPECT_EQ(Resource(R"({"Statement":[{"Effect":"Allow","Principal":"*",
      "Action":"*","Resource":"*","Condition":{"StringEquals":
      {"aws:PrincipalAccount":"123456789012"}}}]})")
                .BroadAccessStatement(acct),
            "");
  EXPECT_EQ(Resource(R"({"Statement":[{"Effect":"Deny","Principal":"*",
      "Action":"*","Resource":"*"},{"Effect":"Allow","Principal":{"AWS":
      "arn:aws:iam::123456789012:user/orders"},"Action":"*","Resource":"*"}]})")
                .BroadAccessStatement(acct),
            "");
}

}  // namespace
}  // namespace keyward::server
