// Fakes for keyward's seams (one per interface): clock, environment, files,
// sleep, logger and HTTP (the process runner's is fake_process_runner.h). Used
// by unit tests only; integration tests use real peers.
#ifndef KEYWARD_TESTS_TESTING_FAKES_H_
#define KEYWARD_TESTS_TESTING_FAKES_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "keyward/env.h"
#include "keyward/http/http_client.h"
#include "keyward/runtime.h"

namespace keyward::testing {

class FakeClock : public Clock {
 public:
  explicit FakeClock(
      time_point start = time_point(std::chrono::seconds(1700000000)))
      : now_(start) {}
  time_point Now() const override {
    std::lock_guard<std::mutex> l(mu_);
    return now_;
  }
  void Advance(Clock::duration d) {
    std::lock_guard<std::mutex> l(mu_);
    now_ += d;
  }
  void Set(time_point t) {
    std::lock_guard<std::mutex> l(mu_);
    now_ = t;
  }

 private:
  mutable std::mutex mu_;
  time_point now_;
};

class FakeEnvironment : public Environment {
 public:
  FakeEnvironment() = default;
  FakeEnvironment(
      std::initializer_list<std::pair<const std::string, std::string>> init)
      : vars_(init) {}
  std::optional<std::string> Get(std::string_view name) const override {
    auto it = vars_.find(std::string(name));
    if (it == vars_.end()) return std::nullopt;
    return it->second;
  }
  void Set(const std::string& k, const std::string& v) { vars_[k] = v; }
  void Unset(const std::string& k) { vars_.erase(k); }

 private:
  std::map<std::string, std::string> vars_;
};

class FakeFileSystem : public FileSystem {
 public:
  StatusOr<std::string> ReadFile(const std::string& path) const override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = files_.find(path);
    if (it == files_.end()) return NotFoundError(path + ": no such file");
    return it->second.content;
  }
  FileInfo Stat(const std::string& path) const override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = files_.find(path);
    if (it == files_.end()) return {};
    return it->second.info;
  }
  void Write(
      const std::string& path, std::string content, unsigned mode = 0600,
      Clock::time_point modified = Clock::time_point(std::chrono::seconds(1))) {
    std::lock_guard<std::mutex> l(mu_);
    File& f = files_[path];
    f.info = FileInfo{true, static_cast<std::int64_t>(content.size()), modified,
                      mode};
    f.content = std::move(content);
  }
  void Remove(const std::string& path) {
    std::lock_guard<std::mutex> l(mu_);
    files_.erase(path);
  }
  // FileSystem::WriteFile: stores the file (mode as given; the owner and
  // group are recorded in writes()). Always succeeds.
  Status WriteFile(const std::string& path, std::string_view data,
                   const FileOwnership& ownership) const override {
    std::lock_guard<std::mutex> l(mu_);
    File& f = files_[path];
    f.content.assign(data);
    f.info =
        FileInfo{true, static_cast<std::int64_t>(data.size()),
                 Clock::time_point(std::chrono::seconds(1)), ownership.mode};
    writes_.push_back({path, ownership});
    return OkStatus();
  }
  std::vector<std::pair<std::string, FileOwnership>> writes() const {
    std::lock_guard<std::mutex> l(mu_);
    return writes_;
  }
  // FileSystem::ListFiles over the stored files: a folder exists when a file
  // lies under it or MakeDirectories made it.
  StatusOr<std::vector<std::string>> ListFiles(
      const std::string& root, const SkipDirectory& skip) const override {
    std::lock_guard<std::mutex> l(mu_);
    if (files_.count(root)) return std::vector<std::string>{root};
    const std::string prefix = root.ends_with('/') ? root : root + "/";
    bool exists = dirs_.count(root) > 0;
    std::vector<std::string> out;
    for (auto it = files_.lower_bound(prefix);
         it != files_.end() && it->first.starts_with(prefix); ++it) {
      exists = true;
      if (!InSkippedDirectory(it->first.substr(prefix.size()), skip))
        out.push_back(it->first);
    }
    if (!exists) return NotFoundError(root + ": no such file or directory");
    return out;
  }
  // FileSystem::MakeDirectories: records the folder. Always succeeds.
  Status MakeDirectories(const std::string& dir) const override {
    std::lock_guard<std::mutex> l(mu_);
    dirs_.insert(dir);
    return OkStatus();
  }
  bool HasDirectory(const std::string& dir) const {
    std::lock_guard<std::mutex> l(mu_);
    return dirs_.count(dir) > 0;
  }

 private:
  static bool InSkippedDirectory(std::string_view relative,
                                 const SkipDirectory& skip) {
    for (std::size_t slash; (slash = relative.find('/')) != relative.npos;) {
      if (skip && skip(relative.substr(0, slash))) return true;
      relative.remove_prefix(slash + 1);
    }
    return false;
  }
  struct File {
    std::string content;
    FileInfo info;
  };
  mutable std::mutex mu_;
  mutable std::map<std::string, File> files_;
  mutable std::set<std::string> dirs_;
  mutable std::vector<std::pair<std::string, FileOwnership>> writes_;
};

