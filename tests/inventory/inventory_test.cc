// The inventory model and hostile input: what other subsystems build on.
#include "keyward/inventory/inventory.h"

#include <gtest/gtest.h>

#include <chrono>

#include "tests/testing/fakes.h"

namespace keyward::inventory {
namespace {

constexpr const char* kDemo = R"(version: 1
applications:
  orders:
    description: Order service
    owner: platform-team
    iam_principal: arn:aws:iam::123456789012:user/orders
  billing:
    description: Billing
    namespace: payments
secrets:
  - name: platform-data/postgres/orders
    description: Orders login
    consumers: [orders]
    properties: [username, password]
    rotation: {status: manual, interval_days: 90, last_rotated: 2026-10-01, notes: "by the DBA"}
  - name: platform-config/postgres/platform-postgres
    description: Shared endpoint
    consumers:
      - orders
      - billing
    properties: [host, port]
    rotation: {status: none}
)";

TEST(InventoryTest, ParsesTheModel) {
  auto parsed = ParseInventory(kDemo, "inv.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(parsed->findings.empty()) << parsed->findings[0].ToString();
  const Inventory& inv = parsed->inventory;
  EXPECT_EQ(inv.path, "inv.yaml");
  EXPECT_EQ(inv.version, 1);
  ASSERT_EQ(inv.applications.size(), 2u);
  const Application& orders = inv.applications[0];
  EXPECT_EQ(orders.name, "orders");
  EXPECT_EQ(orders.line, 3);
  EXPECT_EQ(orders.description, "Order service");
  EXPECT_EQ(orders.owner, "platform-team");
  EXPECT_EQ(orders.iam_principal, "arn:aws:iam::123456789012:user/orders");
  EXPECT_EQ(orders.EffectiveNamespace(), "orders");
  EXPECT_EQ(inv.applications[1].EffectiveNamespace(), "payments");
  EXPECT_EQ(orders.positions.at("owner"), (Position{5, 12}));

  ASSERT_EQ(inv.secrets.size(), 2u);
  const Secret& s = inv.secrets[0];
  EXPECT_EQ(s.name, "platform-data/postgres/orders");
  EXPECT_EQ(s.line, 11);
  EXPECT_EQ(s.category, NameCategory::kData);
  EXPECT_FALSE(s.explicit_category);
  EXPECT_EQ(s.consumers, std::vector<std::string>{"orders"});
  EXPECT_EQ(s.properties, (std::vector<std::string>{"username", "password"}));
  EXPECT_EQ(s.rotation.status, RotationStatus::kManual);
  EXPECT_EQ(s.rotation.interval_days, 90);
  EXPECT_EQ(s.rotation.last_rotated, "2026-10-01");
  EXPECT_EQ(s.rotation.notes, "by the DBA");
  EXPECT_EQ(s.positions.at("name"), (Position{11, 11}));
  EXPECT_EQ(s.positions.at("properties[1]"), (Position{14, 28}));
  EXPECT_TRUE(inv.secrets[1].IsConfig());
  EXPECT_EQ(inv.secrets[1].positions.at("consumers[1]"), (Position{20, 9}));

  EXPECT_EQ(inv.SecretsForApp("orders").size(), 2u);
  ASSERT_EQ(inv.SecretsForApp("billing").size(), 1u);
  EXPECT_EQ(inv.SecretsForApp("billing")[0]->name,
            "platform-config/postgres/platform-postgres");
  EXPECT_TRUE(inv.SecretsForApp("nobody").empty());
  EXPECT_NE(inv.FindSecret("platform-data/postgres/orders"), nullptr);
  EXPECT_EQ(inv.FindApplication("nobody"), nullptr);
}

TEST(InventoryTest, FindingFormat) {
  Finding f{"a.yaml",           3,        7, LintRule::kNoConsumers,
            Severity::kWarning, "careful"};
  EXPECT_EQ(f.ToString(), "a.yaml:3:7: no-consumers: warning: careful");
  f.severity = Severity::kError;
  EXPECT_EQ(f.ToString(), "a.yaml:3:7: no-consumers: careful");
}

TEST(InventoryTest, FormatRoundTrips) {
  auto parsed = ParseInventory(kDemo, "inv.yaml");
  ASSERT_TRUE(parsed.ok());
  std::string text = FormatInventory(parsed->inventory);
  auto again = ParseInventory(text, "out.yaml");
  ASSERT_TRUE(again.ok()) << again.status() << "\n" << text;
  EXPECT_TRUE(again->findings.empty()) << again->findings[0].ToString() << "\n"
                                       << text;
  const Inventory& a = parsed->inventory;
  const Inventory& b = again->inventory;
  ASSERT_EQ(a.secrets.size(), b.secrets.size());
  for (std::size_t i = 0; i < a.secrets.size(); ++i) {
    EXPECT_EQ(a.secrets[i].name, b.secrets[i].name);
    EXPECT_EQ(a.secrets[i].description, b.secrets[i].description);
    EXPECT_EQ(a.secrets[i].consumers, b.secrets[i].consumers);
    EXPECT_EQ(a.secrets[i].properties, b.secrets[i].properties);
    EXPECT_EQ(a.secrets[i].rotation.notes, b.secrets[i].rotation.notes);
  }
  EXPECT_EQ(b.applications[1].namespace_, "payments");
}

TEST(InventoryTest, FormatQuotesAwkwardStrings) {
  Inventory inv;
  inv.version = 1;
  Application app;
  app.name = "app";
  app.description = "yes";
  inv.applications.push_back(app);
  Secret s;
  s.name = "platform-data/x/app";
  s.description = "a: b # c \"q\"\n\t";
  s.consumers = {"app"};
  s.rotation.status = RotationStatus::kNone;
  inv.secrets.push_back(s);
  auto again = ParseInventory(FormatInventory(inv), "out.yaml");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->inventory.applications[0].description, "yes");
  EXPECT_EQ(again->inventory.secrets[0].description, s.description);
}

TEST(InventoryTest, LoadRefusesLargeFilesBeforeReading) {
  testing::FakeFileSystem fs;
  fs.Write("big.yaml", std::string(100, 'x'));
  ParseOptions options;
  options.max_bytes = 10;
  auto parsed = LoadInventory("big.yaml", fs, options);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(),
            "big.yaml:1:1: input-too-large: file is 100 bytes; the limit is 10 "
            "bytes");
  EXPECT_EQ(LoadInventory("absent.yaml", fs).status().code(),
            StatusCode::kNotFound);
}

