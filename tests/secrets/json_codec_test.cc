// secrets::ParseJson / WipeJson on hostile depth: bounded at parse time and
// never recursing on the input's depth (each case runs on a 1 MiB stack).
#include "secrets/json_codec.h"

#include <gtest/gtest.h>

#include "config/secret_data.h"
#include "tests/testing/small_stack.h"

namespace keyward::secrets {
namespace {

using keyward::testing::NestedJsonArrays;
using keyward::testing::RunOnSmallStack;

TEST(JsonCodecTest, DepthAtTheLimitParsesOneMoreIsRefused) {
  std::optional<Json> ok = ParseJson(NestedJsonArrays(kMaxJsonDepth));
  ASSERT_TRUE(ok.has_value());
  EXPECT_FALSE(ParseJson(NestedJsonArrays(kMaxJsonDepth + 1)).has_value());
  EXPECT_FALSE(JsonNestingExceeds(NestedJsonArrays(kMaxJsonDepth)));
  EXPECT_TRUE(JsonNestingExceeds(NestedJsonArrays(kMaxJsonDepth + 1)));
}

TEST(JsonCodecTest, BracketsInsideStringsDoNotCount) {
  std::string deep_in_string = "{\"v\":\"" + std::string(10000, '[') + "\\\"" +
                               std::string(10000, '{') + "\"}";
  std::optional<Json> j = ParseJson(deep_in_string);
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ((*j)["v"].get<std::string>().size(), 20001u);
}

TEST(JsonCodecTest, HundredTwentyThousandDeepIsRefusedOnASmallStack) {
  bool parsed = true;
  std::string doc = "{\"a\":" + NestedJsonArrays(120000) + "}";
  ASSERT_TRUE(RunOnSmallStack([&] { parsed = ParseJson(doc).has_value(); }));
  EXPECT_FALSE(parsed);
}

TEST(JsonCodecTest, WipeIsIterative) {
  // Build a tree deeper than any recursion on a 1 MiB stack could walk,
  // without the parser (which would refuse it), then wipe it there.
  Json root = Json::array();
  Json* node = &root;
  for (int i = 0; i < 100000; ++i) {
    node->push_back(Json::array());
    node = &node->back();
  }
  node->push_back("CANARY-deep-leaf");
  ASSERT_TRUE(RunOnSmallStack([&] { WipeJson(root); }));
  const Json* leaf = &root;
  while (leaf->is_array() && !leaf->empty()) leaf = &leaf->back();
  ASSERT_TRUE(leaf->is_string());
  EXPECT_EQ(leaf->get<std::string>().find("CANARY"), std::string::npos);
  // nlohmann's destructor is iterative too; destroy it on a small stack.
  ASSERT_TRUE(RunOnSmallStack([&] { root = Json(); }));
}

TEST(JsonCodecTest, DeepStoredValueIsServedAsOpaqueText) {
  // A stored value nested 32k deep (legal in Secrets Manager) is not parsed
  // into properties; it stays readable as text, on a 1 MiB stack.
  std::string value = "{\"a\":" + NestedJsonArrays(32768) + "}";
  internal::SecretData data;
  ASSERT_TRUE(RunOnSmallStack([&] {
    SecretValueResult r;
    r.name = "platform-data/test/deep";
    r.payload.string = SecretValue(value);
    data = internal::BuildSecretData(std::move(r), "", {});
  }));
  EXPECT_FALSE(data.json);
  EXPECT_EQ(data.value.Reveal().size(), value.size());
}

}  // namespace
}  // namespace keyward::secrets
