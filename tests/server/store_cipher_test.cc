// ValueCipher (AES-256-GCM with name/version AAD), SecretStore (SQLite) and
// IamPolicy matching.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "keyward/server/policy.h"
#include "keyward/server/store.h"
#include "keyward/server/value_cipher.h"
#include "tests/testing/peers.h"

namespace keyward::server {
namespace {

TEST(ValueCipherTest, RoundTripAndAadBinding) {
  auto c = ValueCipher::FromKey(std::string(32, 'k'));
  ASSERT_TRUE(c.ok());
  auto blob = (*c)->Encrypt("hello", ValueAad("a", "v1", false));
  ASSERT_TRUE(blob.ok());
  EXPECT_EQ(blob->find("hello"), std::string::npos);
  auto plain = (*c)->Decrypt(*blob, ValueAad("a", "v1", false));
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(std::string_view(plain->data(), plain->size()), "hello");
  EXPECT_EQ((*c)->Decrypt(*blob, ValueAad("b", "v1", false)).status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ((*c)->Decrypt(*blob, ValueAad("a", "v2", false)).status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ((*c)->Decrypt(*blob, ValueAad("a", "v1", true)).status().code(),
            StatusCode::kDataLoss);
  for (std::size_t i = 0; i < blob->size(); ++i) {
    std::string t = *blob;
    t[i] ^= 1;
    EXPECT_FALSE((*c)->Decrypt(t, ValueAad("a", "v1", false)).ok()) << i;
  }
  EXPECT_FALSE((*c)->Decrypt("KW1short", "x").ok());
  // Nonces are fresh: the same plaintext encrypts differently.
  EXPECT_NE(*blob, *(*c)->Encrypt("hello", ValueAad("a", "v1", false)));
}

TEST(ValueCipherTest, KeyFileCreatedOnceWith0600) {
  keyward::testing::TempDir dir;
  bool created = false;
  auto a = ValueCipher::LoadOrCreateKeyFile(dir.File("k"), &created);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(created);
  struct stat st {};
  ASSERT_EQ(::stat(dir.File("k").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto b = ValueCipher::LoadOrCreateKeyFile(dir.File("k"), &created);
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(created);
  auto blob = (*a)->Encrypt("x", "aad");
  EXPECT_TRUE((*b)->Decrypt(*blob, "aad").ok());
  ::chmod(dir.File("k").c_str(), 0640);
  EXPECT_EQ(ValueCipher::LoadOrCreateKeyFile(dir.File("k")).status().code(),
            StatusCode::kFailedPrecondition);
  dir.Write("bad", "nothex");
  EXPECT_EQ(ValueCipher::LoadOrCreateKeyFile(dir.File("bad")).status().code(),
            StatusCode::kDataLoss);
}

TEST(SecretStoreTest, SaveLoadRemove) {
  keyward::testing::TempDir dir;
  {
    auto store = SecretStore::Open(dir.File("s.db"));
    ASSERT_TRUE(store.ok()) << store.status();
    StoredSecret s;
    s.arn = "arn:x";
    s.name = "n";
    s.description = "d";
    s.created = 1.5;
    s.tags = {{"k", "v"}};
    s.versions.push_back(
        {"v1", {"AWSPREVIOUS"}, 1, 0, false, std::string("\0\1", 2)});
    s.versions.push_back({"v2", {"AWSCURRENT"}, 2, 0, true, "blob"});
    ASSERT_TRUE((*store)->Save(s).ok());
    StoredSecret t = s;
    t.arn = "arn:y";
    ASSERT_TRUE((*store)->Save(t).ok());
    ASSERT_TRUE((*store)->Remove("arn:y").ok());
    EXPECT_EQ(*(*store)->IntegrityCheck(), "ok");
  }
  auto store = SecretStore::Open(dir.File("s.db"));
  ASSERT_TRUE(store.ok());
  auto all = (*store)->LoadAll();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  const StoredSecret& s = (*all)[0];
  EXPECT_EQ(s.description, "d");
  EXPECT_EQ(s.tags, (std::vector<secrets::Tag>{{"k", "v"}}));
  ASSERT_EQ(s.versions.size(), 2u);
  EXPECT_EQ(s.versions[0].blob, std::string("\0\1", 2));
  EXPECT_TRUE(s.versions[1].binary);
  EXPECT_EQ(s.versions[1].stages, std::vector<std::string>{"AWSCURRENT"});
}

TEST(IamPolicyTest, WildcardsAndDeny) {
  EXPECT_TRUE(WildcardMatch("a*c", "abbbc", false));
  EXPECT_TRUE(WildcardMatch("a?c", "abc", false));
  EXPECT_FALSE(WildcardMatch("a?c", "abbc", false));
  EXPECT_TRUE(WildcardMatch("*", "", false));
  EXPECT_TRUE(WildcardMatch("SecretsManager:get*",
                            "secretsmanager:GetSecretValue", true));
  auto p = IamPolicy::Parse(R"({"Statement":[
      {"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"},
      {"Effect":"Deny","Action":"secretsmanager:DeleteSecret","Resource":"arn:*:secret:prod*"}]})",
                            "p");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->Allowed("secretsmanager:DeleteSecret", "arn:x:secret:dev"));
  EXPECT_FALSE(
      p->Allowed("secretsmanager:DeleteSecret", "arn:x:secret:prod-1"));
  EXPECT_FALSE(p->Allowed("kms:Decrypt", "*"));
  EXPECT_FALSE(IamPolicy::Parse(R"({"Statement":[{"Effect":"Allow","Action":"*",
      "Resource":"*","Condition":{}}]})",
                                "p")
                   .ok());
  EXPECT_FALSE(IamPolicy::Parse("[]", "p").ok());
}

}  // namespace
}  // namespace keyward::server
