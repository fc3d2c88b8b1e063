// The layers of keyward may only include downwards (docs/architecture.md):
//   core  (src/core, keyward/status.h, env.h, runtime.h, process.h,
//          secret_value.h, naming.h, attributes.h, function_ref.h,
//          lint_rules.h)
//   http  (src/http, keyward/http/)        may include core
//   aws   (src/aws, keyward/aws/)          may include core, http
//   everything else (secrets, config, server, agent, inventory, cli, ...)
// This test reads every source and header of the three lower layers and
// fails on an #include "..." that reaches a higher layer, naming file:line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace keyward {
namespace {

namespace fs = std::filesystem;

enum Layer { kCore = 0, kHttp = 1, kAws = 2, kHigher = 3 };

Layer LayerOfInclude(const std::string& path) {
  static const std::map<std::string, Layer> kCoreHeaders = {
      {"keyward/status.h", kCore},       {"keyward/env.h", kCore},
      {"keyward/secret_value.h", kCore}, {"keyward/naming.h", kCore},
      {"keyward/attributes.h", kCore},   {"keyward/runtime.h", kCore},
      {"keyward/process.h", kCore},      {"keyward/function_ref.h", kCore},
      {"keyward/lint_rules.h", kCore}};
  if (auto it = kCoreHeaders.find(path); it != kCoreHeaders.end())
    return it->second;
  if (path.starts_with("core/")) return kCore;
  if (path.starts_with("http/") || path.starts_with("keyward/http/"))
    return kHttp;
  if (path.starts_with("aws/") || path.starts_with("keyward/aws/")) return kAws;
  return kHigher;
}

std::vector<std::string> Violations(const fs::path& root, const fs::path& dir,
                                    Layer layer) {
  std::vector<std::string> out;
  if (!fs::exists(root / dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(root / dir)) {
    if (!e.is_regular_file()) continue;
    std::string ext = e.path().extension().string();
    if (ext != ".h" && ext != ".cc") continue;
    std::ifstream in(e.path());
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (!line.starts_with("#include \"")) continue;
      std::string inc = line.substr(10, line.find('"', 10) - 10);
      if (LayerOfInclude(inc) > layer) {
        out.push_back(fs::relative(e.path(), root).string() + ":" +
                      std::to_string(n) + ": includes \"" + inc +
                      "\" from a higher layer");
      }
    }
  }
  return out;
}

TEST(LayeringTest, LowerLayersNeverIncludeHigherOnes) {
  fs::path root = KEYWARD_SOURCE_DIR;
  std::vector<std::string> all;
  const std::vector<std::pair<fs::path, Layer>> dirs = {
      {"src/core", kCore},
      {"src/http", kHttp},
      {"include/keyward/http", kHttp},
      {"src/aws", kAws},
      {"include/keyward/aws", kAws}};
  for (const auto& [dir, layer] : dirs) {
    auto v = Violations(root, dir, layer);
    all.insert(all.end(), v.begin(), v.end());
  }
  for (const char* h :
       {"status.h", "env.h", "secret_value.h", "naming.h", "attributes.h"}) {
    std::ifstream in(root / "include/keyward" / h);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (line.starts_with("#include \"") &&
          LayerOfInclude(line.substr(10, line.find('"', 10) - 10)) > kCore)
        all.push_back(std::string("include/keyward/") + h + ":" +
                      std::to_string(n) + ": " + line);
    }
  }
  std::string report;
  for (const auto& v : all) report += v + "\n";
  EXPECT_TRUE(all.empty()) << report;
}

TEST(LayeringTest, ClassifiesIncludes) {
  EXPECT_EQ(LayerOfInclude("keyward/status.h"), kCore);
  EXPECT_EQ(LayerOfInclude("core/json.h"), kCore);
  EXPECT_EQ(LayerOfInclude("keyward/http/http_client.h"), kHttp);
  EXPECT_EQ(LayerOfInclude("aws/service_call.h"), kAws);
  EXPECT_EQ(LayerOfInclude("keyward/secrets/errors.h"), kHigher);
  EXPECT_EQ(LayerOfInclude("secrets/json_codec.h"), kHigher);
}

}  // namespace
}  // namespace keyward
