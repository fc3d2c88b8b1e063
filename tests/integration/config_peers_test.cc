// SecretConfig against each real peer on a free loopback port: moto_server
// and keyward server (the embedded default, with its generated credentials
// and signature verification on). Batched start-up load with counted
// requests, rotation observed after refresh, reads served from cache after
// the endpoint dies, every missing secret listed at start-up, and the
// orders-service example end to end.
#include <gtest/gtest.h>

#include <fstream>

#include "keyward/secret_config.h"
#include "tests/integration/server_fixture.h"
#include "tests/testing/fakes.h"
#include "tests/testing/peers.h"

namespace keyward {
namespace {

using keyward::testing::FakeClock;
using keyward::testing::KeywardServer;
using keyward::testing::MotoServer;
using keyward::testing::RunCommand;
using keyward::testing::TempDir;

constexpr char kCanary[] = "canary-cfgmoto-52e0b7-never-print";

std::shared_ptr<secrets::SecretsManagerClient> ClientFor(
    const std::string& endpoint, const aws::Credentials& creds) {
  secrets::ClientConfig config;
  config.region = "us-east-1";
  config.endpoint_url = endpoint;
  config.credentials = aws::NewStaticCredentialsProvider(creds);
  config.retry.max_attempts = 1;
  return secrets::SecretsManagerClient::Create(std::move(config)).value();
}

void Create(secrets::SecretsManagerApi& api, const std::string& name,
            std::string_view value) {
  secrets::CreateSecretRequest req;
  req.name = name;
  req.payload.string = SecretValue(value);
  auto r = api.CreateSecret(req);
  ASSERT_TRUE(r.ok()) << r.status();
}

// The peer a test runs against: "moto" or "keyward".
class ConfigPeerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "moto") {
      KW_REQUIRE_PEER("moto_server");
      auto m = MotoServer::Start();
      ASSERT_TRUE(m.ok()) << m.status();
      moto_ = std::move(*m);
      endpoint_ = moto_->endpoint();
      creds_ = MotoServer::TestCredentials();
    } else {
      auto k = KeywardServer::Start(dir_);
      ASSERT_TRUE(k.ok()) << k.status();
      keyward_ = std::move(*k);
      endpoint_ = keyward_->endpoint();
      creds_ = keyward_->Credentials();
    }
    client_ = ClientFor(endpoint_, creds_);
    options_.cache.client = client_;
    options_.cache.runtime.clock = &clock_;
    options_.cache.background_refresh = false;
    options_.cache.log = [this](SecretCacheOptions::LogLevel,
                                std::string_view m) {
      log_ += std::string(m) + "\n";
    };
  }
  // SIGTERM: the endpoint is gone.
  void KillPeer() {
    moto_.reset();
    keyward_.reset();
  }
  void CreateDemo() {
    Create(
        *client_, "platform-data/postgres/orders",
        R"({"username":"orders","password":")" + std::string(kCanary) + "\"}");
    Create(*client_, "platform-config/postgres/platform-postgres",
           R"({"host":"db.internal","port":5432})");
    Create(*client_, "platform-data/stripe/orders",
           R"({"token":"sk_test_51H8"})");
  }
  std::vector<SecretSpec> DemoSpecs() {
    return {SecretSpec::Required("platform-data/postgres/orders",
                                 {"username", "password"}),
            SecretSpec::Required("platform-config/postgres/platform-postgres",
                                 {"host", "port"}),
            SecretSpec::Required("platform-data/stripe/orders", {"token"})};
  }

  TempDir dir_;
  std::unique_ptr<MotoServer> moto_;
  std::unique_ptr<KeywardServer> keyward_;
  std::string endpoint_;
  aws::Credentials creds_;
  std::shared_ptr<secrets::SecretsManagerClient> client_;
  FakeClock clock_;
  SecretConfigOptions options_;
  std::string log_;
};

TEST_P(ConfigPeerTest, LoadsDemoSecretsAndObservesRotation) {
  CreateDemo();
  auto config = SecretConfig::Load(DemoSpecs(), options_);
  ASSERT_TRUE(config.ok()) << config.status();
  SecretCacheStats stats = (*config)->Stats();
  EXPECT_EQ(stats.batch_get_secret_value_calls + stats.get_secret_value_calls,
            1u);
  EXPECT_EQ(*(*config)->Port("platform-config/postgres/platform-postgres"),
            5432);
  EXPECT_EQ((*config)
                ->Property("platform-data/postgres/orders", "password")
                ->Reveal(),
            kCanary);

  std::vector<std::string> changes;
  (*config)->OnChange(
      [&](const SecretChange& c) { changes.push_back(c.name); });
  secrets::PutSecretValueRequest put;
  put.secret_id = "platform-data/postgres/orders";
  put.payload.string =
      SecretValue(R"({"username":"orders","password":"rotated-1"})");
  ASSERT_TRUE(client_->PutSecretValue(put).ok());

  // Not yet: reads come from the cache until the refresh.
  EXPECT_EQ((*config)
                ->Property("platform-data/postgres/orders", "password")
                ->Reveal(),
            kCanary);
  clock_.Advance(std::chrono::hours(1));
  EXPECT_EQ((*config)->cache().RunPendingRefreshes(), 3);
  EXPECT_EQ((*config)
                ->Property("platform-data/postgres/orders", "password")
                ->Reveal(),
            "rotated-1");
  EXPECT_EQ(changes,
            (std::vector<std::string>{"platform-data/postgres/orders"}));
  stats = (*config)->Stats();
  EXPECT_EQ(stats.describe_secret_calls, 3u);   // one per secret
  EXPECT_EQ(stats.get_secret_value_calls, 1u);  // only the rotated one
  EXPECT_EQ(log_.find(kCanary), std::string::npos);
}

