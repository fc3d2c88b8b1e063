// Reading many secrets' current values from the store in batches: one
// BatchGetSecretValue per 20 names, falling back to GetSecretValue per name
// when the batch call is refused (e.g. a policy without the `*` resource
// BatchGetSecretValue needs, or an endpoint that lacks it).
#ifndef KEYWARD_SRC_MIGRATE_STORE_READER_H_
#define KEYWARD_SRC_MIGRATE_STORE_READER_H_

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "keyward/secrets/client.h"
#include "keyward/status.h"

namespace keyward::migrate {

inline constexpr std::size_t kStoreBatchSize = 20;

// One secret's read: a value or why there is none.
struct StoreRead {
  std::string name;
  std::optional<secrets::SecretValueResult> value;
  Status status;  // NOT_FOUND for missing secrets
};

// Reads `names` (at most kStoreBatchSize) and returns one StoreRead per name,
// in the same order. Counts every request in `requests`.
std::vector<StoreRead> ReadBatch(secrets::SecretsManagerApi& store,
                                 const std::vector<std::string>& names,
                                 std::atomic<std::int64_t>& requests);

// Runs `work(first, last)` over [0, n) in chunks of kStoreBatchSize on up to
// `parallelism` threads (the calling thread included).
void ForEachBatch(std::size_t n, int parallelism,
                  const std::function<void(std::size_t, std::size_t)>& work);

}  // namespace keyward::migrate

#endif  // KEYWARD_SRC_MIGRATE_STORE_READER_H_
