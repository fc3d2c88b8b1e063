#include "migrate/store_reader.h"

#include <map>
#include <thread>

namespace keyward::migrate {
namespace {

Status BatchErrorStatus(const secrets::BatchError& e) {
  std::string msg = "store: " + e.secret_id + ": " + e.error_code;
  if (e.error_code == "ResourceNotFoundException") return NotFoundError(msg);
  if (e.error_code == "InvalidRequestException") {
    return FailedPreconditionError(msg + " (scheduled for deletion?)");
  }
  if (e.error_code == "AccessDeniedException")
    return PermissionDeniedError(msg);
  if (e.error_code == "DecryptionFailure")
    return PermissionDeniedError(msg + " (KMS)");
  return UnavailableError(msg);
}

std::vector<StoreRead> ReadOneByOne(secrets::SecretsManagerApi& store,
                                    const std::vector<std::string>& names,
                                    std::atomic<std::int64_t>& requests) {
  std::vector<StoreRead> out;
  for (const std::string& name : names) {
    requests.fetch_add(1);
    auto r = store.GetSecretValue({name, "", ""});
    StoreRead read{name, std::nullopt, OkStatus()};
    if (r.ok()) {
      read.value = std::move(*r);
    } else {
      read.status = r.status();
    }
    out.push_back(std::move(read));
  }
  return out;
}

}  // namespace

std::vector<StoreRead> ReadBatch(secrets::SecretsManagerApi& store,
                                 const std::vector<std::string>& names,
                                 std::atomic<std::int64_t>& requests) {
  secrets::BatchGetSecretValueRequest req;
  req.secret_ids = names;
  requests.fetch_add(1);
  auto batch = store.BatchGetSecretValue(req);
  if (!batch.ok()) return ReadOneByOne(store, names, requests);
  std::map<std::string, secrets::SecretValueResult*> by_name;
  for (auto& v : batch->values) by_name[v.name] = &v;
  std::map<std::string, const secrets::BatchError*> errors;
  for (const auto& e : batch->errors) errors[e.secret_id] = &e;
  std::vector<StoreRead> out;
  for (const std::string& name : names) {
    StoreRead read{name, std::nullopt, OkStatus()};
    if (auto it = by_name.find(name); it != by_name.end()) {
      read.value = std::move(*it->second);
    } else if (auto e = errors.find(name); e != errors.end()) {
      read.status = BatchErrorStatus(*e->second);
    } else {
      read.status = NotFoundError("store: " + name +
                                  ": not returned by BatchGetSecretValue");
    }
    out.push_back(std::move(read));
  }
  return out;
}

void ForEachBatch(std::size_t n, int parallelism,
                  const std::function<void(std::size_t, std::size_t)>& work) {
  std::size_t batches = (n + kStoreBatchSize - 1) / kStoreBatchSize;
  std::atomic<std::size_t> next{0};
  auto loop = [&] {
    for (std::size_t b = next.fetch_add(1); b < batches;
         b = next.fetch_add(1)) {
      work(b * kStoreBatchSize, std::min(n, (b + 1) * kStoreBatchSize));
    }
  };
  std::size_t threads = std::min<std::size_t>(
      batches, static_cast<std::size_t>(std::max(1, parallelism)));
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < threads; ++i) pool.emplace_back(loop);
  loop();
  for (auto& t : pool) t.join();
}

}  // namespace keyward::migrate
