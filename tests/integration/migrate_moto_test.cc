// `keyward export eso` and `keyward migrate vault|status` end to end: the
// real keyward binary, moto_server as the store and the in-test Vault double
// (no Vault server can be installed here), all on 127.0.0.1.
//
// Benchmark mode: KEYWARD_MIGRATE_BENCH_N=1000 seeds that many secrets and
// prints the time and request counts of the copy (bench/migrate_vault.sh).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "keyward/secrets/client.h"
#include "tests/testing/peers.h"
#include "tests/vault/vault_double.h"

namespace keyward {
namespace {

using keyward::testing::MotoServer;
using keyward::testing::RunCommand;
using keyward::testing::TempDir;
using keyward::testing::VaultDouble;
using Json = nlohmann::json;

constexpr char kCanary[] = "canary-migrate-moto-41c7e0-never-print";

std::string Name(int i) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "platform-data/svc%04d/app", i);
  return buf;
}

class MigrateMotoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KW_REQUIRE_PEER("moto_server");
    auto m = MotoServer::Start();
    ASSERT_TRUE(m.ok()) << m.status();
    moto_ = std::move(*m);
  }

  // Creates n secrets in moto (8 threads) and the matching inventory.
  void Seed(int n) {
    auto client = moto_->Client();
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = t; i < n; i += 8) {
          secrets::CreateSecretRequest req;
          req.name = Name(i);
          req.payload.string =
              SecretValue(R"({"username":"u)" + std::to_string(i) +
                          R"(","password":")" + kCanary + R"(","port":5432})");
          auto r = client->CreateSecret(req);
          EXPECT_TRUE(r.ok()) << r.status();
        }
      });
    }
    for (auto& t : threads) t.join();
    std::string inv =
        "version: 1\napplications:\n  app:\n    description: Test app\n"
        "    namespace: apps\nsecrets:\n";
    for (int i = 0; i < n; ++i) {
      inv +=
          "  - name: " + Name(i) + "\n    description: Test secret\n" +
          "    consumers: [app]\n    properties: [username, password, port]\n" +
          "    rotation: {status: none}\n";
    }
    dir_.Write("secrets-inventory.yaml", inv);
  }

  keyward::testing::CommandResult Keyward(std::vector<std::string> args) {
    std::vector<std::string> argv = {keyward::testing::KeywardBinary(),
                                     "--endpoint-url",
                                     moto_->endpoint(),
                                     "--region",
                                     "us-east-1",
                                     "--inventory",
                                     dir_.File("secrets-inventory.yaml")};
    argv.insert(argv.end(), args.begin(), args.end());
    auto env = moto_->ClientEnv();
    env["VAULT_ADDR"] = vault_.address();
    env["VAULT_TOKEN"] = vault_.token();
    auto r = RunCommand(argv, env, "", 300000);
    EXPECT_EQ(r.out.find(kCanary), std::string::npos);
    EXPECT_EQ(r.err.find(kCanary), std::string::npos);
    return r;
  }

  std::unique_ptr<MotoServer> moto_;
  VaultDouble vault_;
  TempDir dir_;
};

TEST_F(MigrateMotoTest, ExportDryRunApplyResumeStatus) {
  Seed(30);
  auto p1 =
      Keyward({"export", "eso", "--phase", "1", "--out-dir", dir_.File("p1")});
  ASSERT_EQ(p1.exit_code, 0) << p1.err;
  EXPECT_TRUE(
      std::filesystem::exists(dir_.File("p1/external-secrets-app.yaml")));
  auto p2 =
      Keyward({"export", "eso", "--phase", "2", "--out-dir", dir_.File("p2")});
  ASSERT_EQ(p2.exit_code, 0) << p2.err;
  EXPECT_TRUE(
      std::filesystem::exists(dir_.File("p2/vault/migration-plan.yaml")));

  std::string journal = dir_.File("journal");
  auto dry = Keyward({"migrate", "vault", "--dry-run", "--journal", journal});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("30 would-copy"), std::string::npos) << dry.out;
  EXPECT_EQ(vault_.writes(), 0);

  auto apply = Keyward(
      {"migrate", "vault", "--apply", "--journal", journal, "-o", "json"});
  ASSERT_EQ(apply.exit_code, 0) << apply.err;
  Json j = Json::parse(apply.out);
  EXPECT_EQ(j["Summary"]["Counts"]["copied"], 30);
  EXPECT_EQ(j["Summary"]["StoreRequests"], 2);  // BatchGetSecretValue x 2
  EXPECT_EQ(vault_.size(), 30u);
  EXPECT_EQ((*vault_.Get(Name(7)))["username"], "u7");

  auto again = Keyward({"migrate", "vault", "--apply", "--journal", journal});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("30 already-done"), std::string::npos) << again.out;

  // Vault in sync, but the store still holds everything: criteria not met.
  auto status = Keyward(
      {"migrate", "status", "--manifests", dir_.File("p2"), "-o", "json"});
  EXPECT_EQ(status.exit_code, 1) << status.err;
  Json s = Json::parse(status.out);
  for (const auto& x : s["Secrets"]) EXPECT_EQ(x["Location"], "both-in-sync");
  EXPECT_EQ(s["Checklist"][0]["Result"], "PASS");
  EXPECT_EQ(s["Checklist"][1]["Result"],
            "PASS");  // ExternalSecrets on vault-backend
  EXPECT_EQ(s["Checklist"][2]["Result"], "FAIL");  // store not empty

  auto text = Keyward({"migrate", "status", "--manifests", dir_.File("p1")});
  EXPECT_NE(text.out.find("supersession:external-secrets-on-vault  FAIL"),
            std::string::npos)
      << text.out;
}

