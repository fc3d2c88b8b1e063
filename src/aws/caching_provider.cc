// The caching credentials provider: lock-free fast path (an atomic
// shared_ptr to an immutable entry), single-flight refresh under a mutex.
#include "keyward/aws/caching_provider.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace keyward::aws {
namespace {

struct Entry {
  Credentials creds;
  Clock::time_point prefetch_at;  // start a background refresh from here
  Clock::time_point stale_at;     // block on a refresh from here
  Clock::time_point unusable_at;  // expiration - expiry_margin
};

// One lazily started thread that runs queued tasks. The queue lives in a
// shared state so that the thread can outlive the Worker when it is detached.
class Worker {
 public:
  ~Worker() {
    {
      std::lock_guard<std::mutex> l(state_->mu);
      state_->stop = true;
    }
    state_->cv.notify_all();
    if (!thread_.joinable()) return;
    // The provider can be released by its own refresh task (which then holds
    // the last reference): the thread cannot join itself.
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();
    } else {
      thread_.join();
    }
  }
  void Post(std::function<void()> task) {
    std::lock_guard<std::mutex> l(state_->mu);
    state_->tasks.push_back(std::move(task));
    if (!thread_.joinable()) thread_ = std::thread([s = state_] { Loop(*s); });
    state_->cv.notify_one();
  }

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::function<void()>> tasks;
    bool stop = false;
  };
  static void Loop(State& s) {
    std::unique_lock<std::mutex> l(s.mu);
    while (true) {
      s.cv.wait(l, [&] { return s.stop || !s.tasks.empty(); });
      if (s.tasks.empty()) return;  // stopped with nothing left to do
      auto task = std::move(s.tasks.front());
      s.tasks.pop_front();
      l.unlock();
      task();
      task = nullptr;  // may release the provider
      l.lock();
    }
  }
  std::shared_ptr<State> state_ = std::make_shared<State>();
  std::thread thread_;
};

class CachingProvider : public CredentialsProvider,
                        public std::enable_shared_from_this<CachingProvider> {
 public:
  CachingProvider(std::shared_ptr<CredentialsProvider> inner, CachingOptions o)
      : inner_(std::move(inner)), o_(std::move(o)), clock_(*o_.runtime.clock) {}
  // Background tasks hold only a weak reference: a task that runs after the
  // provider is gone does nothing.
  ~CachingProvider() override = default;

  StatusOr<Credentials> Get() override {
    KW_ASSIGN_OR_RETURN(std::shared_ptr<const Credentials> c, GetShared());
    return *c;
  }

  StatusOr<std::shared_ptr<const Credentials>> GetShared() override {
    std::shared_ptr<const Entry> e = current_.load(std::memory_order_acquire);
    if (e != nullptr && clock_.Now() < e->prefetch_at) {
      return std::shared_ptr<const Credentials>(e, &e->creds);
    }
    return Slow(std::move(e));
  }

 private:
  StatusOr<std::shared_ptr<const Credentials>> Slow(
      std::shared_ptr<const Entry> e);
  StatusOr<std::shared_ptr<const Credentials>> Refresh(
      std::unique_lock<std::mutex>& l);
  void StartBackground(Clock::time_point now);
  void BackgroundRefresh();
  Status Store(StatusOr<Credentials> r, Clock::time_point now);  // holds mu_

  static std::shared_ptr<const Credentials> View(
      const std::shared_ptr<const Entry>& e) {
    return std::shared_ptr<const Credentials>(e, &e->creds);
  }

  std::shared_ptr<CredentialsProvider> inner_;
  CachingOptions o_;
  const Clock& clock_;
  std::atomic<std::shared_ptr<const Entry>> current_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool refreshing_ = false;       // single flight
  std::uint64_t generation_ = 0;  // bumped after every refresh attempt
  Status last_error_;             // of the latest refresh attempt
  Clock::time_point next_background_;
  std::unique_ptr<Worker> worker_;
};

