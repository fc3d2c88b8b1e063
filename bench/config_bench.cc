// Cached-read latency of the Secret Config Module (ns/op), single-threaded
// and across threads. Run: build-config/bench/config_bench
#include <benchmark/benchmark.h>

#include "keyward/secret_config.h"
#include "tests/config/fake_store.h"

namespace {

using keyward::SecretConfig;
using keyward::SecretSpec;

constexpr char kName[] = "platform-data/postgres/orders";

struct Fixture {
  Fixture() {
    auto store = std::make_shared<keyward::testing::FakeStore>();
    std::vector<SecretSpec> specs;
    for (int i = 0; i < 100; ++i) {
      std::string name = "platform-data/postgres/app-" + std::to_string(i);
      store->Put(name, R"({"username":"u","password":"p"})");
      specs.push_back(SecretSpec::Required(name, {"password"}));
    }
    store->Put(kName,
               R"({"username":"orders","password":"correct-horse-battery"})");
    specs.push_back(SecretSpec::Required(kName, {"username", "password"}));
    keyward::SecretConfigOptions options;
    options.cache.client = store;
    config = std::move(SecretConfig::Load(specs, options).value());
    handle_source = config->cache().LoadDeclared({{kName, {}, {}}})[0];
    (void)config->cache().Get(
        "platform-data/redis/sessions");  // miss: NOT_FOUND
    store->Put("platform-data/redis/sessions", "x");
    (void)config->cache().Get("platform-data/redis/sessions");
  }
  std::unique_ptr<SecretConfig> config;
  keyward::SecretHandle handle_source;
};

Fixture& F() {
  static Fixture* f = new Fixture();
  return *f;
}

// SecretConfig::Get of a declared secret: hash lookup + atomic snapshot.
void BM_ConfigGet(benchmark::State& state) {
  SecretConfig& c = *F().config;
  for (auto _ : state) {
    auto s = c.Get(kName);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_ConfigGet)->Threads(1)->Threads(2)->UseRealTime();

// SecretHandle::Get: the atomic snapshot load alone.
void BM_HandleGet(benchmark::State& state) {
  keyward::SecretHandle h = F().handle_source;
  for (auto _ : state) {
    auto s = h.Get();
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_HandleGet)->Threads(1)->Threads(2)->UseRealTime();

// SecretCache::Get hit of an ad-hoc entry: shard shared-lock + LRU stamp.
void BM_CacheGetHit(benchmark::State& state) {
  keyward::SecretCache& cache = F().config->cache();
  for (auto _ : state) {
    auto s = cache.Get("platform-data/redis/sessions");
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_CacheGetHit)->Threads(1)->Threads(2)->UseRealTime();

// Get + Property("password"): includes copying the value into a SecretValue.
void BM_ConfigProperty(benchmark::State& state) {
  SecretConfig& c = *F().config;
  for (auto _ : state) {
    auto v = c.Property(kName, "password");
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_ConfigProperty)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
