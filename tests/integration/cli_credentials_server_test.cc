// Which key signed the request? The keyward CLI and the Secret Config
// Module's resolver (secrets::ResolveClientConfig) against a real `keyward
// server`, whose access log names the access key id of every request. These
// are issue 12's repro cases: an explicit --profile must never act as
// AWS_PROFILE's principal, environment keys beat AWS_PROFILE, and an
// incomplete AWS_PROFILE does not matter when environment keys are set.
#include <gmock/gmock.h>

#include <nlohmann/json.hpp>

#include "keyward/secrets/client.h"
#include "tests/integration/server_fixture.h"
#include "tests/testing/fakes.h"

namespace keyward {
namespace {

using testing::CommandResult;
using testing::KeywardServer;
using testing::Slurp;
using testing::TempDir;

constexpr char kLocalKey[] = "AKIAKWLOCAL000000001";
constexpr char kOpsKey[] = "AKIAKWOPS00000000002";
constexpr char kEnvKey[] = "AKIAKWENV00000000003";
constexpr char kBadKey[] = "AKIAKWUNKNOWN0000004";

class CliCredentialsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The server accepts three principals...
    dir_.Write("server-credentials",
               std::string("[keyward-local]\naws_access_key_id = ") +
                   kLocalKey +
                   "\naws_secret_access_key = local-secret\n"
                   "[ops]\naws_access_key_id = " +
                   kOpsKey +
                   "\naws_secret_access_key = ops-secret\n"
                   "[envuser]\naws_access_key_id = " +
                   kEnvKey + "\naws_secret_access_key = env-secret\n",
               0600);
    // ... the operator's files know two of them, one unknown key and one
    // incomplete profile.
    dir_.Write("credentials",
               std::string("[keyward-local]\naws_access_key_id = ") +
                   kLocalKey +
                   "\naws_secret_access_key = local-secret\n"
                   "[ops]\naws_access_key_id = " +
                   kOpsKey +
                   "\naws_secret_access_key = ops-secret\n"
                   "[bad]\naws_access_key_id = " +
                   kBadKey +
                   "\naws_secret_access_key = bad-secret\n"
                   "[half]\naws_access_key_id = " +
                   kOpsKey + "\n",
               0600);
    auto s = KeywardServer::Start(
        dir_, {"--credentials", dir_.File("server-credentials")});
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
  }

  // The README's `. env` situation: AWS_PROFILE=keyward-local exported.
  std::map<std::string, std::string> Env() const {
    return {{"AWS_ENDPOINT_URL", server_->endpoint()},
            {"AWS_REGION", "us-east-1"},
            {"AWS_DEFAULT_REGION", "\x01unset"},
            {"AWS_SHARED_CREDENTIALS_FILE", dir_.File("credentials")},
            {"AWS_CONFIG_FILE", dir_.File("no-config")},
            {"AWS_PROFILE", "keyward-local"},
            {"AWS_DEFAULT_PROFILE", "\x01unset"},
            {"AWS_ACCESS_KEY_ID", "\x01unset"},
            {"AWS_SECRET_ACCESS_KEY", "\x01unset"},
            {"AWS_SESSION_TOKEN", "\x01unset"}};
  }

  CommandResult Keyward(const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env) {
    std::vector<std::string> argv = {testing::KeywardBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::RunCommand(argv, env);
  }

  // The access key ids of the access log's lines from `from` on (the log is
  // flushed every 200 ms: wait up to 5 s for at least one line).
  std::vector<std::string> KeysLoggedSince(std::size_t from) {
    std::vector<std::string> keys;
    for (int i = 0; i < 250 && keys.empty(); ++i) {
      std::string log = Slurp(dir_.File("access.log"));
      std::istringstream in(log.size() > from ? log.substr(from) : "");
      std::string line;
      while (std::getline(in, line)) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_object()) keys.push_back(j.value("access_key", ""));
      }
      if (keys.empty())
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return keys;
  }
  std::size_t LogSize() { return Slurp(dir_.File("access.log")).size(); }

  // Runs `keyward list` and returns the key ids that signed its requests.
  std::vector<std::string> ListSignedBy(
      const std::vector<std::string>& flags,
      const std::map<std::string, std::string>& env, int* exit_code) {
    std::size_t from = LogSize();
    std::vector<std::string> args = flags;
    args.push_back("list");
    CommandResult r = Keyward(args, env);
    *exit_code = r.exit_code;
    last_err_ = r.err;
    return KeysLoggedSince(from);
  }

  TempDir dir_;
  std::unique_ptr<KeywardServer> server_;
  std::string last_err_;
};

