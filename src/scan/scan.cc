#include "keyward/inventory/scan.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>

#include "keyward/inventory/leak.h"

namespace keyward::inventory {
namespace {

namespace fs = std::filesystem;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool IsKeyChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
         c == '.';
}

std::string_view Unquote(std::string_view v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') &&
      v.back() == v.front()) {
    return v.substr(1, v.size() - 2);
  }
  // Strip a trailing " # comment".
  std::size_t hash = v.find(" #");
  return Trim(hash == std::string_view::npos ? v : v.substr(0, hash));
}

bool IsPlaceholderValue(std::string_view v) {
  if (v.empty() || v.front() == '$' || v.front() == '<' ||
      v.substr(0, 2) == "{{" || v.front() == '%') {
    return true;
  }
  static constexpr std::array<std::string_view, 8> kWords = {
      "changeme", "change-me", "todo",        "none",
      "null",     "example",   "placeholder", "redacted"};
  std::string lower;
  for (char c : v)
    lower.push_back(
        static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (std::find(kWords.begin(), kWords.end(), lower) != kWords.end())
    return true;
  return std::all_of(v.begin(), v.end(),
                     [](char c) { return c == '*' || c == 'x' || c == 'X'; });
}

// KEY=value, export KEY=value, KEY: value. Returns false when the line is
// not an assignment.
bool SplitAssignment(std::string_view line, std::string_view& key,
                     std::string_view& value, std::size_t& value_col) {
  std::size_t i = line.find_first_not_of(" \t");
  if (i == std::string_view::npos) return false;
  if (line.substr(i, 7) == "export ") i = line.find_first_not_of(' ', i + 7);
  if (i == std::string_view::npos) return false;
  std::size_t k = i;
  while (k < line.size() && IsKeyChar(line[k])) ++k;
  if (k == i) return false;
  std::size_t sep = k;
  while (sep < line.size() && line[sep] == ' ') ++sep;
  if (sep >= line.size() || (line[sep] != '=' && line[sep] != ':'))
    return false;
  key = line.substr(i, k - i);
  std::size_t v = sep + 1;
  while (v < line.size() && (line[v] == ' ' || line[v] == '\t')) ++v;
  value_col = v + 1;
  value = Unquote(Trim(line.substr(std::min(v, line.size()))));
  return true;
}

}  // namespace

std::string ScanFinding::ToString() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) +
         ": scan-secret: " + (key.empty() ? "" : key + "=") +
         std::string(kMask) + " (" + kind + ")";
}

std::vector<ScanFinding> ScanText(std::string_view text,
                                  std::string_view file) {
  std::vector<ScanFinding> out;
  int line_no = 0;
  std::size_t start = 0;
  bool in_pem = false;
  while (start <= text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(start, nl - start);
    ++line_no;
    start = nl + 1;
    std::string_view t = Trim(line);
    if (in_pem) {
      if (t.find("-----END ") != std::string_view::npos) in_pem = false;
      continue;
    }
    if (t.find("-----BEGIN ") != std::string_view::npos &&
        t.find("PRIVATE KEY-----") != std::string_view::npos) {
      out.push_back({std::string(file), line_no,
                     static_cast<int>(line.find("-----BEGIN")) + 1, "",
                     "a PEM private key block"});
      in_pem = t.find("-----END ") == std::string_view::npos;
      continue;
    }
    if (t.empty() || t.front() == '#') continue;
    std::string_view key, value;
    std::size_t col = 1;
    if (SplitAssignment(line, key, value, col)) {
      if (auto m = DetectSecret(value)) {
        out.push_back({std::string(file), line_no, static_cast<int>(col),
                       std::string(key), m->kind});
        continue;
      }
      if (IsSecretLookingKeyName(key) && !IsPlaceholderValue(value)) {
        out.push_back({std::string(file), line_no, static_cast<int>(col),
                       std::string(key), "a secret-looking variable"});
        continue;
      }
    }
    if (auto m = DetectSecret(line)) {
      out.push_back({std::string(file), line_no,
                     static_cast<int>(m->offset) + 1, "", m->kind});
    }
    if (nl == text.size()) break;
  }
  return out;
}

namespace {

bool IsCandidate(const fs::path& p) {
  std::string name = p.filename().string();
  if (name == ".env" || name.rfind(".env.", 0) == 0 || name == ".envrc")
    return true;
  static constexpr std::array<std::string_view, 12> kExt = {
      ".env", ".ini",  ".conf", ".cfg", ".properties", ".yaml",
      ".yml", ".json", ".toml", ".sh",  ".envrc",      ".config"};
  std::string ext = p.extension().string();
  return std::find(kExt.begin(), kExt.end(), ext) != kExt.end();
}

bool IsSkippedDir(std::string_view name) {
  static constexpr std::array<std::string_view, 8> kDirs = {
      ".git", "node_modules", "build",  ".venv",
      "venv", "__pycache__",  ".cache", "vendor"};
  return std::find(kDirs.begin(), kDirs.end(), name) != kDirs.end() ||
         name.rfind("build-", 0) == 0;
}

void ScanFile(const std::string& p, const ScanOptions& options,
              ScanResult& result) {
  const FileSystem& files = *options.runtime.fs;
  FileInfo info = files.Stat(p);
  if (!info.exists) {
    result.skipped.push_back(p + ": no such file");
    return;
  }
  if (static_cast<std::uint64_t>(info.size) > options.max_file_bytes) {
    result.skipped.push_back(p + ": larger than " +
                             std::to_string(options.max_file_bytes) + " bytes");
    return;
  }
  StatusOr<std::string> read = files.ReadFile(p);
  if (!read.ok()) {
    result.skipped.push_back(p + ": cannot be read");
    return;
  }
  std::string text = std::move(read).value();
  if (text.find('\0') != std::string::npos) {
    result.skipped.push_back(p + ": binary");
    return;
  }
  ++result.files_scanned;
  for (auto& f : ScanText(text, p)) result.findings.push_back(std::move(f));
  std::fill(text.begin(), text.end(), '\0');
}

}  // namespace

StatusOr<ScanResult> ScanPaths(const std::vector<std::string>& paths,
                               const ScanOptions& options) {
  ScanResult result;
  for (const std::string& path : paths) {
    StatusOr<std::vector<std::string>> files =
        options.runtime.fs->ListFiles(path, IsSkippedDir);
    if (!files.ok()) return files.status();
    // A file named on the command line is scanned whatever its name.
    for (const std::string& f : *files)
      if (f == path || IsCandidate(f)) ScanFile(f, options, result);
  }
  return result;
}

}  // namespace keyward::inventory
