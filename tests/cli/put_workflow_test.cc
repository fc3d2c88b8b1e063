// keyward put's workflow (src/cli/put_workflow.h) against an in-memory
// SecretsManagerApi: create / update / unchanged, the declaration checks,
// --merge and --generate, a secret scheduled for deletion.
#include "cli/put_workflow.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/cli/fake_secrets_api.h"

namespace keyward::cli {
namespace {

using keyward::testing::FakeSecretsApi;

constexpr char kName[] = "platform-data/postgres/orders";

inventory::Inventory Demo() {
  auto parsed = inventory::ParseInventory(R"(version: 1
applications: {orders: {description: Orders}}
secrets:
  - name: platform-data/postgres/orders
    description: Orders login
    consumers: [orders]
    properties: [username, password]
    rotation: {status: none}
)",
                                          "inv.yaml");
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed->inventory;
}

SuppliedValue Supplied(std::string_view text) {
  auto v = ParseSupplied(SecureString(text.data(), text.size()), "test");
  EXPECT_TRUE(v.ok()) << v.status();
  return std::move(*v);
}

struct PutWorkflowTest : ::testing::Test {
  FakeSecretsApi api;
  std::optional<inventory::Inventory> inv = Demo();
  PutRequest req;
  PutWorkflowTest() { req.name = kName; }
  StatusOr<PutResult> DoPut(std::string_view value) {
    auto d = Declare(req.name, {}, inv);
    EXPECT_TRUE(d.ok()) << d.status();
    return Put(api, req, *d, Supplied(value));
  }
  int Count(const std::string& op) const {
    return static_cast<int>(std::count(api.calls.begin(), api.calls.end(), op));
  }
};

TEST_F(PutWorkflowTest, CreatesWithTheInventorysDescriptionAndTags) {
  auto r = DoPut(R"({"username":"u","password":"p"})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->action, PutAction::kCreated);
  EXPECT_EQ(PutActionName(r->action), "created");
  EXPECT_EQ(r->properties, (std::vector<std::string>{"password", "username"}));
  EXPECT_FALSE(r->write.version_id.empty());
  auto* s = api.Find(kName);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->description, "Orders login");
  std::vector<std::string> keys;
  for (const auto& t : s->tags) keys.push_back(t.key + "=" + t.value);
  EXPECT_EQ(keys, (std::vector<std::string>{
                      "managed-by=keyward", "category=platform-data",
                      "consumers=orders", "rotation=none"}));
}

TEST_F(PutWorkflowTest, TheSameValueWritesNothing) {
  std::string v1 = api.Seed(kName, R"({"password":"p","username":"u"})");
  auto r = DoPut(R"({"username":"u","password":"p"})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->action, PutAction::kUnchanged);
  EXPECT_EQ(r->write.version_id, v1);
  EXPECT_EQ(Count("PutSecretValue") + Count("CreateSecret"), 0);
}

TEST_F(PutWorkflowTest, ANewValueWritesANewVersion) {
  api.Seed(kName, R"({"password":"old","username":"u"})");
  req.description = "ignored on update";
  auto r = DoPut(R"({"username":"u","password":"new"})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->action, PutAction::kUpdated);
  EXPECT_EQ(Count("PutSecretValue"), 1);
  EXPECT_EQ(api.CurrentValue(kName), R"({"password":"new","username":"u"})");
  EXPECT_EQ(r->notes,
            (std::vector<std::string>{"--description only applies on create"}));
}

TEST_F(PutWorkflowTest, MissingAndExtraPropertiesAreRefused) {
  auto missing = DoPut(R"({"username":"u"})");
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("missing property password"),
            std::string::npos)
      << missing.status();
  auto extra = DoPut(R"({"username":"u","password":"p","host":"h"})");
  EXPECT_EQ(extra.status().code(), StatusCode::kInvalidArgument);
  req.allow_extra = true;
  EXPECT_TRUE(DoPut(R"({"username":"u","password":"p","host":"h"})").ok());
  auto plain = DoPut("just a string");
  EXPECT_EQ(plain.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(PutWorkflowTest, MergeKeepsCurrentProperties) {
  api.Seed(kName, R"({"password":"p","username":"u"})");
  req.merge = true;
  auto r = DoPut(R"({"password":"p2"})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->action, PutAction::kUpdated);
  EXPECT_EQ(api.CurrentValue(kName), R"({"password":"p2","username":"u"})");
}

TEST_F(PutWorkflowTest, GenerateFillsAPropertyAndRefusesASuppliedOne) {
  req.generate = {{"password", 12}};
  auto r = DoPut(R"({"username":"u"})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->generated, (std::vector<std::string>{"password"}));
  EXPECT_EQ(api.CurrentValue(kName),
            R"({"password":"xxxxxxxxxxxx","username":"u"})");
  auto both = DoPut(R"({"username":"u","password":"p"})");
  EXPECT_EQ(both.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(PutWorkflowTest, ASecretScheduledForDeletionIsNotWritten) {
  api.Seed(kName, R"({"password":"p","username":"u"})");
  api.Find(kName)->deleted = true;
  auto r = DoPut(R"({"username":"u","password":"p2"})");
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("keyward restore"), std::string::npos);
  EXPECT_EQ(Count("PutSecretValue"), 0);
}

TEST(PutDeclareTest, UndeclaredNamesAndIgnoredKeys) {
  std::optional<inventory::Inventory> inv = Demo();
  auto undeclared = Declare("platform-data/postgres/other", {}, inv);
  EXPECT_EQ(undeclared.status().code(), StatusCode::kInvalidArgument);
  auto d = Declare(kName, {"a", "b"}, inv);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->properties, (std::vector<std::string>{"username", "password"}));
  ASSERT_EQ(d->warnings.size(), 1u);
  EXPECT_NE(d->warnings[0].find("--keys ignored"), std::string::npos);
  auto none = Declare(kName, {"a", "b"}, std::nullopt);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->properties, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(none->inventory_present);
}

TEST(PutGenerateSpecTest, Parses) {
  auto g = ParseGenerate({"password", "token=64"});
  ASSERT_TRUE(g.ok());
  ASSERT_EQ(g->size(), 2u);
  EXPECT_EQ((*g)[0].length, 32);
  EXPECT_EQ((*g)[1].key, "token");
  EXPECT_EQ((*g)[1].length, 64);
  EXPECT_FALSE(ParseGenerate({"x=7"}).ok());
  EXPECT_FALSE(ParseGenerate({"x=4097"}).ok());
  EXPECT_FALSE(ParseGenerate({"=12"}).ok());
}

}  // namespace
}  // namespace keyward::cli