// Sleeper that advances a FakeClock instead of sleeping, and records the
// waits.
class FakeSleeper : public Sleeper {
 public:
  explicit FakeSleeper(FakeClock* clock = nullptr) : clock_(clock) {}
  void SleepFor(std::chrono::milliseconds d) const override {
    std::lock_guard<std::mutex> l(mu_);
    sleeps_.push_back(d);
    if (clock_ != nullptr) clock_->Advance(d);
  }
  std::vector<std::chrono::milliseconds> sleeps() const {
    std::lock_guard<std::mutex> l(mu_);
    return sleeps_;
  }

 private:
  FakeClock* clock_;
  mutable std::mutex mu_;
  mutable std::vector<std::chrono::milliseconds> sleeps_;
};

// Random whose Unit() is a fixed value (Set() changes it); Fill repeats the
// bytes that make it so.
class FakeRandom : public Random {
 public:
  explicit FakeRandom(double unit = 0.5) { Set(unit); }
  void Set(double unit) {
    bits_.store(static_cast<std::uint64_t>(unit * 0x1p53));
  }
  void Fill(unsigned char* out, std::size_t n) const override {
    std::uint64_t v = bits_.load();
    for (std::size_t i = 0; i < n; ++i)
      out[i] = static_cast<unsigned char>(v >> (8 * (i % 8)));
  }

 private:
  std::atomic<std::uint64_t> bits_{0};
};

// Logger that keeps every line (level and text) for assertions.
class FakeLogger : public Logger {
 public:
  void Log(Level level, std::string_view message) const override {
    std::lock_guard<std::mutex> l(mu_);
    lines_.emplace_back(level, std::string(message));
  }
  std::vector<std::pair<Level, std::string>> lines() const {
    std::lock_guard<std::mutex> l(mu_);
    return lines_;
  }

 private:
  mutable std::mutex mu_;
  mutable std::vector<std::pair<Level, std::string>> lines_;
};

// A Runtime with `env` and `fs` in place of the real ones (the rest real).
inline Runtime RuntimeWith(const Environment& env,
                           const FileSystem& fs = FileSystem::Real()) {
  Runtime rt;
  rt.env = &env;
  rt.fs = &fs;
  return rt;
}

// Replays queued responses (or errors) and records every request.
class FakeHttpClient : public HttpClient {
 public:
  StatusOr<HttpResponse> Send(const HttpRequest& request) override {
    std::lock_guard<std::mutex> l(mu_);
    requests_.push_back(request);
    if (queue_.empty())
      return UnavailableError("FakeHttpClient: no response queued");
    StatusOr<HttpResponse> r = std::move(queue_.front());
    queue_.pop_front();
    return r;
  }
  void Push(int status, std::string body, HttpHeaders headers = {}) {
    std::lock_guard<std::mutex> l(mu_);
    HttpResponse r;
    r.status = status;
    r.body = SecureString(body.begin(), body.end());
    r.headers = std::move(headers);
    queue_.push_back(std::move(r));
  }
  void PushError(Status s) {
    std::lock_guard<std::mutex> l(mu_);
    queue_.push_back(std::move(s));
  }
  std::vector<HttpRequest> requests() const {
    std::lock_guard<std::mutex> l(mu_);
    return requests_;
  }
  std::size_t pending() const {
    std::lock_guard<std::mutex> l(mu_);
    return queue_.size();
  }

 private:
  mutable std::mutex mu_;
  std::deque<StatusOr<HttpResponse>> queue_;
  std::vector<HttpRequest> requests_;
};

}  // namespace keyward::testing

#endif  // KEYWARD_TESTS_TESTING_FAKES_H_
