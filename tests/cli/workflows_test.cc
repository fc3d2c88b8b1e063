// The CLI's other workflows as plain functions: rollback (versions.h), the
// inventory report (report.h) and server start-up's plan (server_setup.h),
// against an in-memory SecretsManagerApi; no network, no files.
#include <gtest/gtest.h>

#include "cli/report.h"
#include "cli/server_setup.h"
#include "cli/versions.h"
#include "tests/cli/fake_secrets_api.h"

namespace keyward::cli {
namespace {

using keyward::testing::FakeSecretsApi;

constexpr char kName[] = "platform-data/postgres/orders";

TEST(RollbackTest, MovesAwsCurrentToThePreviousVersionAndBack) {
  FakeSecretsApi api;
  std::string v1 = api.Seed(kName, "one");
  std::string v2 = api.Seed(kName, "two");
  auto r = Rollback(api, kName, "");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->changed);
  EXPECT_EQ(r->previous_current, v2);
  EXPECT_EQ(r->version_id, v1);
  EXPECT_EQ(api.CurrentValue(kName), "one");
  // A second rollback undoes the first.
  auto back = Rollback(api, kName, "");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->version_id, v2);
  EXPECT_EQ(api.CurrentValue(kName), "two");
}

TEST(RollbackTest, ToAVersionThatIsCurrentChangesNothing) {
  FakeSecretsApi api;
  api.Seed(kName, "one");
  std::string v2 = api.Seed(kName, "two");
  auto r = Rollback(api, kName, v2);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->changed);
  EXPECT_EQ(std::count(api.calls.begin(), api.calls.end(),
                       "UpdateSecretVersionStage"),
            0);
}

