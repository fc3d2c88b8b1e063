// keyward agent's per-application mode end to end: `keyward server` with two
// IAM principals (orders, billing), each limited by an identity policy to
// its own secrets; the agent reads each application's secrets with that
// application's profile and hands each application its own token file.
// A token of one application never reads the other's secret: the agent
// refuses (403) before Secrets Manager is asked (the server's access log has
// no such request), and the principals are the applications' own (the access
// log shows each key reading its own secrets).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/integration/agent_fixture.h"

namespace keyward::testing {
namespace {

constexpr char kInventory[] = R"(version: 1
applications:
  orders:
    description: Orders service
  billing:
    description: Billing service
secrets:
  - name: platform-data/postgres/orders
    description: Orders DB login
    consumers: [orders]
    properties: [password]
    rotation: {status: none}
  - name: platform-data/postgres/billing
    description: Billing DB login
    consumers: [billing]
    properties: [password]
    rotation: {status: none}
)";

std::string Policy(const std::string& secret) {
  return R"({"Version":"2012-10-17","Statement":[
    {"Effect":"Allow","Action":["secretsmanager:GetSecretValue",
       "secretsmanager:DescribeSecret"],
     "Resource":"arn:aws:secretsmanager:*:*:secret:)" +
         secret + R"(-*"},
    {"Effect":"Allow","Action":"secretsmanager:BatchGetSecretValue",
     "Resource":"*"}]})";
}

TEST(AgentPerAppTest,
     EachApplicationReadsOnlyItsOwnSecretsWithItsOwnPrincipal) {
  KW_REQUIRE_PEER("curl");
  TempDir dir;
  dir.Write("credentials",
            "[admin]\naws_access_key_id = AKIDADMIN000000001\n"
            "aws_secret_access_key = admin-secret\n"
            "[orders]\naws_access_key_id = AKIDORDERS00000001\n"
            "aws_secret_access_key = orders-secret\n"
            "[billing]\naws_access_key_id = AKIDBILLING0000001\n"
            "aws_secret_access_key = billing-secret\n");
  dir.Write("orders.json", Policy("platform-data/postgres/orders"));
  dir.Write("billing.json", Policy("platform-data/postgres/billing"));
  dir.Write(
      "admin.json",
      R"({"Statement":[{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}]})");
  dir.Write("inventory.yaml", kInventory);
  auto server = KeywardServer::Start(
      dir, {"--credentials", dir.File("credentials"), "--policy",
            "orders=" + dir.File("orders.json"), "--policy",
            "billing=" + dir.File("billing.json"), "--policy",
            "admin=" + dir.File("admin.json")});
  ASSERT_TRUE(server.ok()) << server.status();
  aws::Credentials admin;
  admin.access_key_id = "AKIDADMIN000000001";
  admin.secret_access_key = SecretValue("admin-secret");
  auto client = (*server)->Client(admin);
  for (const char* app : {"orders", "billing"}) {
    secrets::CreateSecretRequest c;
    c.name = std::string("platform-data/postgres/") + app;
    c.payload.string =
        SecretValue(std::string(R"({"password":"pw-)") + app + "\"}");
    ASSERT_TRUE(client->CreateSecret(c).ok());
  }
  std::string tokens = dir.File("tokens");
  ::mkdir(tokens.c_str(), 0750);
  auto agent = KeywardAgent::Start(
      dir, **server,
      {"--inventory", dir.File("inventory.yaml"), "--app", "orders", "--app",
       "billing", "--token-mode", "per-app", "--token-dir", tokens,
       "--app-profile", "orders=orders", "--app-profile", "billing=billing"});
  ASSERT_TRUE(agent.ok()) << agent.status();
  struct stat st {};
  ASSERT_EQ(::stat((tokens + "/orders.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  auto token = [&](const std::string& app) {
    std::string t = Slurp(tokens + "/" + app + ".token");
    while (!t.empty() && t.back() == '\n') t.pop_back();
    return t;
  };
  auto read = [&](const std::string& app, const std::string& secret) {
    CommandResult r =
        RunCommand({"curl", "-s", "-w", "\n%{http_code}", "-H",
                    "X-Aws-Parameters-Secrets-Token: " + token(app),
                    (*agent)->url("/secretsmanager/get?secretId=" + secret)});
    auto nl = r.out.rfind('\n');
    return std::make_pair(r.out.substr(0, nl),
                          std::atoi(r.out.c_str() + nl + 1));
  };
  auto [ob, oc] = read("orders", "platform-data/postgres/orders");
  EXPECT_EQ(oc, 200) << ob;
  EXPECT_NE(ob.find("pw-orders"), std::string::npos);
  auto [bb, bc] = read("billing", "platform-data/postgres/billing");
  EXPECT_EQ(bc, 200) << bb;
  // The access log is flushed every 200 ms: wait until both applications'
  // prefetches (BatchGetSecretValue) are in it, so that only the requests
  // made after this point count below.
  std::size_t log_before = 0;
  for (int i = 0; i < 200 && log_before == 0; ++i) {
    std::string l = Slurp(dir.File("access.log"));
    int n = 0;
    for (std::size_t p = l.find("\"op\":\"BatchGetSecretValue\"");
         p != std::string::npos;
         p = l.find("\"op\":\"BatchGetSecretValue\"", p + 1))
      ++n;
    if (n >= 2)
      log_before = l.size();
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(log_before, 0u) << "the prefetches never reached the access log";
  auto [xb, xc] = read("billing", "platform-data/postgres/orders");
  EXPECT_EQ(xc, 403) << xb;
  EXPECT_NE(xb.find("AccessDeniedException"), std::string::npos);
  EXPECT_EQ(xb.find("pw-orders"), std::string::npos);
  auto [yb, yc] = read("orders", "platform-data/postgres/billing");
  EXPECT_EQ(yc, 403) << yb;
  // Refused by the agent: the server saw no request for either.
  std::string log = Slurp(dir.File("access.log"));
  EXPECT_EQ(log.substr(log_before).find("GetSecretValue"), std::string::npos)
      << log.substr(log_before);
  // Each secret was loaded by its own application's principal.
  bool orders_key_read_orders = false, billing_key_read_orders = false;
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) continue;
    std::string key = j.value("access_key", "");
    std::string op = j.value("op", "");
    if (op != "BatchGetSecretValue" && op != "GetSecretValue") continue;
    if (key == "AKIDORDERS00000001") orders_key_read_orders = true;
    if (key == "AKIDBILLING0000001" &&
        j.value("secret_id", "").find("orders") != std::string::npos)
      billing_key_read_orders = true;
  }
  EXPECT_TRUE(orders_key_read_orders) << log;
  EXPECT_FALSE(billing_key_read_orders) << log;
}

}  // namespace
}  // namespace keyward::testing
