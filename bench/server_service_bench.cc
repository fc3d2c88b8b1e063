// keyward server's GetSecretValue path in process (no HTTP): lookup,
// authorization, decryption and the JSON response, from 1, 2 and 4 threads
// over 1,000 stored secrets. Compare Threads(2) with Threads(1): the read
// path takes no lock (src/server/read_index.h).
//
//   build/bench/server_service_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "keyward/server/service.h"
#include "keyward/server/store.h"

namespace {

using keyward::server::ApiResponse;
using keyward::server::SecretsService;

constexpr int kSecrets = 1000;

std::string Name(int i) {
  return "platform-data/bench/app-" + std::to_string(10000 + i);
}

SecretsService& Service() {
  static std::unique_ptr<SecretsService> svc = [] {
    auto store = keyward::server::SecretStore::Open(":memory:");
    auto cipher = keyward::server::ValueCipher::FromKey(std::string(32, 'k'));
    auto s = SecretsService::Create(std::move(*store), std::move(*cipher), {});
    for (int i = 0; i < kSecrets; ++i) {
      (*s)->Handle(
          "CreateSecret",
          R"({"Name":")" + Name(i) +
              R"(","SecretString":"{\"username\":\"app\",\"password\":\")" +
              std::string(32, 'x') + R"(\",\"port\":5432}"})");
    }
    return std::move(*s);
  }();
  return *svc;
}

void BM_GetSecretValue(benchmark::State& state) {
  SecretsService& svc = Service();
  std::string bodies[16];
  for (int i = 0; i < 16; ++i) {
    bodies[i] = R"({"SecretId":")" +
                Name((state.thread_index() * 97 + i * 61) % kSecrets) + "\"}";
  }
  int i = 0;
  for (auto _ : state) {
    ApiResponse r = svc.Handle("GetSecretValue", bodies[i++ & 15]);
    if (r.http_status != 200) state.SkipWithError("GetSecretValue failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetSecretValue)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
