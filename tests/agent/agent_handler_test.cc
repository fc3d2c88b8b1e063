// agent::Agent on a real HttpListener (loopback, port 0) over a FakeStore:
// the AWS agent's rules in its order (connection limit, forwarding, token,
// method, paths), response bodies, refreshNow rate limiting, stale serving,
// prefetch readiness, per-application isolation and /metrics hygiene.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "agent/agent.h"
#include "agent/prometheus.h"
#include "tests/config/fake_store.h"
#include "tests/testing/fakes.h"

namespace keyward::agent {
namespace {

using testing::FakeClock;
using testing::FakeEnvironment;
using testing::FakeFileSystem;
using testing::FakeStore;

constexpr char kToken[] = "0123456789abcdef0123456789abcdef";
constexpr char kCanary[] = "agent-handler-canary-value";

constexpr char kInventory[] = R"(version: 1
applications:
  orders:
    description: Orders
  billing:
    description: Billing
secrets:
  - name: platform-data/postgres/orders
    description: Orders DB
    consumers: [orders]
    properties: [password]
    rotation: {status: none}
  - name: platform-data/postgres/billing
    description: Billing DB
    consumers: [billing]
    properties: [password]
    rotation: {status: none}
  - name: platform-config/redis/shared
    description: Shared cache
    consumers: [orders, billing]
    properties: [host]
    rotation: {status: none}
)";

// Sends one request (Connection: close) and returns the whole response.
std::string Http(int port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    char buf[8192];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0)
      out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

std::string Get(int port, const std::string& target,
                const std::string& headers =
                    std::string("X-Aws-Parameters-Secrets-Token: ") + kToken +
                    "\r\n",
                const std::string& method = "GET") {
  return Http(port,
              method + " " + target +
                  " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" +
                  headers + "\r\n");
}

int StatusOf(const std::string& response) {
  if (response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

std::string BodyOf(const std::string& response) {
  auto p = response.find("\r\n\r\n");
  return p == std::string::npos ? "" : response.substr(p + 4);
}

// A store that also reports ARN, stages and creation date, like AWS.
class DatedStore : public FakeStore {
 public:
  StatusOr<secrets::SecretValueResult> GetSecretValue(
      const secrets::GetSecretValueRequest& req) override {
    secrets::GetSecretValueRequest by_name = req;
    constexpr std::string_view kArn =
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:";
    if (by_name.secret_id.starts_with(kArn)) {
      by_name.secret_id = by_name.secret_id.substr(
          kArn.size(), by_name.secret_id.size() - kArn.size() - 7);
    }
    auto r = FakeStore::GetSecretValue(by_name);
    if (r.ok()) Decorate(*r);
    return r;
  }
  StatusOr<secrets::BatchGetSecretValueResult> BatchGetSecretValue(
      const secrets::BatchGetSecretValueRequest& req) override {
    auto r = FakeStore::BatchGetSecretValue(req);
    if (r.ok()) {
      for (auto& v : r->values) Decorate(v);
    }
    return r;
  }

 private:
  static void Decorate(secrets::SecretValueResult& r) {
    r.arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + r.name +
            "-AbCdEf";
    r.version_stages = {"AWSCURRENT"};
    r.created_date =
        Clock::time_point(std::chrono::milliseconds(1569534789046));
  }
};

class AgentHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_shared<DatedStore>();
    store_->Put("platform-data/postgres/orders",
                std::string(R"({"password":")") + kCanary + "\"}");
    store_->Put("platform-data/postgres/billing", R"({"password":"b"})");
    store_->Put("platform-config/redis/shared", R"({"host":"redis"})");
    store_->Put("adhoc/secret", "plain text");
    env_.Set("AWS_TOKEN", kToken);
    fs_.Write("inv.yaml", kInventory);
  }
  void TearDown() override { Stop(); }

  void Start(AgentConfig config = {}) {
    AgentDeps deps;
    deps.runtime.env = &env_;
    deps.runtime.fs = &fs_;
    deps.runtime.clock = &clock_;
    deps.background_refresh = false;
    deps.make_client = [this](const std::string& profile)
        -> StatusOr<std::shared_ptr<secrets::SecretsManagerApi>> {
      profiles_.push_back(profile);
      if (profile == "billing") return billing_store_;
      return std::shared_ptr<secrets::SecretsManagerApi>(store_);
    };
    deps.log = [this](LogLevel, std::string_view m) {
      std::lock_guard<std::mutex> l(mu_);
      logs_ += std::string(m) + "\n";
    };
    auto a = Agent::Create(std::move(config), deps);
    ASSERT_TRUE(a.ok()) << a.status();
    agent_ = std::move(*a);
    auto opt = agent_->ListenerOptionsFor();
    opt.port = 0;
    opt.threads = 1;
    auto l = server::HttpListener::Bind(opt, agent_.get());
    ASSERT_TRUE(l.ok()) << l.status();
    listener_ = std::move(*l);
    thread_ = std::thread([this] { listener_->Run().IgnoreError(); });
  }
  void Stop() {
    if (!thread_.joinable()) return;
    listener_->Stop();
    thread_.join();
  }
  int port() const { return listener_->port(); }

  std::shared_ptr<DatedStore> store_;
  std::shared_ptr<DatedStore> billing_store_ = std::make_shared<DatedStore>();
  FakeEnvironment env_;
  FakeFileSystem fs_;
  FakeClock clock_{Clock::time_point(std::chrono::seconds(1800000000))};
  std::vector<std::string> profiles_;
  std::mutex mu_;
  std::string logs_;
  std::unique_ptr<Agent> agent_;
  std::unique_ptr<server::HttpListener> listener_;
  std::thread thread_;
};

TEST_F(AgentHandlerTest, ServesGetSecretValueBodyExactlyAsTheAwsAgent) {
  Start();
  std::string r =
      Get(port(), "/secretsmanager/get?secretId=platform-data/postgres/orders");
  ASSERT_EQ(StatusOf(r), 200) << r;
  EXPECT_EQ(BodyOf(r),
            "{\"ARN\":\"arn:aws:secretsmanager:us-east-1:123456789012:secret:"
            "platform-data/postgres/orders-AbCdEf\",\"Name\":\"platform-data/"
            "postgres/orders\",\"VersionId\":\"v1\",\"SecretString\":\"{"
            "\\\"password\\\":\\\"" +
                std::string(kCanary) +
                "\\\"}\",\"VersionStages\":[\"AWSCURRENT\"],\"CreatedDate\":"
                "\"1569534789.046\"}");
  // Path style, same body.
  std::string p = Get(port(), "/v1/platform-data/postgres/orders");
  EXPECT_EQ(BodyOf(p), BodyOf(r));
  // The second read was a cache hit: one GetSecretValue in all.
  EXPECT_EQ(store_->gets(), 1);
  // The other configured header works too.
  std::string v = Get(port(), "/v1/adhoc/secret",
                      std::string("X-Vault-Token: ") + kToken + "\r\n");
  EXPECT_EQ(StatusOf(v), 200) << v;
}

TEST_F(AgentHandlerTest, BinarySecretsAreBase64) {
  store_->Put("bin/secret", std::string("\x00\x01\xff", 3), true);
  Start();
  std::string r = Get(port(), "/v1/bin/secret");
  ASSERT_EQ(StatusOf(r), 200) << r;
  EXPECT_NE(BodyOf(r).find("\"SecretBinary\":\"AAH/\""), std::string::npos)
      << r;
  EXPECT_EQ(BodyOf(r).find("SecretString"), std::string::npos) << r;
}

TEST_F(AgentHandlerTest, TokenForwardingAndMethodRulesInTheAwsAgentsOrder) {
  Start();
  std::string id = "/secretsmanager/get?secretId=adhoc/secret";
  std::string r = Get(port(), id, "");
  EXPECT_EQ(StatusOf(r), 403);
  EXPECT_EQ(BodyOf(r), "Bad Token");
  r = Get(port(), id, "X-Aws-Parameters-Secrets-Token: wrong\r\n");
  EXPECT_EQ(StatusOf(r), 403);
  r = Get(port(), id,
          std::string("X-Aws-Parameters-Secrets-Token: ") + kToken + "x\r\n");
  EXPECT_EQ(StatusOf(r), 403);
  // Forwarded beats a good token.
  r = Get(port(), id,
          std::string("X-Aws-Parameters-Secrets-Token: ") + kToken +
              "\r\nX-Forwarded-For: 10.0.0.1\r\n");
  EXPECT_EQ(StatusOf(r), 400);
  EXPECT_EQ(BodyOf(r), "Forwarded");
  // The token is checked before the method.
  r = Get(port(), id, "", "POST");
  EXPECT_EQ(StatusOf(r), 403);
  r = Get(port(), id,
          std::string("X-Aws-Parameters-Secrets-Token: ") + kToken + "\r\n",
          "POST");
  EXPECT_EQ(StatusOf(r), 405);
  EXPECT_EQ(BodyOf(r), "Not allowed");
  // /ping needs no token, but still only GET.
  r = Get(port(), "/ping", "");
  EXPECT_EQ(StatusOf(r), 200);
  EXPECT_EQ(BodyOf(r), "healthy");
  EXPECT_EQ(StatusOf(Get(port(), "/ping", "", "PUT")), 405);
  // Unknown paths: 403 without a token, 404 with one.
  EXPECT_EQ(StatusOf(Get(port(), "/nope", "")), 403);
  r = Get(port(), "/nope");
  EXPECT_EQ(StatusOf(r), 404);
  EXPECT_EQ(BodyOf(r), "Not found");
  r = Get(port(), "/secretsmanager/get?secretId=a&bogus=1");
  EXPECT_EQ(StatusOf(r), 400);
  EXPECT_EQ(BodyOf(r), "unknown parameter: bogus");
  EXPECT_EQ(store_->calls(), 0);
  std::lock_guard<std::mutex> l(mu_);
  EXPECT_EQ(logs_.find(kToken), std::string::npos);
}

TEST_F(AgentHandlerTest, UpstreamErrorsKeepTheirTypeAndAwsJson) {
  Start();
  std::string r = Get(port(), "/v1/does/not/exist");
  EXPECT_EQ(StatusOf(r), 400) << r;
  EXPECT_TRUE(BodyOf(r).starts_with(
      "{\"__type\":\"ResourceNotFoundException\", \"message\":\""))
      << r;
  store_->DenyGet("adhoc/secret");
  r = Get(port(), "/v1/adhoc/secret");
  EXPECT_EQ(StatusOf(r), 400);
  EXPECT_NE(BodyOf(r).find("AccessDeniedException"), std::string::npos);
}

TEST_F(AgentHandlerTest, ServesTheLastGoodValueThroughAnOutage) {
  AgentConfig c;
  c.ttl_seconds = 60;
  c.max_staleness_seconds = 3600;
  Start(c);
  ASSERT_EQ(StatusOf(Get(port(), "/v1/adhoc/secret")), 200);
  store_->SetOutage(UnavailableError("connection refused"));
  clock_.Advance(std::chrono::seconds(120));
  EXPECT_EQ(agent_->RunPendingRefreshes(), 1);
  std::string r = Get(port(), "/v1/adhoc/secret");
  EXPECT_EQ(StatusOf(r), 200) << r;
  EXPECT_NE(BodyOf(r).find("plain text"), std::string::npos);
  EXPECT_NE(agent_->Metrics().find("keyward_agent_refresh_failures_total 1"),
            std::string::npos);
  // Past max_staleness the agent stops serving it.
  clock_.Advance(std::chrono::seconds(3600));
  agent_->RunPendingRefreshes();
  r = Get(port(), "/v1/adhoc/secret");
  EXPECT_NE(StatusOf(r), 200) << r;
}

TEST_F(AgentHandlerTest, RefreshNowSeesRotationAndIsRateLimitedPerSecret) {
  AgentConfig c;
  c.refresh_now_min_interval_seconds = 30;
  Start(c);
  ASSERT_NE(BodyOf(Get(port(), "/v1/adhoc/secret")).find("\"v1\""),
            std::string::npos);
  store_->Put("adhoc/secret", "rotated");
  // Cached: still v1.
  EXPECT_NE(BodyOf(Get(port(), "/v1/adhoc/secret")).find("\"v1\""),
            std::string::npos);
  // refreshNow: v2.
  std::string r = Get(port(), "/v1/adhoc/secret?refreshNow=true");
  EXPECT_NE(BodyOf(r).find("\"v2\""), std::string::npos) << r;
  store_->Put("adhoc/secret", "rotated again");
  store_->ResetCounts();
  // A client looping on refreshNow: served from the cache, no upstream call.
  for (int i = 0; i < 20; ++i) {
    r = Get(port(), "/v1/adhoc/secret?refreshNow=1");
    EXPECT_EQ(StatusOf(r), 200);
  }
  EXPECT_EQ(store_->calls(), 0);
  EXPECT_NE(BodyOf(r).find("\"v2\""), std::string::npos);
  clock_.Advance(std::chrono::seconds(31));
  r = Get(port(), "/v1/adhoc/secret?refreshNow=1");
  EXPECT_NE(BodyOf(r).find("\"v3\""), std::string::npos) << r;
  EXPECT_NE(
      agent_->Metrics().find("keyward_agent_refresh_now_limited_total 20"),
      std::string::npos);
}

TEST_F(AgentHandlerTest, PrefetchLoadsTheApplicationsSecretsInBatches) {
  AgentConfig c;
  c.inventory = "inv.yaml";
  c.apps = {"orders"};
  Start(c);
  EXPECT_EQ(StatusOf(Get(port(), "/ping", "")), 503);
  ASSERT_TRUE(agent_->Prefetch().ok());
  EXPECT_TRUE(agent_->ready());
  EXPECT_EQ(BodyOf(Get(port(), "/ping", "")), "healthy");
  EXPECT_EQ(store_->batches(), 1);
  EXPECT_EQ(store_->gets(), 0);
  std::string r = Get(port(), "/v1/platform-config/redis/shared");
  EXPECT_EQ(StatusOf(r), 200);
  EXPECT_EQ(store_->gets(), 0);  // served from the prefetch
}

TEST_F(AgentHandlerTest, PrefetchOfAMissingSecretIsNotReady) {
  AgentConfig c;
  c.inventory = "inv.yaml";
  c.apps = {"orders"};
  store_->Erase("platform-data/postgres/orders");
  Start(c);
  EXPECT_FALSE(agent_->Prefetch().ok());
  EXPECT_FALSE(agent_->ready());
  EXPECT_EQ(StatusOf(Get(port(), "/ping", "")), 503);
}

TEST_F(AgentHandlerTest, PerAppTokensAndInventoryIsolation) {
  char tmpl[] = "/tmp/kw-agent-tokens-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  billing_store_->Put("platform-data/postgres/billing", R"({"password":"b"})");
  billing_store_->Put("platform-config/redis/shared", R"({"host":"redis"})");
  AgentConfig c;
  c.inventory = "inv.yaml";
  c.token_mode = "per-app";
  c.token_dir = dir;
  c.apps = {"orders", "billing"};
  c.applications["billing"].profile = "billing";
  Start(c);
  ASSERT_TRUE(agent_->Prefetch().ok());
  auto read = [](const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "r");
    char buf[128] = {};
    std::size_t n = f ? std::fread(buf, 1, sizeof buf, f) : 0;
    if (f) std::fclose(f);
    std::string s(buf, n);
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  };
  std::string orders = read(dir + "/orders.token");
  std::string billing = read(dir + "/billing.token");
  ASSERT_EQ(orders.size(), 64u);
  ASSERT_EQ(billing.size(), 64u);
  EXPECT_NE(orders, billing);
  struct stat st {};
  ASSERT_EQ(::stat((dir + "/orders.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  auto as = [](const std::string& t) {
    return "X-Aws-Parameters-Secrets-Token: " + t + "\r\n";
  };
  // Each reads its own secrets and the shared one...
  EXPECT_EQ(
      StatusOf(Get(port(), "/v1/platform-data/postgres/orders", as(orders))),
      200);
  EXPECT_EQ(
      StatusOf(Get(port(), "/v1/platform-data/postgres/billing", as(billing))),
      200);
  EXPECT_EQ(
      StatusOf(Get(port(), "/v1/platform-config/redis/shared", as(billing))),
      200);
  // ...by ARN as well...
  EXPECT_EQ(StatusOf(Get(port(),
                         "/secretsmanager/get?secretId=arn:aws:secretsmanager:"
                         "us-east-1:123456789012:secret:platform-data/postgres/"
                         "orders-AbCdEf",
                         as(orders))),
            200);
  store_->ResetCounts();
  billing_store_->ResetCounts();
  // ...and never the other's, nor anything outside the inventory, before
  // Secrets Manager is asked.
  std::string r = Get(port(), "/v1/platform-data/postgres/orders", as(billing));
  EXPECT_EQ(StatusOf(r), 403);
  EXPECT_NE(BodyOf(r).find("AccessDeniedException"), std::string::npos);
  EXPECT_EQ(BodyOf(r).find(kCanary), std::string::npos);
  EXPECT_EQ(StatusOf(Get(port(), "/v1/adhoc/secret", as(orders))), 403);
  EXPECT_EQ(
      StatusOf(Get(port(), "/v1/platform-data/postgres/billing", as(orders))),
      403);
  EXPECT_EQ(store_->calls() + billing_store_->calls(), 0);
  // The environment token means nothing in per-app mode.
  EXPECT_EQ(StatusOf(Get(port(), "/v1/platform-data/postgres/orders")), 403);
  // Two principals: the default profile and "billing".
  EXPECT_NE(std::find(profiles_.begin(), profiles_.end(), "billing"),
            profiles_.end());
  std::string m = Get(port(), "/metrics", as(orders));
  EXPECT_NE(BodyOf(m).find("keyward_agent_denied_by_inventory_total 3"),
            std::string::npos)
      << m;
  Stop();
  std::system(("rm -rf " + dir).c_str());
}

TEST_F(AgentHandlerTest, MetricsNeedTheTokenAndNeverShowValuesOrForeignNames) {
  AgentConfig c;
  c.inventory = "inv.yaml";
  c.apps = {"orders"};
  Start(c);
  ASSERT_TRUE(agent_->Prefetch().ok());
  Get(port(), "/v1/adhoc/secret");
  Get(port(), "/v1/typo/not-there");
  EXPECT_EQ(StatusOf(Get(port(), "/metrics", "")), 403);
  std::string r = Get(port(), "/metrics");
  ASSERT_EQ(StatusOf(r), 200);
  std::string m = BodyOf(r);
  EXPECT_NE(m.find("keyward_agent_ready 1"), std::string::npos) << m;
  EXPECT_NE(m.find("keyward_agent_cache_hits_total"), std::string::npos);
  EXPECT_NE(m.find("keyward_agent_upstream_requests_total{operation="
                   "\"BatchGetSecretValue\"} 1"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("keyward_agent_secret_age_seconds{secret=\"platform-data/"
                   "postgres/orders\"}"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find("adhoc/secret"), std::string::npos) << m;
  EXPECT_EQ(m.find("typo"), std::string::npos) << m;
  EXPECT_EQ(m.find(kCanary), std::string::npos);
  EXPECT_EQ(m.find("plain text"), std::string::npos);
}

TEST(PromTextTest, FamiliesSamplesAndEscapedLabelValues) {
  PromText p;
  p.Single("kw_up", "gauge", "1 when up", 1);
  p.Family("kw_age_seconds", "gauge", "age");
  p.Sample("kw_age_seconds", {{"secret", "a\"b\\c\nd"}, {"app", ""}}, 2.5);
  p.Sample("kw_age_seconds", {{"secret", "s"}, {"app", "orders"}},
           std::uint64_t{7});
  EXPECT_EQ(p.Take(),
            "# HELP kw_up 1 when up\n# TYPE kw_up gauge\nkw_up 1\n"
            "# HELP kw_age_seconds age\n# TYPE kw_age_seconds gauge\n"
            "kw_age_seconds{secret=\"a\\\"b\\\\c\\nd\"} 2.5\n"
            "kw_age_seconds{secret=\"s\",app=\"orders\"} 7\n");
}

TEST_F(AgentHandlerTest, ConnectionsOverTheLimitGet429ButPingStillAnswers) {
  AgentConfig c;
  c.max_conn = 2;
  Start(c);
  // Hold two connections open (no request sent yet).
  std::vector<int> held;
  for (int i = 0; i < 2; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port()));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    held.push_back(fd);
  }
  for (int i = 0; i < 100 && listener_->connections() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::string r = Get(port(), "/v1/adhoc/secret");
  EXPECT_EQ(StatusOf(r), 429) << r;
  EXPECT_EQ(BodyOf(r), "Connection limit exceeded");
  EXPECT_EQ(StatusOf(Get(port(), "/ping", "")), 200);
  for (int fd : held) ::close(fd);
}

TEST_F(AgentHandlerTest, ReloadKeepsTheCacheAndAppliesNewTokens) {
  Start();
  ASSERT_EQ(StatusOf(Get(port(), "/v1/adhoc/secret")), 200);
  store_->ResetCounts();
  env_.Set("AWS_TOKEN", "a-brand-new-token-value-0123456789");
  AgentConfig next;
  next.path_prefix = "/v2/";
  next.ttl_seconds = 10;  // needs a restart: kept, with a warning
  ASSERT_TRUE(agent_->Reload(next).ok());
  EXPECT_EQ(StatusOf(Get(port(), "/v2/adhoc/secret")), 403);
  std::string r = Get(port(), "/v2/adhoc/secret",
                      "X-Aws-Parameters-Secrets-Token: "
                      "a-brand-new-token-value-0123456789\r\n");
  EXPECT_EQ(StatusOf(r), 200) << r;
  EXPECT_EQ(store_->calls(), 0);  // still cached
  std::lock_guard<std::mutex> l(mu_);
  EXPECT_NE(logs_.find("ttl_seconds changed"), std::string::npos) << logs_;
}

}  // namespace
}  // namespace keyward::agent
