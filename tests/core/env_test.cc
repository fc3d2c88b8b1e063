// The real FileSystem's reads of what is not a regular file: /dev/null is
// empty (as for the AWS CLI), a FIFO is read (process substitution), a
// directory or another device is refused naming the path (so a credentials
// file pointing at /dev/zero cannot hang a process or get chmod advice).
// Listing and making folders, on the real file system and the fake.
#include "keyward/env.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "tests/testing/fakes.h"

namespace keyward {
namespace {

// Found by client_response_fuzz: "CreatedDate": 17008000000.5 overflowed
// the nanosecond conversion. Out-of-range timestamps clamp.
TEST(FromEpochSecondsTest, OutOfRangeTimestampsClampInsteadOfOverflowing) {
  EXPECT_EQ(FromEpochSeconds(17008000000.5), Clock::time_point::max());
  EXPECT_EQ(FromEpochSeconds(1e300), Clock::time_point::max());
  EXPECT_EQ(FromEpochSeconds(-1e300), Clock::time_point::min());
  EXPECT_DOUBLE_EQ(ToEpochSeconds(FromEpochSeconds(1700800000.5)),
                   1700800000.5);
}

// Found by agent_clients_test: converting the whole double to nanoseconds in
// one piece lost ~300 ns (a double near 1.8e18 is 256 apart), so a
// millisecond CreatedDate came back as "1796169375.6949997". Whole seconds
// and the fraction rounded to the nanosecond (aws-smithy-types'
// from_secs_f64) give back the same double through secs + nanos / 1e9.
TEST(FromEpochSecondsTest, FractionRoundsToTheNearestNanosecondLikeTheSdks) {
  for (double x : {1796169375.695, 1700800000.001, 1764633600.5, -1.5}) {
    auto ns = FromEpochSeconds(x).time_since_epoch().count();
    std::int64_t secs = ns / 1000000000;
    std::int64_t nanos = ns % 1000000000;
    if (nanos < 0) {
      nanos += 1000000000;
      secs -= 1;
    }
    EXPECT_EQ(static_cast<double>(secs) + static_cast<double>(nanos) / 1e9, x)
        << ns;
  }
  EXPECT_EQ(FromEpochSeconds(1796169375.695).time_since_epoch(),
            std::chrono::nanoseconds(1796169375694999933));
}

// The inverse: every millisecond timestamp survives double -> time_point ->
// double unchanged (a typed response of keyward server carries its dates as
// time_points). Dividing the nanosecond count by 1e9 in one piece gave back
// 1796169375.6950002 for 1796169375.695.
TEST(ToEpochSecondsTest, MillisecondTimestampsRoundTripExactly) {
  EXPECT_EQ(ToEpochSeconds(FromEpochSeconds(1796169375.695)), 1796169375.695);
  int mismatches = 0;
  for (std::int64_t ms = 1700000000000; ms < 1700000000000 + 200000; ++ms) {
    double x = static_cast<double>(ms) / 1000.0;
    mismatches += ToEpochSeconds(FromEpochSeconds(x)) != x;
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_EQ(ToEpochSeconds(FromEpochSeconds(-1.5)), -1.5);
  EXPECT_EQ(ToEpochSeconds(Clock::time_point()), 0.0);
}

// Found by credential_process_fuzz: "Expiration": "2430-01-01T00:00:00Z"
// overflowed from_time_t's nanosecond conversion. Such dates clamp too.
TEST(ParseIso8601Test, DatesOutsideTheClockClampInsteadOfOverflowing) {
  auto late = ParseIso8601("2430-01-01T00:00:00Z");
  ASSERT_TRUE(late.ok()) << late.status();
  EXPECT_EQ(*late, Clock::time_point::max());
  auto early = ParseIso8601("1500-01-01T00:00:00Z");
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_EQ(*early, Clock::time_point::min());
  auto normal = ParseIso8601("2026-12-01T00:00:00.5Z");
  ASSERT_TRUE(normal.ok());
  EXPECT_DOUBLE_EQ(ToEpochSeconds(*normal), 1796083200.5);  // 2026-12-01
}

TEST(RealFileSystemTest, DevNullReadsAsEmpty) {
  auto text = FileSystem::Real().ReadFile("/dev/null");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "");
}

TEST(RealFileSystemTest, DirectoriesAndOtherDevicesAreRefused) {
  auto dir = FileSystem::Real().ReadFile("/tmp");
  EXPECT_EQ(dir.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(dir.status().message(), "/tmp: is a directory, not a file");
  auto zero = FileSystem::Real().ReadFile("/dev/zero");
  EXPECT_EQ(zero.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(zero.status().message(), "/dev/zero: is a device, not a file");
}

TEST(RealFileSystemTest, FifosAndRegularFilesAreRead) {
  char tmpl[] = "/tmp/kw-env-test-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  std::string fifo = dir + "/fifo", file = dir + "/file";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] {
    std::ofstream out(fifo);
    out << "[default]\n";
  });
  auto text = FileSystem::Real().ReadFile(fifo);
  writer.join();
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "[default]\n");
  std::ofstream(file) << "x";
  EXPECT_EQ(*FileSystem::Real().ReadFile(file), "x");
  std::remove(fifo.c_str());
  std::remove(file.c_str());
  ::rmdir(dir.c_str());
}

// A scratch folder removed at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    char tmpl[] = "/tmp/kw-env-test-XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

bool SkipGitAndBuild(std::string_view name) {
  return name == ".git" || name.starts_with("build");
}

// The same tree in the real file system and in the fake: both list the same
// files in the same order, so tests on the fake say what the real one does.
TEST(FileSystemTest, ListFilesIsSortedRecursiveAndSkipsNamedFolders) {
  ScratchDir tmp;
  ASSERT_FALSE(tmp.path().empty());
  const std::string& d = tmp.path();
  const std::vector<std::string> files = {
      "b.env",           "a/z.yaml",    "a/b/c.yml",        ".git/config",
      "build-x/out.env", "a/.git/HEAD", "notbuild/kept.ini"};
  testing::FakeFileSystem fake;
  for (const std::string& f : files) {
    std::filesystem::create_directories(
        std::filesystem::path(d + "/" + f).parent_path());
    std::ofstream(d + "/" + f) << "x";
    fake.Write(d + "/" + f, "x");
  }
  const std::vector<std::string> want = {d + "/a/b/c.yml", d + "/a/z.yaml",
                                         d + "/b.env",
                                         d + "/notbuild/kept.ini"};
  auto real = FileSystem::Real().ListFiles(d, SkipGitAndBuild);
  ASSERT_TRUE(real.ok()) << real.status();
  EXPECT_EQ(*real, want);
  auto faked = fake.ListFiles(d, SkipGitAndBuild);
  ASSERT_TRUE(faked.ok()) << faked.status();
  EXPECT_EQ(*faked, want);

  // A file is its own listing; nothing to skip without a predicate.
  EXPECT_EQ(*FileSystem::Real().ListFiles(d + "/b.env", nullptr),
            std::vector<std::string>{d + "/b.env"});
  EXPECT_EQ(*fake.ListFiles(d + "/b.env", nullptr),
            std::vector<std::string>{d + "/b.env"});
  EXPECT_EQ(FileSystem::Real().ListFiles(d, nullptr)->size(), files.size());
  EXPECT_EQ(fake.ListFiles(d, nullptr)->size(), files.size());

  for (const FileSystem* fs :
       {&FileSystem::Real(), static_cast<const FileSystem*>(&fake)}) {
    auto missing = fs->ListFiles(d + "/nope", nullptr);
    EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
    EXPECT_EQ(missing.status().message(),
              d + "/nope: no such file or directory");
  }
}

TEST(FileSystemTest, MakeDirectoriesMakesParentsAndNamesTheFolderOnError) {
  ScratchDir tmp;
  const std::string& d = tmp.path();
  ASSERT_TRUE(FileSystem::Real().MakeDirectories(d + "/x/y/z").ok());
  EXPECT_TRUE(std::filesystem::is_directory(d + "/x/y/z"));
  EXPECT_TRUE(FileSystem::Real().MakeDirectories(d + "/x/y/z").ok());
  std::ofstream(d + "/file") << "x";
  Status blocked = FileSystem::Real().MakeDirectories(d + "/file/sub");
  EXPECT_FALSE(blocked.ok());
  EXPECT_TRUE(
      blocked.message().starts_with("cannot create " + d + "/file/sub:"))
      << blocked;

  testing::FakeFileSystem fake;
  EXPECT_TRUE(fake.MakeDirectories("/out/empty").ok());
  EXPECT_TRUE(fake.HasDirectory("/out/empty"));
  auto empty = fake.ListFiles("/out/empty", nullptr);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace keyward