TEST_F(CliCredentialsServerTest, AwsProfileAloneSignsWithItsKey) {
  int code = -1;
  auto keys = ListSignedBy({}, Env(), &code);
  EXPECT_EQ(code, 0) << last_err_;
  EXPECT_THAT(keys, ::testing::Each(::testing::StrEq(kLocalKey)));
  EXPECT_FALSE(keys.empty());
}

TEST_F(CliCredentialsServerTest, ExplicitProfileBeatsAwsProfile) {
  int code = -1;
  auto keys = ListSignedBy({"--profile", "ops"}, Env(), &code);
  EXPECT_EQ(code, 0) << last_err_;
  EXPECT_FALSE(keys.empty());
  EXPECT_THAT(keys, ::testing::Each(::testing::StrEq(kOpsKey)));
}

TEST_F(CliCredentialsServerTest,
       ExplicitProfileWithBadKeyFailsInsteadOfFallingBack) {
  int code = -1;
  auto env = Env();
  env["AWS_ACCESS_KEY_ID"] = kEnvKey;
  env["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  std::size_t from = LogSize();
  CommandResult r = Keyward({"--profile", "bad", "list"}, env);
  code = r.exit_code;
  EXPECT_EQ(code, 4) << r.err;  // authentication error, like `aws --profile`
  // Neither AWS_PROFILE's key nor the environment's was used.
  for (const std::string& k : KeysLoggedSince(from)) {
    EXPECT_NE(k, kLocalKey);
    EXPECT_NE(k, kEnvKey);
  }
  EXPECT_EQ(r.err.find("bad-secret"), std::string::npos);
}

TEST_F(CliCredentialsServerTest, EnvironmentKeysBeatAwsProfile) {
  auto env = Env();
  env["AWS_ACCESS_KEY_ID"] = kEnvKey;
  env["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  int code = -1;
  auto keys = ListSignedBy({}, env, &code);
  EXPECT_EQ(code, 0) << last_err_;
  EXPECT_FALSE(keys.empty());
  EXPECT_THAT(keys, ::testing::Each(::testing::StrEq(kEnvKey)));
}

TEST_F(CliCredentialsServerTest, IncompleteAwsProfileDoesNotMatterWithEnvKeys) {
  auto env = Env();
  env["AWS_PROFILE"] = "half";
  env["AWS_ACCESS_KEY_ID"] = kEnvKey;
  env["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  int code = -1;
  auto keys = ListSignedBy({}, env, &code);
  EXPECT_EQ(code, 0) << last_err_;
  EXPECT_FALSE(keys.empty());
  EXPECT_THAT(keys, ::testing::Each(::testing::StrEq(kEnvKey)));
}

// The Secret Config Module resolves its client with ResolveClientConfig:
// from the same environment it must sign with the same key as the CLI.
TEST_F(CliCredentialsServerTest, LibraryAndCliPickTheSamePrincipal) {
  struct Situation {
    std::map<std::string, std::string> env;
    std::string profile;
  };
  auto with_env_keys = Env();
  with_env_keys["AWS_ACCESS_KEY_ID"] = kEnvKey;
  with_env_keys["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  auto half = with_env_keys;
  half["AWS_PROFILE"] = "half";
  for (const Situation& s : std::vector<Situation>{{Env(), ""},
                                                   {Env(), "ops"},
                                                   {with_env_keys, ""},
                                                   {with_env_keys, "ops"},
                                                   {half, ""}}) {
    SCOPED_TRACE("profile=" + s.profile +
                 " AWS_PROFILE=" + s.env.at("AWS_PROFILE") +
                 " env keys=" + s.env.at("AWS_ACCESS_KEY_ID"));
    int code = -1;
    std::vector<std::string> flags;
    if (!s.profile.empty()) flags = {"--profile", s.profile};
    auto cli_keys = ListSignedBy(flags, s.env, &code);
    ASSERT_EQ(code, 0) << last_err_;
    ASSERT_FALSE(cli_keys.empty());

    testing::FakeEnvironment env;
    for (const auto& [k, v] : s.env) {
      if (v != "\x01unset") env.Set(k, v);
    }
    secrets::ClientOverrides o;
    o.profile = s.profile;
    auto config = secrets::ResolveClientConfig(testing::RuntimeWith(env), o);
    ASSERT_TRUE(config.ok()) << config.status();
    auto client = secrets::SecretsManagerClient::Create(std::move(*config));
    ASSERT_TRUE(client.ok()) << client.status();
    std::size_t from = LogSize();
    auto listed = (*client)->ListSecrets({});
    ASSERT_TRUE(listed.ok()) << listed.status();
    auto lib_keys = KeysLoggedSince(from);
    ASSERT_FALSE(lib_keys.empty());
    EXPECT_EQ(lib_keys.back(), cli_keys.back());
  }
}

}  // namespace
}  // namespace keyward
