// Steady-state cost of obtaining credentials per request from the caching
// provider (target: <= 100 ns, no allocation on the GetShared() path), and
// of parsing a typical shared config file.
#include <benchmark/benchmark.h>

#include "keyward/aws/caching_provider.h"
#include "keyward/aws/credentials.h"
#include "keyward/aws/shared_config.h"

namespace keyward::aws {
namespace {

std::shared_ptr<CredentialsProvider> CachedTemporaryCredentials() {
  Credentials c;
  c.access_key_id = "ASIAEXAMPLEEXAMPLE12";
  c.secret_access_key = SecretValue("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  c.session_token = SecretValue(std::string(800, 't'));
  c.expiration = Clock::Real().Now() + std::chrono::hours(12);
  c.provider =
      "assume-role (profile bench, arn:aws:iam::123456789012:role/bench)";
  auto p =
      NewCachingCredentialsProvider(NewStaticCredentialsProvider(std::move(c)));
  (void)p->Get();  // warm the cache
  return p;
}

void BM_CachedGetShared(benchmark::State& state) {
  static std::shared_ptr<CredentialsProvider> p = CachedTemporaryCredentials();
  for (auto _ : state) {
    auto c = p->GetShared();
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_CachedGetShared)->Threads(1)->Threads(2);

// Get() returns a copy (four strings, the token ~800 bytes): allocations.
void BM_CachedGetCopy(benchmark::State& state) {
  static std::shared_ptr<CredentialsProvider> p = CachedTemporaryCredentials();
  for (auto _ : state) {
    auto c = p->Get();
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_CachedGetCopy);

void BM_ParseIni(benchmark::State& state) {
  std::string text;
  for (int i = 0; i < 20; ++i) {
    text +=
        "[profile app" + std::to_string(i) +
        "]\nregion = eu-west-1\nrole_arn = arn:aws:iam::123456789012:role/app\n"
        "source_profile = base\n# comment\n\n";
  }
  for (auto _ : state) {
    auto f = ParseIni(text, "config");
    benchmark::DoNotOptimize(f);
  }
  state.SetBytesProcessed(
      static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ParseIni);

}  // namespace
}  // namespace keyward::aws

BENCHMARK_MAIN();
