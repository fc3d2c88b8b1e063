// SecretCache: an in-process cache of Secrets Manager values with background,
// version-aware refresh, stale serving during outages, single-flight misses
// and a bounded LRU. It is the engine behind SecretConfig
// (keyward/secret_config.h), which most applications should use instead; use
// SecretCache directly for secrets whose names are only known at run time.
//
//   SecretCacheOptions options;              // defaults: see below
//   KW_ASSIGN_OR_RETURN(auto cache, SecretCache::Create(std::move(options)));
//   KW_ASSIGN_OR_RETURN(Secret s, cache->Get("platform-data/redis/sessions"));
//   KW_ASSIGN_OR_RETURN(SecretValue password, s.Property("password"));
//
// Refresh. A value is fresh for `ttl` after it was last fetched or verified.
// A background thread refreshes each entry `refresh_ahead` before it expires,
// moved earlier by a random jitter so that a fleet does not refresh in step.
// A refresh first calls DescribeSecret and fetches the value only when the
// version carrying the entry's stage (AWSCURRENT by default) changed, so a
// steady-state refresh costs one cheap call and never moves secret bytes. When
// the principal may not call DescribeSecret the cache falls back to
// GetSecretValue and compares version ids.
//
// Failure semantics.
//  * Transient errors (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED):
//    the last good value keeps being served, retries back off exponentially
//    with jitter, and once the last good value is older than `max_staleness`
//    reads fail with UNAVAILABLE naming the last error.
//  * Permanent errors (NOT_FOUND, PERMISSION_DENIED, UNAUTHENTICATED,
//    FAILED_PRECONDITION e.g. scheduled for deletion): surfaced at once in
//    Health(), the log and listeners; the value is served until its ttl runs
//    out, then reads return that error. Retries continue with backoff, so the
//    entry recovers by itself when the cause is fixed.
//  * Staleness is evaluated by the refresher (at each attempt), never on the
//    read path, so reads stay lock- and clock-free.
//  * A new version that lacks a declared property is rejected: the previous
//    version keeps being served and the problem is reported.
//
// Thread-safety: every method is safe to call from any thread. Listeners run
// on the refresher thread (or the thread calling ForceRefresh /
// RunPendingRefreshes), outside any cache lock; they may call back into the
// cache. The destructor stops and joins the refresher thread; no callback
// runs after it returns.
//
// Reads scale with cores. A cached read (SecretHandle::Get/Read, a
// SecretCache::Get hit, SecretConfig::Get/Read/Property) never waits on the
// network, takes no lock and, in the common case, writes no cache line that
// another thread reads. Each entry publishes immutable snapshots with a
// version counter; each reader thread keeps its own reference to the snapshot
// it last read of each entry (a slot in a small thread-local table), owned
// through a holder object with its own reference count. A read compares the
// entry's version (a load of a line that only changes when a new value is
// published) with the thread's slot and hands out the slot's snapshot; only
// when the version moved does it take the entry's mutex once to refill the
// slot. A SecretCache::Get hit finds its entry the same way, in a
// copy-on-write map per shard. Details: src/core/snapshot_cell.h.
//  * Get() returns a Secret by value: that copies a reference, which
//    increments the count of this thread's holder (an uncontended atomic on a
//    line only this thread uses).
//  * Read(fn) hands fn a `const Secret&` to the thread's slot: no reference
//    count operation at all; the cheapest form, for hot paths.
//  * Reclamation is by reference counting, so no reader can ever see a freed
//    or torn value, and a snapshot's bytes are wiped when its last reference
//    goes. The price: a thread keeps the version it last read of an entry
//    until its next read of that entry (or of another entry that takes its
//    slot; 256 slots per thread) or until it exits. A rotated value that only
//    an idle thread had read is wiped when that thread reads again or exits,
//    not at rotation time.
//  * LRU order for eviction has the resolution of one miss: a hit stamps the
//    entry with the miss counter only when the stamp differs (so a steady
//    state of hits writes nothing); entries read since the same miss count
//    as equally recent.
#ifndef KEYWARD_SECRET_CACHE_H_
#define KEYWARD_SECRET_CACHE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyward/attributes.h"
#include "keyward/function_ref.h"
#include "keyward/runtime.h"
#include "keyward/secret_value.h"
#include "keyward/secrets/client.h"
#include "keyward/status.h"

namespace keyward {

namespace internal {
struct SecretData;
struct CacheEntry;
struct Published;
struct SecretFactory;
}  // namespace internal

// An immutable snapshot of one version of one secret. Cheap to copy (shared
// ownership); never prints its value; the bytes are wiped when the last copy
// is gone.
class Secret {
 public:
  Secret() = default;

