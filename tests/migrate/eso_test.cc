// `export eso` generation: golden files for the sample inventory, validation
// of every manifest against the ESO v1 CRD schemas, YAML parsing, and the
// generator's error cases. Update the goldens with KEYWARD_UPDATE_GOLDEN=1.
#include "keyward/migrate/eso.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "keyward/inventory/inventory.h"
#include "keyward/migrate/model.h"
#include "tests/migrate/crd_schema.h"

namespace keyward::migrate {
namespace {

namespace fs = std::filesystem;

const std::string kTestdata =
    std::string(KEYWARD_SOURCE_DIR) + "/tests/migrate/testdata";
const std::string kCrds =
    std::string(KEYWARD_SHARED_DIR) + "/testdata/eso-crds";

MigrationModel SampleModel() {
  auto parsed = inventory::LoadInventory(kTestdata + "/secrets-inventory.yaml",
                                         FileSystem::Real());
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  if (!parsed.ok()) return {};
  for (const auto& f : parsed->findings) ADD_FAILURE() << f.ToString();
  return ModelFromInventory(parsed->inventory);
}

Phase1Options P1() {
  Phase1Options o;
  o.region = "eu-west-1";
  return o;
}

Phase2Options P2() {
  Phase2Options o;
  o.server = "https://vault.vault.svc:8200";
  return o;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void ExpectGolden(const std::vector<GeneratedFile>& files,
                  const std::string& dir) {
  fs::path root = fs::path(kTestdata) / "golden" / dir;
  bool update = std::getenv("KEYWARD_UPDATE_GOLDEN") != nullptr;
  if (update) {
    fs::remove_all(root);
    ASSERT_TRUE(
        WriteGeneratedFiles(FileSystem::Real(), root.string(), files).ok());
  }
  std::set<std::string> expected;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file())
      expected.insert(fs::relative(e.path(), root).string());
  }
  std::set<std::string> got;
  for (const GeneratedFile& f : files) {
    got.insert(f.path);
    EXPECT_EQ(f.content, ReadFile(root / f.path))
        << "golden " << dir << "/" << f.path;
  }
  EXPECT_EQ(got, expected);
}

// Parses every generated YAML file and validates each document against the
// CRD of its kind. Returns the documents.
std::vector<YAML::Node> ValidateManifests(
    const std::vector<GeneratedFile>& files) {
  auto es =
      keyward::testing::LoadCrdSchema(kCrds + "/externalsecrets.yaml", "v1");
  auto css = keyward::testing::LoadCrdSchema(
      kCrds + "/clustersecretstores.yaml", "v1");
  EXPECT_TRUE(es && css);
  std::vector<YAML::Node> docs;
  static const std::regex kSubdomain(
      R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)");
  static const std::regex kLabel("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  for (const GeneratedFile& f : files) {
    if (!f.path.ends_with(".yaml") || f.path.starts_with("vault/")) continue;
    std::vector<YAML::Node> parsed;
    try {
      parsed = YAML::LoadAll(f.content);
    } catch (const YAML::Exception& e) {
      ADD_FAILURE() << f.path << ": " << e.what();
      continue;
    }
    for (const YAML::Node& d : parsed) {
      if (d.IsNull()) continue;
      if (!d.IsMap()) {
        ADD_FAILURE() << f.path << ": document is not a mapping";
        continue;
      }
      EXPECT_EQ(d["apiVersion"].as<std::string>(), "external-secrets.io/v1")
          << f.path;
      std::string kind = d["kind"].as<std::string>();
      const YAML::Node& schema = kind == "ExternalSecret" ? *es : *css;
      EXPECT_TRUE(kind == "ExternalSecret" || kind == "ClusterSecretStore")
          << kind;
      for (const std::string& e :
           keyward::testing::ValidateAgainstSchema(d, schema)) {
        ADD_FAILURE() << f.path << ": " << kind << ": " << e;
      }
      std::string name = d["metadata"]["name"].as<std::string>();
      EXPECT_TRUE(std::regex_match(name, kSubdomain) && name.size() <= 253)
          << name;
      if (kind == "ExternalSecret") {
        std::string ns = d["metadata"]["namespace"].as<std::string>();
        EXPECT_TRUE(std::regex_match(ns, kLabel) && ns.size() <= 63) << ns;
      } else {
        EXPECT_FALSE(d["metadata"]["namespace"])
            << "ClusterSecretStore is cluster-scoped";
      }
      docs.push_back(d);
    }
  }
  return docs;
}

TEST(EsoTest, Phase1Golden) {
  auto files = GeneratePhase1(SampleModel(), P1());
  ASSERT_TRUE(files.ok()) << files.status();
  ExpectGolden(*files, "phase1");
  auto docs = ValidateManifests(*files);
  // 1 store + temporal (2) + orders (3: pg, config, redis) + billing (1:
  // stripe; redis is shared with orders in namespace shop).
  EXPECT_EQ(docs.size(), 7u);
}

TEST(EsoTest, Phase2Golden) {
  auto files = GeneratePhase2(SampleModel(), P2());
  ASSERT_TRUE(files.ok()) << files.status();
  ExpectGolden(*files, "phase2");
  ValidateManifests(*files);
  for (const auto& f : *files) {
    if (f.path == "vault/migration-plan.yaml") {
      YAML::Node plan = YAML::Load(f.content);
      EXPECT_EQ(plan["secrets"].size(), 5u);
      EXPECT_EQ(plan["secrets"][0]["vault_path"].as<std::string>(),
                "secret/data/platform-config/postgres/platform-postgres");
    }
  }
}

// The ExternalSecrets differ between phases only in the store they reference:
// every remoteRef.key and property stays the same.
TEST(EsoTest, RemoteRefsUnchangedAcrossPhases) {
  auto p1 = GeneratePhase1(SampleModel(), P1());
  auto p2 = GeneratePhase2(SampleModel(), P2());
  ASSERT_TRUE(p1.ok() && p2.ok());
  auto refs = [](const std::vector<GeneratedFile>& files) {
    std::vector<std::string> out;
    for (const auto& f : files) {
      if (!f.path.starts_with("external-secrets-")) continue;
      for (const YAML::Node& d : YAML::LoadAll(f.content)) {
        if (d.IsNull()) continue;
        out.push_back(d["metadata"]["namespace"].as<std::string>() + "/" +
                      d["metadata"]["name"].as<std::string>() + " -> " +
                      d["spec"]["secretStoreRef"]["name"].as<std::string>());
        for (const auto& e : d["spec"]["data"]) {
          out.push_back(e["remoteRef"]["key"].as<std::string>() + "#" +
                        e["remoteRef"]["property"].as<std::string>());
        }
      }
    }
    return out;
  };
  auto r1 = refs(*p1);
  auto r2 = refs(*p2);
  ASSERT_EQ(r1.size(), r2.size());
  for (std::size_t i = 0; i < r1.size(); ++i) {
    if (r1[i].find(" -> ") != std::string::npos) {
      EXPECT_TRUE(r1[i].ends_with("-> aws-secrets-manager")) << r1[i];
      EXPECT_TRUE(r2[i].ends_with("-> vault-backend")) << r2[i];
    } else {
      EXPECT_EQ(r1[i], r2[i]);
    }
  }
}

TEST(EsoTest, Deterministic) {
  MigrationModel m = SampleModel();
  MigrationModel shuffled = m;
  std::reverse(shuffled.secrets.begin(), shuffled.secrets.end());
  std::reverse(shuffled.apps.begin(), shuffled.apps.end());
  EXPECT_EQ(*GeneratePhase1(m, P1()), *GeneratePhase1(shuffled, P1()));
  EXPECT_EQ(*GeneratePhase2(m, P2()), *GeneratePhase2(shuffled, P2()));
}

TEST(EsoTest, RoleAuthAndNoPropertiesValidate) {
  MigrationModel m;
  m.apps = {{"grafana", "", ""}};
  m.secrets = {{"platform-data/grafana/admin", {"grafana"}, {}},
               {"platform-data/smtp/grafana", {"grafana"}, {"true", "8080"}}};
  Phase1Options o = P1();
  o.auth = AwsAuth::kRole;
  o.role_arn = "arn:aws:iam::123456789012:role/external-secrets";
  o.service_account = "external-secrets/external-secrets";
  auto files = GeneratePhase1(m, o);
  ASSERT_TRUE(files.ok()) << files.status();
  auto docs = ValidateManifests(*files);
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0]["spec"]["provider"]["aws"]["role"].as<std::string>(),
            o.role_arn);
  EXPECT_EQ(docs[1]["spec"]["dataFrom"][0]["extract"]["key"].as<std::string>(),
            "platform-data/grafana/admin");
  // Keys that look like other YAML types stay strings.
  EXPECT_EQ(docs[2]["spec"]["data"][0]["secretKey"].Tag(), "!");
  o.role_arn.clear();
  EXPECT_EQ(GeneratePhase1(m, o).status().code(), StatusCode::kInvalidArgument);
}

