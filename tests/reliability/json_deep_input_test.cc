// The crash class "unbounded recursion over untrusted JSON", at every entry
// point that parses JSON from outside the process: the Secrets Manager
// client's responses (success and error bodies), stored values read by the
// Secret Config Module, credential_process output, keyward server's request
// bodies and resource policies, Vault KV v2 responses and the migration
// journal. Each case sends a 120,000-deep document and runs on a 1 MiB stack
// (tests/testing/small_stack.h): a parse, copy, dump or wipe that recursed
// per level would overflow it. All of them go through the depth-bounded
// secrets::ParseJson; this test proves no entry point bypasses it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "keyward/aws/credential_chain.h"
#include "keyward/secret_config.h"
#include "keyward/secrets/client.h"
#include "keyward/server/policy.h"
#include "keyward/server/service.h"
#include "keyward/vault/kv2_client.h"
#include "migrate/journal.h"
#include "secrets/json_codec.h"
#include "tests/config/fake_store.h"
#include "tests/testing/fake_process_runner.h"
#include "tests/testing/fakes.h"
#include "tests/testing/small_stack.h"

namespace keyward {
namespace {

using testing::RunOnSmallStack;

constexpr int kDepth = 120'000;

std::string DeepArray(int n = kDepth) {
  return std::string(static_cast<std::size_t>(n), '[') +
         std::string(static_cast<std::size_t>(n), ']');
}
std::string DeepObject(int n = kDepth) {
  std::string s;
  s.reserve(static_cast<std::size_t>(n) * 6 + 1);
  for (int i = 0; i < n; ++i) s += "{\"a\":";
  s += "1";
  s += std::string(static_cast<std::size_t>(n), '}');
  return s;
}
// The same, as the content of a JSON string ("SecretString": "[[[...]]]").
std::string Quoted(const std::string& s) { return secrets::Json(s).dump(); }

TEST(JsonDeepInputTest, ParseJsonRefusesDeepDocuments) {
  RunOnSmallStack([] {
    EXPECT_FALSE(secrets::ParseJson(DeepArray()).has_value());
    EXPECT_FALSE(secrets::ParseJson(DeepObject()).has_value());
    // Ordinary nesting still parses.
    EXPECT_TRUE(secrets::ParseJson(DeepArray(20)).has_value());
  });
}

class ClientDeepTest : public ::testing::Test {
 protected:
  std::unique_ptr<secrets::SecretsManagerClient> Client() {
    aws::Credentials creds;
    creds.access_key_id = "AKIDEXAMPLE";
    creds.secret_access_key = SecretValue("secret");
    secrets::ClientConfig config;
    config.region = "us-east-1";
    config.endpoint_url = "http://127.0.0.1:9";
    config.credentials = aws::NewStaticCredentialsProvider(creds);
    config.http = http_;
    config.runtime.clock = &clock_;
    config.runtime.sleep = &no_sleep_;
    config.retry.max_attempts = 1;
    return std::move(*secrets::SecretsManagerClient::Create(config));
  }
  testing::FakeClock clock_;
  testing::FakeSleeper no_sleep_;
  std::shared_ptr<testing::FakeHttpClient> http_ =
      std::make_shared<testing::FakeHttpClient>();
};

TEST_F(ClientDeepTest, ResponseBodiesOfEveryShape) {
  auto client = Client();
  RunOnSmallStack([&] {
    for (const std::string& body : {DeepArray(), DeepObject()}) {
      http_->Push(200, body);
      EXPECT_FALSE(client->GetSecretValue({"platform-data/a/b", "", ""}).ok());
      http_->Push(200, body);
      EXPECT_FALSE(client->DescribeSecret("platform-data/a/b").ok());
      http_->Push(200, body);
      EXPECT_FALSE(client->ListSecrets({}).ok());
      http_->Push(400, body);  // an error body
      EXPECT_FALSE(client->GetSecretValue({"platform-data/a/b", "", ""}).ok());
      // Deep JSON inside an otherwise valid response's field.
      http_->Push(200, R"({"SecretList":)" + body + "}");
      EXPECT_FALSE(client->ListSecrets({}).ok());
    }
  });
}

TEST(JsonDeepInputTest, SecretConfigReadsADeepStoredValue) {
  // A value is a JSON string; its content is parsed for properties.
  auto store = std::make_shared<testing::FakeStore>();
  store->Put("platform-data/deep/app", DeepObject());
  store->Put("platform-data/deep/arr", DeepArray());
  testing::FakeClock clock;
  SecretConfigOptions options;
  options.cache.client = store;
  options.cache.runtime.clock = &clock;
  options.cache.background_refresh = false;
  options.cache.log = [](SecretCacheOptions::LogLevel, std::string_view) {};
  RunOnSmallStack([&] {
    auto config =
        SecretConfig::Load({SecretSpec::Required("platform-data/deep/app"),
                            SecretSpec::Required("platform-data/deep/arr")},
                           options);
    ASSERT_TRUE(config.ok()) << config.status();
    auto s = (*config)->Get("platform-data/deep/app");
    ASSERT_TRUE(s.ok());
    EXPECT_FALSE(s->is_json());  // not parsed as properties: too deep
    auto with_props = SecretConfig::Load(
        {SecretSpec::Required("platform-data/deep/app", {"a"})}, options);
    EXPECT_FALSE(with_props.ok());
  });
}

TEST(JsonDeepInputTest, CredentialProcessOutput) {
  testing::FakeEnvironment env{{"HOME", "/h"}};
  testing::FakeFileSystem fs;
  fs.Write("/h/.aws/config", "[default]\ncredential_process = helper\n");
  testing::FakeProcessRunner runner;
  testing::FakeClock clock;
  aws::ChainOptions o;
  o.runtime.env = &env;
  o.runtime.fs = &fs;
  o.runtime.clock = &clock;
  o.http = std::make_shared<testing::FakeHttpClient>();
  o.runtime.process = &runner;
  o.runtime.log = &Logger::Null();
  RunOnSmallStack([&] {
    for (const std::string& out : {DeepArray(), DeepObject()}) {
      runner.Push(out);
      auto c = aws::NewUncachedCredentialsChain(o)->Get();
      EXPECT_FALSE(c.ok());
    }
  });
}

TEST(JsonDeepInputTest, ServerRequestBodiesAndPolicies) {
  auto store = server::SecretStore::Open(":memory:");
  ASSERT_TRUE(store.ok());
  auto cipher = server::ValueCipher::FromKey(std::string(32, 'k'),
                                             keyward::Random::Real());
  auto svc =
      server::SecretsService::Create(std::move(*store), std::move(*cipher), {});
  ASSERT_TRUE(svc.ok()) << svc.status();
  RunOnSmallStack([&] {
    (*svc)->Handle("CreateSecret", R"({"Name":"platform-data/a/b",)"
                                   R"("SecretString":"v"})");
    for (const char* op :
         {"GetSecretValue", "CreateSecret", "PutSecretValue", "ListSecrets",
          "BatchGetSecretValue", "TagResource", "PutResourcePolicy"}) {
      SCOPED_TRACE(op);
      for (const std::string& body : {DeepArray(), DeepObject()}) {
        server::ApiResponse r = (*svc)->Handle(op, body);
        EXPECT_EQ(r.http_status, 400);
      }
    }
    // A deep policy document inside a valid request.
    server::ApiResponse r = (*svc)->Handle("PutResourcePolicy",
                                           R"({"SecretId":"platform-data/a/b",)"
                                           R"("ResourcePolicy":)" +
                                               Quoted(DeepObject()) + "}");
    EXPECT_NE(r.http_status, 200);
    // A deep stored value is just a string to the server (30,000 deep: the
    // deepest that fits Secrets Manager's 65,536-byte value limit).
    r = (*svc)->Handle("PutSecretValue",
                       R"({"SecretId":"platform-data/a/b","SecretString":)" +
                           Quoted(DeepArray(30'000)) + "}");
    EXPECT_EQ(r.http_status, 200);
    r = (*svc)->Handle("GetSecretValue", R"({"SecretId":"platform-data/a/b"})");
    EXPECT_EQ(r.http_status, 200);
    EXPECT_FALSE(server::IamPolicy::Parse(DeepObject(), "p").ok());
  });
}

TEST(JsonDeepInputTest, VaultResponses) {
  auto http = std::make_shared<testing::FakeHttpClient>();
  vault::VaultConfig config;
  config.address = "http://127.0.0.1:8200";
  config.token = SecretValue("t");
  config.http = http;
  auto client = vault::VaultKv2Client::Create(config);
  ASSERT_TRUE(client.ok());
  RunOnSmallStack([&] {
    for (const std::string& body : {DeepArray(), DeepObject()}) {
      http->Push(200, body);
      EXPECT_FALSE((*client)->Read("platform-data/a/b").ok());
      http->Push(200, body);
      EXPECT_FALSE((*client)->ReadMetadata("platform-data/a/b").ok());
      http->Push(200, R"({"data":{"data":)" + body + "}}");
      EXPECT_FALSE((*client)->Read("platform-data/a/b").ok());
      http->Push(400, body);
      EXPECT_FALSE((*client)
                       ->Write("platform-data/a/b", SecretValue(R"({"a":"b"})"),
                               std::nullopt)
                       .ok());
    }
    EXPECT_FALSE((*client)
                     ->Write("platform-data/a/b", SecretValue(DeepObject()), 0)
                     .ok());
  });
}

TEST(JsonDeepInputTest, MigrationJournalLine) {
  namespace fs = std::filesystem;
  fs::path path = fs::temp_directory_path() /
                  ("kw-deep-journal-" + std::to_string(::getpid()));
  {
    std::ofstream out(path);
    out << DeepObject() << "\n" << DeepArray() << "\n";
  }
  RunOnSmallStack([&] {
    auto j = migrate::LoadJournal(path.string(), FileSystem::Real());
    // A corrupt line is skipped or refused, never a crash.
    (void)j;
  });
  fs::remove(path);
}

}  // namespace
}  // namespace keyward
