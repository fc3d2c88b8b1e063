// ValueCipher (AES-256-GCM with name/version AAD), SecretStore (SQLite) and
// IamPolicy matching.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyward/server/policy.h"
#include "keyward/server/store.h"
#include "keyward/server/value_cipher.h"
#include "tests/testing/peers.h"

namespace keyward::server {
namespace {

TEST(ValueCipherTest, RoundTripAndAadBinding) {
  auto c = ValueCipher::FromKey(std::string(32, 'k'), keyward::Random::Real());
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
  auto a = ValueCipher::LoadOrCreateKeyFile(dir.File("k"),
                                            keyward::Random::Real(), &created);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(created);
  struct stat st {};
  ASSERT_EQ(::stat(dir.File("k").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto b = ValueCipher::LoadOrCreateKeyFile(dir.File("k"),
                                            keyward::Random::Real(), &created);
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(created);
  auto blob = (*a)->Encrypt("x", "aad");
  EXPECT_TRUE((*b)->Decrypt(*blob, "aad").ok());
  ::chmod(dir.File("k").c_str(), 0640);
  EXPECT_EQ(
      ValueCipher::LoadOrCreateKeyFile(dir.File("k"), keyward::Random::Real())
          .status()
          .code(),
      StatusCode::kFailedPrecondition);
  dir.Write("bad", "nothex");
  EXPECT_EQ(
      ValueCipher::LoadOrCreateKeyFile(dir.File("bad"), keyward::Random::Real())
          .status()
          .code(),
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

// The reference definition of IAM's glob: '*' any run, '?' one character.
bool NaiveMatch(std::string_view p, std::string_view t, bool ic) {
  if (p.empty()) return t.empty();
  if (p[0] == '*')
    return NaiveMatch(p.substr(1), t, ic) ||
           (!t.empty() && NaiveMatch(p, t.substr(1), ic));
  if (t.empty()) return false;
  auto lower = [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
  };
  bool same = p[0] == '?' || p[0] == t[0] || (ic && lower(p[0]) == lower(t[0]));
  return same && NaiveMatch(p.substr(1), t.substr(1), ic);
}

// WildcardMatch (literal-prefix fast path + linear glob) agrees with the
// reference on 200,000 random short patterns and texts over a small
// alphabet (so that matches are frequent).
TEST(IamPolicyTest, WildcardMatchAgreesWithTheReference) {
  std::uint32_t x = 12345;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
  };
  const char kPat[] = "aAb*?";
  const char kText[] = "aAbB";
  for (int i = 0; i < 200000; ++i) {
    std::string p, t;
    for (int n = static_cast<int>(next() % 7); n > 0; --n)
      p += kPat[next() % 5];
    for (int n = static_cast<int>(next() % 7); n > 0; --n)
      t += kText[next() % 4];
    bool ic = next() % 2 == 0;
    ASSERT_EQ(WildcardMatch(p, t, ic), NaiveMatch(p, t, ic))
        << "pattern '" << p << "' text '" << t << "' ignore_case " << ic;
  }
}

TEST(IamPolicyTest, WildcardsAndDeny) {
  EXPECT_TRUE(WildcardMatch("a*c", "abbbc", false));
  EXPECT_TRUE(WildcardMatch("a?c", "abc", false));
  EXPECT_FALSE(WildcardMatch("a?c", "abbc", false));
  EXPECT_TRUE(WildcardMatch("*", "", false));
  EXPECT_TRUE(WildcardMatch("SecretsManager:get*",
                            "secretsmanager:GetSecretValue", true));
  // The literal-prefix fast path: exact patterns, prefixes longer or
  // shorter than the text, case folding before the first wildcard.
  EXPECT_TRUE(WildcardMatch("abc", "abc", false));
  EXPECT_FALSE(WildcardMatch("abc", "abcd", false));
  EXPECT_FALSE(WildcardMatch("abcd", "abc", false));
  EXPECT_FALSE(WildcardMatch("ABC", "abc", false));
  EXPECT_TRUE(WildcardMatch("ABC", "abc", true));
  EXPECT_TRUE(WildcardMatch("ab*", "ab", false));
  EXPECT_FALSE(WildcardMatch("ab?", "ab", false));
  EXPECT_TRUE(WildcardMatch("AB*x", "abyyx", true));
  EXPECT_FALSE(WildcardMatch("ab*x", "acyyx", false));
  EXPECT_TRUE(WildcardMatch(
      "arn:aws:secretsmanager:us-east-1:1:secret:pg/app-??????",
      "arn:aws:secretsmanager:us-east-1:1:secret:pg/app-AbCdEf", false));
  EXPECT_FALSE(WildcardMatch(
      "arn:aws:secretsmanager:us-east-1:1:secret:pg/app-??????",
      "arn:aws:secretsmanager:us-east-1:1:secret:pg/app-x-AbCdEf", false));
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
      "Resource":"*","Condition":{"StringSorta":{"aws:PrincipalArn":"x"}}}]})",
                                "p")
                   .ok());
  EXPECT_FALSE(IamPolicy::Parse("[]", "p").ok());
}