TEST_F(MigrateMotoTest, MissingVaultTokenIsAUsageError) {
  Seed(1);
  auto r = RunCommand(
      {keyward::testing::KeywardBinary(), "--endpoint-url", moto_->endpoint(),
       "--region", "us-east-1", "--inventory",
       dir_.File("secrets-inventory.yaml"), "migrate", "vault", "--dry-run"},
      [&] {
        auto env = moto_->ClientEnv();
        env["VAULT_ADDR"] = vault_.address();
        env["VAULT_TOKEN"] = "\x01unset";
        return env;
      }());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("VAULT_TOKEN is not set"), std::string::npos) << r.err;
}

// bench/migrate_vault.sh runs this with KEYWARD_MIGRATE_BENCH_N=1000.
TEST_F(MigrateMotoTest, Bench) {
  const char* n_env = std::getenv("KEYWARD_MIGRATE_BENCH_N");
  if (n_env == nullptr)
    GTEST_SKIP() << "set KEYWARD_MIGRATE_BENCH_N to run the benchmark";
  int n = std::atoi(n_env);
  auto seed_start = std::chrono::steady_clock::now();
  Seed(n);
  double seed_s = std::chrono::duration<double>(
                      std::chrono::steady_clock::now() - seed_start)
                      .count();
  std::string journal = dir_.File("journal");
  auto wall = std::chrono::steady_clock::now();
  auto apply = Keyward(
      {"migrate", "vault", "--apply", "--journal", journal, "-o", "json"});
  double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall)
          .count();
  ASSERT_EQ(apply.exit_code, 0) << apply.err;
  Json j = Json::parse(apply.out);
  auto resume_start = std::chrono::steady_clock::now();
  auto again = Keyward(
      {"migrate", "vault", "--apply", "--journal", journal, "-o", "json"});
  double resume_s = std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - resume_start)
                        .count();
  Json k = Json::parse(again.out);
  auto recheck_start = std::chrono::steady_clock::now();
  auto recheck = Keyward({"migrate", "vault", "--apply", "--recheck",
                          "--journal", journal, "-o", "json"});
  double recheck_s = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - recheck_start)
                         .count();
  Json r = Json::parse(recheck.out);
  EXPECT_EQ(j["Summary"]["Counts"]["copied"], n);
  EXPECT_EQ(r["Summary"]["Counts"]["identical"], n);
  std::printf(
      "BENCH migrate vault: %d secrets (moto seed %.1f s)\n"
      "  apply:   %.2f s wall (%.2f s in copy), %lld store requests, %lld "
      "Vault requests\n"
      "  resume:  %.2f s wall, %lld store requests, %lld Vault requests "
      "(journal)\n"
      "  recheck: %.2f s wall, %lld store requests, %lld Vault requests "
      "(digests)\n",
      n, seed_s, wall_s, j["Summary"]["Seconds"].get<double>(),
      j["Summary"]["StoreRequests"].get<long long>(),
      j["Summary"]["VaultRequests"].get<long long>(), resume_s,
      k["Summary"]["StoreRequests"].get<long long>(),
      k["Summary"]["VaultRequests"].get<long long>(), recheck_s,
      r["Summary"]["StoreRequests"].get<long long>(),
      r["Summary"]["VaultRequests"].get<long long>());
}

}  // namespace
}  // namespace keyward