TEST(EsoTest, Errors) {
  MigrationModel m;
  m.apps = {{"orders", "Shop_NS", ""}};
  m.secrets = {{"platform-data/postgres/orders", {"orders"}, {"password"}}};
  EXPECT_NE(GeneratePhase1(m, P1()).status().message().find("Shop_NS"),
            std::string::npos);
  m.apps[0].k8s_namespace = "";
  m.secrets[0].consumers = {"nobody"};
  EXPECT_NE(GeneratePhase1(m, P1()).status().message().find(
                "'nobody' is not declared"),
            std::string::npos);
  m.secrets[0].consumers = {"orders"};
  m.secrets[0].properties = {"pass word"};
  EXPECT_EQ(GeneratePhase1(m, P1()).status().code(),
            StatusCode::kInvalidArgument);
  m.secrets = {{"platform-data/a-b/c", {"orders"}, {"k"}},
               {"platform-data/a/b-c", {"orders"}, {"k"}}};
  EXPECT_NE(GeneratePhase2(m, P2()).status().message().find(
                "both map to Kubernetes name"),
            std::string::npos);
  EXPECT_EQ(GeneratePhase1(m, Phase1Options{}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(GeneratePhase2(m, Phase2Options{}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(EsoTest, KubernetesName) {
  EXPECT_EQ(KubernetesName("platform-data/postgres/orders"),
            "platform-data-postgres-orders");
  EXPECT_EQ(KubernetesName("Platform_Data//x.y@z"), "platform-data-x-y-z");
  std::string longname = "platform-data/" + std::string(300, 'a') + "/b";
  std::string k = KubernetesName(longname);
  EXPECT_EQ(k.size(), 253u);
  EXPECT_NE(k, KubernetesName(longname + "c"));
}

}  // namespace
}  // namespace keyward::migrate
