// Supervisor with real /bin/sh children and a SecretCache over a fake store:
// exit status (code, 128+signal), environment from secrets, signal
// forwarding, restart with new values on rotation, signal on rotation, and
// SIGKILL after the stop timeout. Rotations are driven with
// RunPendingRefreshes on a FakeClock; only the children run in real time.
#include "agent/supervisor.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "tests/config/fake_store.h"
#include "tests/testing/fakes.h"
#include "tests/testing/peers.h"

namespace keyward::agent {
namespace {

using keyward::testing::FakeClock;
using keyward::testing::FakeStore;
using keyward::testing::TempDir;

constexpr char kOrders[] = "platform-data/postgres/orders";

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Polls `done` until it holds (children run in real time). The deadline is
// a hang guard for a loaded machine, not a speed assertion.
template <typename Pred>
bool WaitUntil(Pred done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Waits until `path` holds `want`. Scripts install their traps BEFORE they
// write what a test waits for, so a signal sent once the content is seen
// always finds the trap in place.
bool WaitForContent(const std::string& path, const std::string& want) {
  return WaitUntil([&] { return Slurp(path) == want; });
}

class SupervisorTest : public ::testing::Test {
 protected:
  // A signal ignored when the test starts (nohup ignores SIGHUP) stays
  // ignored in the /bin/sh children, and a non-interactive shell cannot
  // trap it; the tests need the children to start with the defaults.
  static void SetUpTestSuite() {
    for (int sig : {SIGHUP, SIGTERM, SIGUSR1, SIGUSR2}) ::signal(sig, SIG_DFL);
    ASSERT_TRUE(Supervisor::BlockSignals().ok());
  }

  // A supervised run. A test that stops early (a failed ASSERT) leaves the
  // child running; the destructor shuts it down so that a failure cannot
  // turn into a hang.
  struct Running {
    std::future<StatusOr<int>> result;
    Supervisor* supervisor = nullptr;
    ~Running() {
      if (result.valid() && result.wait_for(std::chrono::seconds(0)) !=
                                std::future_status::ready) {
        supervisor->Shutdown();
        result.wait();
      }
    }
  };

  SupervisorTest() : store_(std::make_shared<FakeStore>()) {
    SecretCacheOptions o;
    o.client = store_;
    o.runtime.clock = &clock_;
    o.background_refresh = false;
    o.ttl = std::chrono::seconds(60);
    o.refresh_ahead = std::chrono::seconds(0);
    o.ttl_jitter = 0;
    o.log = [](SecretCacheOptions::LogLevel, std::string_view) {};
    cache_ = std::move(*SecretCache::Create(o));
    store_->Put(kOrders, R"({"password":"one"})");
    options_.base_env = {"PATH=/usr/bin:/bin", "DB_PASSWORD=inherited"};
    options_.secrets = {{"DB_PASSWORD", {kOrders, "password"}}};
    options_.log = [this](SecretCacheOptions::LogLevel, std::string_view m) {
      std::lock_guard<std::mutex> l(log_mu_);
      log_ += std::string(m) + "\n";
    };
  }
  // Runs `script` under /bin/sh -c, supervised, on another thread.
  Running Start(const std::string& script) {
    options_.argv = {"/bin/sh", "-c", script};
    auto sup = Supervisor::Create(cache_.get(), options_);
    EXPECT_TRUE(sup.ok()) << sup.status();
    supervisor_ = std::move(*sup);
    Supervisor* s = supervisor_.get();
    return Running{std::async(std::launch::async, [s] { return s->Run(); }), s};
  }
  int Finish(Running& f) {
    if (f.result.wait_for(std::chrono::seconds(20)) !=
        std::future_status::ready) {
      supervisor_->Shutdown();
      ADD_FAILURE() << "the supervisor did not return; log:\n" << Log();
    }
    StatusOr<int> r = f.result.get();
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : -1;
  }
  void Rotate(const std::string& value) {
    store_->Put(kOrders, value);
    clock_.Advance(std::chrono::seconds(61));
    cache_->RunPendingRefreshes();
  }
  std::string Log() {
    std::lock_guard<std::mutex> l(log_mu_);
    return log_;
  }

  TempDir dir_;
  FakeClock clock_;
  std::shared_ptr<FakeStore> store_;
  std::unique_ptr<SecretCache> cache_;
  SupervisorOptions options_;
  std::unique_ptr<Supervisor> supervisor_;
  std::mutex log_mu_;
  std::string log_;
};

TEST_F(SupervisorTest, ParsesChangeActions) {
  EXPECT_EQ(*ParseChangeAction("restart"),
            (ChangeAction{ChangeAction::Kind::kRestart, SIGHUP}));
  EXPECT_EQ(*ParseChangeAction("signal:HUP"),
            (ChangeAction{ChangeAction::Kind::kSignal, SIGHUP}));
  EXPECT_EQ(*ParseChangeAction("signal:SIGUSR1"),
            (ChangeAction{ChangeAction::Kind::kSignal, SIGUSR1}));
  EXPECT_EQ(ParseChangeAction("signal:").status().message(),
            "'signal:' is not an action: use restart or signal:NAME (e.g. "
            "signal:HUP)");
  EXPECT_FALSE(ParseChangeAction("reload").ok());
}

TEST_F(SupervisorTest, RejectsBadOptions) {
  options_.argv = {};
  EXPECT_FALSE(Supervisor::Create(cache_.get(), options_).ok());
  options_.argv = {"/bin/true"};
  options_.secrets.push_back({"DB_PASSWORD", {kOrders, "password"}});
  EXPECT_EQ(Supervisor::Create(cache_.get(), options_).status().message(),
            "variable DB_PASSWORD is bound twice");
  options_.secrets = {{"1X", {kOrders, "password"}}};
  EXPECT_FALSE(Supervisor::Create(cache_.get(), options_).ok());
}

TEST_F(SupervisorTest, ExitsWithTheChildsCodeAndSecretEnvironment) {
  auto f = Start("test \"$DB_PASSWORD\" = one && test -n \"$PATH\" && exit 7");
  EXPECT_EQ(Finish(f), 7);
}

// Like plain exec: an ignored signal stays ignored in the child (nohup),
// a default one stays default.
TEST_F(SupervisorTest, ChildInheritsIgnoredSignalsLikeExec) {
  std::string out = dir_.File("sigign");
  auto ignored_pipe = [&] {
    std::istringstream in(Slurp(out));
    std::string key;
    unsigned long long mask = 0;
    in >> key >> std::hex >> mask;
    return (mask >> (SIGPIPE - 1)) & 1;
  };
  auto script = "grep SigIgn /proc/$$/status > " + out;
  auto f = Start(script);
  EXPECT_EQ(Finish(f), 0);
  EXPECT_EQ(ignored_pipe(), 0u) << Slurp(out);
  ::signal(SIGPIPE, SIG_IGN);
  auto g = Start(script);
  EXPECT_EQ(Finish(g), 0);
  ::signal(SIGPIPE, SIG_DFL);
  EXPECT_EQ(ignored_pipe(), 1u) << Slurp(out);
}

TEST_F(SupervisorTest, KilledChildGives128PlusSignal) {
  auto f = Start("kill -USR1 $$; sleep 5");
  EXPECT_EQ(Finish(f), 128 + SIGUSR1);
}

TEST_F(SupervisorTest, MissingProgramGives127) {
  options_.argv = {"/nonexistent/kw-prog"};
  auto sup = Supervisor::Create(cache_.get(), options_);
  ASSERT_TRUE(sup.ok());
  auto r = (*sup)->Run();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 127);
  EXPECT_NE(Log().find("cannot run '/nonexistent/kw-prog'"), std::string::npos);
}

TEST_F(SupervisorTest, MissingPropertyFailsBeforeStarting) {
  options_.secrets = {{"DB_USER", {kOrders, "username"}}};
  options_.argv = {"/bin/true"};
  auto sup = Supervisor::Create(cache_.get(), options_);
  ASSERT_TRUE(sup.ok());
  auto r = (*sup)->Run();
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound) << r.status();
}

TEST_F(SupervisorTest, ForwardsSignalsToTheChild) {
  std::string ready = dir_.File("ready");
  auto f =
      Start("trap 'exit 42' USR2; trap 'echo hup >> " + ready +
            "' HUP; echo up > " + ready + "; while :; do sleep 0.02; done");
  ASSERT_TRUE(WaitForContent(ready, "up\n")) << Log();
  ::kill(::getpid(), SIGHUP);
  ASSERT_TRUE(WaitForContent(ready, "up\nhup\n")) << Log();
  ::kill(::getpid(), SIGUSR2);
  EXPECT_EQ(Finish(f), 42);
  EXPECT_NE(Log().find("forwarded SIGUSR2 to pid"), std::string::npos);
}

TEST_F(SupervisorTest, RestartsWithNewValuesOnRotation) {
  std::string out = dir_.File("seen");
  auto f = Start("trap 'exit 0' TERM; echo \"$DB_PASSWORD\" >> " + out +
                 "; while :; do sleep 0.02; done");
  ASSERT_TRUE(WaitForContent(out, "one\n")) << Log();
  Rotate(R"({"password":"two"})");
  ASSERT_TRUE(WaitForContent(out, "one\ntwo\n")) << Log();
  Rotate(R"({"password":"three"})");
  ASSERT_TRUE(WaitForContent(out, "one\ntwo\nthree\n")) << Log();
  supervisor_->Shutdown();
  EXPECT_EQ(Finish(f), 0);
  EXPECT_NE(Log().find("restarted '/bin/sh'"), std::string::npos);
  EXPECT_EQ(Log().find("three"), std::string::npos);  // never a value
}

TEST_F(SupervisorTest, UnrelatedRotationLeavesTheChildAlone) {
  store_->Put("platform-data/stripe/orders", "sk_1");
  ASSERT_TRUE(cache_->Get("platform-data/stripe/orders").ok());
  std::string out = dir_.File("seen");
  auto f = Start("trap 'exit 3' TERM; echo \"$DB_PASSWORD\" >> " + out +
                 "; while :; do sleep 0.02; done");
  ASSERT_TRUE(WaitForContent(out, "one\n"));
  store_->Put("platform-data/stripe/orders", "sk_2");
  clock_.Advance(std::chrono::seconds(61));
  cache_->RunPendingRefreshes();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(Slurp(out), "one\n");
  supervisor_->Shutdown();
  EXPECT_EQ(Finish(f), 3);
}

TEST_F(SupervisorTest, UnreadableNewValuesKeepTheChildRunning) {
  std::string out = dir_.File("seen");
  auto f = Start("trap 'exit 9' TERM; echo \"$DB_PASSWORD\" >> " + out +
                 "; while :; do sleep 0.02; done");
  ASSERT_TRUE(WaitForContent(out, "one\n"));
  Rotate(R"({"user":"no password"})");
  WaitUntil([&] { return Log().find("keeps running") != std::string::npos; });
  EXPECT_NE(Log().find("exec: a secret changed but the new values cannot be "
                       "read; '/bin/sh' keeps running"),
            std::string::npos)
      << Log();
  EXPECT_EQ(Slurp(out), "one\n");
  Rotate(R"({"password":"two"})");  // fixed: now it restarts
  ASSERT_TRUE(WaitForContent(out, "one\ntwo\n")) << Log();
  supervisor_->Shutdown();
  EXPECT_EQ(Finish(f), 9);
}

TEST_F(SupervisorTest, SignalsInsteadOfRestartingWhenConfigured) {
  options_.on_change = {ChangeAction::Kind::kSignal, SIGUSR1};
  std::string out = dir_.File("seen");
  auto f = Start("trap 'echo usr1 >> " + out +
                 "' USR1; trap 'exit 5' TERM; echo start >> " + out +
                 "; while :; do sleep 0.02; done");
  ASSERT_TRUE(WaitForContent(out, "start\n"));
  Rotate(R"({"password":"two"})");
  ASSERT_TRUE(WaitForContent(out, "start\nusr1\n")) << Log();
  supervisor_->Shutdown();
  EXPECT_EQ(Finish(f), 5);
}

TEST_F(SupervisorTest, KillsAChildThatIgnoresTheStopSignal) {
  options_.stop_signal = SIGUSR2;
  options_.stop_timeout = std::chrono::milliseconds(200);
  std::string out = dir_.File("seen");
  auto f = Start("trap '' USR2; echo up > " + out +
                 "; while :; do sleep 0.02; done");
  ASSERT_TRUE(WaitForContent(out, "up\n"));
  supervisor_->Shutdown();
  EXPECT_EQ(Finish(f), 128 + SIGKILL);
  EXPECT_NE(Log().find("did not exit within 200 ms; sent SIGKILL"),
            std::string::npos);
}

}  // namespace
}  // namespace keyward::agent
