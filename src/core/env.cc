#include "keyward/env.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/atomic_file.h"

namespace keyward {
namespace {

class RealClock : public Clock {
 public:
  time_point Now() const override { return std::chrono::system_clock::now(); }
};

class RealEnvironment : public Environment {
 public:
  std::optional<std::string> Get(std::string_view name) const override {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  }
};

namespace fs = std::filesystem;

Status FileSystemError(const std::string& path, const std::error_code& ec) {
  if (ec == std::errc::no_such_file_or_directory)
    return NotFoundError(path + ": no such file or directory");
  if (ec == std::errc::permission_denied)
    return PermissionDeniedError(path + ": permission denied");
  return InternalError(path + ": " + ec.message());
}

StatusOr<std::vector<std::string>> ListRealFiles(
    const std::string& root, const FileSystem::SkipDirectory& skip) {
  std::error_code ec;
  fs::file_status st = fs::status(root, ec);
  if (ec || !fs::exists(st)) {
    return FileSystemError(
        root,
        ec ? ec : std::make_error_code(std::errc::no_such_file_or_directory));
  }
  if (!fs::is_directory(st)) return std::vector<std::string>{root};
  fs::recursive_directory_iterator it(
      root, fs::directory_options::skip_permission_denied, ec);
  if (ec) return FileSystemError(root, ec);
  std::vector<fs::path> found;
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_directory(ec)) {
      if (skip && skip(it->path().filename().string()))
        it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec)) found.push_back(it->path());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> files;
  files.reserve(found.size());
  for (const fs::path& p : found) files.push_back(p.string());
  return files;
}

class RealFileSystem : public FileSystem {
 public:
  // Besides regular files, FIFOs (e.g. `<(pass show aws)`) are read; a
  // directory or a device is refused with INVALID_ARGUMENT naming the path
  // (reading /dev/zero would never end), except /dev/null, which reads as
  // empty as it does for the AWS CLI.
  StatusOr<std::string> ReadFile(const std::string& path) const override {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode))
        return InvalidArgumentError(path + ": is a directory, not a file");
      if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        struct stat null_st;
        if (::stat("/dev/null", &null_st) == 0 && S_ISCHR(st.st_mode) &&
            st.st_rdev == null_st.st_rdev) {
          return std::string();
        }
        return InvalidArgumentError(path + ": is a device, not a file");
      }
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      int err = errno;
      if (err == ENOENT) return NotFoundError(path + ": no such file");
      if (err == EACCES)
        return PermissionDeniedError(path + ": permission denied");
      return InternalError(path + ": cannot open: " + std::strerror(err));
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return InternalError(path + ": read error");
    return ss.str();
  }
  Status WriteFile(const std::string& path, std::string_view data,
                   const FileOwnership& ownership) const override {
    return WriteFileAtomically(path, data, ownership);
  }
  FileInfo Stat(const std::string& path) const override {
    struct stat st;
    FileInfo info;
    if (::stat(path.c_str(), &st) != 0) return info;
    info.exists = true;
    info.size = st.st_size;
    info.modified = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(st.st_mtim.tv_sec) +
            std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
    info.mode = st.st_mode & 07777;
    return info;
  }
  StatusOr<std::vector<std::string>> ListFiles(
      const std::string& root, const SkipDirectory& skip) const override {
    return ListRealFiles(root, skip);
  }
  Status MakeDirectories(const std::string& dir) const override {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return FileSystemError("cannot create " + dir, ec);
    return OkStatus();
  }
};

std::tm ToUtc(Clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return tm;
}

}  // namespace

const Clock& Clock::Real() {
  static const RealClock* const kClock = new RealClock();
  return *kClock;
}
const Environment& Environment::Real() {
  static const RealEnvironment* const kEnv = new RealEnvironment();
  return *kEnv;
}
const FileSystem& FileSystem::Real() {
  static const RealFileSystem* const kFs = new RealFileSystem();
  return *kFs;
}

