// SigV4 signing cost of one GetSecretValue request (targets: <= 1.2 us with the
// per-day signing key cached (steady state), <= 2 us derived every time).
#include <benchmark/benchmark.h>

#include "keyward/aws/sigv4.h"

namespace keyward::aws {
namespace {

HttpRequest GetSecretValueRequest() {
  HttpRequest req;
  req.method = "POST";
  req.url = "https://secretsmanager.eu-west-1.amazonaws.com/";
  req.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                 {"X-Amz-Target", "secretsmanager.GetSecretValue"}};
  std::string body = R"({"SecretId":"platform-data/postgres/orders"})";
  req.body = SecureString(body.begin(), body.end());
  return req;
}

Credentials Creds() {
  Credentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = SecretValue("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  return c;
}

SigningParams Params() {
  SigningParams p;
  p.region = "eu-west-1";
  p.service = "secretsmanager";
  p.time =
      std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  return p;
}

void BM_SignGetSecretValue_CachedKey(benchmark::State& state) {
  const HttpRequest base = GetSecretValueRequest();
  const Credentials creds = Creds();
  const SigningParams params = Params();
  SigningKeyCache cache;
  for (auto _ : state) {
    HttpRequest req = base;
    Status s = SignRequest(req, creds, params, &cache);
    benchmark::DoNotOptimize(s);
    benchmark::DoNotOptimize(req.headers.data());
  }
}
BENCHMARK(BM_SignGetSecretValue_CachedKey);

void BM_SignGetSecretValue_DeriveKey(benchmark::State& state) {
  const HttpRequest base = GetSecretValueRequest();
  const Credentials creds = Creds();
  const SigningParams params = Params();
  for (auto _ : state) {
    HttpRequest req = base;
    Status s = SignRequest(req, creds, params, nullptr);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_SignGetSecretValue_DeriveKey);

}  // namespace
}  // namespace keyward::aws

BENCHMARK_MAIN();
