// Inventory benchmarks: lint of a 5,000-secret inventory (target < 1 s) and
// drift check against a fake store listing 100 secrets per page.
#include <benchmark/benchmark.h>

#include <map>

#include "keyward/inventory/drift.h"
#include "keyward/inventory/inventory.h"

namespace keyward::inventory {
namespace {

constexpr int kSecrets = 5000;

std::string BigInventory() {
  std::string text = "version: 1\napplications:\n";
  for (int a = 0; a < 100; ++a) {
    text += "  app" + std::to_string(a) + ":\n    description: Application " +
            std::to_string(a) +
            "\n    iam_principal: arn:aws:iam::123456789012:user/app" +
            std::to_string(a) + "\n";
  }
  text += "secrets:\n";
  for (int i = 0; i < kSecrets; ++i) {
    std::string app = "app" + std::to_string(i % 100);
    text += "  - name: platform-data/ds" + std::to_string(i / 100) + "/" + app +
            "\n" + "    description: Login number " + std::to_string(i) +
            " for the service\n" + "    consumers: [" + app +
            "]\n    properties: [username, password]\n" +
            "    rotation: {status: manual, interval_days: 90, last_rotated: "
            "2026-10-01, notes: "
            "\"rotated by the DBA\"}\n";
  }
  return text;
}

void BM_Lint5000(benchmark::State& state) {
  std::string text = BigInventory();
  for (auto _ : state) {
    auto parsed = ParseInventory(text, "big.yaml");
    if (!parsed.ok() || parsed->HasErrors())
      state.SkipWithError("inventory not clean");
    benchmark::DoNotOptimize(parsed);
  }
  state.counters["bytes"] = static_cast<double>(text.size());
}
BENCHMARK(BM_Lint5000)->Unit(benchmark::kMillisecond);

class FakeStore : public secrets::SecretsManagerApi {
 public:
  explicit FakeStore(const Inventory& inv) {
    for (const auto& s : inv.secrets) {
      secrets::SecretMetadata m;
      m.name = s.name;
      m.description = s.description;
      metadata_.push_back(std::move(m));
    }
  }
  StatusOr<secrets::ListSecretsResult> ListSecrets(
      const secrets::ListSecretsRequest& req) override {
    std::size_t start = req.next_token.empty() ? 0 : std::stoul(req.next_token);
    secrets::ListSecretsResult r;
    for (std::size_t i = start; i < metadata_.size() && i < start + 100; ++i)
      r.secrets.push_back(metadata_[i]);
    if (start + 100 < metadata_.size())
      r.next_token = std::to_string(start + 100);
    return r;
  }
  StatusOr<secrets::BatchGetSecretValueResult> BatchGetSecretValue(
      const secrets::BatchGetSecretValueRequest& req) override {
    secrets::BatchGetSecretValueResult r;
    for (const auto& id : req.secret_ids) {
      secrets::SecretValueResult v;
      v.name = id;
      v.payload.string =
          SecretValue(R"({"username":"u","password":"p4ssw0rd-not-real"})");
      r.values.push_back(std::move(v));
    }
    return r;
  }

 private:
  std::vector<secrets::SecretMetadata> metadata_;
};

void BM_Check5000(benchmark::State& state) {
  auto parsed = ParseInventory(BigInventory(), "big.yaml");
  FakeStore store(parsed->inventory);
  DriftOptions options;
  options.compare_values = state.range(0) != 0;
  for (auto _ : state) {
    auto report = CheckDrift(parsed->inventory, store, options);
    if (!report.ok() || !report->InSync()) state.SkipWithError("not in sync");
    benchmark::DoNotOptimize(report);
  }
}
BENCHMARK(BM_Check5000)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace keyward::inventory

BENCHMARK_MAIN();
