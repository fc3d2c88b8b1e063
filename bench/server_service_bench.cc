// keyward server's GetSecretValue path in process (no HTTP): lookup,
// authorization, decryption and the JSON response, from 1, 2 and 4 threads
// over 1,000 stored secrets. Compare Threads(2) with Threads(1): the read
// path takes no lock (src/server/read_index.h).
//
//   build/bench/server_service_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "keyward/server/policy.h"
#include "keyward/server/principals.h"
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
    auto cipher = keyward::server::ValueCipher::FromKey(
        std::string(32, 'k'), keyward::Random::Real());
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

// The same reads with the access layer of `keyward server --inventory`: the
// caller is an application principal with its generated identity policy
// (GetSecretValue/DescribeSecret on its 20 secrets' ARNs) and every secret
// carries the resource policy `keyward iam resource-policy` generates (deny
// all but the consumer and the operator). Compare with BM_GetSecretValue.
void BM_GetSecretValueIam(benchmark::State& state) {
  SecretsService& svc = Service();
  constexpr int kApps = 50;
  static const keyward::server::Principal principal =
      keyward::server::UserPrincipal("123456789012", "bench-app-001");
  static const keyward::server::IamPolicy policy = [] {
    std::string resources;
    for (int i = 1; i < kSecrets; i += kApps) {
      resources +=
          std::string(resources.empty() ? "" : ",") +
          "\"arn:aws:secretsmanager:us-east-1:123456789012:secret:" + Name(i) +
          "-??????\"";
    }
    auto p = keyward::server::IamPolicy::Parse(
        R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":)"
        R"(["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret"],)"
        R"("Resource":[)" +
            resources + "]}]}",
        "bench");
    return std::move(*p);
  }();
  static const bool once = [&] {
    for (int i = 1; i < kSecrets; i += kApps) {
      svc.Handle(
          "PutResourcePolicy",
          R"({"SecretId":")" + Name(i) + R"(","ResourcePolicy":")" +
              R"({\"Version\":\"2012-10-17\",\"Statement\":[{)"
              R"(\"Effect\":\"Deny\",\"Principal\":\"*\",)"
              R"(\"Action\":\"secretsmanager:*\",\"Resource\":\"*\",)"
              R"(\"Condition\":{\"StringNotEquals\":{\"aws:PrincipalArn\":[)"
              R"(\"arn:aws:iam::123456789012:user/bench-app-001\",)"
              R"(\"arn:aws:iam::123456789012:user/keyward-operator\"]}}}]}"})");
    }
    return true;
  }();
  (void)once;
  keyward::server::Caller caller("AKIABENCHAPP001", &policy);
  caller.principal = &principal;
  std::string bodies[16];
  for (int i = 0; i < 16; ++i) {
    bodies[i] = R"({"SecretId":")" +
                Name(1 + ((state.thread_index() + i) % 20) * kApps) + "\"}";
  }
  int i = 0;
  for (auto _ : state) {
    ApiResponse r = svc.Handle("GetSecretValue", bodies[i++ & 15], caller);
    if (r.http_status != 200) state.SkipWithError("GetSecretValue denied");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetSecretValueIam)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
