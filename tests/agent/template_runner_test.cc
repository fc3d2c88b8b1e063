// TemplateRunner over a SecretCache with a fake store and clock: renders at
// start, re-renders only when a used secret changes, keeps the previous file
// on errors (and retries), runs commands and signals, writes atomically with
// the declared mode, and a reader looping on the file during re-renders
// never sees a partial file. Files are real (a temporary folder).
#include "agent/template_runner.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/config/fake_store.h"
#include "tests/testing/fake_process_runner.h"
#include "tests/testing/fakes.h"
#include "tests/testing/peers.h"

namespace keyward::agent {
namespace {

using keyward::testing::FakeClock;
using keyward::testing::FakeProcessRunner;
using keyward::testing::FakeStore;
using keyward::testing::TempDir;

constexpr char kOrders[] = "platform-data/postgres/orders";
constexpr char kStripe[] = "platform-data/stripe/orders";
constexpr char kCanary[] = "CANARY-7d1e";

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

unsigned ModeOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

class TemplateRunnerTest : public ::testing::Test {
 protected:
  TemplateRunnerTest() : store_(std::make_shared<FakeStore>()) {
    SecretCacheOptions o;
    o.client = store_;
    o.runtime.clock = &clock_;
    o.background_refresh = false;
    o.ttl = std::chrono::seconds(60);
    o.refresh_ahead = std::chrono::seconds(0);
    o.ttl_jitter = 0;
    o.log = [](SecretCacheOptions::LogLevel, std::string_view) {};
    cache_ = std::move(*SecretCache::Create(o));
    options_.runtime.process = &runner_;
    options_.runtime.clock = &clock_;
    options_.background = false;
    options_.kill = [this](int pid, int sig) {
      kills_.emplace_back(pid, sig);
      return 0;
    };
    options_.log = [this](TemplateRunner::LogLevel, std::string_view m) {
      std::lock_guard<std::mutex> l(log_mu_);
      log_ += std::string(m) + "\n";
    };
  }
  std::string Path(const std::string& name) { return dir_.File(name); }
  TemplateSpec DotenvSpec() {
    TemplateSpec s;
    s.origin = "agent.yaml:3:5";
    s.destination = Path("db.env");
    s.format = TemplateFormat::kDotenv;
    s.values = {{"DB_PASSWORD", {kOrders, "password"}}};
    s.mode = 0640;
    s.command = {"systemctl", "reload", "orders"};
    return s;
  }
  std::unique_ptr<TemplateRunner> NewRunner(std::vector<TemplateSpec> specs) {
    auto r = TemplateRunner::Create(cache_.get(), std::move(specs), options_);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? std::move(*r) : nullptr;
  }
  // Moves time past the TTL and lets the cache notice new versions.
  void RefreshCache() {
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
  FakeProcessRunner runner_;
  TemplateRunner::Options options_;
  std::vector<std::pair<int, int>> kills_;
  std::mutex log_mu_;
  std::string log_;
};

TEST_F(TemplateRunnerTest, RendersAtStartThenOnlyWhenAUsedSecretChanges) {
  store_->Put(kOrders, R"({"password":"one"})");
  store_->Put(kStripe, "sk_1");
  auto runner = NewRunner({DotenvSpec()});
  runner_.Push("");
  ASSERT_TRUE(runner->Start().ok());
  const std::string file = Path("db.env");
  EXPECT_NE(Slurp(file).find("DB_PASSWORD='one'\n"), std::string::npos);
  EXPECT_EQ(ModeOf(file), 0640u);
  ASSERT_EQ(runner_.requests().size(), 1u);
  EXPECT_EQ(runner_.requests()[0].argv,
            (std::vector<std::string>{"systemctl", "reload", "orders"}));
  EXPECT_EQ(runner_.requests()[0].timeout, std::chrono::seconds(30));

  cache_->Get(kStripe).status().IgnoreError();
  RefreshCache();  // nothing rotated
  EXPECT_EQ(runner->RunPending(), 0);
  store_->Put(kStripe, "sk_2");  // a secret the template does not use
  RefreshCache();
  EXPECT_EQ(runner->RunPending(), 0);

  store_->Put(kOrders, R"({"password":"two"})");
  RefreshCache();
  runner_.Push("");
  EXPECT_EQ(runner->RunPending(), 1);
  EXPECT_NE(Slurp(file).find("DB_PASSWORD='two'\n"), std::string::npos);
  EXPECT_EQ(runner_.requests().size(), 2u);
  auto st = runner->States();
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0].writes, 2u);
  EXPECT_EQ(st[0].failures, 0u);
  EXPECT_EQ(st[0].secrets, std::vector<std::string>{kOrders});
  EXPECT_EQ(st[0].last_write, clock_.Now());
}

TEST_F(TemplateRunnerTest, RenderErrorKeepsThePreviousFileAndRetries) {
  store_->Put(kOrders, std::string(R"({"password":")") + kCanary + "\"}");
  auto runner = NewRunner({DotenvSpec()});
  runner_.Push("");
  ASSERT_TRUE(runner->Start().ok());
  const std::string before = Slurp(Path("db.env"));
  ASSERT_NE(before.find(kCanary), std::string::npos);

  store_->Put(kOrders, R"({"user":"x"})");  // the property is gone
  RefreshCache();
  EXPECT_EQ(runner->RunPending(), 1);
  EXPECT_EQ(Slurp(Path("db.env")), before);
  auto st = runner->States();
  EXPECT_EQ(st[0].failures, 1u);
  EXPECT_EQ(st[0].last_error.code(), StatusCode::kNotFound);
  EXPECT_NE(st[0].last_error.message().find("agent.yaml:3:5: DB_PASSWORD"),
            std::string::npos)
      << st[0].last_error;
  EXPECT_EQ(runner_.requests().size(), 1u);  // no command after a failure
  EXPECT_NE(Log().find("not rendered, the previous file stays"),
            std::string::npos);

  // Retried after retry_interval (still failing: counted again).
  EXPECT_EQ(runner->RunPending(), 0);
  clock_.Advance(options_.retry_interval);
  EXPECT_EQ(runner->RunPending(), 1);
  EXPECT_EQ(runner->States()[0].failures, 2u);

  store_->Put(kOrders, R"({"password":"fixed"})");
  RefreshCache();
  runner_.Push("");
  EXPECT_EQ(runner->RunPending(), 1);
  EXPECT_NE(Slurp(Path("db.env")).find("'fixed'"), std::string::npos);
  EXPECT_TRUE(runner->States()[0].last_error.ok());
  EXPECT_EQ(Log().find(kCanary), std::string::npos);
  for (const auto& s : runner->States())
    EXPECT_EQ(s.last_error.ToString().find(kCanary), std::string::npos);
}

TEST_F(TemplateRunnerTest, StartReportsAMissingSecretAndWritesNothing) {
  auto runner = NewRunner({DotenvSpec()});
  Status s = runner->Start();
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s;
  EXPECT_FALSE(std::filesystem::exists(Path("db.env")));
  // Once the secret exists, the retry renders it.
  store_->Put(kOrders, R"({"password":"late"})");
  clock_.Advance(options_.retry_interval);
  runner_.Push("");
  EXPECT_EQ(runner->RunPending(), 1);
  EXPECT_NE(Slurp(Path("db.env")).find("'late'"), std::string::npos);
}

TEST_F(TemplateRunnerTest, AnIdenticalFileFromAnEarlierRunIsKept) {
  store_->Put(kOrders, R"({"password":"one"})");
  {
    auto first = NewRunner({DotenvSpec()});
    runner_.Push("");
    ASSERT_TRUE(first->Start().ok());
  }
  auto second = NewRunner({DotenvSpec()});
  ASSERT_TRUE(second->Start().ok());
  EXPECT_EQ(runner_.requests().size(), 1u);  // no reload for the same file
  EXPECT_EQ(second->States()[0].writes, 0u);
  EXPECT_EQ(second->States()[0].unchanged, 1u);
}

TEST_F(TemplateRunnerTest, SignalsThePidInThePidFile) {
  store_->Put(kOrders, R"({"password":"one"})");
  TemplateSpec spec = DotenvSpec();
  spec.command.clear();
  spec.pid_file = Path("app.pid");
  spec.signal = SIGHUP;
  std::ofstream(spec.pid_file) << "4242\n";
  auto runner = NewRunner({spec});
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_EQ(kills_.size(), 1u);
  EXPECT_EQ(kills_[0], std::make_pair(4242, SIGHUP));

  std::ofstream(spec.pid_file) << "1\n";  // never init / a process group
  store_->Put(kOrders, R"({"password":"two"})");
  RefreshCache();
  EXPECT_EQ(runner->RunPending(), 1);
  EXPECT_EQ(kills_.size(), 1u);
  EXPECT_EQ(runner->States()[0].command_failures, 1u);
  EXPECT_NE(Log().find("rendered, but no SIGHUP sent: " + spec.pid_file +
                       " does not hold a process id"),
            std::string::npos)
      << Log();
}

TEST_F(TemplateRunnerTest, FailingCommandIsReportedNotRetried) {
  store_->Put(kOrders, R"({"password":"one"})");
  auto runner = NewRunner({DotenvSpec()});
  runner_.Push("", 3, "stderr may echo " + std::string(kCanary));
  ASSERT_TRUE(runner->Start().ok());
  EXPECT_EQ(runner->States()[0].command_failures, 1u);
  EXPECT_TRUE(runner->States()[0].last_error.ok());
  EXPECT_NE(Log().find("command 'systemctl' exited with 3"), std::string::npos);
  EXPECT_EQ(Log().find(kCanary), std::string::npos);
  clock_.Advance(std::chrono::minutes(5));
  EXPECT_EQ(runner->RunPending(), 0);
}

TEST_F(TemplateRunnerTest, WriteErrorsKeepTheFile) {
  store_->Put(kOrders, R"({"password":"one"})");
  TemplateSpec spec = DotenvSpec();
  spec.destination = Path("missing-dir/db.env");
  spec.command.clear();
  auto runner = NewRunner({spec});
  Status s = runner->Start();
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s;
  EXPECT_NE(s.message().find("missing-dir"), std::string::npos);
}

TEST_F(TemplateRunnerTest, RejectsTwoTemplatesForOneFile) {
  auto r = TemplateRunner::Create(cache_.get(), {DotenvSpec(), DotenvSpec()},
                                  options_);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(AtomicFileTest, SetsOwnerAndGroupWhenRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "chown needs root";
  TempDir dir;
  std::string path = dir.File("owned.txt");
  ASSERT_TRUE(WriteFileAtomically(path, "x", {0640, "65534", "65534"}).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 65534u);
  EXPECT_EQ(st.st_gid, 65534u);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  ASSERT_TRUE(WriteFileAtomically(path, "y", {0600, "root", "root"}).ok());
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_gid, 0u);
}

TEST(AtomicFileTest, WritesModeExactlyAndLeavesNoTemporaryFile) {
  TempDir dir;
  std::string path = dir.File("out.txt");
  mode_t old = ::umask(077);
  ASSERT_TRUE(WriteFileAtomically(path, "hello", {0644, "", ""}).ok());
  ::umask(old);
  EXPECT_EQ(Slurp(path), "hello");
  EXPECT_EQ(ModeOf(path), 0644u);
  ASSERT_TRUE(WriteFileAtomically(path, "bye", {0600, "", ""}).ok());
  EXPECT_EQ(Slurp(path), "bye");
  EXPECT_EQ(ModeOf(path), 0600u);
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
  Status s = WriteFileAtomically(path, "x", {0600, "no-such-user-kw", ""});
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(Slurp(path), "bye");
}

// A reader looping on the file while the worker re-renders it many times
// sees only complete versions: every read is "BEGIN <one letter repeated>
// END", never a mix or a truncated file.
TEST_F(TemplateRunnerTest, ConcurrentReaderNeverSeesAPartialFile) {
  constexpr std::size_t kSize = 256 * 1024;
  auto value = [&](char c) {
    return std::string(R"({"blob":")") + std::string(kSize, c) + "\"}";
  };
  store_->Put(kOrders, value('a'));
  TemplateSpec spec;
  spec.origin = "agent.yaml:1:1";
  spec.destination = Path("big.txt");
  spec.text =
      "BEGIN\n{{ secret \"platform-data/postgres/orders\" \"blob\" }}\nEND\n";
  spec.text_origin = "inline";
  options_.background = true;
  auto runner = NewRunner({spec});
  ASSERT_TRUE(runner->Start().ok());

  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, bad{0};
  std::thread reader([&] {
    while (!done) {
      std::string s = Slurp(spec.destination);
      ++reads;
      bool ok = s.size() == kSize + 11 && s.starts_with("BEGIN\n") &&
                s.ends_with("\nEND\n") &&
                s.find_first_not_of(s[6], 6) == kSize + 6;
      if (!ok) ++bad;
    }
  });
  constexpr int kRotations = 25;
  for (int i = 1; i <= kRotations; ++i) {
    store_->Put(kOrders, value(static_cast<char>('a' + i)));
    RefreshCache();
    // Let the worker finish this render before the next rotation.
    for (int k = 0; k < 2000 && runner->States()[0].writes <
                                    static_cast<std::uint64_t>(i + 1);
         ++k) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  done = true;
  reader.join();
  runner->Stop();
  EXPECT_EQ(runner->States()[0].writes,
            static_cast<std::uint64_t>(kRotations + 1));
  EXPECT_EQ(bad.load(), 0) << "of " << reads.load() << " reads";
  EXPECT_GT(reads.load(), kRotations);
  EXPECT_EQ(Slurp(spec.destination)[6], static_cast<char>('a' + kRotations));
}

}  // namespace
}  // namespace keyward::agent
