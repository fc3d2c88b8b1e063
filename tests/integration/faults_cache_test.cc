// Fault scenarios for the Secret Config Module / SecretCache: the real client
// (libcurl, SigV4, retries) talks to `keyward server` through
// tests/faults/faultproxy.py, which injects one fault at a time. The cache
// runs on an injected clock so a multi-hour outage takes seconds; the client
// keeps the real clock (its signatures must be valid for the server).
//
// Each scenario prints its figures as "[ figures  ] ..." lines (collected in
// docs/reliability.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "keyward/secret_cache.h"
#include "keyward/secret_config.h"
#include "tests/faults/fault_proxy.h"
#include "tests/integration/server_fixture.h"
#include "tests/testing/fakes.h"

namespace keyward::testing {
namespace {

using std::chrono::duration_cast;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr char kName[] = "platform-data/postgres/orders";
constexpr char kValue[] = R"({"username":"orders","password":"CANARY-f4u1t"})";

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

class FaultsCacheTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    KW_REQUIRE_PEER("python3");
    dir_ = new TempDir();
    auto server = KeywardServer::Start(*dir_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
    auto proxy = FaultProxy::Start(server_->endpoint(), *dir_);
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = proxy->release();
    auto direct = server_->Client();
    secrets::CreateSecretRequest create;
    create.name = kName;
    create.payload.string = SecretValue(kValue);
    ASSERT_TRUE(direct->CreateSecret(create).ok());
  }
  static void TearDownTestSuite() {
    delete proxy_;
    delete server_;
    delete dir_;
    proxy_ = nullptr;
    server_ = nullptr;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (proxy_ == nullptr) GTEST_SKIP() << "no proxy";
    ASSERT_TRUE(proxy_->Pass().ok());
    proxy_->ResetStats();
  }

  // A real client that goes through the proxy. Retry sleeps are recorded,
  // not slept (the backoff is the cache's business here).
  std::shared_ptr<secrets::SecretsManagerClient> Client(
      milliseconds total_timeout = milliseconds(1500)) {
    secrets::ClientConfig config;
    config.region = "us-east-1";
    config.endpoint_url = proxy_->endpoint();
    config.credentials =
        aws::NewStaticCredentialsProvider(server_->Credentials());
    config.http_options.connect_timeout = milliseconds(500);
    config.http_options.total_timeout = total_timeout;
    config.runtime.sleep = &no_sleep_;
    auto c = secrets::SecretsManagerClient::Create(std::move(config));
    EXPECT_TRUE(c.ok()) << c.status();
    return std::shared_ptr<secrets::SecretsManagerClient>(std::move(*c));
  }

  SecretCacheOptions CacheOptions(
      std::shared_ptr<secrets::SecretsManagerApi> c) {
    SecretCacheOptions o;
    o.client = std::move(c);
    o.runtime.clock = &clock_;
    o.background_refresh = false;
    o.ttl = hours(1);
    o.refresh_ahead = minutes(5);
    o.max_staleness = hours(2);
    o.initial_backoff = seconds(1);
    o.max_backoff = minutes(5);
    o.log = [](SecretCacheOptions::LogLevel, std::string_view) {};
    return o;
  }