  const std::string& name() const KEYWARD_LIFETIMEBOUND;
  const std::string& version_id() const KEYWARD_LIFETIMEBOUND;
  // True when the secret was stored as SecretBinary.
  bool is_binary() const;
  // True when the value is a JSON object (it then exposes properties).
  bool is_json() const;
  // The whole SecretString (or the decoded SecretBinary bytes).
  const SecretValue& value() const KEYWARD_LIFETIMEBOUND;
  // When this version was fetched from the store.
  Clock::time_point fetched_at() const;
  // ARN, staging labels (as of the fetch) and creation date as
  // GetSecretValue returned them; empty / nullopt when the store sent none.
  const std::string& arn() const KEYWARD_LIFETIMEBOUND;
  const std::vector<std::string>& version_stages() const KEYWARD_LIFETIMEBOUND;
  std::optional<Clock::time_point> created_date() const;

  // Property names of a JSON value (names are not secret), sorted.
  std::vector<std::string> property_names() const;
  bool has_property(std::string_view key) const;
  // The property's value: strings as they are, other JSON types as JSON text.
  // NOT_FOUND naming the property (and the properties that exist);
  // FAILED_PRECONDITION when the value is not a JSON object.
  StatusOr<SecretValue> Property(std::string_view key) const;
  // The property's value without copying it (null when there is no such
  // property); valid as long as this Secret (or the `const Secret&` passed to
  // a Read callback) is.
  const SecretValue* FindProperty(std::string_view key) const
      KEYWARD_LIFETIMEBOUND;
  // A property that holds an integer (JSON number or decimal string).
  // INVALID_ARGUMENT when it is not one (the value is never quoted).
  StatusOr<std::int64_t> Int(std::string_view key) const;
  // A TCP port: an integer in 1..65535. INVALID_ARGUMENT otherwise.
  StatusOr<int> Port(std::string_view key = "port") const;

  friend std::ostream& operator<<(std::ostream& os, const Secret& s);
  friend void PrintTo(const Secret& s, std::ostream* os) { *os << s; }

 private:
  friend class SecretCache;
  friend class SecretHandle;
  friend struct internal::SecretFactory;
  explicit Secret(std::shared_ptr<const internal::SecretData> data)
      : data_(std::move(data)) {}
  std::shared_ptr<const internal::SecretData> data_;
};

// Which version of a secret an entry tracks. Empty: AWSCURRENT.
struct VersionPin {
  std::string version_stage;  // e.g. "AWSPREVIOUS"
  std::string version_id;     // an immutable version; wins over the stage
};

struct SecretCacheOptions {
  // The store. Default (null): a SecretsManagerClient configured like the AWS
  // SDKs (region, endpoint, profile and credential chain from the
  // environment and ~/.aws, see ResolveClientConfig) plus `aws` overrides.
  std::shared_ptr<secrets::SecretsManagerApi> client;
  secrets::ClientOverrides aws;

  // How long a fetched or verified value counts as fresh. Default 1 hour.
  std::chrono::seconds ttl{3600};
  // The background refresh starts this long before expiry. Default 5 min.
  std::chrono::seconds refresh_ahead{300};
  // The refresh moves earlier by a uniform random fraction in
  // [0, ttl_jitter) of ttl. Default 0.1 (up to 6 min).
  double ttl_jitter = 0.1;
  // On transient errors the last good value is served until it is this old
  // (measured from the last successful fetch/verification). Default 24 h.
  std::chrono::seconds max_staleness{24 * 3600};
  // Retry backoff after failed refreshes: initial * 2^(failures-1), capped
  // at max, each multiplied by a random factor in [0.5, 1). Defaults 1 s, 5
  // min.
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{300000};
  // ForceRefresh of one entry at most this often; earlier calls return
  // RESOURCE_EXHAUSTED immediately (no sleeping). Default 30 s.
  std::chrono::seconds min_forced_refresh_interval{30};
  // Entries created by Get() beyond this many are evicted least recently
  // used first. Declared (SecretConfig) entries are never evicted. Default
  // 1024.
  std::size_t max_entries = 1024;
  // DescribeSecret before GetSecretValue on refresh. Default true.
  bool version_check = true;
  // Run refreshes on a background thread. Tests set false and drive them with
  // RunPendingRefreshes(). Default true.
  bool background_refresh = true;
  // Concurrent requests during a bulk load. Default 4.
  int max_parallel_requests = 4;
  // Clock, random (refresh jitter) and the default log; with `client`
  // unset, also the environment, shared files and credential_process the
  // client is resolved from (keyward/runtime.h). Default: the real ones.
  Runtime runtime;
  // Log sink for refresh outcomes and problems (never values). Default:
  // warnings and errors to `runtime.log` (stderr, prefixed "keyward: ").
  enum class LogLevel { kInfo, kWarning, kError };
  std::function<void(LogLevel, std::string_view)> log;
};

// Passed to listeners when an entry starts serving a new version (or the
// first one that appears after the secret was missing).
struct SecretChange {
  std::string name;
  std::string old_version_id;  // "" when there was no value
  Secret secret;               // the new version
};

// One entry's state, for health endpoints and dashboards.
struct SecretHealth {
  std::string name;
  VersionPin pin;
  std::string version_id;  // "" when no value is held
  bool serving = false;    // reads currently return a value
  bool declared = false;   // pinned by SecretConfig (never evicted)
  // Since the value was last fetched or verified (0 when none).
  Clock::duration age{0};
  Status last_error;  // OK after a successful refresh
  int consecutive_failures = 0;
  std::uint64_t refreshes = 0;         // successful refreshes
  std::uint64_t versions_fetched = 0;  // GetSecretValue that moved bytes
  std::optional<Clock::time_point> next_refresh;
};

struct SecretCacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t coalesced_misses = 0;  // misses that waited for another's fetch
  std::uint64_t refreshes = 0;         // successful refreshes (all entries)
  std::uint64_t refresh_failures = 0;
  std::uint64_t evictions = 0;
  std::uint64_t get_secret_value_calls = 0;
  std::uint64_t batch_get_secret_value_calls = 0;
  std::uint64_t describe_secret_calls = 0;
  std::size_t entries = 0;
};

