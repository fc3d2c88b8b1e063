// `keyward scan`: finds secrets that still live outside the store (.env
// files, KEY=value lines with secret-looking names or values, known
// credential formats), the evidence for the Phase 0 exit criterion "no
// application secret lives only in .env files or environment variables".
//
// Findings name file:line and the variable, and mask the value: no finding,
// error or log line ever contains the value.
//
// Thread-safety: pure functions (ScanPaths lists and reads files through its
// options' runtime).
#ifndef KEYWARD_INVENTORY_SCAN_H_
#define KEYWARD_INVENTORY_SCAN_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "keyward/runtime.h"
#include "keyward/status.h"

namespace keyward::inventory {

struct ScanFinding {
  std::string file;
  int line = 0;
  int column = 0;
  std::string key;   // the variable/key name, or "" for a bare match
  std::string kind;  // "a secret-looking variable", "an AWS access key id", ...

  // "file:line:col: scan-secret: KEY=******** (kind)"
  std::string ToString() const;
  friend bool operator==(const ScanFinding&, const ScanFinding&) = default;
};

// Scans one file's text.
std::vector<ScanFinding> ScanText(std::string_view text, std::string_view file);

struct ScanOptions {
  // Larger files are skipped (reported in `skipped`).
  std::size_t max_file_bytes = 4u << 20;
  // Files are sized and read through runtime.fs (the default: the real
  // file system).
  Runtime runtime;
};

struct ScanResult {
  std::vector<ScanFinding> findings;
  std::size_t files_scanned = 0;
  std::vector<std::string> skipped;  // "path: reason"
};

// Scans files and directories. Directories are walked recursively (skipping
// .git, node_modules and build directories); in them only env-style and
// config files are read (.env, .env.*, *.env, *.ini, *.conf, *.cfg,
// *.properties, *.yaml, *.yml, *.json, *.toml, *.sh). Files named explicitly
// are always read. Binary files are skipped. NOT_FOUND for a missing path.
StatusOr<ScanResult> ScanPaths(const std::vector<std::string>& paths,
                               const ScanOptions& options = {});

}  // namespace keyward::inventory

#endif  // KEYWARD_INVENTORY_SCAN_H_
