// ReadIndex: the lock-free read side of keyward server's secrets, for
// GetSecretValue (issue 18: the server's read path uses the same mechanism
// as the Secret Config Module's cache and the agent, core/snapshot_cell.h).
//
// The service keeps its mutable state (SecretsService::Impl::by_arn) under
// its shared_mutex for writers and for the colder reads (DescribeSecret,
// ListSecrets, ...). Every change to a secret is also published here as an
// immutable copy: the index maps each secret's ARN and its (region, name)
// key to a shared, never-modified StoredSecret. The keys are spread over
// kShards SnapshotCells, each holding an immutable hash map; a write copies
// one or two shards' maps (1/kShards of the keys each) with the new entry
// and publishes them. A read loads one shard through SnapshotCell's
// per-thread slot: no lock, no atomic read-modify-write, nothing written
// that another core reads.
//
// Contract: writers call Put/Remove while holding the service's exclusive
// lock (they are serialized by it) and after the change is durable, so a
// write that returned is seen by every read that starts after it. A pointer
// returned by Find is valid until this thread's next Find (or Lookup).
#ifndef KEYWARD_SRC_SERVER_READ_INDEX_H_
#define KEYWARD_SRC_SERVER_READ_INDEX_H_

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/snapshot_cell.h"
#include "keyward/server/store.h"

namespace keyward::server {

class ReadIndex {
 public:
  static constexpr std::size_t kShards = 64;
  using SecretPtr = std::shared_ptr<const StoredSecret>;

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const {
      return std::hash<std::string_view>{}(s);
    }
  };
  struct Map {
    std::unordered_map<std::string, SecretPtr, Hash, std::equal_to<>> entries;
  };
  using Cell = internal::SnapshotCell<Map>;
  // A reader's scratch slot (used only when this thread's table cannot be).
  using Slot = Cell::Slot;

  // The (region, name) key of a secret, as SecretsService::Impl::NameKey.
  static std::string NameKey(std::string_view region, std::string_view name);

  // Publishes a copy of `s` under its ARN and its name key (replacing an
  // older copy). Writers only (see the contract above).
  void Put(const StoredSecret& s);
  // Removes the secret `arn` (and its name key when that still names it).
  void Remove(const std::string& arn);
  // Publishes every secret of `all` at once (start-up).
  void Load(const std::vector<const StoredSecret*>& all);

  // The secret `id` (name, full ARN or ARN without the random suffix, given
  // the region's ARN prefix) names in `region`; null when none. As
  // SecretsService::Impl::Find, except that expiry is the caller's check.
  const StoredSecret* Find(std::string_view id, std::string_view region,
                           std::string_view arn_prefix, Slot* tmp) const;
  // One key's entry; null when absent.
  const StoredSecret* Lookup(std::string_view key, Slot* tmp) const;

 private:
  std::size_t ShardOf(std::string_view key) const {
    return Hash{}(key) % kShards;
  }
  // Applies `edits` (key -> new entry, null: erase) to the shards they
  // touch, copying each touched shard's map once.
  void Apply(const std::vector<std::pair<std::string, SecretPtr>>& edits);

  std::array<Cell, kShards> shards_;
};

}  // namespace keyward::server

#endif  // KEYWARD_SRC_SERVER_READ_INDEX_H_
