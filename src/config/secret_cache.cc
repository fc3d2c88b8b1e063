// SecretCache: entries in 16 copy-on-write shard maps, each entry publishing
// immutable snapshots through a SnapshotCell (lock-free, share-nothing reads;
// see src/core/snapshot_cell.h); one refresher thread.
#include "keyward/secret_cache.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <deque>

#include "config/secret_cache_internal.h"
#include "keyward/naming.h"
#include "keyward/secrets/errors.h"

namespace keyward {
using internal::CacheEntry;
using internal::EntryMap;
using internal::MapCell;
using internal::Published;
using internal::SecretData;
using LogLevel = SecretCacheOptions::LogLevel;

namespace {

constexpr std::size_t kBatchLimit = 20;

std::shared_ptr<const Published> Load(const CacheEntry& e) {
  return e.cell.Load();
}

// Keys that a shard map is queried with: "name\x1f" plus the pin, built on
// the stack (no allocation on the read path for names up to ~200 bytes).
class KeyBuffer {
 public:
  KeyBuffer(std::string_view name, const VersionPin& pin) {
    std::string_view prefix, value;
    if (!pin.version_id.empty()) {
      prefix = "id:";
      value = pin.version_id;
    } else if (!pin.version_stage.empty() &&
               pin.version_stage != secrets::kAwsCurrent) {
      prefix = "stage:";
      value = pin.version_stage;
    }
    std::size_t n = name.size() + 1 + prefix.size() + value.size();
    char* p = inline_;
    if (n > sizeof(inline_)) {
      heap_.resize(n);
      p = heap_.data();
    }
    char* w = p;
    auto put = [&w](std::string_view s) {
      if (!s.empty()) std::memcpy(w, s.data(), s.size());
      w += s.size();
    };
    put(name);
    *w++ = '\x1f';
    put(prefix);
    put(value);
    view_ = std::string_view(p, n);
  }
  KeyBuffer(const KeyBuffer&) = delete;
  KeyBuffer& operator=(const KeyBuffer&) = delete;
  std::string_view view() const { return view_; }

 private:
  char inline_[240];
  std::string heap_;
  std::string_view view_;
};

// What a read returns for a published snapshot.
StatusOr<Secret> FromPublished(const std::shared_ptr<const Published>& p) {
  if (!p->error.ok()) return p->error;
  return internal::SecretFactory::Make(
      std::shared_ptr<const SecretData>(p, &p->data));
}
StatusOr<Secret> FromSlot(const internal::EntryCell::Slot& s) {
  if (!s.local->error.ok()) return s.local->error;
  return s.view;
}

std::string KeyOf(std::string_view name, const VersionPin& pin) {
  return std::string(KeyBuffer(name, pin).view());
}

bool IsCurrent(const VersionPin& pin) {
  return pin.version_id.empty() && (pin.version_stage.empty() ||
                                    pin.version_stage == secrets::kAwsCurrent);
}

// Runs `tasks` on up to `parallelism` threads (the caller included).
void RunParallel(std::vector<std::function<void()>>& tasks, int parallelism) {
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < tasks.size();) tasks[i]();
  };
  if (tasks.empty()) return;
  std::size_t extra =
      std::min<std::size_t>(
          tasks.size(), static_cast<std::size_t>(std::max(parallelism, 1))) -
      1;
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < extra; ++i) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
}

}  // namespace

namespace {
Status StillLoading(const CacheEntry& e) {
  return UnavailableError("secret '" + e.name + "' is still loading");
}
}  // namespace

