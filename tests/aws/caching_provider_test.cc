// Expiry and refresh timing of the caching provider, with a fake clock and a
// manual background executor (no sleeps).
#include "keyward/aws/caching_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <thread>

#include "tests/testing/fakes.h"

namespace keyward::aws {
namespace {

using ::keyward::testing::FakeClock;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::HasSubstr;

// Returns queued results; counts calls. With `gate`, a call blocks until
// Open().
class ScriptedProvider : public CredentialsProvider {
 public:
  StatusOr<Credentials> Get() override {
    std::unique_lock<std::mutex> l(mu_);
    ++calls_;
    entered_.notify_all();
    open_cv_.wait(l, [this] { return open_; });
    if (queue_.empty()) {
      log_ += "empty;";
      return UnavailableError("nothing queued");
    }
    log_ += queue_.front().ok() ? queue_.front()->access_key_id + ";" : "err;";
    StatusOr<Credentials> r = std::move(queue_.front());
    queue_.pop_front();
    return r;
  }
  void Push(std::string id, std::optional<Clock::time_point> exp) {
    Credentials c;
    c.access_key_id = std::move(id);
    c.secret_access_key = SecretValue("secret");
    c.expiration = exp;
    std::lock_guard<std::mutex> l(mu_);
    queue_.push_back(std::move(c));
  }
  void PushError(Status s) {
    std::lock_guard<std::mutex> l(mu_);
    queue_.push_back(std::move(s));
  }
  std::string log_;
  int calls() {
    std::lock_guard<std::mutex> l(mu_);
    return calls_;
  }
  void Close() {
    std::lock_guard<std::mutex> l(mu_);
    open_ = false;
  }
  void Open() {
    std::lock_guard<std::mutex> l(mu_);
    open_ = true;
    open_cv_.notify_all();
  }
  void WaitForCalls(int n) {
    std::unique_lock<std::mutex> l(mu_);
    entered_.wait(l, [&] { return calls_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable entered_, open_cv_;
  bool open_ = true;
  int calls_ = 0;
  std::deque<StatusOr<Credentials>> queue_;
};

class CachingTest : public ::testing::Test {
 protected:
  CachingTest() : inner_(std::make_shared<ScriptedProvider>()) {}
  ~CachingTest() override { RunTasks(); }
  std::shared_ptr<CredentialsProvider> Make() {
    CachingOptions o;
    o.runtime.clock = &clock_;
    o.run_in_background = [this](std::function<void()> t) {
      tasks_.push_back(std::move(t));
    };
    o.runtime.log = &log_;
    return NewCachingCredentialsProvider(inner_, o);
  }
  void RunTasks() {
    auto tasks = std::move(tasks_);
    tasks_.clear();
    for (auto& t : tasks) t();
  }
  Clock::time_point In(Clock::duration d) { return clock_.Now() + d; }

  FakeClock clock_;
  std::shared_ptr<ScriptedProvider> inner_;
  std::vector<std::function<void()>> tasks_;
  testing::FakeLogger log_;
  std::vector<std::string> warnings() const {
    std::vector<std::string> out;
    for (const auto& [level, line] : log_.lines()) out.push_back(line);
    return out;
  }
};

TEST_F(CachingTest, CachesUntilPrefetchWindow) {
  inner_->Push("A", In(minutes(60)));
  auto p = Make();
  EXPECT_EQ(p->Get()->access_key_id, "A");
  clock_.Advance(minutes(54));
  EXPECT_EQ(p->Get()->access_key_id, "A");
  EXPECT_EQ(inner_->calls(), 1);
  EXPECT_TRUE(tasks_.empty());
}

TEST_F(CachingTest, PrefetchWindowRefreshesInBackgroundOnce) {
  inner_->Push("A", In(minutes(60)));
  auto p = Make();
  ASSERT_TRUE(p->Get().ok());
  clock_.Advance(minutes(56));  // 4 min left: prefetch, not stale
  inner_->Push("B", In(minutes(60)));
  EXPECT_EQ(p->Get()->access_key_id, "A");
  EXPECT_EQ(p->Get()->access_key_id, "A");
  ASSERT_EQ(tasks_.size(), 1u);   // single flight
  EXPECT_EQ(inner_->calls(), 1);  // nobody blocked on it
  RunTasks();
  EXPECT_EQ(inner_->calls(), 2);
  EXPECT_EQ(p->Get()->access_key_id, "B");
}

TEST_F(CachingTest, StaleWindowBlocksOnRefresh) {
  inner_->Push("A", In(minutes(60)));
  auto p = Make();
  ASSERT_TRUE(p->Get().ok());
  clock_.Advance(minutes(59) + seconds(30));  // 30 s left
  inner_->Push("B", In(minutes(60)));
  EXPECT_EQ(p->Get()->access_key_id, "B");
  EXPECT_TRUE(tasks_.empty());
}

TEST_F(CachingTest, FailedRefreshKeepsUsableCredentialsButNeverExpiredOnes) {
  inner_->Push("A", In(minutes(60)));
  auto p = Make();
  ASSERT_TRUE(p->Get().ok());
  clock_.Advance(minutes(59) + seconds(30));  // 30 s left, margin is 10 s
  inner_->PushError(UnavailableError("sts down"));
  EXPECT_EQ(p->Get()->access_key_id, "A");
  ASSERT_EQ(warnings().size(), 1u);
  EXPECT_THAT(warnings()[0], HasSubstr("sts down"));
  clock_.Advance(seconds(21));  // 9 s left: unusable
  inner_->PushError(UnavailableError("sts still down"));
  auto c = p->Get();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "sts still down");
  inner_->Push("B", In(minutes(60)));
  EXPECT_EQ(p->Get()->access_key_id, "B");
}

TEST_F(CachingTest, RejectsCredentialsThatAreAlreadyExpired) {
  inner_->Push("OLD", In(seconds(5)));
  auto p = Make();
  auto c = p->Get();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(c.status().message(), HasSubstr("check the clock"));
}

TEST_F(CachingTest, FailedBackgroundRefreshWaitsRetryDelay) {
  inner_->Push("A", In(minutes(60)));
  auto p = Make();
  ASSERT_TRUE(p->Get().ok());
  clock_.Advance(minutes(56));
  inner_->PushError(UnavailableError("down"));
  ASSERT_TRUE(p->Get().ok());
  RunTasks();
  ASSERT_EQ(warnings().size(), 1u);
  clock_.Advance(seconds(10));
  EXPECT_EQ(p->Get()->access_key_id, "A");
  EXPECT_TRUE(tasks_.empty());  // within retry_delay
  clock_.Advance(seconds(21));
  inner_->Push("B", In(minutes(60)));
  EXPECT_EQ(p->Get()->access_key_id, "A");
  EXPECT_EQ(tasks_.size(), 1u);
  RunTasks();
  EXPECT_EQ(p->Get()->access_key_id, "B");
}

TEST_F(CachingTest, ShortLivedCredentialsDoNotRefreshContinuously) {
  inner_->Push("A", In(minutes(4)));  // shorter than the prefetch time
  auto p = Make();
  ASSERT_TRUE(p->Get().ok());
  clock_.Advance(minutes(1));
  EXPECT_EQ(p->Get()->access_key_id, "A");
  EXPECT_TRUE(tasks_.empty());  // waits half the remaining life first
  clock_.Advance(minutes(1) + seconds(1));
  inner_->Push("B", In(minutes(60)));
  EXPECT_EQ(p->Get()->access_key_id, "A");
  EXPECT_EQ(tasks_.size(), 1u);
}

TEST_F(CachingTest, NonExpiringCredentialsAreRecheckedInBackground) {
  inner_->Push("A", std::nullopt);
  auto p = Make();
  ASSERT_TRUE(p->Get().ok());
  clock_.Advance(seconds(59));
  ASSERT_TRUE(p->Get().ok());
  EXPECT_TRUE(tasks_.empty());
  clock_.Advance(seconds(2));
  inner_->PushError(NotFoundError("file removed"));
  EXPECT_EQ(p->Get()->access_key_id, "A");
  RunTasks();
  EXPECT_EQ(p->Get()->access_key_id, "A");  // keeps serving; warns
  EXPECT_EQ(warnings().size(), 1u);
  clock_.Advance(std::chrono::hours(1));
  inner_->Push("B", std::nullopt);
  EXPECT_EQ(p->Get()->access_key_id, "A");
  RunTasks();
  EXPECT_EQ(p->Get()->access_key_id, "B");
}

TEST_F(CachingTest, FirstGetErrorIsReturned) {
  inner_->PushError(PermissionDeniedError("denied"));
  auto p = Make();
  EXPECT_EQ(p->Get().status().code(), StatusCode::kPermissionDenied);
  inner_->Push("A", std::nullopt);
  EXPECT_EQ(p->Get()->access_key_id, "A");
}

TEST_F(CachingTest, GetSharedDoesNotCopy) {
  inner_->Push("A", In(minutes(60)));
  auto p = Make();
  auto a = p->GetShared();
  auto b = p->GetShared();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->get(), b->get());
}

TEST_F(CachingTest, ConcurrentCallersShareOneRefresh) {
  inner_->Push("A", In(minutes(60)));
  auto p = Make();
  ASSERT_TRUE(p->Get().ok());
  clock_.Advance(minutes(59) + seconds(30));  // everyone must block
  inner_->Push("B", In(minutes(60)));
  inner_->Close();
  std::vector<std::thread> threads;
  std::vector<std::string> got(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto c = p->Get();
      got[i] = c.ok() ? c->access_key_id : c.status().ToString();
    });
  }
  inner_->WaitForCalls(2);  // one refresh has started and is held
  inner_->Open();
  for (auto& t : threads) t.join();
  EXPECT_EQ(inner_->calls(), 2);
  for (const auto& g : got) EXPECT_EQ(g, "B");
}

TEST(CachingWorkerTest, RealBackgroundThreadRefreshes) {
  FakeClock clock;
  auto inner = std::make_shared<ScriptedProvider>();
  inner->Push("A", clock.Now() + minutes(60));
  CachingOptions o;
  o.runtime.clock = &clock;
  auto p = NewCachingCredentialsProvider(inner, o);
  ASSERT_TRUE(p->Get().ok());
  clock.Advance(minutes(56));
  inner->Push("B", clock.Now() + minutes(60));
  EXPECT_EQ(p->Get()->access_key_id, "A");
  inner->WaitForCalls(2);
  // The worker thread publishes the refresh; wait for it (no timing).
  while (p->Get()->access_key_id != "B") std::this_thread::yield();
  EXPECT_EQ(inner->calls(), 2) << inner->log_;
  p.reset();  // joins the idle worker thread
}

}  // namespace
}  // namespace keyward::aws