TEST(RollbackTest, UnknownVersionAndNoPreviousAreErrors) {
  FakeSecretsApi api;
  api.Seed(kName, "one");
  EXPECT_EQ(Rollback(api, kName, "nope").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(Rollback(api, kName, "").status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(Rollback(api, "platform-data/x/y", "").status().code(),
            StatusCode::kNotFound);
}

inventory::ParsedInventory ReportInventory() {
  auto parsed = inventory::ParseInventory(R"(version: 1
applications:
  orders: {description: Orders, iam_principal: "arn:aws:iam::123456789012:role/orders"}
secrets:
  - name: platform-data/postgres/orders
    description: Orders login
    consumers: [orders]
    properties: [username, password]
    rotation: {status: manual, interval_days: 30, last_rotated: "2026-01-01"}
  - name: platform-data/stripe/orders
    description: Stripe token
    consumers: [orders]
    properties: [token]
    rotation: {status: none}
)",
                                          "inv.yaml");
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return std::move(*parsed);
}

Clock::time_point Day(const char* date) {
  return *ParseIso8601(std::string(date) + "T00:00:00Z");
}

TEST(ReportTest, UncheckedCriteriaAreNotAPass) {
  inventory::ParsedInventory parsed = ReportInventory();
  ReportInputs in;
  in.parsed = &parsed;
  in.now = Day("2026-01-10");
  Report r = BuildReport(in);
  ASSERT_EQ(r.criteria.size(), 4u);
  EXPECT_EQ(r.criteria[0].status, CriterionStatus::kSkip);  // no --scan
  EXPECT_EQ(r.criteria[1].status, CriterionStatus::kSkip);  // --no-store
  EXPECT_EQ(r.criteria[2].status, CriterionStatus::kPass);  // names
  EXPECT_EQ(r.criteria[3].status, CriterionStatus::kPass);  // principals
  EXPECT_FALSE(r.failed);
  EXPECT_EQ(r.skipped, 2u);
  EXPECT_FALSE(r.Met());
  EXPECT_EQ(r.verdict, "met, 2 not checked");
}

TEST(ReportTest, CheckedCriteriaAndDriftDecideTheVerdict) {
  inventory::ParsedInventory parsed = ReportInventory();
  ReportInputs in;
  in.parsed = &parsed;
  in.scan = inventory::ScanResult{{}, 3, {}};
  inventory::DriftReport drift;
  drift.declared = 2;
  drift.in_store = 2;
  in.drift = drift;
  Report met = BuildReport(in);
  EXPECT_TRUE(met.Met());
  EXPECT_EQ(met.verdict, "met");
  inventory::DriftItem unmanaged;
  unmanaged.kind = inventory::DriftKind::kUnmanaged;
  unmanaged.name = "Bad Name!";
  drift.items.push_back(unmanaged);
  in.drift = drift;
  Report r = BuildReport(in);
  EXPECT_TRUE(r.failed);
  EXPECT_EQ(r.verdict, "not met");
  EXPECT_EQ(r.criteria[1].status, CriterionStatus::kFail);
  EXPECT_EQ(r.criteria[2].status, CriterionStatus::kFail);  // the store name
  in.drift = StatusOr<inventory::DriftReport>(UnavailableError("down"));
  EXPECT_EQ(BuildReport(in).criteria[1].detail, "store check failed: down");
}

TEST(ReportTest, RotationComparesTheInventoryWithTheStore) {
  inventory::ParsedInventory parsed = ReportInventory();
  FakeSecretsApi api;
  api.Seed("platform-data/postgres/orders", "v", Day("2026-02-01"));
  ReportInputs in;
  in.parsed = &parsed;
  in.store = &api;
  in.now = Day("2026-04-01");
  Report r = BuildReport(in);
  const RotationRow& pg = r.rotation.at("platform-data/postgres/orders");
  EXPECT_EQ(pg.store_date, "2026-02-01");
  EXPECT_TRUE(pg.disagree);  // the inventory says 2026-01-01
  EXPECT_TRUE(pg.overdue);   // 59 days since the newer date, every 30
  EXPECT_EQ(pg.note, "OVERDUE, dates disagree");
  EXPECT_EQ(r.rotation.at("platform-data/stripe/orders").note, "not in store");
}

TEST(ServerSetupTest, PlansRegionsAddressAndFiles) {
  ServerFlags f;
  f.store = "/var/lib/keyward/store.db";
  f.listen = "[::1]:4600";
  f.regions = {"eu-west-1,us-east-1", "eu-west-1"};
  auto p = PlanServer(f, "ap-south-1");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->regions, (std::vector<std::string>{"eu-west-1", "us-east-1"}));
  EXPECT_EQ(p->region, "eu-west-1");
  EXPECT_EQ(p->host, "::1");
  EXPECT_EQ(p->port, 4600);
  EXPECT_EQ(p->dir, "/var/lib/keyward");
  EXPECT_EQ(p->key_file, "/var/lib/keyward/store.db.key");
  EXPECT_EQ(p->creds_path, "/var/lib/keyward/credentials");
  f.regions.clear();
  f.credentials = "/etc/creds";
  f.key_file = "/etc/key";
  p = PlanServer(f, "");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->regions.empty());
  EXPECT_EQ(p->region, "us-east-1");
  EXPECT_EQ(p->creds_path, "/etc/creds");
  EXPECT_EQ(p->key_file, "/etc/key");
  EXPECT_EQ(ClientEnvironment(*p, "http://[::1]:4600", "keyward-local"),
            "export AWS_ENDPOINT_URL=http://[::1]:4600\n"
            "export AWS_REGION=us-east-1\n"
            "export AWS_DEFAULT_REGION=us-east-1\n"
            "export AWS_SHARED_CREDENTIALS_FILE=/etc/creds\n"
            "export AWS_PROFILE=keyward-local\n");
}

TEST(ServerSetupTest, RefusesBadListenAndRegions) {
  ServerFlags f;
  f.store = "store.db";
  f.listen = "4585";
  EXPECT_EQ(PlanServer(f, "").status().code(), StatusCode::kInvalidArgument);
  f.listen = "127.0.0.1:99999";
  EXPECT_EQ(PlanServer(f, "").status().code(), StatusCode::kInvalidArgument);
  f.listen = "127.0.0.1:0";
  f.regions = {"moon-1"};
  EXPECT_EQ(PlanServer(f, "").status().code(), StatusCode::kInvalidArgument);
  f.regions.clear();
  auto p = PlanServer(f, "");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->dir, ".");
  EXPECT_EQ(p->creds_path, "./credentials");
}

}  // namespace
}  // namespace keyward::cli
