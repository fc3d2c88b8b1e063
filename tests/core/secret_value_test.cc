#include "keyward/secret_value.h"

#include <gtest/gtest.h>

#include <cstring>
#include <sstream>

namespace keyward {
namespace {

constexpr char kCanary[] = "canary-7f3e9d1c-do-not-print";

TEST(SecretValue, NeverPrintsItself) {
  SecretValue v(kCanary);
  std::ostringstream os;
  os << v;
  EXPECT_EQ(os.str(), "<redacted>");
  EXPECT_EQ(::testing::PrintToString(v), "<redacted>");
  EXPECT_EQ(v.Reveal(), kCanary);
}

TEST(SecretValue, EqualityIsByContent) {
  EXPECT_EQ(SecretValue("abc"), SecretValue("abc"));
  EXPECT_FALSE(SecretValue("abc") == SecretValue("abd"));
  EXPECT_FALSE(SecretValue("abc") == SecretValue("abcd"));
}

TEST(SecretValue, MoveLeavesSourceEmpty) {
  SecretValue a("short");
  SecretValue b(std::move(a));
  EXPECT_EQ(b.Reveal(), "short");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): documented state
  SecretValue c;
  c = std::move(b);
  EXPECT_EQ(c.Reveal(), "short");
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(SecretValue, HoldsBinaryAndLargeValues) {
  std::string bytes(65536, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<char>(i * 7);
  SecretValue v(bytes);
  EXPECT_EQ(v.size(), 65536u);
  EXPECT_EQ(v.Reveal(), bytes);
}

// The allocator wipes released heap buffers: check through a buffer we
// release ourselves (reading freed memory would be UB).
TEST(WipingAllocator, WipesBeforeRelease) {
  WipingAllocator<char> alloc;
  char* p = alloc.allocate(64);
  std::memcpy(p, kCanary, sizeof(kCanary));
  SecureWipe(p, 64);
  for (int i = 0; i < 64; ++i) EXPECT_EQ(p[i], 0);
  alloc.deallocate(p, 64);
}

TEST(WipeString, ClearsContents) {
  std::string s(kCanary);
  const char* data = s.data();
  std::size_t n = s.size();
  WipeString(s);
  EXPECT_TRUE(s.empty());
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(data[i], 0);
}

}  // namespace
}  // namespace keyward
