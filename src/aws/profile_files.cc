#include "aws/profile_files.h"

#include <cstdio>
#include <set>

#include "core/text.h"
#include "keyward/process.h"

namespace keyward::aws::internal {
namespace {

bool IsVarChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '_';
}

// botocore's build_profile_map for the config file: "[profile NAME]" (split
// like shlex, exactly two words) and "[default]"; later sections win.
std::map<std::string, const IniSection*> ConfigProfiles(const IniFile& f) {
  std::map<std::string, const IniSection*> m;
  for (const IniSection& s : f.sections) {
    if (s.name.starts_with("profile")) {
      auto parts = ShellSplit(s.name);
      if (parts.ok() && parts->size() == 2) m[(*parts)[1]] = &s;
    } else if (s.name == "default") {
      m["default"] = &s;
    }
  }
  return m;
}

}  // namespace

ProfileChoice ChooseProfile(std::string_view explicit_profile,
                            const Environment& env) {
  if (!explicit_profile.empty())
    return {std::string(explicit_profile), "--profile"};
  if (auto v = text::NonEmptyEnv(env, "AWS_DEFAULT_PROFILE"))
    return {*v, "AWS_DEFAULT_PROFILE"};
  if (auto v = text::NonEmptyEnv(env, "AWS_PROFILE"))
    return {*v, "AWS_PROFILE"};
  return {"default", "default"};
}

std::string ExpandPath(std::string_view path, const Environment& env) {
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '$' || i + 1 >= path.size()) {
      out += path[i];
      continue;
    }
    std::size_t start = i + 1, end;
    bool braced = path[start] == '{';
    if (braced) {
      end = path.find('}', start);
      if (end == std::string_view::npos) {
        out += path[i];
        continue;
      }
      ++start;
    } else {
      end = start;
      while (end < path.size() && IsVarChar(path[end])) ++end;
      if (end == start) {
        out += path[i];
        continue;
      }
    }
    std::string name(path.substr(start, end - start));
    std::size_t next = braced ? end + 1 : end;
    if (auto v = env.Get(name)) {
      out += *v;
    } else {
      out += path.substr(i, next - i);  // unset variables stay as written
    }
    i = next - 1;
  }
  if (out == "~" || out.starts_with("~/")) {
    if (auto home = text::NonEmptyEnv(env, "HOME")) out = *home + out.substr(1);
  }
  return out;
}

void ProfileFiles::Index() {
  config_profiles_.clear();
  credentials_profiles_.clear();
  if (config) config_profiles_ = ConfigProfiles(*config);
  if (credentials) {
    // The credentials file's section names are profile names as written.
    for (const IniSection& s : credentials->sections)
      credentials_profiles_[s.name] = &s;
  }
}

const IniSection* ProfileFiles::ConfigSection(
    const std::string& profile) const {
  auto it = config_profiles_.find(profile);
  return it == config_profiles_.end() ? nullptr : it->second;
}

const IniSection* ProfileFiles::CredentialsSection(
    const std::string& profile) const {
  auto it = credentials_profiles_.find(profile);
  return it == credentials_profiles_.end() ? nullptr : it->second;
}

std::optional<Located> Lookup(const IniFile& file, const IniSection* section,
                              std::string_view key) {
  if (section == nullptr) return std::nullopt;
  const IniEntry* e = section->Find(key);
  if (e == nullptr) return std::nullopt;
  return Located{e->value, &file.path, e->line};
}

std::optional<Located> ProfileFiles::Get(const std::string& profile,
                                         std::string_view key) const {
  if (credentials) {
    if (auto v = Lookup(*credentials, CredentialsSection(profile), key))
      return v;
  }
  if (config) return Lookup(*config, ConfigSection(profile), key);
  return std::nullopt;
}