// A hang guard only (a loaded CI machine must not fail it): how fast hostile
// input is refused is measured in bench/inventory_bench.cc.
constexpr double kHangGuardSeconds = 20.0;

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

TEST(InventoryTest, HundredMegabytesRefusedQuickly) {
  std::string text(100u << 20, ' ');
  auto start = std::chrono::steady_clock::now();
  auto parsed = ParseInventory(text, "huge.yaml");
  EXPECT_LT(Seconds(start), kHangGuardSeconds);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(),
            "huge.yaml:1:1: input-too-large: file is 104857600 bytes; the "
            "limit is 16777216 bytes");
}

TEST(InventoryTest, DeepNestingRefusedQuickly) {
  for (const std::string& open :
       {std::string("["), std::string("{a: "), std::string("- ")}) {
    std::string text;
    for (int i = 0; i < 100000; ++i) text += open;
    auto start = std::chrono::steady_clock::now();
    auto parsed = ParseInventory(text, "deep.yaml");
    EXPECT_LT(Seconds(start), kHangGuardSeconds) << open;
    ASSERT_FALSE(parsed.ok()) << open;
    EXPECT_NE(parsed.status().message().find(
                  ": yaml-depth: nesting deeper than 32 levels"),
              std::string::npos)
        << parsed.status().message();
  }
}

TEST(InventoryTest, BillionLaughsRefusedAtTheFirstAnchor) {
  std::string text = "version: 1\nlol: &a [x, x, x]\n";
  for (int i = 0; i < 30; ++i)
    text += "l" + std::to_string(i) + ": [*a, *a, *a, *a]\n";
  auto parsed = ParseInventory(text, "laughs.yaml");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(),
            "laughs.yaml:2:6: yaml-alias: anchors (&name) and aliases (*name) "
            "are not allowed in "
            "the inventory");
}

TEST(InventoryTest, DuplicateKeysAreFindings) {
  auto parsed = ParseInventory(
      "version: 1\nversion: 1\napplications: {}\nsecrets: []\n", "d.yaml");
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->findings.size(), 1u);
  EXPECT_EQ(parsed->findings[0].ToString(),
            "d.yaml:2:1: duplicate-key: key 'version' is repeated in the top "
            "level (first at "
            "line 1); YAML would silently keep one");
}

TEST(InventoryTest, OverdueUsesTheInjectedClock) {
  std::string text = R"(version: 1
applications: {a: {description: A}}
secrets:
  - {name: platform-data/pg/a, description: d, consumers: [a], properties: [password],
     rotation: {status: manual, interval_days: 10, last_rotated: 2026-01-01}}
)";
  testing::FakeClock clock(
      Clock::time_point(std::chrono::seconds(1767225600)));  // 2026-01-01
  ParseOptions options;
  options.runtime.clock = &clock;
  auto parsed = ParseInventory(text, "r.yaml", options);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->findings.empty());
  clock.Advance(std::chrono::hours(24 * 11));
  parsed = ParseInventory(text, "r.yaml", options);
  ASSERT_EQ(parsed->findings.size(), 1u);
  EXPECT_EQ(RuleId(parsed->findings[0].rule), "rotation-overdue");
  EXPECT_FALSE(parsed->HasErrors());
  EXPECT_EQ(parsed->WarningCount(), 1u);
}

}  // namespace
}  // namespace keyward::inventory