// Issue 15 F8: IAM rejects unknown policy elements (MalformedPolicyDocument);
// ignoring a lowercase "condition" would make a statement unconditional.
TEST(IamPolicyTest, UnknownElementsAreRejectedLikeIam) {
  for (const char* doc : {
           R"({"Statement":[{"Effect":"Allow","Action":"*","Resource":"*",
               "condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]})",
           R"({"Statement":[{"Effect":"Deny","Action":"*","Resource":"*",
               "NotPrincipal":{"AWS":"arn:aws:iam::123456789012:root"}}]})",
           R"({"Version":"2012-10-17","Statment":[],"Statement":[]})",
           R"({"Version":"2012-10-18","Statement":[]})",
           R"({"Statement":[{"Effect":"Allow","Action":"GetSecretValue",
               "Resource":"*"}]})",
       }) {
    auto p = IamPolicy::Parse(doc, "p.json");
    EXPECT_FALSE(p.ok()) << doc;
    EXPECT_EQ(p.status().error_type(), "MalformedPolicyDocumentException")
        << doc;
    EXPECT_NE(p.status().message().find("p.json"), std::string::npos);
  }
  EXPECT_TRUE(IamPolicy::Parse(R"({"Version":"2012-10-17","Id":"x",
      "Statement":[{"Sid":"a","Effect":"Allow","Action":"secretsmanager:*",
      "Resource":"*"}]})",
                               "p.json")
                  .ok());
}

