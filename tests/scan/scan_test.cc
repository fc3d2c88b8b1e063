// keyward scan: known formats, secret-looking variables, masking.
#include "keyward/inventory/scan.h"

#include <gtest/gtest.h>

#include "keyward/inventory/leak.h"

namespace keyward::inventory {
namespace {

TEST(ScanTest, FindsAndMasks) {
  std::string text =
      "# comment PASSWORD=ignored\n"
      "DB_HOST=db.internal\n"
      "DB_PASSWORD=Canary-hunter2\n"
      "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"
      "API_TOKEN=\n"
      "SECRET_KEY=${FROM_VAULT}\n"
      "url: postgres://app:Canary-pw@db:5432/app\n"
      "-----BEGIN OPENSSH PRIVATE KEY-----\n"
      "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
      "-----END OPENSSH PRIVATE KEY-----\n"
      "STRIPE=sk_live_51HcanaryCanaryCanary00\n";
  std::string out;
  for (const auto& f : ScanText(text, ".env")) out += f.ToString() + "\n";
  EXPECT_EQ(out,
            ".env:3:13: scan-secret: DB_PASSWORD=******** (a secret-looking "
            "variable)\n"
            ".env:4:26: scan-secret: AWS_ACCESS_KEY_ID=******** (an AWS access "
            "key id)\n"
            ".env:7:6: scan-secret: url=******** (a URL with a password)\n"
            ".env:8:1: scan-secret: ******** (a PEM private key block)\n"
            ".env:11:8: scan-secret: STRIPE=******** (a Stripe key)\n");
  EXPECT_EQ(out.find("Canary"), std::string::npos);
  EXPECT_EQ(out.find("AKIAIOSF"), std::string::npos);
}

TEST(LeakTest, KnownFormatsAndBenignText) {
  struct Case {
    std::string text;
    std::string kind;  // "" = benign
  };
  std::vector<Case> cases = {
      {"AKIAIOSFODNN7EXAMPLE", "an AWS access key id"},
      {"ASIAIOSFODNN7EXAMPLE", "an AWS access key id"},
      {"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "an AWS secret access key"},
      {"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature", "a JSON Web Token"},
      {"mysql://root:pw@localhost/db", "a URL with a password"},
      {"mysql://root@localhost/db", ""},
      {"postgres://u:${PASSWORD}@h/db", ""},
      {"Authorization: Bearer abcdef0123456789abcdef", "a bearer token"},
      {"Server=x;User Id=sa;Password=Pa55word;",
       "a connection string with a password"},
      {"d41d8cd98f00b204e9800998ecf8427e", "a high-entropy string"},
      {"platform-data/postgres/platform-postgres", ""},
      {"arn:aws:iam::123456789012:user/orders", ""},
      {"Orders service PostgreSQL login, rotated quarterly by the DBA team",
       ""},
      {"SecretsManagerReadWriteAccessPolicy", ""},
      {"2026-10-01", ""},
  };
  for (const Case& c : cases) {
    auto m = DetectSecret(c.text);
    EXPECT_EQ(m ? m->kind : "", c.kind) << "case " << &c - cases.data();
  }
}

TEST(LeakTest, SecretLookingNames) {
  for (const char* k :
       {"PASSWORD", "DB_PASSWORD", "db-pass", "API_KEY", "CLIENT_SECRET",
        "GITHUB_TOKEN", "private_key", "MYSQLPASSWORD"}) {
    EXPECT_TRUE(IsSecretLookingKeyName(k)) << k;
  }
  for (const char* k : {"HOST", "PORT", "USERNAME", "PASSWORD_MIN_LENGTH_X"}) {
    (void)k;
  }
  EXPECT_FALSE(IsSecretLookingKeyName("DB_HOST"));
  EXPECT_FALSE(IsSecretLookingKeyName("USERNAME"));
}

}  // namespace
}  // namespace keyward::inventory