namespace {
// The slow paths of SecretHandle reads (first read on this thread, a new
// version, an error), kept out of line so the fast path stays small.
[[gnu::noinline]] StatusOr<Secret> HandleGetSlow(const CacheEntry& e) {
  internal::EntryCell::Slot tmp;
  const internal::EntryCell::Slot& s = e.cell.Read(&tmp);
  if (!s.local) return StillLoading(e);
  return FromSlot(s);
}
[[gnu::noinline]] Status HandleReadSlow(const CacheEntry& e,
                                        FunctionRef<void(const Secret&)> fn) {
  internal::EntryCell::Slot tmp;
  const internal::EntryCell::Slot& s = e.cell.Read(&tmp);
  if (!s.local) return StillLoading(e);
  if (!s.local->error.ok()) return s.local->error;
  // fn may read other secrets on this thread: while pinned, those reads do
  // not replace slots, so `s` stays valid.
  internal::SnapshotPin pin;
  fn(s.view);
  return OkStatus();
}
}  // namespace

StatusOr<Secret> SecretHandle::Get() const {
  if (!entry_) return FailedPreconditionError("empty SecretHandle");
  const internal::EntryCell::Slot* s = entry_->cell.Peek();
  if (s != nullptr && s->local && s->local->error.ok()) return s->view;
  return HandleGetSlow(*entry_);
}

Status SecretHandle::Read(FunctionRef<void(const Secret&)> fn) const {
  if (!entry_) return FailedPreconditionError("empty SecretHandle");
  const internal::EntryCell::Slot* s = entry_->cell.Peek();
  if (s != nullptr && s->local && s->local->error.ok()) {
    internal::SnapshotPin pin;  // see HandleReadSlow
    fn(s->view);
    return OkStatus();
  }
  return HandleReadSlow(*entry_, fn);
}

