// Internal: the two shared files as botocore sees them (profile maps and the
// merged "full config"), and a loader that re-parses a file only when it
// changed on disk.
#ifndef KEYWARD_SRC_AWS_PROFILE_FILES_H_
#define KEYWARD_SRC_AWS_PROFILE_FILES_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyward/aws/shared_config.h"
#include "keyward/env.h"
#include "keyward/runtime.h"
#include "keyward/status.h"

namespace keyward::aws::internal {

// A value with where it was found.
struct Located {
  std::string_view value;
  const std::string* path = nullptr;
  int line = 0;
  std::string Where() const { return *path + ":" + std::to_string(line); }
};

// The profile name selected and how.
struct ProfileChoice {
  std::string name;
  std::string source;  // "--profile" | "AWS_DEFAULT_PROFILE" | "AWS_PROFILE" |
                       // "default"
};
ProfileChoice ChooseProfile(std::string_view explicit_profile,
                            const Environment& env);

// ~ and $VAR / ${VAR} expansion like botocore (os.path.expandvars +
// expanduser).
std::string ExpandPath(std::string_view path, const Environment& env);

// One consistent snapshot of both files.
class ProfileFiles {
 public:
  std::string config_path;
  std::string credentials_path;
  std::shared_ptr<const IniFile> config;       // null when absent
  std::shared_ptr<const IniFile> credentials;  // null when absent

  // Builds the profile maps (call after setting the files).
  void Index();

  // The section of `profile` in one file, or nullptr.
  const IniSection* ConfigSection(const std::string& profile) const;
  const IniSection* CredentialsSection(const std::string& profile) const;
  bool Has(const std::string& profile) const {
    return ConfigSection(profile) || CredentialsSection(profile);
  }
  // botocore's full_config lookup: the credentials file wins.
  std::optional<Located> Get(const std::string& profile,
                             std::string_view key) const;
  // "path:line" of the profile's section header (credentials file first).
  std::string SectionWhere(const std::string& profile) const;
  // Names of all profiles (for error hints).
  std::vector<std::string> Names() const;

 private:
  std::map<std::string, const IniSection*> config_profiles_;
  std::map<std::string, const IniSection*> credentials_profiles_;
};

// The value of `key` in `section` of `file`, located.
std::optional<Located> Lookup(const IniFile& file, const IniSection* section,
                              std::string_view key);

// Loads both files, re-parsing a file only when its size or mtime changed.
// Warns (once per path per process) when the credentials file is readable
// by group or others.
// "WHERE: profile 'NAME': MESSAGE", the form of every profile error.
Status ProfileError(StatusCode code, const std::string& where,
                    const std::string& profile, const std::string& message);

// The profile-file loader's warnings, into the runtime's log.
std::function<void(const std::string&)> WarnTo(const Logger& log);

class ProfileFileLoader {
 public:
  ProfileFileLoader(const Environment& env, const FileSystem& fs,
                    std::function<void(const std::string&)> warn)
      : env_(env), fs_(fs), warn_(std::move(warn)) {}
  // INVALID_ARGUMENT for a malformed file; PERMISSION_DENIED / INTERNAL when
  // a file exists but cannot be read.
  StatusOr<std::shared_ptr<const ProfileFiles>> Load();

 private:
  struct Cached {
    std::string path;
    FileInfo info;
    std::shared_ptr<const IniFile> file;
  };
  void WarnLooseCredentials(const std::string& path, unsigned mode) const;
  StatusOr<std::shared_ptr<const IniFile>> LoadOne(const std::string& path,
                                                   bool credentials,
                                                   Cached& cache);
  const Environment& env_;
  const FileSystem& fs_;
  std::function<void(const std::string&)> warn_;
  std::mutex mu_;
  Cached config_, credentials_;
  std::shared_ptr<const ProfileFiles> last_;
};

}  // namespace keyward::aws::internal

#endif  // KEYWARD_SRC_AWS_PROFILE_FILES_H_
