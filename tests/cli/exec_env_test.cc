// Variable naming for `keyward exec` (src/cli/exec_env.h): the documented
// table, prefixes, and override parsing.
#include "cli/exec_env.h"

#include <gtest/gtest.h>

namespace keyward::cli {
namespace {

TEST(ExecEnvTest, DefaultNames) {
  struct Case {
    const char* secret;
    const char* property;
    const char* prefix;
    const char* want;
  } cases[] = {
      {"platform-data/postgres/orders", "password", "",
       "POSTGRES_ORDERS_PASSWORD"},
      {"platform-data/postgres/temporal", "username", "",
       "POSTGRES_TEMPORAL_USERNAME"},
      {"platform-config/postgres/platform-postgres", "host", "",
       "POSTGRES_PLATFORM_POSTGRES_HOST"},
      {"platform-data/stripe/orders", "", "", "STRIPE_ORDERS"},
      {"platform-data/stripe/orders", "api-key", "APP_",
       "APP_STRIPE_ORDERS_API_KEY"},
      {"legacy/db.main", "pass.word", "", "LEGACY_DB_MAIN_PASS_WORD"},
      {"platform-data/3scale/x", "token", "", "_3SCALE_X_TOKEN"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(DefaultEnvVarName(c.secret, c.property, c.prefix), c.want)
        << c.secret;
  }
}

TEST(ExecEnvTest, ValidNames) {
  EXPECT_TRUE(IsValidEnvVarName("A_1"));
  EXPECT_TRUE(IsValidEnvVarName("_x"));
  EXPECT_FALSE(IsValidEnvVarName(""));
  EXPECT_FALSE(IsValidEnvVarName("1A"));
  EXPECT_FALSE(IsValidEnvVarName("A-B"));
  EXPECT_FALSE(IsValidEnvVarName("A=B"));
}

TEST(ExecEnvTest, ParseOverride) {
  auto o = ParseEnvOverride("DB_PASS=platform-data/postgres/orders#password");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(*o, (EnvOverride{"DB_PASS", "platform-data/postgres/orders",
                             "password"}));
  auto plain = ParseEnvOverride("TOKEN=platform-data/stripe/orders");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->property, "");
  for (const char* bad :
       {"NOEQUALS", "=x#y", "1X=a#b", "X=", "X=a#", "A-B=a#b"}) {
    auto r = ParseEnvOverride(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("--env"), std::string::npos);
  }
}

}  // namespace
}  // namespace keyward::cli