SecretCache::SecretCache(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SecretCache::~SecretCache() {
  {
    std::lock_guard<std::mutex> l(impl_->wake_mu);
    impl_->stop = true;
  }
  impl_->wake_cv.notify_all();
  if (impl_->refresher.joinable()) impl_->refresher.join();
}

StatusOr<std::unique_ptr<SecretCache>> SecretCache::Create(
    SecretCacheOptions options) {
  if (options.ttl.count() <= 0)
    return InvalidArgumentError("SecretCacheOptions.ttl must be > 0");
  if (options.ttl_jitter < 0 || options.ttl_jitter >= 1) {
    return InvalidArgumentError(
        "SecretCacheOptions.ttl_jitter must be in [0, 1)");
  }
  if (options.initial_backoff.count() <= 0 ||
      options.max_backoff < options.initial_backoff) {
    return InvalidArgumentError(
        "SecretCacheOptions: need 0 < initial_backoff <= max_backoff");
  }
  auto impl = std::make_unique<Impl>();
  impl->clock = options.runtime.clock;
  impl->api = options.client;
  if (!impl->api) {
    KW_ASSIGN_OR_RETURN(
        secrets::ClientConfig config,
        secrets::ResolveClientConfig(options.runtime, options.aws));
    config.user_agent_suffix = "keyward-secret-config";
    KW_ASSIGN_OR_RETURN(
        auto client, secrets::SecretsManagerClient::Create(std::move(config)));
    impl->api = std::move(client);
  }
  impl->opt = std::move(options);
  std::unique_ptr<SecretCache> cache(new SecretCache(std::move(impl)));
  if (cache->impl_->opt.background_refresh) {
    Impl* p = cache->impl_.get();
    p->refresher = std::thread([p] { p->RefresherLoop(); });
  }
  return cache;
}

StatusOr<Secret> SecretCache::Get(std::string_view name,
                                  const VersionPin& pin) {
  KeyBuffer key_buffer(name, pin);
  std::string_view lookup = key_buffer.view();
  {
    // The hit path: this thread's snapshot of the shard map, then of the
    // entry (different slot tables, so the second read cannot release the
    // map that keeps the entry alive).
    MapCell::Slot map_tmp;
    const EntryMap& map = *impl_->ShardFor(lookup).cell.Read(&map_tmp).local;
    if (auto it = map.find(lookup); it != map.end()) {
      CacheEntry& e = *it->second;
      impl_->Touch(e);
      internal::EntryCell::Slot tmp;
      const internal::EntryCell::Slot& s = e.cell.Read(&tmp);
      if (s.local) {
        impl_->hits.Add();
        return FromSlot(s);
      }
    }
  }
  std::string key(lookup);
  std::shared_ptr<CacheEntry> e = impl_->Find(key);
  bool created = false;
  if (!e) e = impl_->FindOrCreate(name, pin, key, &created);
  if (!created) impl_->Touch(*e);
  if (std::shared_ptr<const Published> p = Load(*e)) {
    impl_->hits.Add();
    return FromPublished(p);
  }
  if (!created) {  // another thread's fetch is in flight: share it
    impl_->coalesced.fetch_add(1);
    std::unique_lock<std::mutex> l(e->mu);
    e->loaded_cv.wait(l, [&] { return e->cell.HasValue(); });
    l.unlock();
    return FromPublished(Load(*e));
  }
  impl_->misses.Add();
  impl_->adhoc_entries.fetch_add(1);
  // A full ARN is a valid SecretId too (the agent's clients send them).
  Status s = name.starts_with("arn:") && name.size() <= 2048
                 ? OkStatus()
                 : CheckStoreNameLimits(name);
  if (!s.ok()) {
    impl_->Apply(e, nullptr, Impl::Outcome{s, std::nullopt, false})
        .IgnoreError();
  } else {
    impl_->Refresh(e).IgnoreError();
  }
  std::shared_ptr<const Published> p = Load(*e);
  if (!p->error.ok() && !e->declared.load()) {
    impl_->Remove(e);  // errors are not cached; the next Get asks again
  } else {
    impl_->Wake();  // the refresher may be sleeping past its first refresh
  }
  impl_->EvictIfNeeded();
  return FromPublished(p);
}

std::optional<StatusOr<Secret>> SecretCache::Peek(std::string_view name,
                                                  const VersionPin& pin) {
  KeyBuffer key_buffer(name, pin);
  std::string_view lookup = key_buffer.view();
  // Get's hit path, without the fetch.
  MapCell::Slot map_tmp;
  const EntryMap& map = *impl_->ShardFor(lookup).cell.Read(&map_tmp).local;
  auto it = map.find(lookup);
  if (it == map.end()) return std::nullopt;
  CacheEntry& e = *it->second;
  internal::EntryCell::Slot tmp;
  const internal::EntryCell::Slot& slot = e.cell.Read(&tmp);
  if (!slot.local) return std::nullopt;  // first fetch still in flight
  impl_->Touch(e);
  impl_->hits.Add();
  return FromSlot(slot);
}

std::vector<SecretHandle> SecretCache::LoadDeclared(
    const std::vector<LoadRequest>& requests) {
  std::vector<std::shared_ptr<CacheEntry>> entries;
  std::vector<std::shared_ptr<CacheEntry>> batchable, singles;
  std::vector<SecretHandle> handles;
  for (const LoadRequest& r : requests) {
    bool created = false;
    auto e = impl_->FindOrCreate(r.name, r.pin, KeyOf(r.name, r.pin), &created);
    if (!created && !e->declared.load()) impl_->adhoc_entries.fetch_sub(1);
    e->declared.store(true);
    handles.push_back(SecretHandle(e));
    if (!created) continue;  // already loaded (or loading) through Get()
    e->required_properties = r.required_properties;
    (IsCurrent(r.pin) && impl_->batch_allowed.load() ? batchable : singles)
        .push_back(e);
  }
  std::vector<std::shared_ptr<CacheEntry>> fallback;
  std::mutex fallback_mu;
  std::vector<std::function<void()>> tasks;
  for (std::size_t i = 0; i < batchable.size(); i += kBatchLimit) {
    std::vector<std::shared_ptr<CacheEntry>> chunk(
        batchable.begin() + i,
        batchable.begin() + std::min(i + kBatchLimit, batchable.size()));
    tasks.push_back([this, chunk, &fallback, &fallback_mu] {
      impl_->LoadChunk(chunk, &fallback, &fallback_mu);
    });
  }
  for (const auto& e : singles)
    tasks.push_back([this, e] { impl_->Refresh(e).IgnoreError(); });
  RunParallel(tasks, impl_->opt.max_parallel_requests);
  tasks.clear();
  for (const auto& e : fallback)
    tasks.push_back([this, e] { impl_->Refresh(e).IgnoreError(); });
  RunParallel(tasks, impl_->opt.max_parallel_requests);
  impl_->Wake();
  return handles;
}

Status SecretCache::ForceRefresh(std::string_view name, const VersionPin& pin) {
  std::shared_ptr<CacheEntry> e = impl_->Find(KeyOf(name, pin));
  if (!e || !e->cell.HasValue()) {
    return NotFoundError("secret '" + std::string(name) +
                         "' is not in the cache");
  }
  {
    std::lock_guard<std::mutex> l(e->mu);
    Clock::time_point now = impl_->clock->Now();
    auto interval = std::chrono::duration_cast<Clock::duration>(
        impl_->opt.min_forced_refresh_interval);
    if (e->last_forced && now - *e->last_forced < interval) {
      return ResourceExhaustedError(
          "forced refresh of '" + e->name +
          "' is rate-limited: the last one was " +
          internal::WholeSeconds(now - *e->last_forced) +
          " ago; next allowed in " +
          internal::WholeSeconds(*e->last_forced + interval - now));
    }
    e->last_forced = now;
  }
  return impl_->Refresh(e);
}

int SecretCache::RunPendingRefreshes() { return impl_->RunPending(); }

std::optional<Clock::time_point> SecretCache::NextRefreshTime() const {
  return impl_->NextRefresh();
}

int SecretCache::AddListener(
    std::function<void(const SecretChange&)> listener) {
  std::lock_guard<std::mutex> l(impl_->listeners_mu);
  int id = impl_->next_listener++;
  impl_->listeners[id] = std::move(listener);
  return id;
}

void SecretCache::RemoveListener(int id) {
  std::lock_guard<std::mutex> l(impl_->listeners_mu);
  impl_->listeners.erase(id);
}

SecretCacheStats SecretCache::Stats() const {
  SecretCacheStats s;
  s.hits = impl_->hits.Sum();
  s.misses = impl_->misses.Sum();
  s.coalesced_misses = impl_->coalesced.load();
  s.refreshes = impl_->refreshes.load();
  s.refresh_failures = impl_->refresh_failures.load();
  s.evictions = impl_->evictions.load();
  s.get_secret_value_calls = impl_->get_calls.load();
  s.batch_get_secret_value_calls = impl_->batch_calls.load();
  s.describe_secret_calls = impl_->describe_calls.load();
  s.entries = impl_->AllEntries().size();
  return s;
}

std::vector<SecretHealth> SecretCache::Health() const {
  std::vector<SecretHealth> out;
  Clock::time_point now = impl_->clock->Now();
  for (const auto& e : impl_->AllEntries()) {
    std::shared_ptr<const Published> p = Load(*e);
    if (!p) continue;
    SecretHealth h;
    h.name = e->name;
    h.pin = e->pin;
    h.declared = e->declared.load();
    if (p->has_data) h.version_id = p->data.version_id;
    h.serving = p->error.ok() && p->has_data;
    std::lock_guard<std::mutex> l(e->mu);
    if (e->has_success) h.age = now - e->last_success;
    h.last_error = e->last_error;
    h.consecutive_failures = e->failures;
    h.refreshes = e->refreshes;
    h.versions_fetched = e->versions_fetched;
    h.next_refresh = e->next_refresh;
    out.push_back(std::move(h));
  }
  std::sort(out.begin(), out.end(),
            [](const SecretHealth& a, const SecretHealth& b) {
              return a.name < b.name;
            });
  return out;
}

}  // namespace keyward
