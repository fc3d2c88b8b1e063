// SecretCache's internals, shared by secret_cache.cc (reads, loading,
// statistics) and secret_cache_refresh.cc (fetching, publishing, the
// refresher thread). Not part of the public API.
#ifndef KEYWARD_SRC_CONFIG_SECRET_CACHE_INTERNAL_H_
#define KEYWARD_SRC_CONFIG_SECRET_CACHE_INTERNAL_H_

#include <array>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "config/refresh_policy.h"
#include "config/secret_data.h"
#include "core/snapshot_cell.h"
#include "keyward/secret_cache.h"

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
inline void MakeSecretView(const std::shared_ptr<const Published>& p,
                           Secret* out) {
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

inline constexpr int kCacheShards = 16;

struct KeyHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const {
    return std::hash<std::string_view>()(s);
  }
};
using EntryMap = std::unordered_map<std::string, std::shared_ptr<CacheEntry>,
                                    KeyHash, std::equal_to<>>;
using MapCell = SnapshotCell<EntryMap, 64>;

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

// "12s": whole seconds, for log lines and errors.
inline std::string WholeSeconds(Clock::duration d) {
  return std::to_string(
             std::chrono::duration_cast<std::chrono::seconds>(d).count()) +
         "s";
}

}  // namespace internal

struct SecretCache::Impl {
  using CacheEntry = internal::CacheEntry;
  using EntryMap = internal::EntryMap;
  using KeyHash = internal::KeyHash;
  using LogLevel = SecretCacheOptions::LogLevel;
  using MapCell = internal::MapCell;
  using Published = internal::Published;
  using SecretData = internal::SecretData;
  using ShardedCounter = internal::ShardedCounter;
  static constexpr int kCacheShards = internal::kCacheShards;

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
  std::array<Shard, kCacheShards> shards;
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
    return shards[KeyHash()(key) % kCacheShards];
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

  void Remove(const std::shared_ptr<CacheEntry>& e);
  std::vector<std::shared_ptr<CacheEntry>> AllEntries() const;
  void EvictIfNeeded();

  // --- refresh (secret_cache_refresh.cc) ---
  // Schedules the next refresh of a value fetched or verified at `now`
  // (caller holds e.mu): refresh_ahead before expiry, minus jitter.
  void ScheduleAfterSuccess(CacheEntry& e, Clock::time_point now);
  // Fetches or verifies `e` against the store (caller holds e.refresh_mu).
  Outcome Fetch(CacheEntry& e, const Published* prev);
  // What readers see after the failed refresh `out` (caller holds e.mu;
  // `e.failures` counts it): null to keep serving `prev`.
  std::shared_ptr<const Published> OnFailure(
      const CacheEntry& e, const std::shared_ptr<const Published>& prev,
      const Outcome& out, Clock::time_point now, LogLevel* level);
  // What readers see after the successful refresh `out` (caller holds
  // e.mu): a new version, the old one without its error, or null (no
  // change). Sets `change` and `log_line` for a new version.
  std::shared_ptr<const Published> OnSuccess(
      CacheEntry& e, const std::shared_ptr<const Published>& prev, Outcome& out,
      Clock::time_point now, std::optional<SecretChange>* change,
      std::string* log_line);
  // Applies `out` to `e` and publishes what readers should now see. Runs
  // listeners for a new version. Returns the outcome status.
  Status Apply(const std::shared_ptr<CacheEntry>& ep,
               std::shared_ptr<const Published> prev, Outcome out);
  Status Refresh(const std::shared_ptr<CacheEntry>& e);
  void Notify(const SecretChange& change);

  // --- bulk load ---
  // The outcomes of BatchGetSecretValue for `chunk` (all pages) by name;
  // the call's error when a page failed.
  Status BatchFetch(const std::vector<std::shared_ptr<CacheEntry>>& chunk,
                    std::map<std::string, Outcome>* outcomes);
  // One BatchGetSecretValue chunk. Entries the batch could not answer
  // (batch not allowed, or not in the response) are appended to `fallback`.
  void LoadChunk(const std::vector<std::shared_ptr<CacheEntry>>& chunk,
                 std::vector<std::shared_ptr<CacheEntry>>* fallback,
                 std::mutex* fallback_mu);

  // --- refresher thread ---
  void RefresherLoop();
  int RunPending();
  std::optional<Clock::time_point> NextRefresh() const;
};

}  // namespace keyward

#endif  // KEYWARD_SRC_CONFIG_SECRET_CACHE_INTERNAL_H_
