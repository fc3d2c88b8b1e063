// SecretCache: TTL and jitter, version-aware refresh with exact call counts,
// stale serving, max staleness, permanent errors, forced refresh limits,
// callbacks, LRU and single-flight misses. Refreshes are driven with
// RunPendingRefreshes() on a FakeClock: no sleeps.
#include "keyward/secret_cache.h"

#include <gtest/gtest.h>

#include <thread>

#include "keyward/secret_config.h"
#include "tests/config/fake_store.h"
#include "tests/testing/fakes.h"

namespace keyward {
namespace {

using keyward::testing::FakeClock;
using keyward::testing::FakeStore;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr char kName[] = "platform-data/postgres/orders";

class SecretCacheTest : public ::testing::Test {
 protected:
  SecretCacheTest() : store_(std::make_shared<FakeStore>()) {
    options_.client = store_;
    options_.runtime.clock = &clock_;
    options_.background_refresh = false;
    options_.runtime.random = &random_;
    options_.log = [this](SecretCacheOptions::LogLevel, std::string_view m) {
      log_ += std::string(m) + "\n";
    };
  }
  std::unique_ptr<SecretCache> NewCache() {
    auto c = SecretCache::Create(options_);
    EXPECT_TRUE(c.ok()) << c.status();
    return std::move(*c);
  }
  // A cache with kName loaded as a declared entry.
  std::unique_ptr<SecretCache> Loaded(std::vector<std::string> required = {}) {
    auto cache = NewCache();
    auto handles = cache->LoadDeclared({{kName, {}, std::move(required)}});
    EXPECT_TRUE(handles[0].Get().ok()) << handles[0].Get().status();
    handle_ = handles[0];
    store_->ResetCounts();
    return cache;
  }
  std::string Password() {
    auto s = handle_.Get();
    if (!s.ok()) return s.status().ToString();
    auto p = s->Property("password");
    return p.ok() ? std::string(p->Reveal()) : p.status().ToString();
  }

