// keyward agent end to end: `keyward server` as the store, `keyward agent`
// in front of it, and real clients of other languages reading through the
// agent the way the AWS Secrets Manager Agent's README tells users to: curl,
// Python's standard library (urllib) and Node's built-in fetch. Also: the
// token / forwarding / method rules on the wire, rotation seen after a
// refresh, per-application isolation with two IAM principals, and reads
// served through an upstream outage (the server killed).
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "tests/integration/agent_fixture.h"

namespace keyward::testing {
namespace {

constexpr char kToken[] = "agent-it-token-0123456789abcdef0123";
constexpr char kCanary[] = "agent-integration-canary-7c1e";

secrets::CreateSecretRequest Create(const std::string& name,
                                    const std::string& value) {
  secrets::CreateSecretRequest c;
  c.name = name;
  c.payload.string = SecretValue(value);
  return c;
}

class AgentClientsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KW_REQUIRE_PEER("curl");
    auto s = KeywardServer::Start(dir_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
    auto client = server_->Client();
    ASSERT_TRUE(client
                    ->CreateSecret(Create(
                        "platform-data/postgres/orders",
                        std::string(R"({"password":")") + kCanary + "\"}"))
                    .ok());
    ASSERT_TRUE(
        client
            ->CreateSecret(Create("platform-config/redis/shared", "redis:6379"))
            .ok());
    dir_.Write("token", std::string(kToken) + "\n");
  }

  void StartAgent(std::vector<std::string> flags = {}) {
    auto a =
        KeywardAgent::Start(dir_, *server_, std::move(flags),
                            {{"AWS_TOKEN", "file://" + dir_.File("token")}});
    ASSERT_TRUE(a.ok()) << a.status();
    agent_ = std::move(*a);
  }

