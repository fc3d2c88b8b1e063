// Cached-read cost of the Secret Config Module, single-threaded and across
// threads (items/s is the aggregate over threads; with real time, "Time" is
// the wall time per read of one thread). Read(...) is the fast form (no
// reference counting); Get(...) returns a Secret by value (one thread-private
// reference-count increment and decrement). Run: build/bench/config_bench
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

#define KW_THREADS ->Threads(1)->Threads(2)->UseRealTime()

// SecretConfig::Read of a declared secret: name lookup + this thread's
// snapshot, the Secret lent to the callback.
void BM_ConfigRead(benchmark::State& state) {
  SecretConfig& c = *F().config;
  for (auto _ : state) {
    keyward::Status s = c.Read(kName, [](const keyward::Secret& secret) {
      benchmark::DoNotOptimize(&secret);
    });
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ConfigRead) KW_THREADS;

// SecretHandle::Read: the snapshot alone.
void BM_HandleRead(benchmark::State& state) {
  keyward::SecretHandle h = F().handle_source;
  for (auto _ : state) {
    keyward::Status s = h.Read([](const keyward::Secret& secret) {
      benchmark::DoNotOptimize(&secret);
    });
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HandleRead) KW_THREADS;

// SecretConfig::Get of a declared secret (returns a Secret by value).
void BM_ConfigGet(benchmark::State& state) {
  SecretConfig& c = *F().config;
  for (auto _ : state) {
    auto s = c.Get(kName);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ConfigGet) KW_THREADS;

// SecretHandle::Get (returns a Secret by value).
void BM_HandleGet(benchmark::State& state) {
  keyward::SecretHandle h = F().handle_source;
  for (auto _ : state) {
    auto s = h.Get();
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HandleGet) KW_THREADS;

// SecretCache::Get hit of an ad-hoc entry: key, shard map, entry.
void BM_CacheGetHit(benchmark::State& state) {
  keyward::SecretCache& cache = F().config->cache();
  for (auto _ : state) {
    auto s = cache.Get("platform-data/redis/sessions");
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CacheGetHit) KW_THREADS;

// Get + Property("password"): includes copying the value into a SecretValue.
void BM_ConfigProperty(benchmark::State& state) {
  SecretConfig& c = *F().config;
  for (auto _ : state) {
    auto v = c.Property(kName, "password");
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ConfigProperty) KW_THREADS;

}  // namespace

BENCHMARK_MAIN();
