// SecretCache: entries in 16 copy-on-write shard maps, each entry publishing
// immutable snapshots through a SnapshotCell (lock-free, share-nothing reads;
// see src/core/snapshot_cell.h); one refresher thread.
#include "keyward/secret_cache.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "config/refresh_policy.h"
#include "config/secret_data.h"
#include "core/snapshot_cell.h"
#include "keyward/naming.h"
#include "keyward/secrets/errors.h"

namespace keyward {
namespace internal {

// What readers see: a value (possibly stale), or an error, or both (value
// withheld). Immutable once published.
struct Published {
  Status error;  // non-OK: reads return it
  bool has_data = false;
  SecretData data;
};

struct SecretFactory {
  static Secret Make(std::shared_ptr<const SecretData> data) {
    return Secret(std::move(data));
  }
};

// A slot's view of a snapshot: the Secret handed to readers (aliasing the
// snapshot through the reader thread's holder).
void MakeSecretView(const std::shared_ptr<const Published>& p, Secret* out) {
  *out = SecretFactory::Make(std::shared_ptr<const SecretData>(p, &p->data));
}
using EntryCell = SnapshotCell<Published, 256, Secret, &MakeSecretView>;

struct CacheEntry {
  std::string name;
  VersionPin pin;
  std::string key;
  std::atomic<bool> declared{false};
  std::vector<std::string> required_properties;  // set before publication

  // Nothing published while the first fetch is in flight. Published under
  // `mu` (so that loaded_cv waiters see it).
  EntryCell cell;
  // LRU stamp: the miss counter when last read (written only when it
  // differs, so steady-state hits do not write it).
  alignas(64) std::atomic<std::uint64_t> last_access{0};

