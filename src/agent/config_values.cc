#include "agent/config_values.h"

#include <signal.h>

#include <cctype>
#include <cstdint>

namespace keyward::agent {
namespace {

struct SignalNameEntry {
  const char* name;
  int number;
};

constexpr SignalNameEntry kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},     {"QUIT", SIGQUIT},
    {"KILL", SIGKILL}, {"USR1", SIGUSR1},   {"USR2", SIGUSR2},
    {"TERM", SIGTERM}, {"CONT", SIGCONT},   {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP}, {"WINCH", SIGWINCH}, {"ALRM", SIGALRM},
};

// A decimal number without sign; nullopt-like -1 on anything else.
std::int64_t ParseDecimal(std::string_view s, std::int64_t max) {
  if (s.empty() || s.size() > 18) return -1;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v <= max ? v : -1;
}

}  // namespace

StatusOr<int> ParseSignal(std::string_view text) {
  std::string upper;
  for (char c : text)
    upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string_view name = upper;
  if (name.starts_with("SIG")) name.remove_prefix(3);
  for (const auto& e : kSignals) {
    if (name == e.name) return e.number;
  }
  std::int64_t n = ParseDecimal(text, 64);
  if (n >= 1) return static_cast<int>(n);
  return InvalidArgumentError("'" + std::string(text) +
                              "' is not a signal (use a name like HUP, TERM, "
                              "USR1 or a number)");
}

std::string SignalName(int sig) {
  for (const auto& e : kSignals) {
    if (e.number == sig) return std::string("SIG") + e.name;
  }
  return "signal " + std::to_string(sig);
}

StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  struct Unit {
    const char* suffix;
    std::int64_t ms;
  };
  // Longest suffix first so that "ms" is not read as "m" + "s".
  constexpr Unit kUnits[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
  std::string_view digits = text;
  std::int64_t scale = 1000;
  for (const auto& u : kUnits) {
    std::string_view suffix = u.suffix;
    if (text.size() > suffix.size() && text.ends_with(suffix)) {
      digits = text.substr(0, text.size() - suffix.size());
      scale = u.ms;
      break;
    }
  }
  std::int64_t n = ParseDecimal(digits, INT64_MAX / 3600000);
  if (n < 0) {
    return InvalidArgumentError(
        "'" + std::string(text) +
        "' is not a duration (e.g. 500ms, 30s, 5m, 1h)");
  }
  return std::chrono::milliseconds(n * scale);
}

StatusOr<unsigned> ParseFileMode(std::string_view text) {
  std::string_view digits = text;
  if (digits.starts_with("0o") || digits.starts_with("0O"))
    digits.remove_prefix(2);
  unsigned v = 0;
  bool ok = !digits.empty() && digits.size() <= 5;
  for (char c : digits) {
    if (c < '0' || c > '7') ok = false;
    v = v * 8 + static_cast<unsigned>(c - '0');
  }
  if (!ok || v > 07777) {
    return InvalidArgumentError("'" + std::string(text) +
                                "' is not an octal file mode (e.g. 0640)");
  }
  return v;
}

}  // namespace keyward::agent
