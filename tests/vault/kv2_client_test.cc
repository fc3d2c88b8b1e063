// VaultKv2Client against the in-test Vault double (no Vault server can be
// installed here) and against FakeHttpClient for wire-level details.
#include "keyward/vault/kv2_client.h"

#include <gtest/gtest.h>

#include "tests/testing/fakes.h"
#include "tests/vault/vault_double.h"

namespace keyward::vault {
namespace {

using keyward::testing::FakeEnvironment;
using keyward::testing::FakeHttpClient;
using keyward::testing::VaultDouble;
using Json = nlohmann::json;

constexpr char kCanary[] = "canary-vault-7f3e21-never-print";

std::unique_ptr<VaultKv2Client> ClientFor(const VaultDouble& v,
                                          std::string token = "") {
  VaultConfig c;
  c.address = v.address();
  c.token = SecretValue(token.empty() ? v.token() : token);
  c.vault_namespace = "platform";
  return VaultKv2Client::Create(std::move(c)).value();
}

TEST(Kv2ClientTest, ConfigFromEnvironment) {
  FakeEnvironment env;
  auto missing = ConfigFromEnvironment(env);
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("VAULT_ADDR"), std::string::npos);
  env.Set("VAULT_ADDR", "https://vault.example.com:8200/");
  EXPECT_NE(ConfigFromEnvironment(env).status().message().find("VAULT_TOKEN"),
            std::string::npos);
  env.Set("VAULT_TOKEN", "t0k");
  env.Set("VAULT_NAMESPACE", "admin/platform");
  env.Set("VAULT_CACERT", "/etc/vault/ca.pem");
  auto c = ConfigFromEnvironment(env);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->address, "https://vault.example.com:8200");
  EXPECT_EQ(c->token.Reveal(), "t0k");
  EXPECT_EQ(c->vault_namespace, "admin/platform");
  EXPECT_EQ(c->http_options.ca_bundle, "/etc/vault/ca.pem");
  EXPECT_EQ(c->mount, "secret");
}

TEST(Kv2ClientTest, CreateRejectsBadAddress) {
  VaultConfig c;
  c.address = "vault:8200";
  c.token = SecretValue("x");
  EXPECT_EQ(VaultKv2Client::Create(c).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(Kv2ClientTest, WriteReadRoundTripWithCas) {
  VaultDouble v;
  auto client = ClientFor(v);
  std::string path = "platform-data/postgres/orders";
  EXPECT_EQ(client->Read(path).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(client->ReadMetadata(path).status().code(), StatusCode::kNotFound);
  std::string value =
      R"({"password":")" + std::string(kCanary) + R"(","username":"orders"})";
  auto v1 = client->Write(path, SecretValue(value), 0);
  ASSERT_TRUE(v1.ok()) << v1.status();
  EXPECT_EQ(*v1, 1);
  auto got = client->Read(path);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(got->data.Reveal(), value);
  // cas=0 on an existing secret is a conflict, and the message has no value.
  auto again = client->Write(path, SecretValue(value), 0);
  EXPECT_EQ(again.status().code(), StatusCode::kAborted);
  EXPECT_EQ(again.status().ToString().find(kCanary), std::string::npos);
  EXPECT_EQ(*client->Write(path, SecretValue(R"({"username":"x"})"), 1), 2);
  EXPECT_EQ(client->ReadMetadata(path)->current_version, 2);
  EXPECT_EQ(client->Read(path, 1)->data.Reveal(), value);
  EXPECT_EQ(v.last_namespace(), "platform");
  EXPECT_EQ(client->request_count(), 8);
}

TEST(Kv2ClientTest, WrongTokenIsPermissionDenied) {
  VaultDouble v;
  auto client = ClientFor(v, "not-the-token");
  auto r = client->Read("platform-data/a/b");
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("permission denied"), std::string::npos);
  EXPECT_NE(r.status().message().find("VAULT_TOKEN"), std::string::npos);
  EXPECT_EQ(r.status().message().find("not-the-token"), std::string::npos);
}

TEST(Kv2ClientTest, SealedIsUnavailable) {
  VaultDouble v;
  v.SealAfterWrites(0);
  auto r =
      ClientFor(v)->Write("platform-data/a/b", SecretValue(R"({"k":"v"})"), 0);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
}

TEST(Kv2ClientTest, RejectsNonObjectValues) {
  VaultDouble v;
  auto r = ClientFor(v)->Write("platform-data/a/b", SecretValue(kCanary), 0);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().find(kCanary), std::string::npos);
  EXPECT_EQ(v.requests(), 0);
}

TEST(Kv2ClientTest, WireFormat) {
  auto http = std::make_shared<FakeHttpClient>();
  VaultConfig c;
  c.address = "https://vault.example.com:8200/";
  c.token = SecretValue("tok");
  c.http = http;
  auto client = VaultKv2Client::Create(std::move(c)).value();
  http->Push(200, R"({"data":{"version":3,"created_time":"t"}})");
  ASSERT_EQ(*client->Write("platform-data/a b/c", SecretValue(R"({"k":1})"), 2),
            3);
  auto reqs = http->requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(
      reqs[0].url,
      "https://vault.example.com:8200/v1/secret/data/platform-data/a%20b/c");
  EXPECT_EQ(reqs[0].Header("X-Vault-Token").value_or(""), "tok");
  EXPECT_FALSE(reqs[0].Header("X-Vault-Namespace").has_value());
  EXPECT_EQ(std::string(reqs[0].body.begin(), reqs[0].body.end()),
            R"({"data":{"k":1},"options":{"cas":2}})");
}

TEST(Kv2ClientTest, ErrorMapping) {
  auto http = std::make_shared<FakeHttpClient>();
  VaultConfig c;
  c.address = "http://127.0.0.1:1";
  c.token = SecretValue("tok");
  c.http = http;
  auto client = VaultKv2Client::Create(std::move(c)).value();
  struct Case {
    int status;
    const char* body;
    StatusCode code;
  } cases[] = {
      {400,
       R"({"errors":["check-and-set parameter did not match the current version"]})",
       StatusCode::kAborted},
      {400, R"({"errors":["bad"]})", StatusCode::kInvalidArgument},
      {403, R"({"errors":["permission denied"]})",
       StatusCode::kPermissionDenied},
      {404, R"({"errors":[]})", StatusCode::kNotFound},
      {412, R"({"errors":[]})", StatusCode::kFailedPrecondition},
      {429, "", StatusCode::kResourceExhausted},
      {500, "<html>", StatusCode::kUnavailable},
      {503, R"({"errors":["Vault is sealed"]})", StatusCode::kUnavailable},
      {200, "not json", StatusCode::kInternal},
      {200, R"({"data":{"data":"str"}})", StatusCode::kInternal},
      {200, R"({"data":{"data":null,"metadata":{"version":2}}})",
       StatusCode::kNotFound},
  };
  for (const Case& k : cases) {
    http->Push(k.status, k.body);
    EXPECT_EQ(client->Read("platform-data/a/b").status().code(), k.code)
        << k.status << " " << k.body;
  }
  http->PushError(UnavailableError("connection refused"));
  EXPECT_EQ(client->Read("platform-data/a/b").status().code(),
            StatusCode::kUnavailable);
}

TEST(Kv2ClientTest, EncodeVaultPath) {
  EXPECT_EQ(EncodeVaultPath("platform-data/postgres/orders"),
            "platform-data/postgres/orders");
  EXPECT_EQ(EncodeVaultPath("a+b=c@d/e f"), "a%2Bb%3Dc%40d/e%20f");
}

}  // namespace
}  // namespace keyward::vault
