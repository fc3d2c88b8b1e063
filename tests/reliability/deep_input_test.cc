// The crash class "unbounded recursion over untrusted input", for every parser
// that is not JSON (JSON: json_deep_input_test.cc): YAML (inventory, manifests
// scanned by `migrate checklist`), the shared config/credentials INI files and
// the source_profile chain they describe. Each case sends a 120,000-deep
// document and runs on a 1 MiB stack, where any per-level recursion of a few
// dozen bytes would overflow.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "inventory/yaml_tree.h"
#include "keyward/aws/credential_chain.h"
#include "keyward/aws/shared_config.h"
#include "keyward/inventory/inventory.h"
#include "keyward/migrate/checklist.h"
#include "tests/testing/fake_process_runner.h"
#include "tests/testing/fakes.h"
#include "tests/testing/small_stack.h"

namespace keyward {
namespace {

using keyward::testing::RunOnSmallStack;

constexpr int kDepth = 120'000;

std::string Repeat(std::string_view s, int n) {
  std::string out;
  out.reserve(s.size() * static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// The three ways to nest YAML without quadratic size: flow sequences, flow
// mappings and compact block sequences ("- - - x" on one line).
std::vector<std::pair<std::string, std::string>> DeepYamlDocuments() {
  return {
      {"flow-seq", Repeat("[", kDepth) + Repeat("]", kDepth) + "\n"},
      {"flow-map", Repeat("{a: ", kDepth) + "1" + Repeat("}", kDepth) + "\n"},
      {"block-seq", Repeat("- ", kDepth) + "x\n"},
      {"version-then-deep", "version: 1\nsecrets: " + Repeat("[", kDepth) +
                                Repeat("]", kDepth) + "\n"},
  };
}

TEST(DeepInputTest, InventoryYamlIsRefusedAtItsDepthLimit) {
  for (const auto& [name, text] : DeepYamlDocuments()) {
    SCOPED_TRACE(name);
    RunOnSmallStack([&, &text = text] {
      auto tree = inventory::ParseYamlTree(text, "inv.yaml");
      ASSERT_FALSE(tree.ok());
      EXPECT_NE(tree.status().message().find("yaml-depth"), std::string::npos)
          << tree.status();
      auto inv = inventory::ParseInventory(text, "inv.yaml");
      EXPECT_FALSE(inv.ok());
    });
  }
}

TEST(DeepInputTest, YamlDepthProbeStopsEarly) {
  for (const auto& [name, text] : DeepYamlDocuments()) {
    SCOPED_TRACE(name);
    RunOnSmallStack([&, &text = text] {
      Status s = inventory::CheckYamlDepth(text, "m.yaml", 64);
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
      EXPECT_NE(s.message().find("yaml-depth"), std::string::npos) << s;
    });
  }
  // Ordinary multi-document YAML with anchors passes.
  EXPECT_TRUE(inventory::CheckYamlDepth(
                  "a: &x {b: [1, 2]}\nc: *x\n---\n- !tag 1\n", "m.yaml", 64)
                  .ok());
}

TEST(DeepInputTest, MigrateChecklistManifestScanRefusesDeepYaml) {
  namespace fs = std::filesystem;
  fs::path dir =
      fs::temp_directory_path() / ("kw-deep-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (const auto& [name, text] : DeepYamlDocuments()) {
    SCOPED_TRACE(name);
    { std::ofstream(dir / "deep.yaml") << text; }
    RunOnSmallStack([&] {
      auto scan = migrate::ScanManifests(FileSystem::Real(), dir.string(),
                                         "vault-backend");
      ASSERT_FALSE(scan.ok());
      EXPECT_EQ(scan.status().code(), StatusCode::kInvalidArgument);
      EXPECT_NE(scan.status().message().find("deep.yaml"), std::string::npos)
          << scan.status();
    });
  }
  // A normal multi-document manifest still scans.
  std::ofstream(dir / "deep.yaml")
      << "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
         "metadata: {name: a, namespace: n}\nspec:\n  secretStoreRef:\n"
         "    kind: ClusterSecretStore\n    name: vault-backend\n---\n"
         "kind: ConfigMap\n";
  auto scan =
      migrate::ScanManifests(FileSystem::Real(), dir.string(), "vault-backend");
  ASSERT_TRUE(scan.ok()) << scan.status();
  EXPECT_EQ(scan->external_secrets, 1);
  fs::remove_all(dir);
}

TEST(DeepInputTest, IniWithHundredThousandsOfSectionsParsesInLinearTime) {
  std::string text;
  for (int i = 0; i < kDepth; ++i) {
    text += "[profile p" + std::to_string(i) + "]\nrole_arn = r\n";
  }
  auto start = std::chrono::steady_clock::now();
  RunOnSmallStack([&] {
    auto ini = aws::ParseIni(text, "config");
    ASSERT_TRUE(ini.ok()) << ini.status();
    EXPECT_EQ(ini->sections.size(), static_cast<std::size_t>(kDepth));
    // A duplicate far down is still found.
    auto dup = aws::ParseIni(text + "[profile p7]\n", "config");
    EXPECT_FALSE(dup.ok());
  });
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::printf("[ figures  ] 2 x ParseIni of %d sections: %.2f s\n", kDepth,
              seconds);
  // Quadratic duplicate checks took minutes here; linear takes well under.
  EXPECT_LT(seconds, 30.0);
}

TEST(DeepInputTest, SourceProfileChainOfHundredThousandProfilesIsAnError) {
  // p0 -> p1 -> ... -> pN, each assuming a role from the next: resolution
  // recursed once per hop before the bound.
  std::string text;
  for (int i = 0; i < kDepth; ++i) {
    text += "[profile p" + std::to_string(i) +
            "]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = "
            "p" +
            std::to_string(i + 1) + "\n";
  }
  text += "[profile p" + std::to_string(kDepth) +
          "]\naws_access_key_id = A\naws_secret_access_key = B\n";
  testing::FakeEnvironment env{{"HOME", "/home/u"}};
  testing::FakeFileSystem fs;
  fs.Write("/home/u/.aws/config", text);
  testing::FakeClock clock;
  testing::FakeProcessRunner runner;
  auto http = std::make_shared<testing::FakeHttpClient>();
  aws::ChainOptions o;
  o.profile = "p0";
  o.runtime.env = &env;
  o.runtime.fs = &fs;
  o.runtime.clock = &clock;
  o.http = http;
  o.runtime.process = &runner;
  o.runtime.log = &Logger::Null();
  RunOnSmallStack([&] {
    auto c = aws::NewUncachedCredentialsChain(o)->Get();
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(c.status().message().find("source_profile chain is longer than"),
              std::string::npos)
        << c.status();
  });
  EXPECT_TRUE(http->requests().empty());  // refused before any STS call
}

}  // namespace
}  // namespace keyward
