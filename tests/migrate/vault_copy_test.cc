// CopyToVault / LocateSecrets / the checklist against an in-memory store and
// the in-test Vault double (which follows Vault's KV v2 API; no Vault server
// can be installed here): copy, identical skips, CAS conflicts and races,
// interruption and resume, read-back verification, and a canary that must
// never appear in any result, journal or error.
#include "keyward/migrate/vault_copy.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "keyward/migrate/checklist.h"
#include "tests/testing/peers.h"
#include "tests/vault/vault_double.h"

namespace keyward::migrate {
namespace {

using keyward::testing::TempDir;
using keyward::testing::VaultDouble;
using Json = nlohmann::json;

constexpr char kCanary[] = "canary-migrate-5b9d2a-never-print";

// A store with one current version per secret.
class MemoryStore : public secrets::SecretsManagerApi {
 public:
  void Put(const std::string& name, const std::string& value) {
    std::lock_guard<std::mutex> l(mu_);
    auto& e = secrets_[name];
    e.value = value;
    e.version = "v" + std::to_string(++counter_);
  }
  void Remove(const std::string& name) {
    std::lock_guard<std::mutex> l(mu_);
    secrets_.erase(name);
  }
  void RefuseBatch() { refuse_batch_ = true; }

  StatusOr<secrets::SecretValueResult> GetSecretValue(
      const secrets::GetSecretValueRequest& req) override {
    std::lock_guard<std::mutex> l(mu_);
    ++gets_;
    auto it = secrets_.find(req.secret_id);
    if (it == secrets_.end())
      return NotFoundError("no secret " + req.secret_id);
    return Result(it->first, it->second);
  }
  StatusOr<secrets::BatchGetSecretValueResult> BatchGetSecretValue(
      const secrets::BatchGetSecretValueRequest& req) override {
    std::lock_guard<std::mutex> l(mu_);
    ++batches_;
    if (refuse_batch_)
      return PermissionDeniedError("BatchGetSecretValue needs Resource *");
    EXPECT_LE(req.secret_ids.size(), 20u);
    secrets::BatchGetSecretValueResult r;
    for (const auto& id : req.secret_ids) {
      auto it = secrets_.find(id);
      if (it == secrets_.end()) {
        r.errors.push_back({id, "ResourceNotFoundException", "not found"});
      } else {
        r.values.push_back(Result(it->first, it->second));
      }
    }
    return r;
  }
  StatusOr<secrets::ListSecretsResult> ListSecrets(
      const secrets::ListSecretsRequest&) override {
    std::lock_guard<std::mutex> l(mu_);
    secrets::ListSecretsResult r;
    for (const auto& [name, e] : secrets_) {
      secrets::SecretMetadata m;
      m.name = name;
      r.secrets.push_back(m);
    }
    return r;
  }
  int batches() const { return batches_; }
  int gets() const { return gets_; }

 private:
  struct Entry {
    std::string value;
    std::string version;
  };
  static secrets::SecretValueResult Result(const std::string& name,
                                           const Entry& e) {
    secrets::SecretValueResult r;
    r.name = name;
    r.version_id = e.version;
    r.payload.string = SecretValue(e.value);
    return r;
  }
  std::mutex mu_;
  std::map<std::string, Entry> secrets_;
  int counter_ = 0;
  int batches_ = 0;
  int gets_ = 0;
  bool refuse_batch_ = false;
};

std::string Value(int i) {
  return R"({"username":"user)" + std::to_string(i) + R"(","password":")" +
         kCanary + std::to_string(i) + R"(","port":5432})";
}

class VaultCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 45; ++i) {
      std::string name = "platform-data/svc" + std::to_string(100 + i) + "/app";
      names_.push_back(name);
      store_.Put(name, Value(i));
    }
    vault::VaultConfig c;
    c.address = vault_.address();
    c.token = SecretValue(vault_.token());
    client_ = vault::VaultKv2Client::Create(std::move(c)).value();
  }

  CopyReport Run(bool dry_run, CopyOptions o = {}) {
    o.dry_run = dry_run;
    o.journal_path = dir_.File("journal");
    auto r = CopyToVault(names_, store_, *client_, o);
    EXPECT_TRUE(r.ok()) << r.status();
    ExpectNoCanary(*r);
    return r.ok() ? *r : CopyReport{};
  }

  std::map<std::string, int> Counts(const CopyReport& r) {
    std::map<std::string, int> m;
    for (const auto& x : r.results)
      ++m[std::string(CopyOutcomeName(x.outcome))];
    return m;
  }

  void ExpectNoCanary(const CopyReport& r) {
    for (const auto& x : r.results) {
      EXPECT_EQ(x.detail.find("canary"), std::string::npos) << x.name;
    }
    std::ifstream in(dir_.File("journal"));
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(ss.str().find("canary"), std::string::npos);
  }

  TempDir dir_;
  MemoryStore store_;
  VaultDouble vault_;
  std::unique_ptr<vault::VaultKv2Client> client_;
  std::vector<std::string> names_;
};

