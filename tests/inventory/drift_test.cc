// Drift and import against a fake store; values never reach the output.
#include "keyward/inventory/drift.h"

#include <gtest/gtest.h>

#include <map>

namespace keyward::inventory {
namespace {

constexpr const char* kCanary = "CANARY-9f2c1e7b-value";

class FakeStore : public secrets::SecretsManagerApi {
 public:
  struct Entry {
    std::string description;
    std::string value;  // SecretString
    bool deleted = false;
    std::vector<secrets::Tag> tags;
  };
  std::map<std::string, Entry> entries;
  int page_size = 2;
  int list_calls = 0;
  bool batch_supported = true;

  StatusOr<secrets::ListSecretsResult> ListSecrets(
      const secrets::ListSecretsRequest& req) override {
    ++list_calls;
    secrets::ListSecretsResult r;
    auto it =
        req.next_token.empty() ? entries.begin() : entries.find(req.next_token);
    for (int n = 0; it != entries.end() && n < page_size; ++it, ++n) {
      secrets::SecretMetadata m;
      m.name = it->first;
      m.description = it->second.description;
      m.tags = it->second.tags;
      if (it->second.deleted)
        m.deleted_date = Clock::time_point(std::chrono::seconds(1));
      r.secrets.push_back(m);
    }
    if (it != entries.end()) r.next_token = it->first;
    return r;
  }
  StatusOr<secrets::SecretValueResult> GetSecretValue(
      const secrets::GetSecretValueRequest& req) override {
    auto it = entries.find(req.secret_id);
    if (it == entries.end()) return NotFoundError("no such secret");
    secrets::SecretValueResult r;
    r.name = req.secret_id;
    r.payload.string = SecretValue(it->second.value);
    return r;
  }
  StatusOr<secrets::BatchGetSecretValueResult> BatchGetSecretValue(
      const secrets::BatchGetSecretValueRequest& req) override {
    if (!batch_supported) return PermissionDeniedError("not allowed");
    secrets::BatchGetSecretValueResult r;
    for (const auto& id : req.secret_ids) {
      auto v = GetSecretValue(
          {.secret_id = id, .version_id = "", .version_stage = ""});
      if (v.ok())
        r.values.push_back(std::move(*v));
      else
        r.errors.push_back({id, "ResourceNotFoundException", "x"});
    }
    return r;
  }
};

FakeStore::Entry E(std::string description, std::string value,
                   bool deleted = false, std::vector<secrets::Tag> tags = {}) {
  FakeStore::Entry e;
  e.description = std::move(description);
  e.value = std::move(value);
  e.deleted = deleted;
  e.tags = std::move(tags);
  return e;
}

Inventory Demo() {
  auto parsed = ParseInventory(R"(version: 1
applications: {orders: {description: Orders}}
secrets:
  - name: platform-data/postgres/orders
    description: Orders login
    consumers: [orders]
    properties: [username, password]
    rotation: {status: none}
  - name: platform-data/stripe/orders
    description: Stripe token
    consumers: [orders]
    properties: [token]
    rotation: {status: none}
  - name: platform-data/redis/orders
    description: Redis
    consumers: [orders]
    properties: [password]
    rotation: {status: none}
  - name: platform-data/kafka/orders
    description: Kafka
    consumers: [orders]
    properties: [password]
    rotation: {status: none}
)",
                               "inv.yaml");
  return parsed->inventory;
}

TEST(JsonObjectKeysTest, KeysOnly) {
  auto keys = JsonObjectKeys(
      R"({"password":"x","username":"u","nested":{"a":1},"password":"y"})");
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(*keys,
            (std::vector<std::string>{"nested", "password", "username"}));
  auto bad = JsonObjectKeys(std::string("not json ") + kCanary);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().find(kCanary), std::string::npos);
  EXPECT_FALSE(JsonObjectKeys("[1,2]").ok());
}

class DriftTest : public ::testing::TestWithParam<bool> {};

