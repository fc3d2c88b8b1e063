// keyward::Runtime: the one bundle of everything keyward takes from the
// operating system — the clock, environment variables, files (reads and
// atomic writes), child processes, randomness, sleeping and the diagnostic
// log — modelled on leveldb's Env.
//
// The convention (docs/architecture.md, "Runtime"):
//   * A component with an options struct holds `Runtime runtime;` in it (by
//     value: seven pointers). Its default is the real operating system, so
//     production code never mentions it; a test replaces the parts it fakes:
//         SecretCacheOptions o;
//         o.runtime.clock = &fake_clock;
//   * A function that needs the OS and has no options struct takes
//     `const Runtime& rt` (or, when it needs exactly one part, that part by
//     reference, passed from the caller's runtime).
//   * Only main() (src/cli/main.cc) and Runtime's own defaults name the real
//     implementations; nothing below main calls getenv, opens a stream on a
//     path, or reaches for X::Real().
//
// Thread-safety: the real implementations are thread-safe; Runtime itself is
// a plain value (copy it freely).
#ifndef KEYWARD_RUNTIME_H_
#define KEYWARD_RUNTIME_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "keyward/env.h"
#include "keyward/process.h"

namespace keyward {

// Cryptographically strong random bytes (the real one is OpenSSL's
// RAND_bytes). Used for ids, tokens, passwords and retry jitter.
class Random {
 public:
  virtual ~Random() = default;
  // Fills `out` with `n` random bytes.
  virtual void Fill(unsigned char* out, std::size_t n) const = 0;
  // A uniformly distributed integer in [0, bound); 0 when bound is 0.
  std::uint64_t Uniform(std::uint64_t bound) const;
  // A uniformly distributed double in [0, 1) (53 random bits): jitter.
  double Unit() const;
  // `n` characters drawn uniformly from `alphabet` (generated access keys,
  // session credentials).
  std::string String(std::size_t n, std::string_view alphabet) const;
  static const Random& Real();
};

// Blocking waits (retry backoff, poll intervals). A test's fake advances its
// fake clock instead of sleeping.
class Sleeper {
 public:
  virtual ~Sleeper() = default;
  virtual void SleepFor(std::chrono::milliseconds d) const = 0;
  static const Sleeper& Real();
};

// keyward's own diagnostics (never secret values). The real one writes
// "keyward: <level>: <message>" lines to stderr; daemons install their own.
class Logger {
 public:
  enum class Level { kDebug, kInfo, kWarning, kError };
  virtual ~Logger() = default;
  virtual void Log(Level level, std::string_view message) const = 0;
  void Warn(std::string_view message) const { Log(Level::kWarning, message); }
  static const Logger& Real();
  // Drops everything (tests that do not look at diagnostics).
  static const Logger& Null();
};

struct Runtime {
  const Clock* clock = &Clock::Real();
  const Environment* env = &Environment::Real();
  const FileSystem* fs = &FileSystem::Real();
  ProcessRunner* process = &ProcessRunner::Real();
  const Random* random = &Random::Real();
  const Sleeper* sleep = &Sleeper::Real();
  const Logger* log = &Logger::Real();

  // The real operating system (what a default-constructed Runtime holds).
  static const Runtime& Real();
};

}  // namespace keyward

#endif  // KEYWARD_RUNTIME_H_
