// In-memory seams for the libFuzzer targets (the fuzz build does not link
// tests/testing): an environment, a file system, an HTTP client that answers
// every request with one canned response, and a process runner that prints
// one canned stdout. Not thread-safe; each target is single-threaded.
#ifndef KEYWARD_FUZZ_FUZZ_SEAMS_H_
#define KEYWARD_FUZZ_FUZZ_SEAMS_H_

#include <map>
#include <string>
#include <string_view>

#include "keyward/env.h"
#include "keyward/http/http_client.h"
#include "keyward/process.h"
#include "keyward/runtime.h"

namespace keyward::fuzz {

class MapEnvironment : public Environment {
 public:
  std::map<std::string, std::string> vars;
  std::optional<std::string> Get(std::string_view name) const override {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  }
};

class MapFileSystem : public FileSystem {
 public:
  std::map<std::string, std::string> files;
  StatusOr<std::string> ReadFile(const std::string& path) const override {
    auto it = files.find(path);
    if (it == files.end()) return NotFoundError(path + ": no such file");
    return it->second;
  }
  FileInfo Stat(const std::string& path) const override {
    FileInfo info;
    auto it = files.find(path);
    if (it == files.end()) return info;
    info.exists = true;
    info.size = static_cast<std::int64_t>(it->second.size());
    info.mode = 0600;
    return info;
  }
  Status WriteFile(const std::string&, std::string_view,
                   const FileOwnership&) const override {
    return PermissionDeniedError("fuzz: no writes");
  }
  StatusOr<std::vector<std::string>> ListFiles(
      const std::string& root, const SkipDirectory&) const override {
    if (files.count(root)) return std::vector<std::string>{root};
    return NotFoundError(root + ": no such file or directory");
  }
  Status MakeDirectories(const std::string&) const override {
    return PermissionDeniedError("fuzz: no writes");
  }
};

// Returns at once: the retry path runs without waiting.
class NoSleep : public Sleeper {
 public:
  void SleepFor(std::chrono::milliseconds) const override {}
};

// Unit() is always 0.5: deterministic jitter.
class HalfRandom : public Random {
 public:
  void Fill(unsigned char* out, std::size_t n) const override {
    const std::uint64_t v = std::uint64_t{1} << 52;
    for (std::size_t i = 0; i < n; ++i)
      out[i] = static_cast<unsigned char>(v >> (8 * (i % 8)));
  }
};

class CannedHttpClient : public HttpClient {
 public:
  int status = 200;
  std::string body;
  HttpHeaders headers;
  StatusOr<HttpResponse> Send(const HttpRequest&) override {
    HttpResponse r;
    r.status = status;
    r.body = SecureString(body.begin(), body.end());
    r.headers = headers;
    return r;
  }
};

class CannedProcessRunner : public ProcessRunner {
 public:
  std::string out;
  int exit_code = 0;
  StatusOr<ProcessResult> Run(const ProcessRequest&) override {
    ProcessResult r;
    r.exit_code = exit_code;
    r.out = SecureString(out.begin(), out.end());
    return r;
  }
};

}  // namespace keyward::fuzz

#endif  // KEYWARD_FUZZ_FUZZ_SEAMS_H_
