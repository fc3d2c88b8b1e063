// SecretConfig: declare-then-load, one error listing every problem, request
// plan (exact call counts), value access, and the canary rule.
#include "keyward/secret_config.h"

#include <gtest/gtest.h>

#include <sstream>

#include "keyward/secrets/client.h"
#include "tests/config/fake_store.h"
#include "tests/testing/fakes.h"

namespace keyward {
namespace {

using keyward::testing::FakeClock;
using keyward::testing::FakeStore;

constexpr char kCanary[] = "canary-cfg-7f3a91-never-print";

class SecretConfigTest : public ::testing::Test {
 protected:
  SecretConfigTest() : store_(std::make_shared<FakeStore>()) {
    options_.cache.client = store_;
    options_.cache.runtime.clock = &clock_;
    options_.cache.background_refresh = false;
    options_.cache.runtime.random = &random_;
    options_.cache.log = [this](SecretCacheOptions::LogLevel,
                                std::string_view m) {
      log_ += std::string(m) + "\n";
    };
  }
  void PutDemo() {
    store_->Put(
        "platform-data/postgres/orders",
        R"({"username":"orders","password":")" + std::string(kCanary) + "\"}");
    store_->Put("platform-config/postgres/platform-postgres",
                R"({"host":"db.internal","port":5432})");
    store_->Put("platform-data/stripe/orders", R"({"token":"sk_test_abc"})");
  }
  std::vector<SecretSpec> DemoSpecs() {
    return {
        SecretSpec::Required("platform-data/postgres/orders",
                             {"username", "password"}),
        SecretSpec::Required("platform-config/postgres/platform-postgres",
                             {"host", "port"}),
        SecretSpec::Optional("platform-data/stripe/orders", {"token"}),
    };
  }

  FakeClock clock_;
  testing::FakeRandom random_{0.5};
  std::shared_ptr<FakeStore> store_;
  SecretConfigOptions options_;
  std::string log_;
};

TEST_F(SecretConfigTest, ReadLendsTheValueWithoutCopying) {
  PutDemo();
  auto config = SecretConfig::Load(DemoSpecs(), options_);
  ASSERT_TRUE(config.ok()) << config.status();
  std::string user, host;
  Status s =
      (*config)->Read("platform-data/postgres/orders", [&](const Secret& db) {
        user = db.FindProperty("username")->Reveal();
        // Nested reads of other secrets are fine.
        auto h = (*config)->Property(
            "platform-config/postgres/platform-postgres", "host");
        host = h.ok() ? h->Reveal() : "?";
      });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(user, "orders");
  EXPECT_EQ(host, "db.internal");
  s = (*config)->Read("platform-data/nope/x",
                      [](const Secret&) { ADD_FAILURE(); });
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("was not declared"), std::string::npos);
  EXPECT_EQ((*config)->Property("platform-data/nope/x", "a").status().code(),
            StatusCode::kNotFound);
}

TEST_F(SecretConfigTest, LoadsDeclaredSecretsWithOneBatchRequest) {
  PutDemo();
  auto config = SecretConfig::Load(DemoSpecs(), options_);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(store_->batches(), 1);
  EXPECT_EQ(store_->gets(), 0);
  EXPECT_EQ(store_->describes(), 0);

  auto db = (*config)->Get("platform-data/postgres/orders");
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(db->version_id(), "v1");
  EXPECT_TRUE(db->is_json());
  EXPECT_EQ(db->Property("username")->Reveal(), "orders");
  EXPECT_EQ(db->Property("password")->Reveal(), kCanary);
  EXPECT_EQ(db->property_names(),
            (std::vector<std::string>{"password", "username"}));
  EXPECT_EQ(*(*config)->Port("platform-config/postgres/platform-postgres"),
            5432);
  EXPECT_EQ((*config)
                ->Property("platform-config/postgres/platform-postgres", "host")
                ->Reveal(),
            "db.internal");
  EXPECT_EQ(
      (*config)->Property("platform-data/stripe/orders", "token")->Reveal(),
      "sk_test_abc");
  // Reads are cache hits: no further requests.
  EXPECT_EQ(store_->calls(), 1);
}