// Issue 15 F2/F5: the database and its -wal/-shm files are 0600 even with a
// permissive umask, and an existing 0644 database is tightened.
TEST(SecretStoreTest, FilesAre0600WhateverTheUmask) {
  keyward::testing::TempDir dir;
  mode_t old = ::umask(022);
  {
    auto store = SecretStore::Open(dir.File("s.db"));
    ASSERT_TRUE(store.ok()) << store.status();
    StoredSecret s;
    s.arn = "arn:x";
    s.name = "n";
    ASSERT_TRUE((*store)->Save(s).ok());
    for (const char* f : {"s.db", "s.db-wal", "s.db-shm"}) {
      struct stat st {};
      ASSERT_EQ(::stat(dir.File(f).c_str(), &st), 0) << f;
      EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
    }
  }
  ::chmod(dir.File("s.db").c_str(), 0644);
  ASSERT_TRUE(SecretStore::Open(dir.File("s.db")).ok());
  struct stat st {};
  ASSERT_EQ(::stat(dir.File("s.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ::umask(old);
}

// Issue 15 F2: a store directory or credentials file that another user
// owns or can write is refused, naming the path and the fix.
TEST(CheckPrivateTest, RefusesForeignOrWritablePaths) {
  keyward::testing::TempDir dir;
  EXPECT_TRUE(CheckPrivate(dir.path(), PathKind::kDirectory).ok());
  EXPECT_TRUE(CheckPrivate(dir.File("absent"), PathKind::kDirectory).ok());
  std::string shared = dir.File("shared");
  ASSERT_EQ(::mkdir(shared.c_str(), 0700), 0);
  ::chmod(shared.c_str(), 0777);
  Status s = CheckPrivate(shared, PathKind::kDirectory);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find(shared), std::string::npos) << s;
  EXPECT_NE(s.message().find("chmod 700"), std::string::npos) << s;
  dir.Write("credentials", "[a]\n", 0620);
  ::chmod(dir.File("credentials").c_str(), 0620);
  s = CheckPrivate(dir.File("credentials"), PathKind::kCredentialsFile);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("chmod 600"), std::string::npos) << s;
  if (::geteuid() == 0) {  // only root can hand a file to another user
    ::chmod(shared.c_str(), 0700);
    ASSERT_EQ(::chown(shared.c_str(), 65534, 65534), 0);
    s = CheckPrivate(shared, PathKind::kDirectory);
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(s.message().find("owned by uid 65534"), std::string::npos) << s;
    // root-owned and not writable by others (e.g. /etc/keyward) is fine.
    ASSERT_EQ(::chown(shared.c_str(), 0, 0), 0);
    ::chmod(shared.c_str(), 0750);
    EXPECT_TRUE(CheckPrivate(shared, PathKind::kDirectory).ok());
  }
}

// Issue 15 F5: the stage labels are associated data, in any order.
TEST(ValueCipherTest, LabelsAreBound) {
  auto c = ValueCipher::FromKey(std::string(32, 'k'), keyward::Random::Real());
  ASSERT_TRUE(c.ok());
  auto aad = ValueAadV2("arn:a", "v1", false, {"AWSCURRENT", "x"});
  auto blob = (*c)->Encrypt("hello", aad);
  ASSERT_TRUE(blob.ok());
  EXPECT_TRUE((*c)->Decrypt(*blob, ValueAadV2("arn:a", "v1", false,
                                              {"x", "AWSCURRENT"}))
                  .ok());
  EXPECT_FALSE(
      (*c)->Decrypt(*blob, ValueAadV2("arn:a", "v1", false, {"AWSPREVIOUS"}))
          .ok());
  EXPECT_FALSE((*c)->Decrypt(*blob, ValueAadV2("arn:a", "v1", false, {})).ok());
  EXPECT_FALSE((*c)->Decrypt(*blob, ValueAadV2("arn:b", "v1", false,
                                               {"AWSCURRENT", "x"}))
                   .ok());
}

// Issue 19: a store from before regions has no region column; Open adds it
// and fills it from each ARN (the region the server served then).
TEST(SecretStoreTest, OldStoresGetARegionColumnFromTheirArns) {
  keyward::testing::TempDir dir;
  std::string path = dir.File("old.db");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, R"sql(
      CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE secrets(arn TEXT PRIMARY KEY, name TEXT NOT NULL,
                           doc TEXT NOT NULL);
      CREATE TABLE versions(arn TEXT NOT NULL, version_id TEXT NOT NULL,
        seq INTEGER NOT NULL, doc TEXT NOT NULL, value BLOB NOT NULL,
        PRIMARY KEY(arn, version_id));
      INSERT INTO secrets VALUES(
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:a-AbCdEf', 'a',
        '{"description":"","kms_key_id":"","created":1,"last_changed":1,
          "last_accessed":0,"deleted":0,"tags":[]}');)sql",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = SecretStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  auto all = (*store)->LoadAll();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].region, "eu-west-1");
  StoredSecret s;
  s.arn = "arn:aws:secretsmanager:us-west-2:123456789012:secret:b-AbCdEf";
  s.name = "b";
  s.region = "us-west-2";
  ASSERT_TRUE((*store)->Save(s).ok());
  store->reset();
  auto again = SecretStore::Open(path);
  ASSERT_TRUE(again.ok());
  auto both = (*again)->LoadAll();
  ASSERT_EQ(both->size(), 2u);
  EXPECT_EQ((*both)[1].region, "us-west-2");
}

}  // namespace
}  // namespace keyward::server