  FakeClock clock_;
  std::shared_ptr<FakeStore> store_;
  SecretCacheOptions options_;
  testing::FakeRandom random_{0.5};
  std::string log_;
  SecretHandle handle_;
};

TEST_F(SecretCacheTest, RefreshIsScheduledBeforeExpiryWithJitter) {
  store_->Put(kName, R"({"password":"a"})");
  auto t0 = clock_.Now();
  random_.Set(0.5);
  auto cache = Loaded();
  // 3600 s - 300 s ahead - 0.5 * 0.1 * 3600 s jitter.
  EXPECT_EQ(cache->NextRefreshTime(), t0 + seconds(3600 - 300 - 180));
  random_.Set(0.0);
  Loaded();
}

TEST_F(SecretCacheTest, JitterStaysWithinBounds) {
  options_.runtime.random = &Random::Real();  // the real PRNG
  std::vector<SecretCache::LoadRequest> reqs;
  for (int i = 0; i < 200; ++i) {
    std::string name = "platform-data/redis/app" + std::to_string(i);
    store_->Put(name, "x");
    reqs.push_back({name, {}, {}});
  }
  auto t0 = clock_.Now();
  auto cache = NewCache();
  cache->LoadDeclared(reqs);
  std::set<Clock::time_point> distinct;
  for (const SecretHealth& h : cache->Health()) {
    ASSERT_TRUE(h.next_refresh);
    EXPECT_LE(*h.next_refresh, t0 + seconds(3300));
    EXPECT_GT(*h.next_refresh, t0 + seconds(3300 - 360));
    distinct.insert(*h.next_refresh);
  }
  EXPECT_GT(distinct.size(), 150u);  // spread, not in step
}

TEST_F(SecretCacheTest, NothingHappensBeforeTheRefreshIsDue) {
  store_->Put(kName, R"({"password":"a"})");
  auto cache = Loaded();
  clock_.Advance(seconds(3119));
  EXPECT_EQ(cache->RunPendingRefreshes(), 0);
  EXPECT_EQ(store_->calls(), 0);
  clock_.Advance(seconds(1));
  EXPECT_EQ(cache->RunPendingRefreshes(), 1);
}

TEST_F(SecretCacheTest, VersionAwareRefreshFetchesOnlyWhenCurrentChanged) {
  store_->Put(kName, R"({"password":"a"})");
  auto cache = Loaded();
  int changes = 0;
  cache->AddListener([&](const SecretChange& c) {
    ++changes;
    EXPECT_EQ(c.old_version_id, "v1");
    EXPECT_EQ(c.secret.version_id(), "v2");
  });

  // Unchanged: one DescribeSecret, no GetSecretValue, no callback.
  clock_.Advance(hours(1));
  EXPECT_EQ(cache->RunPendingRefreshes(), 1);
  EXPECT_EQ(store_->describes(), 1);
  EXPECT_EQ(store_->gets(), 0);
  EXPECT_EQ(changes, 0);

  // Rotated: DescribeSecret + one GetSecretValue; readers see the new value.
  store_->Put(kName, R"({"password":"b"})");
  EXPECT_EQ(Password(), "a");  // still cached until the refresh
  clock_.Advance(hours(1));
  EXPECT_EQ(cache->RunPendingRefreshes(), 1);
  EXPECT_EQ(store_->describes(), 2);
  EXPECT_EQ(store_->gets(), 1);
  EXPECT_EQ(Password(), "b");
  EXPECT_EQ(changes, 1);

  // Unchanged again: no more callbacks.
  clock_.Advance(hours(1));
  cache->RunPendingRefreshes();
  EXPECT_EQ(store_->describes(), 3);
  EXPECT_EQ(store_->gets(), 1);
  EXPECT_EQ(changes, 1);
  EXPECT_EQ(cache->Stats().refreshes, 3u);
  auto health = cache->Health();
  ASSERT_EQ(health.size(), 1u);
  EXPECT_EQ(health[0].versions_fetched, 2u);  // the load and the rotation
  EXPECT_EQ(health[0].version_id, "v2");
}

TEST_F(SecretCacheTest, FallsBackToGetWhenDescribeIsDenied) {
  store_->Put(kName, R"({"password":"a"})");
  store_->DenyDescribe();
  auto cache = Loaded();
  int changes = 0;
  cache->AddListener([&](const SecretChange&) { ++changes; });
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(hours(1));
    cache->RunPendingRefreshes();
  }
  EXPECT_EQ(store_->describes(), 1);  // learnt once
  EXPECT_EQ(store_->gets(), 3);
  EXPECT_EQ(changes, 0);  // same version id: not a change
  store_->Put(kName, R"({"password":"b"})");
  clock_.Advance(hours(1));
  cache->RunPendingRefreshes();
  EXPECT_EQ(changes, 1);
  EXPECT_EQ(Password(), "b");
}

TEST_F(SecretCacheTest, ServesStaleValueDuringOutageWithExponentialBackoff) {
  store_->Put(kName, R"({"password":"a"})");
  auto cache = Loaded();
  store_->SetOutage(
      Status(StatusCode::kUnavailable, "HTTP 503", "ServiceUnavailable"));
  clock_.Advance(seconds(3120));
  std::vector<Clock::duration> gaps;
  for (int i = 0; i < 12; ++i) {
    auto before = clock_.Now();
    EXPECT_EQ(cache->RunPendingRefreshes(), 1);
    EXPECT_EQ(Password(), "a") << "attempt " << i;  // reads keep working
    auto next = *cache->NextRefreshTime();
    gaps.push_back(next - before);
    clock_.Set(next);
  }
  // random_ = 0.5 -> factor 0.75: 0.75 s, 1.5 s, 3 s, ... capped at 225 s.
  EXPECT_EQ(gaps[0], std::chrono::milliseconds(750));
  EXPECT_EQ(gaps[1], std::chrono::milliseconds(1500));
  EXPECT_EQ(gaps[4], std::chrono::milliseconds(12000));
  EXPECT_EQ(gaps[11], std::chrono::milliseconds(225000));
  auto health = cache->Health();
  EXPECT_EQ(health[0].consecutive_failures, 12);
  EXPECT_EQ(health[0].last_error.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(health[0].serving);
  EXPECT_GT(health[0].age, hours(1));

  // Recovery is automatic.
  store_->SetOutage(OkStatus());
  clock_.Set(*cache->NextRefreshTime());
  cache->RunPendingRefreshes();
  health = cache->Health();
  EXPECT_EQ(health[0].consecutive_failures, 0);
  EXPECT_TRUE(health[0].last_error.ok());
  EXPECT_EQ(health[0].age, Clock::duration(0));
}

TEST_F(SecretCacheTest, StopsServingBeyondMaxStaleness) {
  options_.max_staleness = hours(4);
  store_->Put(kName, R"({"password":"a"})");
  auto cache = Loaded();
  store_->SetOutage(UnavailableError("connection refused"));
  clock_.Advance(hours(3) + minutes(59));
  cache->RunPendingRefreshes();
  EXPECT_EQ(Password(), "a");
  clock_.Advance(minutes(2));
  cache->RunPendingRefreshes();
  auto got = handle_.Get();
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(got.status().message().find("older than max_staleness"),
            std::string::npos);
  EXPECT_NE(got.status().message().find("connection refused"),
            std::string::npos);

  store_->SetOutage(OkStatus());
  clock_.Advance(minutes(10));
  cache->RunPendingRefreshes();
  EXPECT_EQ(Password(), "a");
}

TEST_F(SecretCacheTest, ScheduledForDeletionIsSurfacedAtExpiry) {
  store_->Put(kName, R"({"password":"a"})");
  auto cache = Loaded();
  store_->ScheduleDeletion(kName);
  clock_.Advance(seconds(3120));
  cache->RunPendingRefreshes();
  EXPECT_EQ(Password(), "a");  // still within its ttl
  auto health = cache->Health();
  EXPECT_EQ(health[0].last_error.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(health[0].last_error.message().find("scheduled for deletion"),
            std::string::npos);
  EXPECT_NE(log_.find("scheduled for deletion"), std::string::npos);
  clock_.Advance(minutes(10));  // past expiry
  cache->RunPendingRefreshes();
  auto got = handle_.Get();
  EXPECT_EQ(got.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(SecretCacheTest, AccessDeniedIsSurfacedNotHidden) {
  store_->Put(kName, R"({"password":"a"})");
  store_->DenyDescribe();
  auto cache = Loaded();
  store_->DenyGet(kName);
  clock_.Advance(hours(1) + minutes(1));
  cache->RunPendingRefreshes();
  EXPECT_EQ(handle_.Get().status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(handle_.Get().status().error_type(), "AccessDeniedException");
}

TEST_F(SecretCacheTest, ForcedRefreshIsRateLimitedWithoutSleeping) {
  options_.min_forced_refresh_interval = seconds(30);
  store_->Put(kName, R"({"password":"a"})");
  auto cache = Loaded();
  store_->Put(kName, R"({"password":"b"})");
  EXPECT_TRUE(cache->ForceRefresh(kName).ok());
  EXPECT_EQ(Password(), "b");
  clock_.Advance(seconds(10));
  Status limited = cache->ForceRefresh(kName);
  EXPECT_EQ(limited.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(limited.message().find("next allowed in 20s"), std::string::npos)
      << limited;
  EXPECT_EQ(store_->calls(), 2);  // describe + get of the first one only
  clock_.Advance(seconds(20));
  EXPECT_TRUE(cache->ForceRefresh(kName).ok());
  EXPECT_EQ(cache->ForceRefresh("platform-data/x/y").code(),
            StatusCode::kNotFound);
}

TEST_F(SecretCacheTest, NewVersionMissingADeclaredPropertyIsRejected) {
  store_->Put(kName, R"({"username":"u","password":"a"})");
  auto cache = Loaded({"username", "password"});
  int changes = 0;
  cache->AddListener([&](const SecretChange&) { ++changes; });
  store_->Put(kName, R"({"username":"u"})");
  clock_.Advance(hours(1));
  cache->RunPendingRefreshes();
  EXPECT_EQ(Password(), "a");
  EXPECT_EQ(changes, 0);
  auto health = cache->Health();
  EXPECT_NE(health[0].last_error.message().find(
                "new version v2 rejected, still serving v1"),
            std::string::npos)
      << health[0].last_error;
  // Fixed by the operator: picked up on the next attempt.
  store_->Put(kName, R"({"username":"u","password":"c"})");
  clock_.Set(*cache->NextRefreshTime());
  cache->RunPendingRefreshes();
  EXPECT_EQ(Password(), "c");
  EXPECT_EQ(changes, 1);
}

TEST_F(SecretCacheTest, GetMissesAreCachedAndErrorsAreNot) {
  store_->Put(kName, R"({"password":"a"})");
  auto cache = NewCache();
  ASSERT_TRUE(cache->Get(kName).ok());
  ASSERT_TRUE(cache->Get(kName).ok());
  EXPECT_EQ(store_->gets(), 1);
  EXPECT_EQ(cache->Get("platform-data/none/x").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(cache->Get("platform-data/none/x").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->gets(), 3);
  auto stats = cache->Stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 3u);
  EXPECT_EQ(stats.entries, 1u);
}

TEST_F(SecretCacheTest, EvictsLeastRecentlyUsed) {
  options_.max_entries = 3;
  for (const char* n : {"a", "b", "c", "d"})
    store_->Put(std::string("platform-data/x/") + n, n);
  auto cache = NewCache();
  auto get = [&](const char* n) {
    return cache->Get(std::string("platform-data/x/") + n).ok();
  };
  ASSERT_TRUE(get("a") && get("b") && get("c"));
  ASSERT_TRUE(get("a"));  // b is now the least recently used
  ASSERT_TRUE(get("d"));
  EXPECT_EQ(cache->Stats().evictions, 1u);
  EXPECT_EQ(cache->Stats().entries, 3u);
  store_->ResetCounts();
  ASSERT_TRUE(get("a") && get("c") && get("d"));
  EXPECT_EQ(store_->gets(), 0);
  ASSERT_TRUE(get("b"));  // evicted: fetched again
  EXPECT_EQ(store_->gets(), 1);
}

TEST_F(SecretCacheTest, DeclaredEntriesAreNeverEvicted) {
  options_.max_entries = 1;
  store_->Put(kName, "p");
  for (const char* n : {"a", "b", "c"})
    store_->Put(std::string("platform-data/x/") + n, n);
  auto cache = Loaded();
  for (const char* n : {"a", "b", "c"})
    ASSERT_TRUE(cache->Get(std::string("platform-data/x/") + n).ok());
  EXPECT_TRUE(handle_.Get().ok());
  EXPECT_EQ(cache->Stats().entries, 2u);
  EXPECT_EQ(cache->Stats().evictions, 2u);
}

TEST_F(SecretCacheTest, ConcurrentMissesShareOneRequest) {
  store_->Put(kName, R"({"password":"a"})");
  auto cache = NewCache();
  constexpr int kThreads = 32;
  // The one fetch is held until every other thread is waiting for it.
  store_->on_get = [&] {
    while (cache->Stats().coalesced_misses < kThreads - 1)
      std::this_thread::yield();
  };
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      auto s = cache->Get(kName);
      if (s.ok() && s->Property("password")->Reveal() == "a") ok.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads);
  EXPECT_EQ(store_->gets(), 1);
  EXPECT_EQ(cache->Stats().misses, 1u);
  EXPECT_EQ(cache->Stats().coalesced_misses,
            static_cast<std::uint64_t>(kThreads - 1));
}

TEST_F(SecretCacheTest, ReadsDuringRefreshesFromManyThreads) {
  store_->Put(kName, R"({"password":"a"})");
  auto cache = Loaded();
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      while (!done.load()) {
        auto s = handle_.Get();
        if (!s.ok() || !s->has_property("password")) bad.fetch_add(1);
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    store_->Put(kName, R"({"password":"v)" + std::to_string(i) + "\"}");
    clock_.Advance(hours(1));
    cache->RunPendingRefreshes();
  }
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(Password(), "v49");
}

// Version n of a stress-test secret: {"n":"<n>","pad":"<n> repeated"}, stored
// as FakeStore version "v<n>". A reader checks that the three agree: a torn or
// freed snapshot would break the agreement (and ASan/TSan would report it).
std::string StressValue(int n) {
  std::string pad;
  while (pad.size() < 200) pad += std::to_string(n) + ".";
  return R"({"n":")" + std::to_string(n) + R"(","pad":")" + pad + "\"}";
}
bool StressValueIsWhole(const Secret& s) {
  const SecretValue* n = s.FindProperty("n");
  const SecretValue* pad = s.FindProperty("pad");
  if (n == nullptr || pad == nullptr) return false;
  if (s.version_id() != "v" + std::string(n->Reveal())) return false;
  std::string expect;
  while (expect.size() < 200) expect += std::string(n->Reveal()) + ".";
  return pad->Reveal() == expect;
}

TEST_F(SecretCacheTest, ReadersNeverSeeAFreedOrTornValue) {
  // Readers loop over every read form while the refresher publishes new
  // versions and ad-hoc entries are evicted and fetched again.
  options_.max_entries = 3;
  int version = 1;
  store_->Put(kName, StressValue(version));
  constexpr int kAdhoc = 6;
  auto adhoc = [](int i) {
    return "platform-data/stress/a" + std::to_string(i);
  };
  std::vector<int> adhoc_versions(kAdhoc, 1);
  for (int i = 0; i < kAdhoc; ++i) store_->Put(adhoc(i), StressValue(1));
  auto cache = Loaded({"n", "pad"});
  std::atomic<bool> done{false};
  std::atomic<int> bad{0}, reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&, r] {
      for (int i = 0; !done.load(); ++i) {
        auto s = handle_.Get();
        if (!s.ok() || !StressValueIsWhole(*s)) bad.fetch_add(1);
        Status st = handle_.Read([&](const Secret& v) {
          if (!StressValueIsWhole(v)) bad.fetch_add(1);
          // A nested read (served without replacing the outer slot).
          auto inner = cache->Get(adhoc((i + r) % kAdhoc));
          if (inner.ok() && !StressValueIsWhole(*inner)) bad.fetch_add(1);
          if (!StressValueIsWhole(v)) bad.fetch_add(1);
        });
        if (!st.ok()) bad.fetch_add(1);
        auto a = cache->Get(adhoc((i * 7 + r) % kAdhoc));
        if (!a.ok() || !StressValueIsWhole(*a)) bad.fetch_add(1);
        reads.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  for (int round = 0; round < 60; ++round) {
    store_->Put(kName, StressValue(++version));
    for (int i = 0; i < kAdhoc; ++i)
      store_->Put(adhoc(i), StressValue(++adhoc_versions[i]));
    clock_.Advance(hours(1));
    cache->RunPendingRefreshes();
    std::this_thread::yield();
  }
  while (reads.load() < 300) std::this_thread::yield();
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(cache->Stats().evictions, 0u);
  auto last = handle_.Get();
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->version_id(), "v" + std::to_string(version));
}

TEST_F(SecretCacheTest, ReadLendsTheCurrentValueAndReportsErrors) {
  store_->Put(kName, R"({"password":"a"})");
  auto cache = Loaded();
  std::string seen;
  ASSERT_TRUE(handle_
                  .Read([&](const Secret& s) {
                    seen = std::string(s.FindProperty("password")->Reveal());
                    EXPECT_EQ(s.FindProperty("nope"), nullptr);
                  })
                  .ok());
  EXPECT_EQ(seen, "a");
  // A new version is seen by the next read on this thread.
  store_->Put(kName, R"({"password":"b"})");
  clock_.Advance(hours(1));
  cache->RunPendingRefreshes();
  ASSERT_TRUE(handle_
                  .Read([&](const Secret& s) {
                    seen = std::string(s.FindProperty("password")->Reveal());
                  })
                  .ok());
  EXPECT_EQ(seen, "b");
  // A Secret copied out of Read outlives newer versions.
  Secret kept;
  ASSERT_TRUE(handle_.Read([&](const Secret& s) { kept = s; }).ok());
  store_->Put(kName, R"({"password":"c"})");
  clock_.Advance(hours(1));
  cache->RunPendingRefreshes();
  EXPECT_EQ(Password(), "c");
  EXPECT_EQ(kept.FindProperty("password")->Reveal(), "b");
  // Errors: fn is not called.
  EXPECT_EQ(SecretHandle().Read([](const Secret&) { ADD_FAILURE(); }).code(),
            StatusCode::kFailedPrecondition);
  store_->Erase(kName);
  clock_.Advance(hours(2));
  cache->RunPendingRefreshes();
  EXPECT_EQ(handle_.Read([](const Secret&) { ADD_FAILURE(); }).code(),
            StatusCode::kNotFound);
}

TEST_F(SecretCacheTest, RejectsBadOptions) {
  options_.ttl_jitter = 1.5;
  EXPECT_EQ(SecretCache::Create(options_).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace keyward