  static TempDir* dir_;
  static KeywardServer* server_;
  static FaultProxy* proxy_;
  FakeClock clock_;
  testing::FakeSleeper no_sleep_;
};

TempDir* FaultsCacheTest::dir_ = nullptr;
KeywardServer* FaultsCacheTest::server_ = nullptr;
FaultProxy* FaultsCacheTest::proxy_ = nullptr;

struct OutageFigures {
  int refresh_attempts = 0;
  int upstream_requests = 0;
  int max_requests_per_refresh = 0;
  int failed_reads_within_staleness = 0;
  int reads = 0;
  double error_surfaced_after_s = -1;  // staleness when reads began to fail
  StatusCode error_code = StatusCode::kOk;
  double recovery_step_s = -1;
  bool recovered = false;
};

// One long outage: the fault starts at the first refresh and lasts until the
// value is `outage` old; then it clears.
OutageFigures RunOutage(SecretCache& cache, SecretHandle& handle,
                        FakeClock& clock, FaultProxy& proxy,
                        const std::string& fault, Clock::duration outage,
                        Clock::duration max_staleness) {
  OutageFigures f;
  Clock::time_point fetched = clock.Now();
  clock.Set(*cache.NextRefreshTime());
  EXPECT_TRUE(proxy.Set(fault).ok());
  proxy.ResetStats();
  while (true) {
    int before = proxy.GetStats().requests;
    f.refresh_attempts += cache.RunPendingRefreshes();
    int used = proxy.GetStats().requests - before;
    f.max_requests_per_refresh = std::max(f.max_requests_per_refresh, used);
    // Many reads between refreshes: a read never touches the network.
    for (int i = 0; i < 10; ++i) {
      ++f.reads;
      auto s = handle.Get();
      Clock::duration age = clock.Now() - fetched;
      if (!s.ok()) {
        if (age < max_staleness) ++f.failed_reads_within_staleness;
        if (f.error_surfaced_after_s < 0) {
          f.error_surfaced_after_s = Seconds(age);
          f.error_code = s.status().code();
          EXPECT_EQ(s.status().message().find("CANARY"), std::string::npos);
        }
      }
    }
    if (clock.Now() - fetched >= outage) break;
    clock.Set(*cache.NextRefreshTime());
  }
  f.upstream_requests = proxy.GetStats().requests;
  // The fault clears just after a failed attempt; the next scheduled attempt
  // (one backoff step later) heals the entry.
  EXPECT_TRUE(proxy.Pass().ok());
  Clock::time_point cleared = clock.Now();
  clock.Set(std::max(cleared, *cache.NextRefreshTime()));
  f.recovery_step_s = Seconds(clock.Now() - cleared);
  cache.RunPendingRefreshes();
  f.recovered = handle.Get().ok();
  return f;
}

struct Fault {
  std::string name;
  std::string json;
  bool permanent;  // the cache treats the resulting error as permanent
  milliseconds timeout{1500};
};

TEST_F(FaultsCacheTest, LongOutageUnderEveryFault) {
  const std::vector<Fault> faults = {
      {"refuse", R"({"mode":"refuse"})", false},
      {"reset-mid-response", R"({"mode":"reset_mid_response"})", false},
      {"reset-before-response", R"({"mode":"reset_before_response"})", false},
      {"truncated-body", R"({"mode":"truncate"})", false},
      {"http-500", R"({"mode":"status","code":500})", false},
      {"http-503", R"({"mode":"status","code":503})", false},
      {"throttling", R"({"mode":"throttle"})", false},
      {"latency>timeout", R"({"mode":"latency","ms":800})", false,
       milliseconds(300)},
      {"slow-drip", R"({"mode":"drip","bytes":1,"ms":40})", false,
       milliseconds(300)},
      {"black-hole", R"({"mode":"blackhole"})", false, milliseconds(300)},
      {"expired-token", R"({"mode":"expired_token"})", true},
  };
  for (const Fault& fault : faults) {
    SCOPED_TRACE(fault.name);
    clock_.Set(Clock::time_point(seconds(1700000000)));
    auto cache = SecretCache::Create(CacheOptions(Client(fault.timeout)));
    ASSERT_TRUE(cache.ok()) << cache.status();
    auto handles = (*cache)->LoadDeclared({{kName, {}, {"password"}}});
    ASSERT_TRUE(handles[0].Get().ok()) << handles[0].Get().status();
    OutageFigures f = RunOutage(**cache, handles[0], clock_, *proxy_,
                                fault.json, hours(3), hours(2));
    std::printf(
        "[ figures  ] %-22s refreshes=%3d upstream_requests=%3d "
        "max_per_refresh=%d reads=%d failed_within_staleness=%d "
        "error_after=%.0fs (%s) recovery_step=%.1fs recovered=%d\n",
        fault.name.c_str(), f.refresh_attempts, f.upstream_requests,
        f.max_requests_per_refresh, f.reads, f.failed_reads_within_staleness,
        f.error_surfaced_after_s,
        std::string(StatusCodeToString(f.error_code)).c_str(),
        f.recovery_step_s, f.recovered);
    // Bounded: one refresh = DescribeSecret with at most max_attempts (3),
    // plus the one resend libcurl makes by itself when a kept-alive
    // connection turns out dead before any byte of the answer (only the
    // first attempt can meet a reused connection: the reset closes it).
    EXPECT_LE(f.max_requests_per_refresh, 3 + 1);
    EXPECT_GT(f.refresh_attempts, 10);
    EXPECT_TRUE(f.recovered);
    EXPECT_LE(f.recovery_step_s, 300.0);  // at most one (capped) backoff step
    if (fault.permanent) {
      // Permanent errors are served until the ttl runs out, then surfaced.
      EXPECT_GE(f.error_surfaced_after_s, 3600.0);
      EXPECT_EQ(f.error_code, StatusCode::kUnauthenticated);
    } else {
      EXPECT_EQ(f.failed_reads_within_staleness, 0);
      EXPECT_GE(f.error_surfaced_after_s, 7200.0);
      EXPECT_LE(f.error_surfaced_after_s, 7200.0 + 300.0);
      EXPECT_EQ(f.error_code, StatusCode::kUnavailable);
    }
  }
}

TEST_F(FaultsCacheTest, SkewedServerClockIsLearntAndReadsContinue) {
  auto client = Client();
  auto cache = SecretCache::Create(CacheOptions(client));
  ASSERT_TRUE(cache.ok());
  auto handles = (*cache)->LoadDeclared({{kName, {}, {}}});
  ASSERT_TRUE(handles[0].Get().ok());
  // The "server" is 10 minutes ahead: the first signed request is refused as
  // expired with the server's Date; the client learns the offset and the
  // retry (inside the server's 15 minute window) succeeds.
  ASSERT_TRUE(proxy_->Set(R"({"mode":"skew","seconds":600})").ok());
  proxy_->ResetStats();
  clock_.Set(*(*cache)->NextRefreshTime());
  (*cache)->RunPendingRefreshes();
  auto health = (*cache)->Health();
  FaultProxy::Stats s = proxy_->GetStats();
  std::printf(
      "[ figures  ] skewed-date(+600s): refresh ok=%d requests=%d "
      "refused_as_expired=%d\n",
      health[0].last_error.ok(), s.requests, s.requests - s.forwarded);
  EXPECT_TRUE(health[0].last_error.ok()) << health[0].last_error;
  EXPECT_LE(s.requests, 2);
  EXPECT_TRUE(handles[0].Get().ok());
}

TEST_F(FaultsCacheTest, CachesStartedTogetherSpreadTheirRefreshes) {
  // N applications start at the same instant (a fleet restart). The jittered
  // ttl keeps their refreshes from arriving together, and during an outage
  // the jittered backoff keeps their retries apart too.
  constexpr int kCaches = 32;
  std::vector<std::unique_ptr<SecretCache>> caches;
  std::vector<Clock::time_point> first;
  Clock::time_point t0 = clock_.Now();
  auto client = Client();
  for (int i = 0; i < kCaches; ++i) {
    SecretCacheOptions o = CacheOptions(client);
    o.runtime.random = &Random::Real();  // the real PRNG, one draw per cache
    auto c = SecretCache::Create(std::move(o));
    ASSERT_TRUE(c.ok());
    auto h = (*c)->LoadDeclared({{kName, {}, {}}});
    ASSERT_TRUE(h[0].Get().ok());
    first.push_back(*(*c)->NextRefreshTime());
    caches.push_back(std::move(*c));
  }
  std::sort(first.begin(), first.end());
  double spread = Seconds(first.back() - first.front());
  double min_gap = 1e9;
  for (std::size_t i = 1; i < first.size(); ++i)
    min_gap = std::min(min_gap, Seconds(first[i] - first[i - 1]));
  // Outage: every cache's refresh fails at the same instant; where do their
  // retries land?
  ASSERT_TRUE(proxy_->Set(R"({"mode":"status","code":503})").ok());
  clock_.Set(first.back());
  for (auto& c : caches) EXPECT_EQ(c->RunPendingRefreshes(), 1);
  std::vector<Clock::time_point> retries;
  for (auto& c : caches) retries.push_back(*c->NextRefreshTime());
  std::sort(retries.begin(), retries.end());
  double retry_spread = Seconds(retries.back() - retries.front());
  std::printf(
      "[ figures  ] %d caches started together: first refreshes spread over "
      "%.0fs of the %.0fs jitter window (closest pair %.1fs apart); first "
      "retries after a shared failure spread over %.2fs\n",
      kCaches, spread, 0.1 * 3600, min_gap, retry_spread);
  EXPECT_GT(spread, 0.5 * 0.1 * 3600);
  for (const auto& t : first) {
    EXPECT_LE(t, t0 + seconds(3300));
    EXPECT_GT(t, t0 + seconds(3300 - 360));
  }
  EXPECT_TRUE(proxy_->Pass().ok());
}

// A kept-alive connection reset before any byte of the answer: libcurl sends
// the POST again on a fresh connection by itself, rewinding the body. Our own
// retries are off (max_attempts 1), so only that rewind can make the write
// succeed; the server saw it twice and the ClientRequestToken kept it one
// version.
TEST_F(FaultsCacheTest, PostBodyIsRewoundWhenLibcurlRetriesAResetConnection) {
  secrets::ClientConfig config;
  config.region = "us-east-1";
  config.endpoint_url = proxy_->endpoint();
  config.credentials =
      aws::NewStaticCredentialsProvider(server_->Credentials());
  config.retry.max_attempts = 1;
  auto client = secrets::SecretsManagerClient::Create(std::move(config));
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE((*client)->DescribeSecret(kName).ok());  // connection kept alive
  secrets::ListSecretVersionIdsRequest list;
  list.secret_id = kName;
  list.include_deprecated = true;
  auto before = (*client)->ListSecretVersionIds(list);
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_TRUE(
      proxy_->Set(R"({"mode":"reset_before_response","count":1})").ok());
  proxy_->ResetStats();
  secrets::PutSecretValueRequest put;
  put.secret_id = kName;
  put.payload.string = SecretValue(kValue);
  auto w = (*client)->PutSecretValue(put);
  ASSERT_TRUE(w.ok()) << w.status();
  FaultProxy::Stats s = proxy_->GetStats();
  EXPECT_EQ(s.forwarded, 2);  // the reset one and libcurl's own retry
  auto after = (*client)->ListSecretVersionIds(list);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->versions.size(), before->versions.size() + 1);
  std::printf(
      "[ figures  ] POST reset on a kept-alive connection: 1 call, %d "
      "requests reached the server, 1 new version\n",
      s.forwarded);
}