std::string ProfileFiles::SectionWhere(const std::string& profile) const {
  if (const IniSection* s = CredentialsSection(profile)) {
    return credentials->path + ":" + std::to_string(s->line);
  }
  if (const IniSection* s = ConfigSection(profile)) {
    return config->path + ":" + std::to_string(s->line);
  }
  return config_path;
}

std::vector<std::string> ProfileFiles::Names() const {
  std::set<std::string> names;
  for (const auto& [k, v] : config_profiles_) names.insert(k);
  for (const auto& [k, v] : credentials_profiles_) names.insert(k);
  return {names.begin(), names.end()};
}

void ProfileFileLoader::WarnLooseCredentials(const std::string& path,
                                             unsigned mode) const {
  static std::mutex* warned_mu = new std::mutex;
  static std::set<std::string>* warned = new std::set<std::string>;
  std::lock_guard<std::mutex> l(*warned_mu);
  if (warned->insert(path).second && warn_) {
    char text[8];
    std::snprintf(text, sizeof(text), "%04o", mode & 07777);
    warn_(path + " is readable by group or others (mode " + text +
          "); it holds AWS keys: run chmod 600 " + path);
  }
}

StatusOr<std::shared_ptr<const IniFile>> ProfileFileLoader::LoadOne(
    const std::string& path, bool credentials, Cached& cache) {
  FileInfo info = fs_.Stat(path);
  if (!info.exists) {
    cache = Cached{path, info, nullptr};
    return std::shared_ptr<const IniFile>();
  }
  if (cache.path == path && cache.info == info && cache.file) return cache.file;
  StatusOr<std::string> text = fs_.ReadFile(path);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) {
      cache = Cached{path, FileInfo{}, nullptr};
      return std::shared_ptr<const IniFile>();
    }
    return text.status();
  }
  // Only a file that holds something can leak keys (/dev/null, an empty
  // file or a drained FIFO cannot).
  if (credentials && (info.mode & 077) != 0 && !text->empty())
    WarnLooseCredentials(path, info.mode);
  StatusOr<IniFile> parsed = ParseIni(*text, path);
  WipeString(*text);
  if (!parsed.ok()) return parsed.status();
  IniFile applied = ApplyIniDefaults(*parsed);
  WipeIni(*parsed);
  auto file =
      std::shared_ptr<IniFile>(new IniFile(std::move(applied)), [](IniFile* f) {
        WipeIni(*f);
        delete f;
      });
  cache = Cached{path, info, file};
  return std::shared_ptr<const IniFile>(file);
}

StatusOr<std::shared_ptr<const ProfileFiles>> ProfileFileLoader::Load() {
  std::string config_path = ExpandPath(
      text::NonEmptyEnv(env_, "AWS_CONFIG_FILE").value_or("~/.aws/config"),
      env_);
  std::string creds_path =
      ExpandPath(text::NonEmptyEnv(env_, "AWS_SHARED_CREDENTIALS_FILE")
                     .value_or("~/.aws/credentials"),
                 env_);
  std::lock_guard<std::mutex> l(mu_);
  KW_ASSIGN_OR_RETURN(auto config, LoadOne(config_path, false, config_));
  KW_ASSIGN_OR_RETURN(auto creds, LoadOne(creds_path, true, credentials_));
  if (last_ && last_->config == config && last_->credentials == creds &&
      last_->config_path == config_path &&
      last_->credentials_path == creds_path) {
    return last_;
  }
  auto files = std::make_shared<ProfileFiles>();
  files->config_path = config_path;
  files->credentials_path = creds_path;
  files->config = std::move(config);
  files->credentials = std::move(creds);
  files->Index();
  last_ = files;
  return std::shared_ptr<const ProfileFiles>(files);
}

Status ProfileError(StatusCode code, const std::string& where,
                    const std::string& profile, const std::string& message) {
  return Status(code, where + ": profile '" + profile + "': " + message);
}

std::function<void(const std::string&)> WarnTo(const Logger& log) {
  return [&log](const std::string& message) { log.Warn(message); };
}

}  // namespace keyward::aws::internal
