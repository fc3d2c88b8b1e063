#include "keyward/runtime.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "tests/testing/fakes.h"

namespace keyward {
namespace {

TEST(RuntimeTest, DefaultIsTheRealOperatingSystem) {
  Runtime rt;
  EXPECT_EQ(rt.clock, &Clock::Real());
  EXPECT_EQ(rt.env, &Environment::Real());
  EXPECT_EQ(rt.fs, &FileSystem::Real());
  EXPECT_EQ(rt.process, &ProcessRunner::Real());
  EXPECT_EQ(rt.random, &Random::Real());
  EXPECT_EQ(rt.sleep, &Sleeper::Real());
  EXPECT_EQ(rt.log, &Logger::Real());
  EXPECT_EQ(Runtime::Real().clock, &Clock::Real());
}

TEST(RuntimeTest, UniformStaysInBoundsAndCoversThem) {
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 2000; ++i) {
    std::uint64_t v = Random::Real().Uniform(7);
    ASSERT_LT(v, 7u);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(Random::Real().Uniform(0), 0u);
  EXPECT_EQ(Random::Real().Uniform(1), 0u);
}

TEST(RuntimeTest, StringDrawsOnlyFromTheAlphabetAndCoversIt) {
  std::string s = Random::Real().String(4000, "AB7");
  ASSERT_EQ(s.size(), 4000u);
  EXPECT_EQ(s.find_first_not_of("AB7"), std::string::npos);
  EXPECT_EQ(std::set<char>(s.begin(), s.end()).size(), 3u);
  EXPECT_EQ(Random::Real().String(0, "AB"), "");
}

TEST(RuntimeTest, RealWriteFileIsAtomicAndAppliesTheMode) {
  std::string dir =
      ::testing::TempDir() + "/kw_runtime_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::string path = dir + "/f";
  const FileSystem& fs = *Runtime::Real().fs;
  ASSERT_TRUE(fs.WriteFile(path, "one", {0640, "", ""}).ok());
  ASSERT_TRUE(fs.WriteFile(path, "two", {0600, "", ""}).ok());
  EXPECT_EQ(*fs.ReadFile(path), "two");
  EXPECT_EQ(fs.Stat(path).mode, 0600u);
  Status missing = fs.WriteFile(dir + "/no/such/dir/f", "x", {});
  EXPECT_EQ(missing.code(), StatusCode::kNotFound) << missing.message();
  std::filesystem::remove_all(dir);
}

TEST(RuntimeTest, FakesSubstituteEachPart) {
  testing::FakeClock clock;
  testing::FakeSleeper sleeper(&clock);
  testing::FakeLogger log;
  testing::FakeFileSystem fs;
  Runtime rt;
  rt.clock = &clock;
  rt.sleep = &sleeper;
  rt.log = &log;
  rt.fs = &fs;
  auto t0 = rt.clock->Now();
  rt.sleep->SleepFor(std::chrono::milliseconds(1500));
  EXPECT_EQ(rt.clock->Now() - t0, std::chrono::milliseconds(1500));
  rt.log->Warn("careful");
  ASSERT_EQ(log.lines().size(), 1u);
  EXPECT_EQ(log.lines()[0].first, Logger::Level::kWarning);
  ASSERT_TRUE(rt.fs->WriteFile("/x", "data", {0644, "u", "g"}).ok());
  EXPECT_EQ(*rt.fs->ReadFile("/x"), "data");
  EXPECT_EQ(rt.fs->Stat("/x").mode, 0644u);
  EXPECT_EQ(fs.writes()[0].second.owner, "u");
}

}  // namespace
}  // namespace keyward