TEST_F(VaultCopyTest, DryRunWritesNothing) {
  CopyReport r = Run(true);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(Counts(r), (std::map<std::string, int>{{"would-copy", 45}}));
  EXPECT_EQ(vault_.writes(), 0);
  EXPECT_EQ(r.store_requests, 3);  // 20 + 20 + 5
  EXPECT_EQ(r.vault_requests, 45);
}

TEST_F(VaultCopyTest, CopiesVerifiesThenSkipsIdentical) {
  CopyReport r = Run(false);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(Counts(r), (std::map<std::string, int>{{"copied", 45}}));
  EXPECT_EQ(r.vault_requests, 45 * 3);  // read (404), write cas=0, read back
  EXPECT_EQ(vault_.size(), 45u);
  // Values arrive intact (numbers stay numbers).
  Json v = *vault_.Get("platform-data/svc100/app");
  EXPECT_EQ(v["port"], 5432);
  EXPECT_EQ(v["password"], std::string(kCanary) + "0");
  // Resume/idempotence: the journal skips everything without Vault requests.
  CopyReport again = Run(false);
  EXPECT_EQ(Counts(again), (std::map<std::string, int>{{"already-done", 45}}));
  EXPECT_EQ(again.vault_requests, 0);
  // --recheck compares digests: identical, nothing written.
  CopyOptions o;
  o.recheck = true;
  CopyReport rechecked = Run(false, o);
  EXPECT_EQ(Counts(rechecked), (std::map<std::string, int>{{"identical", 45}}));
  EXPECT_EQ(vault_.writes(), 45);
}

TEST_F(VaultCopyTest, IdenticalValueAlreadyInVaultIsSkipped) {
  // Same properties, different key order and spacing: same canonical digest.
  vault_.Put("platform-data/svc100/app",
             Json::parse(R"({"port": 5432, "password": ")" +
                         std::string(kCanary) + R"(0", "username": "user0"})"));
  CopyReport r = Run(false);
  EXPECT_EQ(r.results[0].outcome, CopyOutcome::kIdentical);
  EXPECT_EQ(r.results[0].vault_version, 1);
  EXPECT_EQ(vault_.CurrentVersion("platform-data/svc100/app"), 1);
}

TEST_F(VaultCopyTest, UnknownVaultValueIsAConflictUnlessOverwriteUnknown) {
  vault_.Put("platform-data/svc101/app",
             Json{{"password", "set-by-someone-else"}});
  CopyReport r = Run(false);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.results[1].outcome, CopyOutcome::kConflict);
  EXPECT_NE(r.results[1].detail.find("not written by keyward"),
            std::string::npos);
  EXPECT_EQ(Counts(r)["copied"], 44);
  EXPECT_EQ(vault_.Get("platform-data/svc101/app")->at("password"),
            "set-by-someone-else");
  CopyOptions o;
  o.overwrite_unknown = true;
  CopyReport forced = Run(false, o);
  EXPECT_EQ(forced.results[1].outcome, CopyOutcome::kUpdated);
  EXPECT_EQ(forced.results[1].vault_version, 2);
  EXPECT_TRUE(forced.ok());
}

TEST_F(VaultCopyTest, StoreRotationUpdatesKeywardsOwnCopyWithCas) {
  Run(false);
  store_.Put("platform-data/svc102/app", Value(999));
  CopyReport r = Run(false);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.results[2].outcome, CopyOutcome::kUpdated);
  EXPECT_EQ(r.results[2].vault_version, 2);
  EXPECT_EQ(Counts(r)["already-done"], 44);
  EXPECT_EQ(vault_.Get("platform-data/svc102/app")->at("username"), "user999");
}

TEST_F(VaultCopyTest, CasRaceIsAConflictAndNothingIsOverwritten) {
  vault_.RaceNextWrite("platform-data/svc103/app", Json{{"password", "racer"}});
  CopyReport r = Run(false);
  EXPECT_EQ(r.results[3].outcome, CopyOutcome::kConflict);
  EXPECT_NE(r.results[3].detail.find("check-and-set"), std::string::npos);
  EXPECT_EQ(vault_.Get("platform-data/svc103/app")->at("password"), "racer");
  EXPECT_EQ(vault_.CurrentVersion("platform-data/svc103/app"), 1);
}

TEST_F(VaultCopyTest, InterruptedRunResumes) {
  vault_.SealAfterWrites(17);  // Vault seals in the middle of the run
  CopyOptions o;
  o.parallelism = 1;
  CopyReport first = Run(false, o);
  EXPECT_FALSE(first.ok());
  auto c = Counts(first);
  EXPECT_EQ(c["copied"], 17);
  EXPECT_EQ(c["error"], 28);
  EXPECT_NE(first.results[17].detail.find("sealed"), std::string::npos);
  vault_.SealAfterWrites(-1);  // unsealed
  CopyReport second = Run(false, o);
  EXPECT_TRUE(second.ok());
  c = Counts(second);
  EXPECT_EQ(c["already-done"], 17);
  EXPECT_EQ(c["copied"], 28);
  EXPECT_EQ(second.vault_requests, 28 * 3);
  EXPECT_EQ(vault_.writes(), 45);
}