TEST_F(SecretConfigTest, OneErrorListsEveryProblemWithoutValues) {
  store_->Put("platform-data/postgres/orders",
              R"({"username":"orders","pw":")" + std::string(kCanary) + "\"}");
  store_->Put("platform-data/redis/orders", kCanary);
  store_->Put("platform-data/kafka/orders", "{}");
  store_->DenyGet("platform-data/kafka/orders");
  auto config = SecretConfig::Load(
      {
          SecretSpec::Required("platform-data/postgres/orders",
                               {"username", "password"}),
          SecretSpec::Required("platform-data/mysql/orders"),  // missing
          SecretSpec::Required("platform-data/kafka/orders"),  // denied
          SecretSpec::Required("Platform-Data/Redis/prod"),    // bad name
          SecretSpec::Required("platform-data/redis/orders",
                               {"x"}),  // not JSON
          SecretSpec::Optional(
              "platform-data/stripe/orders"),  // fine: optional
      },
      options_);
  ASSERT_FALSE(config.ok());
  const std::string msg = config.status().message();
  EXPECT_NE(msg.find("5 problems loading 6 declared secrets"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("platform-data/postgres/orders: NOT_FOUND: missing "
                     "property 'password'"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("platform-data/mysql/orders: NOT_FOUND"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("platform-data/kafka/orders: PERMISSION_DENIED"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("Platform-Data/Redis/prod: INVALID_ARGUMENT"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("platform-data/redis/orders: FAILED_PRECONDITION: value "
                     "is not a JSON object"),
            std::string::npos)
      << msg;
  EXPECT_EQ(msg.find("stripe"), std::string::npos) << msg;
  EXPECT_EQ(msg.find(kCanary), std::string::npos);
  EXPECT_EQ(config.status().ToString().find(kCanary), std::string::npos);
  // Declaration order, first problem's code.
  EXPECT_LT(msg.find("postgres"), msg.find("mysql"));
  EXPECT_EQ(config.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(log_.find(kCanary), std::string::npos);
}

// A failed Load prints nothing by itself (no per-secret warning lines
// before the combined error) and each problem line carries its own error
// type (issue 12, 5).
TEST_F(SecretConfigTest, FailedLoadLogsNothingAndEachLineHasItsType) {
  store_->Put("platform-data/kafka/orders", "{}");
  store_->DenyGet("platform-data/kafka/orders");
  auto config =
      SecretConfig::Load({SecretSpec::Required("platform-data/mysql/orders"),
                          SecretSpec::Required("platform-data/kafka/orders")},
                         options_);
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(log_.empty()) << log_;
  const std::string msg = config.status().message();
  EXPECT_NE(msg.find("platform-data/mysql/orders: NOT_FOUND: "),
            std::string::npos)
      << msg;
  std::size_t mysql = msg.find("platform-data/mysql/orders");
  std::size_t kafka = msg.find("platform-data/kafka/orders");
  EXPECT_NE(msg.find("[ResourceNotFoundException]", mysql), std::string::npos);
  EXPECT_LT(msg.find("[ResourceNotFoundException]", mysql), kafka) << msg;
  EXPECT_NE(msg.find("[AccessDeniedException]", kafka), std::string::npos)
      << msg;
  // Two different types: the combined status names neither.
  EXPECT_EQ(config.status().error_type(), "");
}

// No region anywhere: the error speaks to a library user (environment
// variable or option), not to a CLI user (--region).
TEST(SecretConfigRegionTest, NoRegionErrorSpeaksToALibraryUser) {
  keyward::testing::FakeEnvironment env{{"HOME", "/nonexistent"},
                                        {"AWS_CONFIG_FILE", "/nonexistent/c"}};
  keyward::testing::FakeFileSystem fs;
  auto config = secrets::ResolveClientConfig(testing::RuntimeWith(env, fs), {});
  ASSERT_FALSE(config.ok());
  const std::string msg = config.status().message();
  EXPECT_EQ(msg.find("--region"), std::string::npos) << msg;
  EXPECT_NE(msg.find("AWS_REGION"), std::string::npos) << msg;
  EXPECT_NE(msg.find("SecretConfigOptions.cache.aws.region"), std::string::npos)
      << msg;
}

TEST_F(SecretConfigTest, UnreachableEndpointListsEverySecret) {
  PutDemo();
  store_->SetOutage(
      UnavailableError("connect to 127.0.0.1:1 failed: connection refused"));
  auto config = SecretConfig::Load(DemoSpecs(), options_);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(config.status().message().find("3 problems"), std::string::npos);
  EXPECT_NE(config.status().message().find("connection refused"),
            std::string::npos);
}

TEST_F(SecretConfigTest, HundredSecretsInFiveBatchRequests) {
  std::vector<SecretSpec> specs;
  for (int i = 0; i < 100; ++i) {
    std::string name = "platform-data/postgres/app" + std::to_string(i);
    store_->Put(name, R"({"password":"p)" + std::to_string(i) + "\"}");
    specs.push_back(SecretSpec::Required(name, {"password"}));
  }
  auto config = SecretConfig::Load(specs, options_);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(store_->batches(), 5);
  EXPECT_EQ(store_->gets(), 0);
  EXPECT_EQ((*config)->Stats().batch_get_secret_value_calls, 5u);
  for (int i = 0; i < 100; ++i) {
    auto v = (*config)->Property(
        "platform-data/postgres/app" + std::to_string(i), "password");
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->Reveal(), "p" + std::to_string(i));
  }
}

TEST_F(SecretConfigTest, FallsBackToGetSecretValueWhenBatchIsDenied) {
  std::vector<SecretSpec> specs;
  for (int i = 0; i < 30; ++i) {
    std::string name = "platform-data/redis/app" + std::to_string(i);
    store_->Put(name, "plain-" + std::to_string(i));
    specs.push_back(SecretSpec::Required(name));
  }
  store_->DenyBatch();
  options_.cache.max_parallel_requests = 1;  // exact counts
  auto config = SecretConfig::Load(specs, options_);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(store_->batches(), 1);  // learnt once, not per chunk
  EXPECT_EQ(store_->gets(), 30);
  auto v = (*config)->Get("platform-data/redis/app7");
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->is_json());
  EXPECT_EQ(v->value().Reveal(), "plain-7");
  EXPECT_EQ(v->Property("x").status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(SecretConfigTest, ParallelFallbackStillLoadsEverything) {
  std::vector<SecretSpec> specs;
  for (int i = 0; i < 100; ++i) {
    std::string name = "platform-data/redis/app" + std::to_string(i);
    store_->Put(name, "v");
    specs.push_back(SecretSpec::Required(name));
  }
  store_->DenyBatch();
  auto config = SecretConfig::Load(specs, options_);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_LE(store_->batches(), 5);
  EXPECT_EQ(store_->gets(), 100);
}

TEST_F(SecretConfigTest, PinnedVersionsUseGetSecretValue) {
  store_->Put("platform-data/postgres/orders", R"({"password":"old"})");
  std::string v2 =
      store_->Put("platform-data/postgres/orders", R"({"password":"new"})");
  auto config = SecretConfig::Load(
      {
          SecretSpec::Required("platform-data/postgres/orders", {"password"}),
          SecretSpec::Required("platform-data/postgres/reporting"),
      },
      options_);
  ASSERT_FALSE(config.ok());  // reporting is missing

  auto pinned = SecretConfig::Load(
      {SecretSpec::Required("platform-data/postgres/orders", {"password"})
           .Stage("AWSPREVIOUS")},
      options_);
  ASSERT_TRUE(pinned.ok()) << pinned.status();
  EXPECT_EQ((*pinned)
                ->Property("platform-data/postgres/orders", "password")
                ->Reveal(),
            "old");
  auto by_id = SecretConfig::Load(
      {SecretSpec::Required("platform-data/postgres/orders").VersionId(v2)},
      options_);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(
      (*by_id)->Property("platform-data/postgres/orders", "password")->Reveal(),
      "new");
}

TEST_F(SecretConfigTest, BinaryAndTypedGetterErrors) {
  store_->Put("platform-data/tls/orders", std::string("\x00\x01\xff", 3),
              /*binary=*/true);
  store_->Put(
      "platform-config/postgres/main",
      R"({"host":"db","port":"70000","workers":"12","bad":"12x","nested":{"a":1}})");
  auto config = SecretConfig::Load(
      {SecretSpec::Required("platform-data/tls/orders"),
       SecretSpec::Required("platform-config/postgres/main")},
      options_);
  ASSERT_TRUE(config.ok()) << config.status();
  auto tls = (*config)->Get("platform-data/tls/orders");
  ASSERT_TRUE(tls.ok());
  EXPECT_TRUE(tls->is_binary());
  EXPECT_EQ(tls->value().size(), 3u);
  auto main = *(*config)->Get("platform-config/postgres/main");
  EXPECT_EQ(main.Port().status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(main.Port().status().message().find("not a TCP port"),
            std::string::npos);
  EXPECT_EQ(*main.Int("workers"), 12);
  EXPECT_EQ(main.Int("bad").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(main.Int("bad").status().message().find("12x"), std::string::npos);
  EXPECT_EQ(main.Property("nested")->Reveal(), R"({"a":1})");
  auto missing = main.Property("password");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(
                "it has: bad, host, nested, port, workers"),
            std::string::npos)
      << missing.status();
  EXPECT_EQ((*config)->Get("platform-data/other/orders").status().code(),
            StatusCode::kNotFound);
}

TEST_F(SecretConfigTest, OptionalSecretAppearsLaterAndNotifies) {
  PutDemo();
  store_->Erase("platform-data/stripe/orders");
  auto config = SecretConfig::Load(DemoSpecs(), options_);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ((*config)->Get("platform-data/stripe/orders").status().code(),
            StatusCode::kNotFound);
  std::vector<std::string> changes;
  (*config)->OnChange([&](const SecretChange& c) {
    changes.push_back(c.name + "@" + c.secret.version_id() + "<-" +
                      c.old_version_id);
  });
  store_->Put("platform-data/stripe/orders", R"({"token":"t"})");
  clock_.Advance(std::chrono::seconds(2));  // past the first retry backoff
  (*config)->cache().RunPendingRefreshes();
  ASSERT_TRUE((*config)->Get("platform-data/stripe/orders").ok());
  EXPECT_EQ(changes,
            (std::vector<std::string>{"platform-data/stripe/orders@v1<-"}));
}

TEST_F(SecretConfigTest, CanaryNeverAppearsInAnyText) {
  store_->Put("platform-data/postgres/orders",
              R"({"username":")" + std::string(kCanary) + R"(","password":")" +
                  kCanary + R"(","port":")" + kCanary + "\"}");
  auto config =
      SecretConfig::Load({SecretSpec::Required("platform-data/postgres/orders",
                                               {"username", "password"})},
                         options_);
  ASSERT_TRUE(config.ok());
  std::ostringstream all;
  auto s = *(*config)->Get("platform-data/postgres/orders");
  all << s << "\n" << s.value() << "\n" << *s.Property("password") << "\n";
  all << s.Port().status() << s.Int("username").status()
      << s.Property("nope").status();
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  // Outage, rotation to an invalid version, permanent errors: all logged.
  store_->SetOutage(UnavailableError("down"));
  clock_.Advance(std::chrono::hours(30));
  (*config)->cache().RunPendingRefreshes();
  all << (*config)->Get("platform-data/postgres/orders").status();
  store_->SetOutage(OkStatus());
  store_->Put("platform-data/postgres/orders",
              R"({"username":")" + std::string(kCanary) + "\"}");
  clock_.Advance(std::chrono::hours(2));
  (*config)->cache().RunPendingRefreshes();
  all << (*config)->ForceRefresh("platform-data/postgres/orders");
  for (const SecretHealth& h : (*config)->Health())
    all << h.name << h.last_error;
  all << ::testing::internal::GetCapturedStdout()
      << ::testing::internal::GetCapturedStderr();
  all << log_;
  EXPECT_EQ(all.str().find(kCanary), std::string::npos);
  EXPECT_NE(all.str().find("<redacted>"), std::string::npos);
  EXPECT_NE(log_.find("rejected"), std::string::npos);
}

TEST_F(SecretConfigTest, RejectsEmptyAndDuplicateDeclarations) {
  EXPECT_EQ(SecretConfig::Load({}, options_).status().code(),
            StatusCode::kInvalidArgument);
  auto dup = SecretConfig::Load({SecretSpec::Required("platform-data/a/b"),
                                 SecretSpec::Required("platform-data/a/b")},
                                options_);
  EXPECT_NE(dup.status().message().find("declared more than once"),
            std::string::npos);
  EXPECT_EQ(store_->calls(), 0);
}

TEST_F(SecretConfigTest, LegacyNamesAllowedWhenNamingIsNotEnforced) {
  store_->Put("prod/orders/db", "x");
  options_.enforce_naming = false;
  auto config =
      SecretConfig::Load({SecretSpec::Required("prod/orders/db")}, options_);
  ASSERT_TRUE(config.ok()) << config.status();
}

TEST(SecretConfigRealThreadTest, BackgroundRefresherStopsCleanly) {
  auto store = std::make_shared<FakeStore>();
  store->Put("platform-data/postgres/orders", R"({"password":"x"})");
  SecretConfigOptions options;
  options.cache.client = store;
  for (int i = 0; i < 20; ++i) {
    auto config = SecretConfig::Load(
        {SecretSpec::Required("platform-data/postgres/orders")}, options);
    ASSERT_TRUE(config.ok());
    ASSERT_TRUE((*config)->Get("platform-data/postgres/orders").ok());
  }  // destructor joins the refresher each time
}

}  // namespace
}  // namespace keyward
