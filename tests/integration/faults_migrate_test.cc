// `keyward migrate vault --apply` interrupted by faults on both sides (the
// store: moto through one faultproxy; Vault: the KV v2 double through
// another) and resumed with the same journal: the end state must equal an
// uninterrupted run's (every secret copied once, same data) and no run may
// print a value.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/faults/fault_proxy.h"
#include "tests/testing/peers.h"
#include "tests/vault/vault_double.h"

namespace keyward::testing {
namespace {

constexpr char kCanary[] = "canary-faults-migrate-5e11";
constexpr int kSecrets = 24;

std::string Name(int i) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "platform-data/svc%04d/app", i);
  return buf;
}

std::string FirstLine(const std::string& s) {
  return s.substr(0, s.find('\n'));
}

// The first line that reports an error (warnings come before it).
std::string ErrorLine(const std::string& s) {
  auto p = s.find("error");
  if (p == std::string::npos) return "";
  auto start = s.rfind('\n', p);
  start = start == std::string::npos ? 0 : start + 1;
  return FirstLine(s.substr(start));
}

class FaultsMigrateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KW_REQUIRE_PEER("moto_server");
    KW_REQUIRE_PEER("python3");
    auto m = MotoServer::Start();
    ASSERT_TRUE(m.ok()) << m.status();
    moto_ = std::move(*m);
    auto sp = FaultProxy::Start(moto_->endpoint(), store_dir_);
    ASSERT_TRUE(sp.ok()) << sp.status();
    store_proxy_ = std::move(*sp);
    auto vp = FaultProxy::Start(vault_.address(), vault_dir_);
    ASSERT_TRUE(vp.ok()) << vp.status();
    vault_proxy_ = std::move(*vp);
    auto client = moto_->Client();
    std::string inv =
        "version: 1\napplications:\n  app:\n    description: Test app\n"
        "    namespace: apps\nsecrets:\n";
    for (int i = 0; i < kSecrets; ++i) {
      secrets::CreateSecretRequest req;
      req.name = Name(i);
      req.payload.string = SecretValue(R"({"username":"u)" + std::to_string(i) +
                                       R"(","password":")" + kCanary + R"("})");
      ASSERT_TRUE(client->CreateSecret(req).ok());
      inv += "  - name: " + Name(i) +
             "\n    description: Test secret\n    consumers: [app]\n"
             "    properties: [username, password]\n"
             "    rotation: {status: none}\n";
    }
    dir_.Write("secrets-inventory.yaml", inv);
  }

  CommandResult Apply() {
    std::vector<std::string> argv = {KeywardBinary(),
                                     "--endpoint-url",
                                     store_proxy_->endpoint(),
                                     "--region",
                                     "us-east-1",
                                     "--inventory",
                                     dir_.File("secrets-inventory.yaml"),
                                     "migrate",
                                     "vault",
                                     "--apply",
                                     "--journal",
                                     dir_.File("journal")};
    auto env = moto_->ClientEnv();
    env["VAULT_ADDR"] = vault_proxy_->endpoint();
    env["VAULT_TOKEN"] = vault_.token();
    env["AWS_MAX_ATTEMPTS"] = "2";
    auto r = RunCommand(argv, env, "", 300000);
    EXPECT_EQ(r.out.find(kCanary), std::string::npos);
    EXPECT_EQ(r.err.find(kCanary), std::string::npos);
    return r;
  }

  std::unique_ptr<MotoServer> moto_;
  VaultDouble vault_;
  TempDir dir_, store_dir_, vault_dir_;
  std::unique_ptr<FaultProxy> store_proxy_, vault_proxy_;
};

TEST_F(FaultsMigrateTest, InterruptedRunsResumeToTheSameEndState) {
  struct Step {
    std::string what;
    FaultProxy* proxy;
    std::string fault;
  };
  // Store-side faults first (nothing can be copied), then Vault-side faults
  // that let a few secrets through before they strike, so each run leaves a
  // different partial state behind.
  const std::vector<Step> steps = {
      {"store throttles", store_proxy_.get(), R"({"mode":"throttle"})"},
      {"store truncates bodies", store_proxy_.get(), R"({"mode":"truncate"})"},
      {"store resets mid-response", store_proxy_.get(),
       R"({"mode":"reset_mid_response"})"},
      {"vault refuses connections after 10 requests", vault_proxy_.get(),
       R"({"mode":"refuse","after":10})"},
      {"vault returns 503 after 12 requests", vault_proxy_.get(),
       R"({"mode":"status","code":503,"after":12})"},
      {"vault write reset after commit (3rd write)", vault_proxy_.get(),
       R"({"mode":"reset_before_response","op":"POST /v1/secret/data",)"
       R"("after":2,"count":1})"},
  };
  for (const Step& step : steps) {
    ASSERT_TRUE(step.proxy->Set(step.fault).ok());
    CommandResult r = Apply();
    ASSERT_TRUE(store_proxy_->Pass().ok());
    ASSERT_TRUE(vault_proxy_->Pass().ok());
    std::printf(
        "[ figures  ] migrate under '%s': exit=%d, vault holds %zu/%d  %s\n",
        step.what.c_str(), r.exit_code, vault_.size(), kSecrets,
        ErrorLine(r.err + r.out).c_str());
    // An interrupted run fails loudly (never "success" with secrets missing).
    if (vault_.size() < static_cast<std::size_t>(kSecrets)) {
      EXPECT_NE(r.exit_code, 0) << r.out;
    }
  }
  CommandResult last = Apply();
  std::printf("[ figures  ] final clean run: exit=%d  %s\n", last.exit_code,
              FirstLine(last.out).c_str());
  ASSERT_EQ(last.exit_code, 0) << last.out << last.err;
  // The same end state as one uninterrupted run: every secret, its data, and
  // one Vault version each (a write whose response was lost is recognised
  // as already done, not written again).
  ASSERT_EQ(vault_.size(), static_cast<std::size_t>(kSecrets));
  int extra_versions = 0;
  for (int i = 0; i < kSecrets; ++i) {
    auto data = vault_.Get(Name(i));
    ASSERT_TRUE(data.has_value()) << Name(i);
    EXPECT_EQ((*data)["username"], "u" + std::to_string(i));
    EXPECT_EQ((*data)["password"], kCanary);
    extra_versions += vault_.CurrentVersion(Name(i)) - 1;
  }
  std::printf(
      "[ figures  ] end state: %d/%d secrets, %d extra Vault versions\n",
      static_cast<int>(vault_.size()), kSecrets, extra_versions);
  EXPECT_EQ(extra_versions, 0);
  // And a further run changes nothing.
  auto writes = vault_.writes();
  CommandResult again = Apply();
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(vault_.writes(), writes);
}

}  // namespace
}  // namespace keyward::testing