TEST_F(VaultCopyTest, TornJournalLineIsIgnored) {
  Run(false);
  std::ofstream(dir_.File("journal"), std::ios::app)
      << R"({"name":"platform-data/svc1)";
  CopyReport r = Run(false);
  EXPECT_EQ(Counts(r), (std::map<std::string, int>{{"already-done", 45}}));
}

TEST_F(VaultCopyTest, ReadBackMismatchIsVerifyFailed) {
  vault_.CorruptReadsOf("platform-data/svc104/app");
  CopyReport r = Run(false);
  EXPECT_EQ(r.results[4].outcome, CopyOutcome::kVerifyFailed);
  EXPECT_NE(r.results[4].detail.find("digest"), std::string::npos);
}

TEST_F(VaultCopyTest, MissingUnsupportedAndBatchFallback) {
  names_.push_back("platform-data/none/app");
  store_.Put("platform-data/plain/app", kCanary);
  names_.push_back("platform-data/plain/app");
  store_.RefuseBatch();
  CopyReport r = Run(false);
  auto c = Counts(r);
  EXPECT_EQ(c["missing-in-store"], 1);
  EXPECT_EQ(c["unsupported"], 1);
  EXPECT_EQ(c["copied"], 45);
  EXPECT_EQ(store_.gets(), 47);
}

TEST_F(VaultCopyTest, LocateAndChecklist) {
  Run(false);
  store_.Put("platform-data/svc100/app", Value(7));  // rotated after the copy
  vault_.Put("platform-data/only/vault", Json{{"k", "v"}});
  names_.push_back("platform-data/only/vault");
  store_.Remove("platform-data/svc144/app");
  auto loc = LocateSecrets(names_, store_, *client_);
  ASSERT_TRUE(loc.ok()) << loc.status();
  std::map<std::string, int> counts;
  for (const auto& s : loc->secrets)
    ++counts[std::string(LocationName(s.location))];
  EXPECT_EQ(counts, (std::map<std::string, int>{{"both-in-sync", 43},
                                                {"both-differing", 1},
                                                {"vault-only", 2}}));
  EXPECT_EQ(loc->store_live.size(), 44u);

  ChecklistInput in;
  in.locations = &*loc;
  in.iam_principals = {"arn:aws:iam::123456789012:user/app"};
  auto items = EvaluateChecklist(in);
  ASSERT_EQ(items.size(), 7u);
  EXPECT_EQ(items[0].id, "supersession:every-secret-in-vault");
  EXPECT_EQ(items[0].result, CheckResult::kFail);  // one differs
  EXPECT_NE(items[0].evidence.find("platform-data/svc100/app"),
            std::string::npos);
  EXPECT_EQ(items[1].result, CheckResult::kUnknown);
  EXPECT_EQ(items[2].result, CheckResult::kFail);
  EXPECT_EQ(items[4].result, CheckResult::kManual);
  EXPECT_NE(items[4].evidence.find("user/app"), std::string::npos);

  // After the cut-over: store emptied, manifests on Vault, modules gone.
  Run(false);
  for (const auto& n : names_) store_.Remove(n);
  loc = LocateSecrets(names_, store_, *client_);
  ASSERT_TRUE(loc.ok());
  dir_.Write(
      "es.yaml",
      "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: "
      "{name: a, "
      "namespace: b}\nspec: {secretStoreRef: {kind: ClusterSecretStore, name: "
      "vault-backend}}\n");
  dir_.Write("src/main.cc", "int main() {}\n");
  in.locations = &*loc;
  in.manifests =
      *ScanManifests(FileSystem::Real(), dir_.path(), "vault-backend");
  in.modules = *ScanForModuleUse(FileSystem::Real(), {dir_.File("src")});
  in.confirmed = {"iam-credentials-removed", "inventory-archived"};
  for (const auto& i : EvaluateChecklist(in)) {
    EXPECT_EQ(i.result, CheckResult::kPass) << i.id << ": " << i.evidence;
  }
  dir_.Write("src/cfg.cc", "#include \"keyward/secret_config.h\"\n");
  EXPECT_EQ(
      ScanForModuleUse(FileSystem::Real(), {dir_.File("src")})->uses.size(),
      1u);
}

TEST(CanonicalDigestTest, KeyOrderAndSpacingDoNotMatter) {
  EXPECT_EQ(CanonicalDigest(R"({"a":1,"b":"x"})"),
            CanonicalDigest(R"( { "b" : "x", "a" : 1 } )"));
  EXPECT_NE(CanonicalDigest(R"({"a":1})"), CanonicalDigest(R"({"a":"1"})"));
  EXPECT_FALSE(CanonicalDigest("[1]").has_value());
  EXPECT_FALSE(CanonicalDigest("not json").has_value());
}

}  // namespace
}  // namespace keyward::migrate