std::string FormatAmzDate(Clock::time_point t) {
  std::tm tm = ToUtc(t);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string FormatIso8601(Clock::time_point t) {
  std::tm tm = ToUtc(t);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

StatusOr<Clock::time_point> ParseIso8601(std::string_view s) {
  auto bad = [&] {
    return InvalidArgumentError("malformed timestamp '" +
                                std::string(s.substr(0, 40)) +
                                "' (want YYYY-MM-DDTHH:MM:SSZ)");
  };
  int y, mo, d, h, mi, sec;
  if (s.size() < 19) return bad();
  std::string head(s.substr(0, 19));
  if (std::sscanf(head.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi,
                  &sec) != 6 &&
      std::sscanf(head.c_str(), "%4d-%2d-%2d %2d:%2d:%2d", &y, &mo, &d, &h, &mi,
                  &sec) != 6) {
    return bad();
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
    return bad();
  std::string_view rest = s.substr(19);
  double frac = 0;
  if (!rest.empty() && rest[0] == '.') {
    std::size_t i = 1;
    double scale = 0.1;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') {
      frac += (rest[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    rest = rest.substr(i);
  }
  int offset_seconds = 0;
  if (rest == "Z" || rest == "z" || rest.empty()) {
  } else if ((rest[0] == '+' || rest[0] == '-') && rest.size() == 6 &&
             rest[3] == ':') {
    int oh = (rest[1] - '0') * 10 + (rest[2] - '0');
    int om = (rest[4] - '0') * 10 + (rest[5] - '0');
    offset_seconds = (oh * 3600 + om * 60) * (rest[0] == '+' ? 1 : -1);
  } else {
    return bad();
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  std::time_t tt = timegm(&tm) - offset_seconds;
  // Clock counts int64 nanoseconds (years 1678 to 2262): a later or earlier
  // date (e.g. a credential_process "Expiration" in 2430) is clamped like
  // FromEpochSeconds, never converted with an overflow (found by
  // credential_process_fuzz).
  constexpr std::time_t kLimit = 9'200'000'000;
  if (tt >= kLimit) return Clock::time_point::max();
  if (tt <= -kLimit) return Clock::time_point::min();
  auto tp = std::chrono::system_clock::from_time_t(tt);
  return tp + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                  std::chrono::duration<double>(frac));
}

Clock::time_point FromEpochSeconds(double seconds) {
  // Clock counts int64 nanoseconds (about year 1678 to 2262): a timestamp
  // outside that (a garbled or hostile response) is clamped to the nearest
  // end, never converted with an overflow (undefined behaviour).
  constexpr double kLimit = 9.2e9;
  if (seconds != seconds) return Clock::time_point();  // NaN
  if (seconds >= kLimit) return Clock::time_point::max();
  if (seconds <= -kLimit) return Clock::time_point::min();
  // Whole seconds, then the fraction rounded to the nanosecond, as the AWS
  // SDKs do (aws-smithy-types DateTime::from_secs_f64). Converting the double
  // in one piece truncates: 1796169375.695 became ...694999700 ns, which the
  // agent then printed as CreatedDate "1796169375.6949997" where the AWS
  // agent prints "1796169375.695".
  double whole = std::floor(seconds);
  auto nanos = std::llround((seconds - whole) * 1e9);
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(
      std::chrono::seconds(static_cast<std::int64_t>(whole)) +
      std::chrono::nanoseconds(nanos)));
}

double ToEpochSeconds(Clock::time_point t) {
  // Whole seconds plus the nanoseconds / 1e9, the inverse of
  // FromEpochSeconds: a millisecond timestamp comes back as the same double.
  // Dividing the whole nanosecond count by 1e9 in one piece is off by one
  // ulp for about 6% of them (1796169375.695 -> 1796169375.6950002).
  auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch())
          .count();
  std::int64_t secs = ns / 1000000000;
  std::int64_t nanos = ns % 1000000000;
  if (nanos < 0) {
    nanos += 1000000000;
    secs -= 1;
  }
  return static_cast<double>(secs) + static_cast<double>(nanos) / 1e9;
}

}  // namespace keyward