TEST_F(FaultsCacheTest, StartUpAgainstABlackHoleFailsWithinItsDeadline) {
  ASSERT_TRUE(proxy_->Set(R"({"mode":"blackhole"})").ok());
  const milliseconds total_timeout(1000);
  SecretConfigOptions options;
  options.cache = CacheOptions(Client(total_timeout));
  options.cache.runtime.clock =
      &Clock::Real();  // real time: this is about wall-clock
  auto start = std::chrono::steady_clock::now();
  auto config = SecretConfig::Load(
      {SecretSpec::Required(kName, {"password"}),
       SecretSpec::Required("platform-config/postgres/platform-postgres")},
      options);
  double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  ASSERT_FALSE(config.ok());
  std::string message = config.status().message();
  int lines =
      static_cast<int>(std::count(message.begin(), message.end(), '\n'));
  FaultProxy::Stats s = proxy_->GetStats();
  // The deadline implied by the options: max_attempts (3) x total_timeout
  // plus the client's capped full-jitter backoff between attempts (the
  // sleeps are recorded, not slept, in this client).
  double deadline = 3 * 1.0 + 1.0;
  std::printf(
      "[ figures  ] start-up vs black hole: failed after %.2fs (deadline "
      "%.1fs), %s, %d upstream requests, error of %d line(s)\n",
      took, deadline,
      std::string(StatusCodeToString(config.status().code())).c_str(),
      s.requests, lines + 1);
  EXPECT_LT(took, deadline);
  EXPECT_EQ(config.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(message.find("CANARY"), std::string::npos);
  EXPECT_TRUE(proxy_->Pass().ok());
}

}  // namespace
}  // namespace keyward::testing
