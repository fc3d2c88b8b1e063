#include "keyward/iam/policy.h"

#include <gtest/gtest.h>

namespace keyward::iam {
namespace {

inventory::Inventory Demo() {
  auto parsed = inventory::ParseInventory(R"(version: 1
applications:
  orders: {description: Orders, iam_principal: "arn:aws-cn:iam::123456789012:user/orders"}
  billing: {description: Billing}
secrets:
  - {name: platform-data/postgres/orders, description: d, consumers: [orders], properties: [password], rotation: {status: none}}
  - {name: platform-config/postgres/main, description: d, consumers: [orders, billing], properties: [host], rotation: {status: none}}
)",
                                          "inv.yaml");
  return parsed->inventory;
}

TEST(PolicyTest, ExactlyTheAppsSecrets) {
  PolicyOptions o;
  o.region = "cn-north-1";
  auto p = ApplicationPolicy(Demo(), "orders", o);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(*p, R"({
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ReadOrdersSecrets",
      "Effect": "Allow",
      "Action": [
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret"
      ],
      "Resource": [
        "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:platform-data/postgres/orders-??????",
        "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:platform-config/postgres/main-??????"
      ]
    }
  ]
}
)");
}

TEST(PolicyTest, AccountRegionAndErrors) {
  PolicyOptions o;
  o.region = "eu-west-1";
  auto p = ApplicationPolicy(Demo(), "billing", o);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message(),
            "no AWS account id for the 'billing' policy: pass --account or "
            "declare the "
            "application's iam_principal in the inventory");
  o.account = "210987654321";
  o.batch_get = true;
  p = ApplicationPolicy(Demo(), "billing", o);
  ASSERT_TRUE(p.ok());
  EXPECT_NE(p->find("arn:aws:secretsmanager:eu-west-1:210987654321:secret:"
                    "platform-config/postgres/main-??????"),
            std::string::npos);
  EXPECT_NE(p->find("\"Action\": \"secretsmanager:BatchGetSecretValue\",\n     "
                    " \"Resource\": \"*\""),
            std::string::npos)
      << *p;
  EXPECT_EQ(ApplicationPolicy(Demo(), "nobody", o).status().code(),
            StatusCode::kNotFound);
  o.region = "";
  EXPECT_EQ(ApplicationPolicy(Demo(), "orders", o).status().code(),
            StatusCode::kInvalidArgument);
  o.region = "eu-west-1";
  o.account = "12";
  EXPECT_EQ(ApplicationPolicy(Demo(), "billing", o).status().message(),
            "malformed account id '12' (expected 12 digits)");
}

TEST(PolicyTest, OperatorPolicy) {
  PolicyOptions o;
  o.region = "eu-west-1";
  auto p = OperatorPolicy(Demo(), o);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_NE(p->find("arn:aws-cn:secretsmanager:eu-west-1:123456789012:secret:"
                    "platform-data/*"),
            std::string::npos);
  EXPECT_EQ(p->find("DeleteSecret"), std::string::npos);
}

}  // namespace
}  // namespace keyward::iam
