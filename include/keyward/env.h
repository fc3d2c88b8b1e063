// Seams for what keyward reads from and writes to the operating system: the
// clock, environment variables and files. They travel together in
// keyward::Runtime (keyward/runtime.h, with the process runner, randomness,
// sleep and the logger); tests substitute fakes (tests/testing/fakes.h) and
// never sleep or touch the real environment.
//
// Thread-safety: the real implementations are thread-safe.
#ifndef KEYWARD_ENV_H_
#define KEYWARD_ENV_H_

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyward/status.h"

namespace keyward {

class Clock {
 public:
  using time_point = std::chrono::system_clock::time_point;
  using duration = std::chrono::system_clock::duration;
  virtual ~Clock() = default;
  // Wall-clock time (used for signing, expiry and ages).
  virtual time_point Now() const = 0;
  // The process-wide real clock.
  static const Clock& Real();
};

class Environment {
 public:
  virtual ~Environment() = default;
  // The variable's value, or nullopt when unset. An empty value is returned
  // as "" (callers decide whether empty counts as set; AWS treats it as unset).
  virtual std::optional<std::string> Get(std::string_view name) const = 0;
  // The process environment (getenv).
  static const Environment& Real();
};

struct FileInfo {
  bool exists = false;
  std::int64_t size = 0;
  std::chrono::system_clock::time_point modified;
  unsigned mode = 0;  // permission bits (st_mode & 07777)
  friend bool operator==(const FileInfo&, const FileInfo&) = default;
};

// Who owns a file FileSystem::WriteFile writes, and its mode.
struct FileOwnership {
  unsigned mode = 0600;  // permission bits, applied exactly (no umask)
  std::string owner;     // user name or numeric uid; "" = unchanged
  std::string group;     // group name or numeric gid; "" = unchanged
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // The whole file. NOT_FOUND when absent; PERMISSION_DENIED / INTERNAL
  // otherwise, naming the path.
  virtual StatusOr<std::string> ReadFile(const std::string& path) const = 0;
  // Metadata; exists=false when the file is absent.
  virtual FileInfo Stat(const std::string& path) const = 0;
  // Replaces `path` with `data` atomically: readers see the old or the new
  // contents, never a mix, even across a crash (the real one writes a
  // temporary file in the same folder, chowns, chmods and fsyncs it, renames
  // it over `path` and fsyncs the folder). On error `path` is untouched.
  // NOT_FOUND for a missing folder or an unknown owner/group,
  // PERMISSION_DENIED, INTERNAL; messages name the path, never the data.
  virtual Status WriteFile(const std::string& path, std::string_view data,
                           const FileOwnership& ownership) const = 0;
  // Says whether a walk skips a directory, given its name (".git").
  using SkipDirectory = std::function<bool(std::string_view name)>;
  // The regular files under `root`, recursively, sorted: `root` itself when
  // it is a file; directories `skip` names are not entered, nor are symbolic
  // links to directories; unreadable subdirectories are left out. NOT_FOUND
  // when `root` does not exist, PERMISSION_DENIED when it cannot be read;
  // messages name the path.
  virtual StatusOr<std::vector<std::string>> ListFiles(
      const std::string& root, const SkipDirectory& skip) const = 0;
  // Creates `dir` and any missing parents (mode 0777 less the umask); OK when
  // it already exists. Errors name the folder.
  virtual Status MakeDirectories(const std::string& dir) const = 0;
  // The real filesystem.
  static const FileSystem& Real();
};

// "20150830T123600Z" (SigV4 X-Amz-Date).
std::string FormatAmzDate(Clock::time_point t);
// "2015-08-30T12:36:00Z".
std::string FormatIso8601(Clock::time_point t);
// Parses "2015-08-30T12:36:00Z", with optional fractional seconds and
// "+00:00"-style offsets. INVALID_ARGUMENT when malformed.
StatusOr<Clock::time_point> ParseIso8601(std::string_view s);
// Seconds since the epoch as AWS JSON timestamps carry them (may be
// fractional).
Clock::time_point FromEpochSeconds(double seconds);
double ToEpochSeconds(Clock::time_point t);

}  // namespace keyward

#endif  // KEYWARD_ENV_H_