// A fast, lock-free read handle to one cache entry (kept alive by the
// handle even if the entry is evicted; it then stops refreshing).
class SecretHandle {
 public:
  SecretHandle() = default;
  // The current value, or the entry's error (see failure semantics).
  StatusOr<Secret> Get() const;
  // Calls fn with the current value and returns OK, or returns the entry's
  // error without calling fn. The reference is only valid during fn (copy
  // the Secret to keep it). The fastest read: no lock, no reference count
  // operation, no shared store. fn may read other secrets.
  Status Read(FunctionRef<void(const Secret&)> fn) const;

 private:
  friend class SecretCache;
  friend class SecretConfig;
  explicit SecretHandle(std::shared_ptr<internal::CacheEntry> e)
      : entry_(std::move(e)) {}
  std::shared_ptr<internal::CacheEntry> entry_;
};

class SecretCache {
 public:
  // INVALID_ARGUMENT for inconsistent options; errors from the client
  // configuration (e.g. no region) when no client was given.
  static StatusOr<std::unique_ptr<SecretCache>> Create(
      SecretCacheOptions options);
  ~SecretCache();
  SecretCache(const SecretCache&) = delete;
  SecretCache& operator=(const SecretCache&) = delete;

  // The cached value; on a miss fetches it with GetSecretValue (concurrent
  // misses for the same key share one request). Errors are the store's
  // (NOT_FOUND, PERMISSION_DENIED, ...) and are not cached.
  StatusOr<Secret> Get(std::string_view name, const VersionPin& pin = {});

  // The cached value or the entry's error, without ever asking the store:
  // nullopt when `name`/`pin` is not cached (Get would fetch it). Counts as a
  // hit when it returns something. For callers that must not block (event
  // loops) and fall back to Get elsewhere.
  std::optional<StatusOr<Secret>> Peek(std::string_view name,
                                       const VersionPin& pin = {});

  struct LoadRequest {
    std::string name;
    VersionPin pin;
    // Properties every version must have (a new version without them is
    // rejected at refresh).
    std::vector<std::string> required_properties;
  };
  // Creates declared (never evicted) entries for `requests` and fetches them
  // all: AWSCURRENT values with BatchGetSecretValue in chunks of 20, pinned
  // ones (and everything, when the principal may not batch) with
  // GetSecretValue; up to max_parallel_requests requests in flight. Returns
  // one handle per request, in order; a handle's Get() reports that secret's
  // load error (the store's, or NOT_FOUND for a missing required property).
  // Used by SecretConfig::Load.
  std::vector<SecretHandle> LoadDeclared(
      const std::vector<LoadRequest>& requests);

  // Refreshes one entry now (blocking on the network), rate-limited per entry:
  // RESOURCE_EXHAUSTED without waiting when the last forced refresh was less
  // than min_forced_refresh_interval ago. NOT_FOUND when the entry is not
  // cached. Otherwise the refresh outcome.
  Status ForceRefresh(std::string_view name, const VersionPin& pin = {});

  // Runs every refresh that is due at Clock::Now() on the calling thread and
  // returns how many entries were attempted. The background thread calls
  // this; tests call it directly (with background_refresh = false).
  int RunPendingRefreshes();
  // When the next refresh is due (nullopt: nothing cached).
  std::optional<Clock::time_point> NextRefreshTime() const;

  // Registers `listener` for new versions of any entry; returns an id for
  // RemoveListener.
  int AddListener(std::function<void(const SecretChange&)> listener);
  void RemoveListener(int id);

  SecretCacheStats Stats() const;
  std::vector<SecretHealth> Health() const;

 private:
  struct Impl;
  explicit SecretCache(std::unique_ptr<Impl> impl);
  static Secret MakeSecret(std::shared_ptr<const internal::SecretData> data) {
    return Secret(std::move(data));
  }
  std::unique_ptr<Impl> impl_;
  friend class SecretHandle;
};

}  // namespace keyward

#endif  // KEYWARD_SECRET_CACHE_H_
