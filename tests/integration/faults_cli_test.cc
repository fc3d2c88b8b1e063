// The operator CLI under injected faults: `keyward get`, `list` and `put`
// against `keyward server` through tests/faults/faultproxy.py. Each fault must
// give the documented exit code (docs/cli.md: 3 store/AWS error, 4
// authentication) and one "keyward: error:" line, never a value; a `put` must
// never leave a partial or duplicate write behind, including when the
// connection is reset after the server committed the version (the retry
// reuses the ClientRequestToken).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/faults/fault_proxy.h"
#include "tests/integration/server_fixture.h"

namespace keyward::testing {
namespace {

constexpr char kName[] = "platform-data/postgres/faults";
constexpr char kCanary[] = "CANARY-cli-f4u1t";

std::string FirstLine(const std::string& s) {
  return s.substr(0, s.find('\n'));
}

class FaultsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KW_REQUIRE_PEER("python3");
    auto server = KeywardServer::Start(dir_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto proxy = FaultProxy::Start(server_->endpoint(), dir_);
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = std::move(*proxy);
    dir_.Write("v1.json", R"({"username":"app","password":")" +
                              std::string(kCanary) + "-1\"}");
    CommandResult put =
        Keyward({"put", kName, "--from-file", dir_.File("v1.json")});
    ASSERT_EQ(put.exit_code, 0) << put.err;
  }

  std::map<std::string, std::string> Env(int max_attempts = 3) const {
    return {{"AWS_ENDPOINT_URL", proxy_->endpoint()},
            {"AWS_SHARED_CREDENTIALS_FILE", server_->credentials_file()},
            {"AWS_PROFILE", "keyward-local"},
            {"AWS_CONFIG_FILE", "/dev/null"},
            {"AWS_DEFAULT_REGION", "us-east-1"},
            {"AWS_REGION", "\x01unset"},
            {"AWS_ACCESS_KEY_ID", "\x01unset"},
            {"AWS_SECRET_ACCESS_KEY", "\x01unset"},
            {"AWS_MAX_ATTEMPTS", std::to_string(max_attempts)},
            {"NO_COLOR", "1"}};
  }
  CommandResult Keyward(std::vector<std::string> args, int max_attempts = 3) {
    args.insert(args.begin(), KeywardBinary());
    // Run from the temp dir so no secrets-inventory.yaml is picked up.
    std::vector<std::string> argv = {"sh", "-c", "cd \"$0\" && exec \"$@\"",
                                     dir_.path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, Env(max_attempts), "", 120000);
  }
  // Versions of kName, straight from the server (no proxy).
  int Versions() {
    auto client = server_->Client();
    auto v = client->ListSecretVersionIds({kName, 0, "", true});
    return v.ok() ? static_cast<int>(v->versions.size()) : -1;
  }
  std::string Current() {
    auto client = server_->Client();
    auto v = client->GetSecretValue({kName, "", ""});
    return v.ok() ? std::string(v->payload.string->Reveal()) : "";
  }

  TempDir dir_;
  std::unique_ptr<KeywardServer> server_;
  std::unique_ptr<FaultProxy> proxy_;
};

struct CliFault {
  std::string name;
  std::string json;
  int exit_code;         // documented exit code (docs/cli.md)
  int max_attempts = 3;  // AWS_MAX_ATTEMPTS (black hole: keep it short)
};

const std::vector<CliFault>& Faults() {
  static const auto* f = new std::vector<CliFault>{
      {"none (latency 300ms)", R"({"mode":"latency","ms":300})", 0},
      {"skewed-date +600s", R"({"mode":"skew","seconds":600})", 0},
      {"refuse", R"({"mode":"refuse"})", 3},
      {"reset-mid-response", R"({"mode":"reset_mid_response"})", 3},
      {"truncated-body", R"({"mode":"truncate"})", 3},
      {"http-500", R"({"mode":"status","code":500})", 3},
      {"http-503", R"({"mode":"status","code":503})", 3},
      {"throttling", R"({"mode":"throttle"})", 3},
      {"expired-token", R"({"mode":"expired_token"})", 4},
      {"black-hole", R"({"mode":"blackhole"})", 3, 1},
  };
  return *f;
}

