// The reported crash, end to end: an authenticated request whose body nests
// JSON 120,000 deep, sent over HTTP to the real `keyward server` running with
// a 1 MiB stack limit (RLIMIT_STACK, inherited by the child; glibc also sizes
// every thread's stack from it). The server must answer 400 and keep serving.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <string>

#include "tests/integration/server_fixture.h"

namespace keyward::testing {
namespace {

TEST(DeepInputServerTest, DeepBodiesOverHttpOnAOneMebibyteStack) {
  TempDir dir;
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_STACK, &old), 0);
  rlimit small = old;
  small.rlim_cur = 1 << 20;
  ASSERT_EQ(::setrlimit(RLIMIT_STACK, &small), 0);
  auto server = KeywardServer::Start(dir);
  ::setrlimit(RLIMIT_STACK, &old);
  ASSERT_TRUE(server.ok()) << server.status();
  // The server really runs with the small limit.
  std::string limits =
      Slurp("/proc/" + std::to_string((*server)->process().pid()) + "/limits");
  EXPECT_NE(limits.find("Max stack size            1048576"), std::string::npos)
      << limits;
  auto client = (*server)->Client(std::nullopt, /*attempts=*/1);
  ASSERT_NE(client, nullptr);
  const std::string deep_array =
      std::string(120'000, '[') + std::string(120'000, ']');
  std::string deep_object;
  for (int i = 0; i < 120'000; ++i) deep_object += "{\"a\":";
  deep_object += "1" + std::string(120'000, '}');
  for (const char* op : {"GetSecretValue", "CreateSecret", "PutSecretValue",
                         "BatchGetSecretValue", "PutResourcePolicy"}) {
    for (const std::string* body :
         std::initializer_list<const std::string*>{&deep_array, &deep_object}) {
      SCOPED_TRACE(op);
      auto r = client->Call(op, SecureString(body->begin(), body->end()));
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status();
      ASSERT_TRUE((*server)->process().Running()) << "server died on " << op;
    }
  }
  // Still serving.
  secrets::CreateSecretRequest create;
  create.name = "platform-data/deep/ok";
  create.payload.string = SecretValue("v");
  EXPECT_TRUE(client->CreateSecret(create).ok());
}

}  // namespace
}  // namespace keyward::testing