TEST_P(DriftTest, ReportsEveryKindWithoutValues) {
  FakeStore store;
  store.batch_supported = GetParam();
  store.entries["platform-data/postgres/orders"] =
      E("Orders login",
        std::string(R"({"username":"u","password":")") + kCanary + "\"}");
  store.entries["platform-data/stripe/orders"] =
      E("Old text", std::string(R"({"api_key":")") + kCanary + "\"}");
  store.entries["platform-data/redis/orders"] = E("Redis", "", true);
  store.entries["platform-data/legacy/thing"] = E("unmanaged", "{}");
  auto report = CheckDrift(Demo(), store);
  ASSERT_TRUE(report.ok()) << report.status();
  std::string all;
  for (const auto& d : report->items) {
    all += std::to_string(d.line) + " " + std::string(DriftKindName(d.kind)) +
           " " + d.name + ": " + d.detail + "\n";
  }
  EXPECT_EQ(all,
            "9 description-mismatch platform-data/stripe/orders: store "
            "description differs: \"Old text\"\n"
            "9 property-mismatch platform-data/stripe/orders: declared but not "
            "in the value: token; "
            "in the value but not declared: api_key\n"
            "14 scheduled-for-deletion platform-data/redis/orders: scheduled "
            "for deletion in the store "
            "(restore it or remove it from the inventory)\n"
            "19 missing platform-data/kafka/orders: declared in the inventory "
            "but not in the store\n"
            "0 unmanaged platform-data/legacy/thing: in the store but not "
            "declared in the inventory\n");
  EXPECT_EQ(all.find(kCanary), std::string::npos);
  EXPECT_EQ(report->declared, 4u);
  EXPECT_EQ(report->in_store, 4u);
  EXPECT_EQ(store.list_calls, 2);  // paginated
}

INSTANTIATE_TEST_SUITE_P(BatchOrSingle, DriftTest, ::testing::Bool());

TEST(DriftTest, NoValuesSkipsKeyComparison) {
  FakeStore store;
  store.entries["platform-data/postgres/orders"] =
      E("Orders login", "not json");
  Inventory inv = Demo();
  inv.secrets.resize(1);
  DriftOptions options;
  options.compare_values = false;
  auto report = CheckDrift(inv, store, options);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->InSync());
  report = CheckDrift(inv, store);
  ASSERT_EQ(report->items.size(), 1u);
  EXPECT_EQ(report->items[0].kind, DriftKind::kUnreadable);
  EXPECT_EQ(report->items[0].detail,
            "the value is not a JSON object of properties");
}

TEST(ImportTest, BuildsALintCleanInventory) {
  FakeStore store;
  store.entries["platform-data/postgres/orders"] =
      E("Orders login",
        std::string(R"({"username":"u","password":")") + kCanary + "\"}", false,
        {{"consumers", "orders,billing"}, {"owner", "platform-team"}});
  store.entries["platform-config/postgres/main"] =
      E("", R"({"host":"h","port":"5432"})");
  auto result = ImportFromStore(store);
  ASSERT_TRUE(result.ok()) << result.status();
  std::string text = FormatInventory(result->inventory, result->comments);
  EXPECT_EQ(text.find(kCanary), std::string::npos);
  EXPECT_EQ(text,
            "version: 1\n"
            "applications:\n"
            "  billing:\n"
            "    description: \"TODO: describe this application\"\n"
            "    owner: platform-team\n"
            "  orders:\n"
            "    description: \"TODO: describe this application\"\n"
            "    owner: platform-team\n"
            "secrets:\n"
            "  - name: platform-config/postgres/main\n"
            "    description: \"TODO: describe this secret\"\n"
            "    consumers: []  # TODO: consumers unknown; list the "
            "applications that read it\n"
            "    properties: [host, port]\n"
            "    rotation: {status: none}\n"
            "  - name: platform-data/postgres/orders\n"
            "    description: Orders login\n"
            "    consumers: [orders, billing]\n"
            "    properties: [password, username]\n"
            "    rotation: {status: none}\n");
  auto parsed = ParseInventory(text, "imported.yaml");
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->HasErrors()) << parsed->findings[0].ToString();
}

}  // namespace
}  // namespace keyward::inventory
