#include "keyward/naming.h"

#include <gtest/gtest.h>

namespace keyward {
namespace {

struct Case {
  const char* name;
  // "rule@column" for each finding, joined by spaces; "" = clean.
  const char* expected;
};

std::string Summarize(const std::vector<NameFinding>& findings) {
  std::string out;
  for (const auto& f : findings) {
    if (!out.empty()) out += ' ';
    out += std::string(RuleId(f.rule)) + "@" + std::to_string(f.column);
  }
  return out;
}

class NamingTest : public ::testing::TestWithParam<Case> {};

TEST_P(NamingTest, Findings) {
  EXPECT_EQ(Summarize(CheckSecretName(GetParam().name)), GetParam().expected)
      << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(
    Table, NamingTest,
    ::testing::Values(
        Case{"platform-data/postgres/temporal", ""},
        Case{"platform-config/postgres/platform-postgres", ""},
        Case{"platform-data/stripe/orders", ""},
        Case{"platform-data/redis2/app-1", ""}, Case{"", "name-length@1"},
        Case{"platform-data/postgres", "name-segments@1"},
        Case{"platform-data/postgres/a/b", "name-segments@1"},
        Case{"platform-data//temporal", "name-segments@1"},
        Case{"platform-data/postgres/", "name-segments@1"},
        Case{"secrets/postgres/temporal", "name-prefix@1"},
        Case{"Platform-data/postgres/temporal", "name-prefix@1"},
        Case{"platform-data/Postgres/temporal", "name-format@15"},
        Case{"platform-data/postgres/temporal_app", "name-format@32"},
        Case{"platform-data/postgres/-temporal", "name-format@24"},
        Case{"platform-data/postgres/temporal-", "name-format@32"},
        Case{"platform-data/postgres/tem--poral", "name-format@27"},
        Case{"platform-data/postgres/prod", "name-environment@24"},
        Case{"platform-data/postgres/temporal-staging", "name-environment@33"},
        Case{"platform-data/dev-postgres/temporal", "name-environment@15"},
        Case{"platform-config/postgres/qa-db-main", "name-environment@26"},
        Case{"platform-data/postgres/produce", ""},  // a word, not "prod"
        Case{"platform-data/postgres/app-abcdef", "name-arn-suffix@27"},
        Case{"platform-data/postgres/app space", "name-charset@27"},
        Case{"platform-data/postgres/app\xc3\xa9", "name-charset@27"}));

TEST(Naming, LengthLimit) {
  std::string name = "platform-data/postgres/" + std::string(490, 'a');
  EXPECT_EQ(Summarize(CheckSecretName(name)), "name-length@1");
  EXPECT_TRUE(CheckStoreNameLimits(std::string(512, 'a')).ok());
  EXPECT_FALSE(CheckStoreNameLimits(std::string(513, 'a')).ok());
}

TEST(Naming, ArnSuffixIsOnlyAWarning) {
  auto findings = CheckSecretName("platform-data/postgres/app-abcdef");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].severity, Severity::kWarning);
  EXPECT_TRUE(ValidateSecretName("platform-data/postgres/app-abcdef").ok());
}

TEST(Naming, Messages) {
  auto f = CheckSecretName("platform-data/postgres/temporal-staging");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].message,
            "consumer 'temporal-staging' contains the environment identifier "
            "'staging'; "
            "environments are separated by account/region, not by name");
  EXPECT_EQ(ValidateSecretName("x").message(),
            "secret name 'x': name-prefix: name must start with "
            "'platform-data/' (secrets) or "
            "'platform-config/' (configuration), got 'x'");
}

TEST(Naming, Category) {
  EXPECT_EQ(CategoryOf("platform-data/a/b"), NameCategory::kData);
  EXPECT_EQ(CategoryOf("platform-config/a/b"), NameCategory::kConfig);
  EXPECT_EQ(CategoryOf("other/a/b"), NameCategory::kUnknown);
}

}  // namespace
}  // namespace keyward