Status CachingProvider::Store(StatusOr<Credentials> r, Clock::time_point now) {
  ++generation_;
  if (!r.ok()) {
    last_error_ = r.status();
    return last_error_;
  }
  auto e = std::make_shared<Entry>();
  e->creds = std::move(*r);
  if (e->creds.expiration) {
    Clock::time_point exp = *e->creds.expiration;
    e->unusable_at = exp - o_.expiry_margin;
    if (now >= e->unusable_at) {
      last_error_ = UnauthenticatedError(
          "the " +
          (e->creds.provider.empty() ? std::string("credentials")
                                     : e->creds.provider) +
          " provider returned credentials that expire at " +
          FormatIso8601(exp) + ", which is already past (or within " +
          std::to_string(
              std::chrono::duration_cast<std::chrono::seconds>(o_.expiry_margin)
                  .count()) +
          " s of) the current time " + FormatIso8601(now) +
          ": check the clock");
      return last_error_;
    }
    e->stale_at = exp - o_.stale;
    // Short-lived credentials: do not refresh continuously; wait at least
    // half their remaining life before prefetching.
    e->prefetch_at = std::max(exp - o_.prefetch, now + (exp - now) / 2);
    e->prefetch_at = std::min(e->prefetch_at, std::max(e->stale_at, now));
  } else {
    e->unusable_at = e->stale_at = Clock::time_point::max();
    e->prefetch_at = now + o_.recheck_interval;
  }
  last_error_ = OkStatus();
  current_.store(std::move(e), std::memory_order_release);
  return OkStatus();
}

void CachingProvider::StartBackground(Clock::time_point now) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (refreshing_ || now < next_background_) return;
    // Another caller may have refreshed since our caller looked.
    std::shared_ptr<const Entry> e = current_.load(std::memory_order_acquire);
    if (e != nullptr && now < e->prefetch_at) return;
    refreshing_ = true;
  }
  auto task = [weak = weak_from_this()] {
    std::shared_ptr<CachingProvider> self = weak.lock();
    if (self) self->BackgroundRefresh();
  };
  if (o_.run_in_background) {
    o_.run_in_background(std::move(task));
    return;
  }
  std::lock_guard<std::mutex> l(mu_);
  if (!worker_) worker_ = std::make_unique<Worker>();
  worker_->Post(std::move(task));
}

void CachingProvider::BackgroundRefresh() {
  {
    StatusOr<Credentials> r = inner_->Get();
    std::lock_guard<std::mutex> l(mu_);
    Clock::time_point t = clock_.Now();
    Status s = Store(std::move(r), t);
    if (!s.ok()) {
      next_background_ = t + o_.retry_delay;
      o_.runtime.log->Warn(
          "background credentials refresh failed (will retry): " + s.message());
    }
    refreshing_ = false;
    cv_.notify_all();
  }
}

StatusOr<std::shared_ptr<const Credentials>> CachingProvider::Slow(
    std::shared_ptr<const Entry> e) {
  Clock::time_point now = clock_.Now();
  if (e != nullptr && now < e->stale_at) {
    StartBackground(now);
    return View(e);
  }
  std::unique_lock<std::mutex> l(mu_);
  return Refresh(l);
}

StatusOr<std::shared_ptr<const Credentials>> CachingProvider::Refresh(
    std::unique_lock<std::mutex>& l) {
  std::uint64_t seen = generation_;
  bool waited = false;
  while (refreshing_) {  // join the refresh in flight
    waited = true;
    cv_.wait(l);
  }
  std::shared_ptr<const Entry> e = current_.load(std::memory_order_acquire);
  Clock::time_point now = clock_.Now();
  if (e != nullptr && now < e->stale_at) return View(e);
  if (!waited || generation_ == seen) {
    refreshing_ = true;
    l.unlock();
    StatusOr<Credentials> r = inner_->Get();
    l.lock();
    now = clock_.Now();
    Status s = Store(std::move(r), now);
    refreshing_ = false;
    cv_.notify_all();
    if (s.ok()) return View(current_.load(std::memory_order_acquire));
  }
  // The refresh failed: old credentials are still better than none while
  // they are usable.
  e = current_.load(std::memory_order_acquire);
  if (e != nullptr && now < e->unusable_at) {
    o_.runtime.log->Warn(
        "credentials refresh failed; using the current credentials until "
        "they expire: " +
        last_error_.message());
    return View(e);
  }
  return last_error_.ok() ? InternalError("credentials refresh failed")
                          : last_error_;
}

}  // namespace

std::shared_ptr<CredentialsProvider> NewCachingCredentialsProvider(
    std::shared_ptr<CredentialsProvider> inner, CachingOptions options) {
  return std::make_shared<CachingProvider>(std::move(inner),
                                           std::move(options));
}

}  // namespace keyward::aws