TEST_F(FaultsCliTest, ReadCommandsUnderEveryFault) {
  for (const CliFault& fault : Faults()) {
    for (std::vector<std::string> cmd :
         {std::vector<std::string>{"get", kName, "--property", "password",
                                   "--reveal"},
          std::vector<std::string>{"list"}}) {
      SCOPED_TRACE(fault.name + " " + cmd[0]);
      ASSERT_TRUE(proxy_->Set(fault.json).ok());
      proxy_->ResetStats();
      auto start = std::chrono::steady_clock::now();
      CommandResult r = Keyward(cmd, fault.max_attempts);
      double took = std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - start)
                        .count();
      int requests = proxy_->GetStats().requests;
      ASSERT_TRUE(proxy_->Pass().ok());
      std::printf("[ figures  ] %-6s %-22s exit=%d requests=%d %.1fs  %s\n",
                  cmd[0].c_str(), fault.name.c_str(), r.exit_code, requests,
                  took, FirstLine(r.err).c_str());
      EXPECT_EQ(r.exit_code, fault.exit_code) << r.err;
      EXPECT_EQ(r.err.find(kCanary), std::string::npos);
      if (fault.exit_code != 0) {
        EXPECT_TRUE(r.err.starts_with("keyward: error: ")) << r.err;
        EXPECT_EQ(r.out.find(kCanary), std::string::npos);
      }
    }
  }
}

TEST_F(FaultsCliTest, PutUnderEveryFaultWritesAtMostOneVersion) {
  int n = 2;
  for (const CliFault& fault : Faults()) {
    SCOPED_TRACE(fault.name);
    int before = Versions();
    std::string old_value = Current();
    std::string new_value = R"({"username":"app","password":")" +
                            std::string(kCanary) + "-" + std::to_string(n++) +
                            "\"}";
    dir_.Write("v.json", new_value);
    // Only the write is faulted: the reads before it pass.
    std::string json = fault.json;
    json.insert(json.size() - 1, R"(,"op":"PutSecretValue")");
    ASSERT_TRUE(proxy_->Set(json).ok());
    CommandResult r = Keyward(
        {"put", kName, "--from-file", dir_.File("v.json")}, fault.max_attempts);
    ASSERT_TRUE(proxy_->Pass().ok());
    int after = Versions();
    std::string now = Current();
    std::printf("[ figures  ] put    %-22s exit=%d versions %d -> %d  %s\n",
                fault.name.c_str(), r.exit_code, before, after,
                FirstLine(r.err).c_str());
    EXPECT_EQ(r.exit_code, fault.exit_code) << r.err;
    EXPECT_EQ(r.err.find(kCanary), std::string::npos);
    EXPECT_LE(after - before, 1);
    // The value is the old one or the new one (compared as JSON: put
    // re-serializes), never anything else.
    auto same = [](const std::string& a, const std::string& b) {
      return nlohmann::json::parse(a, nullptr, false) ==
             nlohmann::json::parse(b, nullptr, false);
    };
    EXPECT_TRUE(same(now, old_value) || same(now, new_value));
    EXPECT_EQ(same(now, new_value), after == before + 1);
  }
}

TEST_F(FaultsCliTest, PutResetAfterTheServerCommittedCreatesNoSecondVersion) {
  int before = Versions();
  dir_.Write("v.json", R"({"username":"app","password":")" +
                           std::string(kCanary) + "-reset\"}");
  // The server commits the version, then the connection is reset before the
  // response: the client retries with the same ClientRequestToken.
  ASSERT_TRUE(proxy_
                  ->Set(R"({"mode":"reset_before_response","count":1,)"
                        R"("op":"PutSecretValue"})")
                  .ok());
  proxy_->ResetStats();
  CommandResult r = Keyward({"put", kName, "--from-file", dir_.File("v.json")});
  FaultProxy::Stats s = proxy_->GetStats();
  int after = Versions();
  std::printf(
      "[ figures  ] put with reset after commit: exit=%d, %d requests "
      "(%d reached the server), versions %d -> %d\n",
      r.exit_code, s.requests, s.forwarded, before, after);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(after, before + 1);
  EXPECT_NE(Current().find("-reset"), std::string::npos);
}

}  // namespace
}  // namespace keyward::testing
