#include "keyward/runtime.h"

#include <openssl/rand.h>

#include <cstdio>
#include <limits>
#include <string>
#include <thread>

namespace keyward {
namespace {

class RealRandom : public Random {
 public:
  void Fill(unsigned char* out, std::size_t n) const override {
    // RAND_bytes fails only when the OS entropy source is broken; fall back
    // to nothing weaker than a hard stop.
    while (n > 0) {
      int chunk = n > 1 << 20 ? 1 << 20 : static_cast<int>(n);
      if (RAND_bytes(out, chunk) != 1) {
        std::fputs("keyward: fatal: OpenSSL RAND_bytes failed\n", stderr);
        std::abort();
      }
      out += chunk;
      n -= static_cast<std::size_t>(chunk);
    }
  }
};

class RealSleeper : public Sleeper {
 public:
  void SleepFor(std::chrono::milliseconds d) const override {
    if (d.count() > 0) std::this_thread::sleep_for(d);
  }
};

class StderrLogger : public Logger {
 public:
  void Log(Level level, std::string_view message) const override {
    static constexpr std::string_view kNames[] = {"debug", "info", "warning",
                                                  "error"};
    std::string line = "keyward: ";
    line += kNames[static_cast<int>(level)];
    line += ": ";
    line += message;
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
};

class NullLogger : public Logger {
 public:
  void Log(Level, std::string_view) const override {}
};

}  // namespace

std::uint64_t Random::Uniform(std::uint64_t bound) const {
  if (bound == 0) return 0;
  // Rejection sampling: no modulo bias.
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() -
                              std::numeric_limits<std::uint64_t>::max() % bound;
  std::uint64_t r;
  do {
    Fill(reinterpret_cast<unsigned char*>(&r), sizeof r);
  } while (r >= limit);
  return r % bound;
}

double Random::Unit() const {
  return static_cast<double>(Uniform(std::uint64_t{1} << 53)) * 0x1p-53;
}

std::string Random::String(std::size_t n, std::string_view alphabet) const {
  std::string out;
  out.reserve(n);
  while (out.size() < n) out.push_back(alphabet[Uniform(alphabet.size())]);
  return out;
}

const Random& Random::Real() {
  static const RealRandom* const kRandom = new RealRandom();
  return *kRandom;
}
const Sleeper& Sleeper::Real() {
  static const RealSleeper* const kSleeper = new RealSleeper();
  return *kSleeper;
}
const Logger& Logger::Real() {
  static const StderrLogger* const kLogger = new StderrLogger();
  return *kLogger;
}
const Logger& Logger::Null() {
  static const NullLogger* const kLogger = new NullLogger();
  return *kLogger;
}
const Runtime& Runtime::Real() {
  static const Runtime* const kRuntime = new Runtime();
  return *kRuntime;
}

}  // namespace keyward
