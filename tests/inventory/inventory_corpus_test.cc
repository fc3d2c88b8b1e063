// Table-driven corpus: every tests/inventory/testdata/lint/NAME.yaml is
// parsed and linted, and the findings (or the fatal error) must equal
// NAME.expected verbatim, one ninja-style line each. Regenerate with
// KEYWARD_UPDATE_GOLDEN=1 and review the diff.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "keyward/inventory/inventory.h"
#include "tests/testing/fakes.h"

namespace keyward::inventory {
namespace {

namespace fs = std::filesystem;

const std::string kCorpus =
    std::string(KEYWARD_SOURCE_DIR) + "/tests/inventory/testdata/lint";

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// 2026-11-28T00:00:00Z.
testing::FakeClock& TestClock() {
  static auto* clock = new testing::FakeClock(
      Clock::time_point(std::chrono::seconds(1795824000)));
  return *clock;
}

std::string Lint(const std::string& text, const std::string& name) {
  ParseOptions options;
  options.runtime.clock = &TestClock();
  auto parsed = ParseInventory(text, name, options);
  if (!parsed.ok()) return "FATAL " + parsed.status().message() + "\n";
  std::string out;
  for (const Finding& f : parsed->findings) out += f.ToString() + "\n";
  return out;
}

std::vector<std::string> CorpusFiles() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(kCorpus)) {
    if (e.path().extension() == ".yaml")
      names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class CorpusTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CorpusTest, FindingsMatchExpected) {
  const std::string name = GetParam();
  std::string text = Slurp(fs::path(kCorpus) / (name + ".yaml"));
  std::string got = Lint(text, name + ".yaml");
  fs::path expected_path = fs::path(kCorpus) / (name + ".expected");
  if (std::getenv("KEYWARD_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(expected_path, std::ios::binary) << got;
  }
  ASSERT_TRUE(fs::exists(expected_path)) << expected_path << " is missing";
  EXPECT_EQ(got, Slurp(expected_path));
}

INSTANTIATE_TEST_SUITE_P(Lint, CorpusTest, ::testing::ValuesIn(CorpusFiles()),
                         [](const auto& info) { return info.param; });

TEST(CorpusTest, ExampleInventoryIsClean) {
  std::string path =
      std::string(KEYWARD_SOURCE_DIR) + "/examples/secrets-inventory.yaml";
  EXPECT_EQ(Lint(Slurp(path), "examples/secrets-inventory.yaml"), "");
}

// Values in leaks.yaml must never appear in any output.
TEST(CorpusTest, LeakedValuesAreNeverEchoed) {
  std::string out = Lint(Slurp(fs::path(kCorpus) / "leaks.yaml"), "leaks.yaml");
  for (const char* canary :
       {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI", "S3cr3t-Canary-Pw", "hunter2",
        "MIIEowIBAAK", "9f8e7d6c5b4a", "eyJhbGciOiJIUzI1NiJ9", "Zx8Qm2Lp9Vt4",
        "ghp_aB3dE5"}) {
    EXPECT_EQ(out.find(canary), std::string::npos)
        << "canary #" << std::strlen(canary);
  }
}

}  // namespace
}  // namespace keyward::inventory
