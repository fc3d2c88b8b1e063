// SecretConfig: the Secret Config Module. An application declares the secrets
// it needs, loads them all at start-up with one call, and then reads them from
// memory while a background thread keeps them current.
//
//   #include "keyward/secret_config.h"
//
//   using keyward::SecretSpec;
//   auto config = keyward::SecretConfig::Load({
//       SecretSpec::Required("platform-data/postgres/orders", {"username",
//       "password"}),
//       SecretSpec::Required("platform-config/postgres/platform-postgres",
//       {"host", "port"}), SecretSpec::Optional("platform-data/stripe/orders",
//       {"token"}),
//   });
//   if (!config.ok()) {            // one error listing every problem
//     std::cerr << config.status() << "\n";
//     return 1;
//   }
//   KW_ASSIGN_OR_RETURN(keyward::Secret db,
//   (*config)->Get("platform-data/postgres/orders"));
//   KW_ASSIGN_OR_RETURN(keyward::SecretValue password,
//   db.Property("password")); Connect(..., password.Reveal());
//
// Load either returns a ready object, with every declared secret fetched and
// every declared property present, or one error that lists every problem at
// once (invalid name, missing secret, missing property, access denied,
// unreachable endpoint...) and contains no value. There is no partially
// loaded state. Only NOT_FOUND of an `optional` secret is tolerated.
//
// Configuration follows the AWS SDKs: region from AWS_REGION /
// AWS_DEFAULT_REGION / the profile, endpoint from
// AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL / the profile,
// credentials from the default chain (environment, shared files,
// credential_process, AssumeRole), profile from AWS_PROFILE;
// SecretConfigOptions::cache.aws overrides them. Caching, refresh and failure
// behaviour are SecretCache's (keyward/secret_cache.h): 1 h TTL with jitter,
// background version-aware refresh, stale serving on transient errors up to
// max_staleness, permanent errors surfaced.
//
// Thread-safety: a loaded SecretConfig is safe to use from any thread. Reads
// of a declared secret (Get, Read, Property, Port) never block, never touch
// the network, take no lock and, in the common case, write nothing another
// core reads, so they scale with cores: the name is looked up in a map that
// never changes after Load, and the value comes from this thread's cached
// snapshot, revalidated by the entry's version counter (see "Reads scale with
// cores" in keyward/secret_cache.h). Get() copies a reference to the
// snapshot (one uncontended, thread-private reference-count increment);
// Read(name, fn) lends it to fn without any. Destroying the object stops and
// joins the refresher; do not destroy it while other threads still call it.
//
//   // Hot path: no copy of the Secret, no reference counting.
//   Status s = config->Read("platform-data/postgres/orders",
//                           [&](const keyward::Secret& db) {
//     const keyward::SecretValue* pw = db.FindProperty("password");
//     ...
//   });
#ifndef KEYWARD_SECRET_CONFIG_H_
#define KEYWARD_SECRET_CONFIG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "keyward/secret_cache.h"
#include "keyward/status.h"

namespace keyward {

// One declared secret. Build it with Required() / Optional() (designated
// initializers work too, but GCC's -Wmissing-field-initializers flags them).
struct SecretSpec {
  // A secret that must exist, with the JSON properties it must have.
  static SecretSpec Required(std::string name,
                             std::vector<std::string> properties = {}) {
    SecretSpec s;
    s.name = std::move(name);
    s.properties = std::move(properties);
    return s;
  }
  // A secret that may be absent (see `optional`).
  static SecretSpec Optional(std::string name,
                             std::vector<std::string> properties = {}) {
    SecretSpec s = Required(std::move(name), std::move(properties));
    s.optional = true;
    return s;
  }
  SecretSpec& Stage(std::string stage) {
    version_stage = std::move(stage);
    return *this;
  }
  SecretSpec& VersionId(std::string id) {
    version_id = std::move(id);
    return *this;
  }

  // platform-data/{datasource}/{consumer} or
  // platform-config/{datasource}/{instance}.
  std::string name;
  // Properties the JSON value must have (also on every later version: a new
  // version without them is rejected). Empty: the whole value is used (a
  // plain string or binary secret is then fine).
  std::vector<std::string> properties;
  // An optional secret may be absent from the store (Load succeeds; Get then
  // returns NOT_FOUND until it appears). Any other error still fails Load.
  bool optional = false;
  // Pin a version stage (e.g. "AWSPREVIOUS") or an immutable version id.
  // Default: AWSCURRENT.
  std::string version_stage;
  std::string version_id;
};

struct SecretConfigOptions {
  SecretCacheOptions cache;
  // Reject names that break the naming convention (keyward/naming.h).
  // Default true; set false only for legacy names during migration.
  bool enforce_naming = true;
};

class SecretConfig {
 public:
  // Validates the declarations and fetches every secret (see SecretCache::
  // LoadDeclared for the request plan: 100 AWSCURRENT secrets take 5
  // requests). On any problem returns one error listing them all, one per
  // line as "  <name>: <problem>"; its code is the first problem's code
  // (INVALID_ARGUMENT for declaration mistakes). Values never appear in it.
  static StatusOr<std::unique_ptr<SecretConfig>> Load(
      std::vector<SecretSpec> specs, SecretConfigOptions options = {});
  ~SecretConfig();

  // The current value of a declared secret. NOT_FOUND for names that were
  // not declared and for absent optional secrets; otherwise the cache's
  // failure semantics (value served, or the surfaced error).
  StatusOr<Secret> Get(std::string_view name) const;
  // Calls fn with the current value of a declared secret and returns OK, or
  // returns Get()'s error without calling fn. The reference is valid only
  // during fn. The fastest read (see the thread-safety note above).
  Status Read(std::string_view name, FunctionRef<void(const Secret&)> fn) const;
  // The handle of a declared secret (NOT_FOUND otherwise), to skip the name
  // lookup on the hottest paths: handle.Read(fn) / handle.Get(). Valid while
  // this object is.
  StatusOr<SecretHandle> Handle(std::string_view name) const;
  // Shorthands for Get(name) followed by Secret::Property / Secret::Port.
  StatusOr<SecretValue> Property(std::string_view name,
                                 std::string_view key) const;
  StatusOr<int> Port(std::string_view name,
                     std::string_view key = "port") const;

  // Refreshes a declared secret now (rate-limited; see SecretCache).
  Status ForceRefresh(std::string_view name);
  // Listener for new versions of any declared secret (runs on the refresher
  // thread). Returns an id for RemoveListener.
  int OnChange(std::function<void(const SecretChange&)> listener);
  void RemoveListener(int id);

  std::vector<SecretHealth> Health() const { return cache_->Health(); }
  SecretCacheStats Stats() const { return cache_->Stats(); }
  // The underlying cache: for secrets only known at run time, and for tests
  // (RunPendingRefreshes).
  SecretCache& cache() { return *cache_; }

 private:
  SecretConfig() = default;
  // The handle of a declared secret, or null: an open-addressing table
  // (power-of-two size, at most half full) filled by Load and never changed
  // after, so lookups need no lock.
  const SecretHandle* Find(std::string_view name) const;
  void AddHandle(const std::string& name, SecretHandle handle);
  static Status NotDeclared(std::string_view name);
  struct Named {
    std::uint64_t hash = 0;
    std::string name;  // empty: free
    SecretHandle handle;
  };
  std::unique_ptr<SecretCache> cache_;
  std::vector<Named> handles_;
};

}  // namespace keyward

#endif  // KEYWARD_SECRET_CONFIG_H_