TEST_P(ConfigPeerTest, ReadsContinueFromCacheWhenTheEndpointDies) {
  CreateDemo();
  auto config = SecretConfig::Load(DemoSpecs(), options_);
  ASSERT_TRUE(config.ok()) << config.status();
  KillPeer();
  clock_.Advance(std::chrono::hours(2));
  (*config)->cache().RunPendingRefreshes();
  auto password =
      (*config)->Property("platform-data/postgres/orders", "password");
  ASSERT_TRUE(password.ok()) << password.status();
  EXPECT_EQ(password->Reveal(), kCanary);
  for (const SecretHealth& h : (*config)->Health()) {
    EXPECT_TRUE(h.serving) << h.name;
    EXPECT_TRUE(h.last_error.code() == StatusCode::kUnavailable ||
                h.last_error.code() == StatusCode::kDeadlineExceeded)
        << h.last_error;
    EXPECT_EQ(h.consecutive_failures, 1);
  }
  EXPECT_NE(log_.find("refresh of 'platform-data/postgres/orders' failed"),
            std::string::npos);
  EXPECT_EQ(log_.find(kCanary), std::string::npos);
}

TEST_P(ConfigPeerTest, EveryMissingSecretIsListedAtStartUp) {
  Create(*client_, "platform-data/postgres/orders", R"({"username":"orders"})");
  auto config = SecretConfig::Load(
      {SecretSpec::Required("platform-data/postgres/orders",
                            {"username", "password"}),
       SecretSpec::Required("platform-config/postgres/platform-postgres",
                            {"host", "port"}),
       SecretSpec::Required("platform-data/stripe/orders", {"token"})},
      options_);
  ASSERT_FALSE(config.ok());
  const std::string msg = config.status().message();
  EXPECT_NE(msg.find("3 problems loading 3 declared secrets"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("platform-data/postgres/orders: NOT_FOUND: missing "
                     "property 'password'"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("platform-config/postgres/platform-postgres: NOT_FOUND"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("platform-data/stripe/orders: NOT_FOUND"),
            std::string::npos)
      << msg;
}

TEST_P(ConfigPeerTest, HundredSecretsInFiveRequests) {
  std::vector<SecretSpec> specs;
  for (int i = 0; i < 100; ++i) {
    std::string name = "platform-data/postgres/app-" + std::to_string(i);
    Create(*client_, name, R"({"password":"p)" + std::to_string(i) + "\"}");
    specs.push_back(SecretSpec::Required(name, {"password"}));
  }
  auto t0 = std::chrono::steady_clock::now();
  auto config = SecretConfig::Load(specs, options_);
  auto elapsed = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(config.ok()) << config.status();
  SecretCacheStats stats = (*config)->Stats();
  EXPECT_EQ(stats.batch_get_secret_value_calls, 5u);
  EXPECT_EQ(stats.get_secret_value_calls, 0u);
  EXPECT_EQ((*config)
                ->Property("platform-data/postgres/app-99", "password")
                ->Reveal(),
            "p99");
  std::cout
      << "[ config ] 100 secrets loaded from " << GetParam() << " with "
      << stats.batch_get_secret_value_calls << " requests in "
      << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
      << " ms\n";
}

TEST_P(ConfigPeerTest, OrdersServiceExampleOnce) {
  std::string binary =
      std::string(KEYWARD_BINARY_DIR) + "/examples/orders-service";
  if (!std::ifstream(binary).good())
    GTEST_SKIP() << "build the orders-service target first";
  CreateDemo();
  std::map<std::string, std::string> env = {
      {"AWS_REGION", "us-east-1"},
      {"AWS_ENDPOINT_URL", endpoint_},
      {"AWS_ACCESS_KEY_ID", creds_.access_key_id},
      {"AWS_SECRET_ACCESS_KEY", std::string(creds_.secret_access_key.Reveal())},
      {"AWS_PROFILE", "\x01unset"},
      {"AWS_CONFIG_FILE", "/nonexistent"},
      {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"}};
  auto r = RunCommand({binary, "--once"}, env);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("postgres: orders@db.internal:5432 (password: " +
                       std::to_string(std::string(kCanary).size()) + " chars"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("stripe:   token 12 chars"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(kCanary), std::string::npos);
  EXPECT_EQ(r.err.find(kCanary), std::string::npos);

  // A missing secret: exit 1 with the problem listed.
  secrets::DeleteSecretRequest del;
  del.secret_id = "platform-data/stripe/orders";
  del.force_delete_without_recovery = true;
  ASSERT_TRUE(client_->DeleteSecret(del).ok());
  r = RunCommand({binary, "--once"}, env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("platform-data/stripe/orders: NOT_FOUND"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find(kCanary), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Peers, ConfigPeerTest,
                         ::testing::Values("moto", "keyward"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace keyward