  std::mutex refresh_mu;  // serialises refreshes of this entry (held over I/O)
  std::mutex mu;          // guards the fields below
  std::condition_variable loaded_cv;
  bool has_success = false;
  Clock::time_point last_success{};
  Clock::time_point expires_at{};
  Clock::time_point next_refresh{};
  std::optional<Clock::time_point> last_forced;
  int failures = 0;
  Status last_error;
  std::uint64_t refreshes = 0;
  std::uint64_t versions_fetched = 0;
};

}  // namespace internal

using internal::CacheEntry;
using internal::Published;
using internal::SecretData;
using LogLevel = SecretCacheOptions::LogLevel;

namespace {

constexpr int kShards = 16;
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

struct KeyHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const {
    return std::hash<std::string_view>()(s);
  }
};
using EntryMap = std::unordered_map<std::string, std::shared_ptr<CacheEntry>,
                                    KeyHash, std::equal_to<>>;
using MapCell = internal::SnapshotCell<EntryMap, 64>;

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

// Counters bumped on every read live in per-thread-slot cache lines so that
// readers on different cores do not contend on one line.
class ShardedCounter {
 public:
  void Add() {
    static std::atomic<unsigned> next{0};
    thread_local unsigned slot =
        next.fetch_add(1, std::memory_order_relaxed) % kSlots;
    slots_[slot].v.fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t Sum() const {
    std::uint64_t s = 0;
    for (const Slot& x : slots_) s += x.v.load(std::memory_order_relaxed);
    return s;
  }

 private:
  static constexpr unsigned kSlots = 16;
  struct alignas(64) Slot {
    std::atomic<std::uint64_t> v{0};
  };
  std::array<Slot, kSlots> slots_;
};

std::string KeyOf(std::string_view name, const VersionPin& pin) {
  return std::string(KeyBuffer(name, pin).view());
}

bool IsCurrent(const VersionPin& pin) {
  return pin.version_id.empty() && (pin.version_stage.empty() ||
                                    pin.version_stage == secrets::kAwsCurrent);
}

// The principal (or the endpoint) cannot use an optional operation.
bool IsNotAllowed(const Status& s) {
  return s.code() == StatusCode::kPermissionDenied ||
         s.code() == StatusCode::kUnimplemented ||
         s.error_type() == "UnknownOperationException" ||
         s.error_type() == "InvalidAction";
}

std::string Seconds(Clock::duration d) {
  return std::to_string(
             std::chrono::duration_cast<std::chrono::seconds>(d).count()) +
         "s";
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

struct SecretCache::Impl {
  // Readers find entries in the published map (lock-free, see MapCell);
  // writers copy it under `mu`, change the copy and publish it.
  struct Shard {
    std::mutex mu;
    MapCell cell;
  };
  // The outcome of one fetch/verify, applied by Apply().
  struct Outcome {
    Status status;
    std::optional<SecretData> data;  // a new version
    bool rejected = false;           // data failed validation; keep serving
  };

  SecretCacheOptions opt;
  const Clock* clock = nullptr;
  std::shared_ptr<secrets::SecretsManagerApi> api;
  std::array<Shard, kShards> shards;
  std::atomic<std::uint64_t> tick{0};
  std::atomic<std::size_t> adhoc_entries{0};
  std::atomic<bool> batch_allowed{true};
  std::atomic<bool> describe_allowed{true};

  ShardedCounter hits, misses;
  std::atomic<std::uint64_t> coalesced{0}, refreshes{0}, refresh_failures{0},
      evictions{0}, get_calls{0}, batch_calls{0}, describe_calls{0};

  std::mutex listeners_mu;
  std::map<int, std::function<void(const SecretChange&)>> listeners;
  int next_listener = 1;

  std::mutex wake_mu;
  std::condition_variable wake_cv;
  bool stop = false;

  // Makes the refresher recompute its next wake-up (new entries).
  void Wake() {
    { std::lock_guard<std::mutex> l(wake_mu); }
    wake_cv.notify_all();
  }
  std::thread refresher;

  Impl() {
    for (Shard& s : shards) s.cell.Publish(std::make_shared<const EntryMap>());
  }

  Shard& ShardFor(std::string_view key) {
    return shards[KeyHash()(key) % kShards];
  }
  // LRU stamp of a hit (see last_access).
  void Touch(CacheEntry& e) {
    std::uint64_t t = tick.load(std::memory_order_relaxed);
    if (e.last_access.load(std::memory_order_relaxed) != t)
      e.last_access.store(t, std::memory_order_relaxed);
  }
  double Random() { return opt.runtime.random->Unit(); }
  void Log(LogLevel level, const std::string& message) {
    if (opt.log) {
      opt.log(level, message);
    } else {
      if (level == LogLevel::kInfo) return;
      opt.runtime.log->Log(level == LogLevel::kError ? Logger::Level::kError
                                                     : Logger::Level::kWarning,
                           message);
    }
  }

  // --- store calls (counted) ---
  StatusOr<secrets::SecretValueResult> CallGet(const CacheEntry& e) {
    get_calls.fetch_add(1, std::memory_order_relaxed);
    return api->GetSecretValue({e.name, e.pin.version_id, e.pin.version_stage});
  }
  StatusOr<secrets::SecretMetadata> CallDescribe(const std::string& name) {
    describe_calls.fetch_add(1, std::memory_order_relaxed);
    return api->DescribeSecret(name);
  }

  // --- entries ---
  std::shared_ptr<CacheEntry> Find(std::string_view key) {
    std::shared_ptr<const EntryMap> map = ShardFor(key).cell.Load();
    auto it = map->find(key);
    return it == map->end() ? nullptr : it->second;
  }
  // Returns the entry for `key`, creating it (unpublished) when absent;
  // `*created` says which.
  std::shared_ptr<CacheEntry> FindOrCreate(std::string_view name,
                                           const VersionPin& pin,
                                           const std::string& key,
                                           bool* created) {
    Shard& s = ShardFor(key);
    std::lock_guard<std::mutex> l(s.mu);
    std::shared_ptr<const EntryMap> map = s.cell.Load();
    if (auto it = map->find(key); it != map->end()) {
      *created = false;
      return it->second;
    }
    *created = true;
    auto e = std::make_shared<CacheEntry>();
    e->name = std::string(name);
    e->pin = pin;
    e->key = key;
    e->last_access.store(tick.fetch_add(1) + 1, std::memory_order_relaxed);
    auto next = std::make_shared<EntryMap>(*map);
    next->emplace(key, e);
    s.cell.Publish(std::move(next));
    return e;
  }
  void Remove(const std::shared_ptr<CacheEntry>& e) {
    Shard& s = ShardFor(e->key);
    std::lock_guard<std::mutex> l(s.mu);
    std::shared_ptr<const EntryMap> map = s.cell.Load();
    auto it = map->find(e->key);
    if (it != map->end() && it->second == e) {
      auto next = std::make_shared<EntryMap>(*map);
      next->erase(e->key);
      s.cell.Publish(std::move(next));
      if (!e->declared.load()) adhoc_entries.fetch_sub(1);
    }
  }
  std::vector<std::shared_ptr<CacheEntry>> AllEntries() const {
    std::vector<std::shared_ptr<CacheEntry>> out;
    for (const Shard& s : shards) {
      std::shared_ptr<const EntryMap> map = s.cell.Load();
      for (const auto& [k, e] : *map) out.push_back(e);
    }
    return out;
  }
  void EvictIfNeeded() {
    while (adhoc_entries.load() > opt.max_entries) {
      std::shared_ptr<CacheEntry> victim;
      std::uint64_t oldest = UINT64_MAX;
      for (const auto& e : AllEntries()) {
        if (e->declared.load() || !e->cell.HasValue()) continue;
        std::uint64_t t = e->last_access.load(std::memory_order_relaxed);
        if (t < oldest) {
          oldest = t;
          victim = e;
        }
      }
      if (!victim) return;
      Remove(victim);
      evictions.fetch_add(1);
    }
  }

  // --- refresh ---
  // Schedules the next refresh of a value fetched or verified at `now`
  // (caller holds e.mu): refresh_ahead before expiry, minus jitter.
  void ScheduleAfterSuccess(CacheEntry& e, Clock::time_point now) {
    internal::SuccessSchedule s =
        internal::ScheduleOnSuccess(now, opt, Random());
    e.expires_at = s.expires_at;
    e.next_refresh = s.next_refresh;
  }

  // Fetches or verifies `e` against the store (caller holds e.refresh_mu).
  Outcome Fetch(CacheEntry& e, const Published* prev) {
    Outcome out;
    const SecretData* have = prev && prev->has_data ? &prev->data : nullptr;
    if (have && opt.version_check && describe_allowed.load()) {
      auto md = CallDescribe(e.name);
      if (!md.ok() && IsNotAllowed(md.status())) {
        describe_allowed.store(false);
        Log(LogLevel::kInfo, "DescribeSecret is not allowed (" +
                                 md.status().ToString() +
                                 "); refreshing with GetSecretValue");
      } else if (!md.ok()) {
        out.status = md.status();
        return out;
      } else if (md->deleted_date) {
        out.status =
            Status(StatusCode::kFailedPrecondition,
                   "secret '" + e.name + "' is scheduled for deletion on " +
                       FormatIso8601(*md->deleted_date) +
                       "; restore it (keyward restore / RestoreSecret) or stop "
                       "using it",
                   "InvalidRequestException");
        return out;
      } else {
        std::string target;
        if (!e.pin.version_id.empty()) {
          if (md->version_ids_to_stages.count(e.pin.version_id))
            target = e.pin.version_id;
        } else {
          std::string stage = e.pin.version_stage.empty()
                                  ? std::string(secrets::kAwsCurrent)
                                  : e.pin.version_stage;
          for (const auto& [id, stages] : md->version_ids_to_stages) {
            for (const std::string& s : stages) {
              if (s == stage) target = id;
            }
          }
        }
        if (!target.empty() && target == have->version_id)
          return out;  // unchanged
      }
    }
    auto r = CallGet(e);
    if (!r.ok()) {
      out.status = r.status();
      return out;
    }
    if (have && r->version_id == have->version_id) return out;  // unchanged
    out.data = internal::BuildSecretData(std::move(*r), e.name, clock->Now());
    Status valid =
        internal::CheckRequiredProperties(*out.data, e.required_properties);
    if (!valid.ok()) {
      if (have) {
        valid =
            valid.WithContext("new version " + out.data->version_id +
                              " rejected, still serving " + have->version_id);
      }
      out.status = valid;
      out.rejected = true;
      out.data.reset();
    }
    return out;
  }

  // What readers see after the failed refresh `out` (caller holds e.mu;
  // `e.failures` counts it): null to keep serving `prev`.
  std::shared_ptr<const Published> OnFailure(
      const CacheEntry& e, const std::shared_ptr<const Published>& prev,
      const Outcome& out, Clock::time_point now, LogLevel* level) {
    const SecretData* have = prev && prev->has_data ? &prev->data : nullptr;
    internal::RefreshState state{have != nullptr, e.has_success, e.last_success,
                                 e.expires_at, e.failures};
    *level = LogLevel::kWarning;
    switch (
        internal::DecideOnFailure(state, out.status, out.rejected, now, opt)) {
      case internal::FailureView::kNoValue:
        return std::make_shared<Published>(Published{out.status, false, {}});
      case internal::FailureView::kKeepServing:
        return nullptr;
      case internal::FailureView::kStale: {
        *level = LogLevel::kError;
        auto p = std::make_shared<Published>(*prev);
        p->error = UnavailableError(
            "secret '" + e.name + "': the last good value (version " +
            have->version_id + ") is older than max_staleness (" +
            Seconds(now - e.last_success) +
            "); last error: " + out.status.ToString());
        return p;
      }
      case internal::FailureView::kExpiredError: {
        *level = LogLevel::kError;
        auto p = std::make_shared<Published>(*prev);
        p->error = out.status;
        return p;
      }
    }
    return nullptr;
  }

  // What readers see after the successful refresh `out` (caller holds
  // e.mu): a new version, the old one without its error, or null (no
  // change). Sets `change` and `log_line` for a new version.
  std::shared_ptr<const Published> OnSuccess(
      CacheEntry& e, const std::shared_ptr<const Published>& prev, Outcome& out,
      Clock::time_point now, std::optional<SecretChange>* change,
      std::string* log_line) {
    const SecretData* have = prev && prev->has_data ? &prev->data : nullptr;
    e.has_success = true;
    e.last_success = now;
    e.failures = 0;
    e.last_error = OkStatus();
    if (prev) {
      ++e.refreshes;
      refreshes.fetch_add(1);
    }
    ScheduleAfterSuccess(e, now);
    if (out.data) {
      ++e.versions_fetched;
      auto p = std::make_shared<Published>();
      p->has_data = true;
      p->data = std::move(*out.data);
      if (!have || have->version_id != p->data.version_id) {
        *change = SecretChange{e.name, have ? have->version_id : "", Secret()};
        if (have)
          *log_line = e.name + ": now serving version " + p->data.version_id +
                      " (was " + have->version_id + ")";
      }
      return p;
    }
    if (prev && !prev->error.ok() && have) {
      auto p = std::make_shared<Published>(*prev);
      p->error = OkStatus();
      return p;
    }
    return nullptr;
  }

  // Applies `out` to `e` and publishes what readers should now see. Runs
  // listeners for a new version. Returns the outcome status.
  Status Apply(const std::shared_ptr<CacheEntry>& ep,
               std::shared_ptr<const Published> prev, Outcome out) {
    CacheEntry& e = *ep;
    Clock::time_point now = clock->Now();
    const SecretData* have = prev && prev->has_data ? &prev->data : nullptr;
    std::optional<SecretChange> change;
    std::string log_line;
    LogLevel level = LogLevel::kInfo;
    {
      std::lock_guard<std::mutex> l(e.mu);
      std::shared_ptr<const Published> next;
      if (out.status.ok()) {
        next = OnSuccess(e, prev, out, now, &change, &log_line);
      } else {
        ++e.failures;
        e.last_error = out.status;
        if (prev) refresh_failures.fetch_add(1);
        e.next_refresh = now + internal::Backoff(e.failures, opt, Random());
        next = OnFailure(e, prev, out, now, &level);
        log_line = "refresh of '" + e.name + "' failed (attempt " +
                   std::to_string(e.failures) +
                   (have ? ", serving version " + have->version_id + ", age " +
                               Seconds(now - e.last_success)
                         : std::string(", no value")) +
                   (next && have ? ", value withheld" : "") + ", retry in " +
                   Seconds(e.next_refresh - now) +
                   "): " + out.status.ToString();
      }
      if (next) e.cell.Publish(next);
      if (change)
        change->secret =
            MakeSecret(std::shared_ptr<const SecretData>(next, &next->data));
    }
    e.loaded_cv.notify_all();
    // A failed first fetch is the caller's error to handle: Get() returns it
    // and SecretConfig::Load folds it into its one error, so nothing is
    // printed on its own. Later failed attempts of a declared entry log.
    bool quiet =
        !prev && !out.status.ok() && (!e.declared.load() || e.failures <= 1);
    if (!log_line.empty() && !quiet) Log(level, log_line);
    if (change) Notify(*change);
    return out.status;
  }

  Status Refresh(const std::shared_ptr<CacheEntry>& e) {
    std::lock_guard<std::mutex> l(e->refresh_mu);
    std::shared_ptr<const Published> prev = Load(*e);
    Outcome out = Fetch(*e, prev.get());
    return Apply(e, std::move(prev), std::move(out));
  }

  void Notify(const SecretChange& change) {
    std::vector<std::function<void(const SecretChange&)>> fns;
    {
      std::lock_guard<std::mutex> l(listeners_mu);
      for (const auto& [id, fn] : listeners) fns.push_back(fn);
    }
    for (const auto& fn : fns) fn(change);
  }

  // --- bulk load ---
  // One BatchGetSecretValue chunk. Entries the batch could not answer
  // (batch not allowed, or not in the response) are appended to `fallback`.
  void LoadChunk(const std::vector<std::shared_ptr<CacheEntry>>& chunk,
                 std::vector<std::shared_ptr<CacheEntry>>* fallback,
                 std::mutex* fallback_mu) {
    if (!batch_allowed.load()) {  // learnt by an earlier chunk
      std::lock_guard<std::mutex> l(*fallback_mu);
      fallback->insert(fallback->end(), chunk.begin(), chunk.end());
      return;
    }
    std::map<std::string, Outcome> outcomes;
    Status chunk_error;
    secrets::BatchGetSecretValueRequest req;
    for (const auto& e : chunk) req.secret_ids.push_back(e->name);
    do {
      batch_calls.fetch_add(1, std::memory_order_relaxed);
      auto r = api->BatchGetSecretValue(req);
      if (!r.ok()) {
        chunk_error = r.status();
        break;
      }
      for (secrets::SecretValueResult& v : r->values) {
        std::string name = v.name;
        Outcome o;
        o.data = internal::BuildSecretData(std::move(v), name, clock->Now());
        outcomes[name] = std::move(o);
      }
      for (const secrets::BatchError& err : r->errors) {
        outcomes[err.secret_id].status = secrets::MapAwsError(
            400, err.error_code, err.message,
            {"BatchGetSecretValue", err.secret_id, "", ""});
      }
      req.next_token = r->next_token;
    } while (!req.next_token.empty());

    if (!chunk_error.ok() && IsNotAllowed(chunk_error)) {
      if (batch_allowed.exchange(false)) {
        Log(LogLevel::kInfo, "BatchGetSecretValue is not allowed (" +
                                 chunk_error.ToString() +
                                 "); loading with GetSecretValue");
      }
      std::lock_guard<std::mutex> l(*fallback_mu);
      fallback->insert(fallback->end(), chunk.begin(), chunk.end());
      return;
    }
    for (const auto& e : chunk) {
      if (!chunk_error.ok()) {
        Apply(e, nullptr, Outcome{chunk_error, std::nullopt, false})
            .IgnoreError();
        continue;
      }
      auto it = outcomes.find(e->name);
      if (it == outcomes.end()) {
        std::lock_guard<std::mutex> l(*fallback_mu);
        fallback->push_back(e);
        continue;
      }
      Outcome o = std::move(it->second);
      if (o.data) {
        Status valid =
            internal::CheckRequiredProperties(*o.data, e->required_properties);
        if (!valid.ok()) o = Outcome{valid, std::nullopt, true};
      }
      Apply(e, nullptr, std::move(o)).IgnoreError();
    }
  }

  // --- refresher thread ---
  void RefresherLoop() {
    std::unique_lock<std::mutex> l(wake_mu);
    while (!stop) {
      l.unlock();
      RunPending();
      auto next = NextRefresh();
      l.lock();
      if (stop) break;
      Clock::duration wait = std::chrono::seconds(60);
      if (next) wait = std::min(wait, *next - clock->Now());
      wait = std::max<Clock::duration>(wait, std::chrono::milliseconds(10));
      // No predicate: LoadDeclared/ForceRefresh notify so that new entries
      // are scheduled at once (a `stop`-only predicate swallowed those
      // wake-ups and delayed the first refresh by up to 60 s). `stop` is
      // set under wake_mu and checked above, so it cannot be missed.
      wake_cv.wait_for(l, wait);
    }
  }

  int RunPending() {
    Clock::time_point now = clock->Now();
    std::vector<std::shared_ptr<CacheEntry>> due;
    for (const auto& e : AllEntries()) {
      if (!e->cell.HasValue()) continue;  // first fetch in flight
      std::lock_guard<std::mutex> l(e->mu);
      if (e->next_refresh <= now) due.push_back(e);
    }
    for (const auto& e : due) Refresh(e).IgnoreError();
    return static_cast<int>(due.size());
  }

  std::optional<Clock::time_point> NextRefresh() const {
    std::optional<Clock::time_point> next;
    for (const auto& e : AllEntries()) {
      if (!e->cell.HasValue()) continue;
      std::lock_guard<std::mutex> l(e->mu);
      if (!next || e->next_refresh < *next) next = e->next_refresh;
    }
    return next;
  }
};

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
      return ResourceExhaustedError("forced refresh of '" + e->name +
                                    "' is rate-limited: the last one was " +
                                    Seconds(now - *e->last_forced) +
                                    " ago; next allowed in " +
                                    Seconds(*e->last_forced + interval - now));
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