  CommandResult Curl(const std::string& target,
                     std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {"curl", "-s", "-w", "\n%{http_code}"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(agent_->url(target));
    return RunCommand(argv);
  }
  std::string TokenHeader() const {
    return std::string("X-Aws-Parameters-Secrets-Token: ") + kToken;
  }

  TempDir dir_;
  std::unique_ptr<KeywardServer> server_;
  std::unique_ptr<KeywardAgent> agent_;
};

// Splits curl's "-w \n%{http_code}" output.
std::pair<std::string, int> BodyAndCode(const std::string& out) {
  auto nl = out.rfind('\n');
  if (nl == std::string::npos) return {out, 0};
  return {out.substr(0, nl), std::atoi(out.c_str() + nl + 1)};
}

TEST_F(AgentClientsTest, CurlAsTheAwsAgentReadmeShowsIt) {
  StartAgent();
  // README: curl -v -H "X-Aws-Parameters-Secrets-Token:
  // $(</var/run/awssmatoken)"
  //   'http://localhost:2773/secretsmanager/get?secretId=<YOUR_SECRET_ID>'
  CommandResult r =
      Curl("/secretsmanager/get?secretId=platform-data/postgres/orders",
           {"-H", TokenHeader()});
  auto [body, code] = BodyAndCode(r.out);
  ASSERT_EQ(code, 200) << r.out << agent_->log();
  auto j = nlohmann::json::parse(body);
  EXPECT_EQ(j["Name"], "platform-data/postgres/orders");
  EXPECT_TRUE(j["ARN"].get<std::string>().starts_with(
      "arn:aws:secretsmanager:us-east-1:"));
  EXPECT_EQ(j["SecretString"],
            std::string(R"({"password":")") + kCanary + "\"}");
  EXPECT_EQ(j["VersionStages"], nlohmann::json::array({"AWSCURRENT"}));
  // CreatedDate is a string of epoch seconds, as the AWS agent writes it.
  EXPECT_TRUE(std::regex_match(j["CreatedDate"].get<std::string>(),
                               std::regex("[0-9]{10}(\\.[0-9]{1,3})?")))
      << body;
  // Path style with the default /v1/ prefix.
  r = Curl("/v1/platform-config/redis/shared", {"-H", TokenHeader()});
  auto [body2, code2] = BodyAndCode(r.out);
  EXPECT_EQ(code2, 200);
  EXPECT_EQ(nlohmann::json::parse(body2)["SecretString"], "redis:6379");
  // The value never reaches the agent's log.
  EXPECT_EQ(agent_->log().find(kCanary), std::string::npos);
}

TEST_F(AgentClientsTest, TokenForwardingAndMethodRulesOnTheWire) {
  StartAgent();
  std::string id = "/secretsmanager/get?secretId=platform-config/redis/shared";
  EXPECT_EQ(BodyAndCode(Curl(id).out),
            (std::pair<std::string, int>{"Bad Token", 403}));
  EXPECT_EQ(
      BodyAndCode(Curl(id, {"-H", "X-Aws-Parameters-Secrets-Token: x"}).out),
      (std::pair<std::string, int>{"Bad Token", 403}));
  EXPECT_EQ(
      BodyAndCode(Curl(id, {"-H", std::string("X-Vault-Token: ") + kToken}).out)
          .second,
      200);
  EXPECT_EQ(BodyAndCode(Curl(id, {"-H", TokenHeader(), "-H",
                                  "X-Forwarded-For: 203.0.113.9"})
                            .out),
            (std::pair<std::string, int>{"Forwarded", 400}));
  EXPECT_EQ(BodyAndCode(Curl(id, {"-H", TokenHeader(), "-X", "POST"}).out),
            (std::pair<std::string, int>{"Not allowed", 405}));
  EXPECT_EQ(BodyAndCode(Curl("/nope", {"-H", TokenHeader()}).out),
            (std::pair<std::string, int>{"Not found", 404}));
  EXPECT_EQ(BodyAndCode(Curl("/ping").out),
            (std::pair<std::string, int>{"healthy", 200}));
  auto [body, code] =
      BodyAndCode(Curl("/v1/no/such/secret", {"-H", TokenHeader()}).out);
  EXPECT_EQ(code, 400);
  EXPECT_TRUE(
      body.starts_with("{\"__type\":\"ResourceNotFoundException\", "
                       "\"message\":"))
      << body;
}

TEST_F(AgentClientsTest, PythonStandardLibrary) {
  KW_REQUIRE_PEER("python3");
  StartAgent();
  // The AWS agent README's Python example, with urllib instead of requests.
  std::string script = R"PY(
import json, os, sys, urllib.request

def get_secret(secret_id):
    url = f"http://localhost:{os.environ['AGENT_PORT']}/secretsmanager/get?secretId={secret_id}"
    with open(os.environ["TOKEN_FILE"]) as fp:
        token = fp.read()
    headers = {"X-Aws-Parameters-Secrets-Token": token.strip()}
    req = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(req) as response:
        return json.loads(response.read())["SecretString"]

password = json.loads(get_secret("platform-data/postgres/orders"))["password"]
print("ok" if password == os.environ["EXPECTED"] else "mismatch")
try:
    get_secret("platform-data/missing")
except urllib.error.HTTPError as e:
    print(e.code, json.loads(e.read())["__type"])
)PY";
  CommandResult r = RunCommand({"python3", "-c", script},
                               {{"AGENT_PORT", std::to_string(agent_->port())},
                                {"TOKEN_FILE", dir_.File("token")},
                                {"EXPECTED", kCanary}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ok\n400 ResourceNotFoundException\n") << r.err;
}

TEST_F(AgentClientsTest, NodeBuiltInFetch) {
  KW_REQUIRE_PEER("node");
  StartAgent();
  std::string script = R"JS(
const fs = require("fs");
async function getSecret(secretId) {
  const token = fs.readFileSync(process.env.TOKEN_FILE, "utf8").trim();
  const res = await fetch(
      `http://localhost:${process.env.AGENT_PORT}/v1/${secretId}`,
      {headers: {"X-Aws-Parameters-Secrets-Token": token}});
  if (!res.ok) throw new Error(`agent answered ${res.status}`);
  return (await res.json()).SecretString;
}
getSecret("platform-data/postgres/orders").then((s) => {
  console.log(JSON.parse(s).password === process.env.EXPECTED ? "ok" : "mismatch");
}).catch((e) => { console.error(e.message); process.exit(1); });
)JS";
  CommandResult r = RunCommand({"node", "-e", script},
                               {{"AGENT_PORT", std::to_string(agent_->port())},
                                {"TOKEN_FILE", dir_.File("token")},
                                {"EXPECTED", kCanary}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ok\n") << r.err;
}

TEST_F(AgentClientsTest, RotationIsSeenAfterTheBackgroundRefreshOrRefreshNow) {
  StartAgent({"--ttl-seconds", "1", "--refresh-now-min-interval-seconds", "0"});
  auto read = [&](const std::string& extra = "") {
    auto [body, code] = BodyAndCode(
        Curl("/v1/platform-config/redis/shared" + extra, {"-H", TokenHeader()})
            .out);
    EXPECT_EQ(code, 200) << body;
    return code == 200
               ? nlohmann::json::parse(body)["SecretString"].get<std::string>()
               : "";
  };
  EXPECT_EQ(read(), "redis:6379");
  secrets::PutSecretValueRequest put;
  put.secret_id = "platform-config/redis/shared";
  put.payload.string = SecretValue("redis-2:6379");
  ASSERT_TRUE(server_->Client()->PutSecretValue(put).ok());
  // The background refresh (1 s ttl) picks it up without any client action.
  std::string seen;
  for (int i = 0; i < 100 && seen != "redis-2:6379"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    seen = read();
  }
  EXPECT_EQ(seen, "redis-2:6379");
  put.payload.string = SecretValue("redis-3:6379");
  ASSERT_TRUE(server_->Client()->PutSecretValue(put).ok());
  EXPECT_EQ(read("?refreshNow=true"), "redis-3:6379");
}

TEST_F(AgentClientsTest, ReadsAreServedThroughAnUpstreamOutage) {
  StartAgent({"--ttl-seconds", "1", "--max-staleness-seconds", "3600"});
  auto [b0, c0] = BodyAndCode(
      Curl("/v1/platform-data/postgres/orders", {"-H", TokenHeader()}).out);
  ASSERT_EQ(c0, 200) << b0;
  server_->process().Kill(SIGKILL);
  // Several refresh periods later, still the last good value.
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  auto [b1, c1] = BodyAndCode(
      Curl("/v1/platform-data/postgres/orders", {"-H", TokenHeader()}).out);
  EXPECT_EQ(c1, 200) << b1;
  EXPECT_EQ(b1, b0);
  // A secret never read before cannot be served: a connection error.
  auto [b2, c2] = BodyAndCode(
      Curl("/v1/platform-data/never-read", {"-H", TokenHeader()}).out);
  EXPECT_TRUE(c2 == 502 || c2 == 504) << c2 << " " << b2;
  auto m = BodyAndCode(Curl("/metrics", {"-H", TokenHeader()}).out);
  EXPECT_NE(m.first.find("keyward_agent_refresh_failures_total"),
            std::string::npos);
}

}  // namespace
}  // namespace keyward::testing
