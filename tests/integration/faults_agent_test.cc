// Fault scenario for keyward agent: the built `keyward agent` reads from
// `keyward server` through tests/faults/faultproxy.py, which injects one
// fault at a time into its background refreshes. What docs/agent.md
// promises, checked on the wire with curl:
//   - a cached secret keeps being served (200, the same body) through every
//     transient fault while it is younger than max_staleness_seconds, and
//     /ping stays "healthy"; an expired token is not transient: the value is
//     served until its ttl runs out, then reads get 400 ExpiredTokenException;
//   - a secret never read before gets the documented error: the upstream's
//     type and status (400 ThrottlingException, 500 InternalFailure, ...),
//     502 ConnectionError for network failures, 504 TimeoutError;
//   - past max staleness the read fails (502 ConnectionError) and it serves
//     again within a few refresh periods once the fault clears;
//   - with --inventory/--app prefetch, /ping answers 503 "not ready" while
//     the upstream is down at start and "healthy" once it is back.
// The agent runs in real time (ttl 1 s), so each fault is observed through
// the agent's own refresh-failure counter, not by sleeping.
//
// Each scenario prints its figures as "[ figures  ] ..." lines.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/faults/fault_proxy.h"
#include "tests/integration/agent_fixture.h"

namespace keyward::testing {
namespace {

using Steady = std::chrono::steady_clock;

constexpr char kToken[] = "agent-faults-token-0123456789abcdef";
constexpr char kCached[] = "platform-data/postgres/orders";
constexpr char kCanary[] = "CANARY-agent-f4u1t-9d2b";

struct Reply {
  std::string body;
  int code = 0;
  double ms = 0;
};

double MsSince(Steady::time_point t0) {
  return std::chrono::duration<double, std::milli>(Steady::now() - t0).count();
}

// Polls `done` every 50 ms; false after `limit` (a hang guard, not a speed
// assertion: the machine may be loaded).
bool WaitUntil(const std::function<bool()>& done,
               std::chrono::seconds limit = std::chrono::seconds(60)) {
  auto deadline = Steady::now() + limit;
  while (!done()) {
    if (Steady::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

class FaultsAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KW_REQUIRE_PEER("curl");
    KW_REQUIRE_PEER("python3");
    auto s = KeywardServer::Start(dir_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
    auto client = server_->Client();
    for (const char* name : {kCached, "platform-data/never/read"}) {
      secrets::CreateSecretRequest c;
      c.name = name;
      c.payload.string =
          SecretValue(std::string(R"({"password":")") + kCanary + "\"}");
      ASSERT_TRUE(client->CreateSecret(c).ok());
    }
    auto p = FaultProxy::Start(server_->endpoint(), dir_);
    ASSERT_TRUE(p.ok()) << p.status();
    proxy_ = std::move(*p);
    dir_.Write("token", std::string(kToken) + "\n");
    dir_.Write("inventory.yaml", std::string(R"(version: 1
applications:
  orders:
    description: Orders service
secrets:
  - name: )") + kCached + R"(
    description: Orders DB login
    consumers: [orders]
    properties: [password]
    rotation: {status: none}
)");
  }
  void TearDown() override {
    if (agent_ != nullptr) {
      EXPECT_EQ(agent_->log().find(kCanary), std::string::npos)
          << "a value reached the agent's log";
    }
  }

  std::map<std::string, std::string> AgentEnv() const {
    return {{"AWS_TOKEN", "file://" + dir_.File("token")},
            {"AWS_ENDPOINT_URL", proxy_->endpoint()}};
  }
  void StartAgent(std::vector<std::string> flags) {
    auto a = KeywardAgent::Start(dir_, *server_, std::move(flags), AgentEnv());
    ASSERT_TRUE(a.ok()) << a.status();
    agent_ = std::move(*a);
  }

  Reply Get(const std::string& target, bool token = true) {
    std::vector<std::string> argv = {"curl", "-s", "-m",
                                     "120",  "-w", "\n%{http_code}"};
    if (token) {
      argv.push_back("-H");
      argv.push_back(std::string("X-Aws-Parameters-Secrets-Token: ") + kToken);
    }
    argv.push_back("http://127.0.0.1:" + std::to_string(port_) + target);
    auto t0 = Steady::now();
    CommandResult r = RunCommand(argv);
    Reply out;
    out.ms = MsSince(t0);
    auto nl = r.out.rfind('\n');
    if (nl == std::string::npos) return out;
    out.body = r.out.substr(0, nl);
    out.code = std::atoi(r.out.c_str() + nl + 1);
    return out;
  }
  Reply Read(const std::string& secret) { return Get("/v1/" + secret); }

  // A counter from /metrics (keyward_agent_refresh_failures_total, ...).
  long Counter(const std::string& name) {
    std::string m = Get("/metrics").body;
    const std::string key = "\n" + name + " ";
    auto p = m.find(key);
    return p == std::string::npos ? -1 : std::atol(m.c_str() + p + key.size());
  }
  long RefreshFailures() {
    return Counter("keyward_agent_refresh_failures_total");
  }
  // Clears the fault and waits for a successful refresh, which also resets
  // the cache's backoff, so that each fault starts from a healthy agent.
  void Heal() {
    ASSERT_TRUE(proxy_->Pass().ok());
    long ok = Counter("keyward_agent_refreshes_total");
    ASSERT_TRUE(WaitUntil([&] {
      return Counter("keyward_agent_refreshes_total") > ok;
    })) << agent_->log();
  }

  TempDir dir_;
  std::unique_ptr<KeywardServer> server_;
  std::unique_ptr<FaultProxy> proxy_;
  std::unique_ptr<KeywardAgent> agent_;
  int port_ = 0;
};

std::string ErrorType(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  return j.is_object() ? j.value("__type", "") : "";
}

struct FaultCase {
  const char* fault;
  // What a secret that was never cached gets while the fault lasts; 0 when
  // not checked (the slow faults: the client's own timeouts and retries
  // would take minutes).
  int never_read_code;
  const char* never_read_type;
  // An expired token is not transient: the cache serves the value until its
  // ttl runs out (1 s here), then the read gets the upstream's error.
  bool cached_served = true;
};

TEST_F(FaultsAgentTest, ServesCachedValuesThroughEveryFault) {
  StartAgent({"--ttl-seconds", "1", "--max-staleness-seconds", "3600",
              "--log-level", "debug"});
  port_ = agent_->port();
  Reply first = Read(kCached);
  ASSERT_EQ(first.code, 200) << first.body;
  const std::vector<FaultCase> cases = {
      {R"({"mode": "refuse"})", 502, "ConnectionError"},
      {R"({"mode": "reset_before_response"})", 502, "ConnectionError"},
      {R"({"mode": "reset_mid_response"})", 502, "ConnectionError"},
      {R"({"mode": "truncate"})", 502, "ConnectionError"},
      {R"({"mode": "status", "code": 500})", 500, "InternalFailure"},
      {R"({"mode": "status", "code": 503})", 503, "ServiceUnavailable"},
      {R"({"mode": "throttle"})", 400, "ThrottlingException"},
      {R"({"mode": "expired_token"})", 400, "ExpiredTokenException", false},
      {R"({"mode": "latency", "ms": 3000})", 0, ""},
      {R"({"mode": "drip", "bytes": 8, "ms": 100})", 0, ""},
      {R"({"mode": "blackhole"})", 0, ""},
  };
  for (const FaultCase& c : cases) {
    SCOPED_TRACE(c.fault);
    Heal();
    ASSERT_TRUE(proxy_->Set(c.fault).ok());
    proxy_->ResetStats();
    long before = RefreshFailures();
    // The slow faults do not fail fast: there it is enough that a refresh
    // reached the proxy (and is stuck in it).
    bool slow = c.never_read_code == 0;
    bool seen = WaitUntil([&] {
      return slow ? proxy_->GetStats().requests > 0
                  : RefreshFailures() > before;
    });
    EXPECT_TRUE(seen) << "no refresh met the fault; log:\n" << agent_->log();
    double worst_ms = 0;
    int ok = 0;
    for (int i = 0; i < 5; ++i) {
      Reply r = Read(kCached);
      worst_ms = std::max(worst_ms, r.ms);
      if (c.cached_served ? r.code == 200 && r.body == first.body
                          : r.code == c.never_read_code &&
                                ErrorType(r.body) == c.never_read_type)
        ++ok;
    }
    EXPECT_EQ(ok, 5) << "cached reads not as documented under the fault";
    Reply ping = Get("/ping", /*token=*/false);
    EXPECT_EQ(ping.code, 200);
    EXPECT_EQ(ping.body, "healthy");
    Reply never;
    if (!slow) {
      never = Read("platform-data/never/read");
      EXPECT_EQ(never.code, c.never_read_code) << never.body;
      EXPECT_EQ(ErrorType(never.body), c.never_read_type) << never.body;
      EXPECT_EQ(never.body.find(kCanary), std::string::npos);
    }
    std::printf(
        "[ figures  ] agent under %s: 5 cached reads -> %d %s, worst %.0f "
        "ms; /ping %d; uncached read -> %s; proxy saw %d requests\n",
        c.fault, ok,
        c.cached_served ? "served" : "upstream errors (ttl ran out)", worst_ms,
        ping.code,
        slow ? "not checked (slow fault)"
             : (std::to_string(never.code) + " " + ErrorType(never.body))
                   .c_str(),
        proxy_->GetStats().requests);
  }
  // Cleared: refreshes succeed and uncached secrets are read again.
  long failures = RefreshFailures();
  Heal();
  EXPECT_EQ(Read("platform-data/never/read").code, 200);
  EXPECT_EQ(Read(kCached).body, first.body);
  std::printf("[ figures  ] agent: %ld failed refreshes over %zu faults\n",
              failures, cases.size());
}

TEST_F(FaultsAgentTest, ErrorsPastMaxStalenessThenRecovers) {
  StartAgent({"--ttl-seconds", "1", "--max-staleness-seconds", "3"});
  port_ = agent_->port();
  Reply first = Read(kCached);
  ASSERT_EQ(first.code, 200) << first.body;
  ASSERT_TRUE(proxy_->Set(R"({"mode": "refuse"})").ok());
  auto outage = Steady::now();
  int served = 0;
  Reply r;
  ASSERT_TRUE(WaitUntil([&] {
    r = Read(kCached);
    if (r.code == 200) ++served;
    return r.code != 200;
  })) << agent_->log();
  double failed_after = MsSince(outage) / 1000.0;
  // The value was fetched at most one ttl before the outage began, and is
  // served until it is 3 s old.
  EXPECT_GE(failed_after, 3.0 - 1.0 - 0.5);
  EXPECT_EQ(r.code, 502) << r.body;
  EXPECT_EQ(ErrorType(r.body), "ConnectionError") << r.body;
  EXPECT_EQ(Get("/ping", false).body, "healthy");
  ASSERT_TRUE(proxy_->Pass().ok());
  auto cleared = Steady::now();
  ASSERT_TRUE(WaitUntil([&] { return Read(kCached).code == 200; }))
      << agent_->log();
  double recovered_after = MsSince(cleared) / 1000.0;
  EXPECT_EQ(Read(kCached).body, first.body);
  std::printf(
      "[ figures  ] agent, max staleness 3 s, upstream refused: %d reads "
      "served, first error after %.1f s (502 ConnectionError); served again "
      "%.1f s after the fault cleared\n",
      served, failed_after, recovered_after);
}

TEST_F(FaultsAgentTest, PingIsNotReadyUntilThePrefetchLoads) {
  ASSERT_TRUE(proxy_->Set(R"({"mode": "status", "code": 503})").ok());
  port_ = FreeLoopbackPort();
  std::map<std::string, std::string> env = AgentEnv();
  env.emplace("AWS_REGION", "us-east-1");
  env.emplace("AWS_SHARED_CREDENTIALS_FILE", server_->credentials_file());
  env.emplace("AWS_CONFIG_FILE", "/dev/null");
  env.emplace("AWS_PROFILE", "keyward-local");
  auto process =
      Subprocess::Start({KeywardBinary(), "agent", "--listen",
                         "127.0.0.1:" + std::to_string(port_), "--inventory",
                         dir_.File("inventory.yaml"), "--app", "orders"},
                        env, dir_.File("agent-prefetch.log"));
  ASSERT_TRUE(process.ok()) << process.status();
  Reply ping;
  ASSERT_TRUE(WaitUntil([&] {
    ping = Get("/ping", false);
    return ping.code != 0;
  })) << Slurp(dir_.File("agent-prefetch.log"));
  EXPECT_EQ(ping.code, 503);
  EXPECT_EQ(ping.body, "not ready");
  ASSERT_TRUE(WaitUntil([&] { return proxy_->GetStats().faulted > 0; }));
  EXPECT_EQ(Get("/ping", false).code, 503);
  ASSERT_TRUE(proxy_->Pass().ok());
  auto cleared = Steady::now();
  EXPECT_TRUE(WaitUntil([&] { return Get("/ping", false).body == "healthy"; }))
      << Slurp(dir_.File("agent-prefetch.log"));
  EXPECT_EQ(Read(kCached).code, 200);
  std::printf(
      "[ figures  ] agent prefetch against a 503 upstream: /ping 503 not ready "
      "(%d upstream requests), healthy %.1f s after the fault cleared\n",
      proxy_->GetStats().requests, MsSince(cleared) / 1000.0);
  EXPECT_EQ(Slurp(dir_.File("agent-prefetch.log")).find(kCanary),
            std::string::npos);
}

}  // namespace
}  // namespace keyward::testing
