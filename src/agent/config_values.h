// Scalar values shared by the agent's configuration, its templates and
// `keyward exec --watch`: signal names, durations and file modes, parsed the
// same way from YAML and from command-line flags.
//
// Thread-safety: pure functions.
#ifndef KEYWARD_SRC_AGENT_CONFIG_VALUES_H_
#define KEYWARD_SRC_AGENT_CONFIG_VALUES_H_

#include <chrono>
#include <string>
#include <string_view>

#include "keyward/status.h"

namespace keyward::agent {

// "HUP", "SIGHUP", "sighup" or a number ("1") -> SIGHUP. Accepts HUP, INT,
// QUIT, KILL, USR1, USR2, TERM, CONT, STOP, TSTP, WINCH and 1..64.
// INVALID_ARGUMENT naming the text otherwise.
StatusOr<int> ParseSignal(std::string_view text);

// "SIGHUP" for SIGHUP; "signal 42" for signals without a name here.
std::string SignalName(int sig);

// "250ms", "30s", "5m", "1h", or a bare number of seconds ("30").
// INVALID_ARGUMENT for anything else, negative or overflowing values.
StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text);

// An octal permission mode: "0640", "640", "0o640". At most 07777.
StatusOr<unsigned> ParseFileMode(std::string_view text);

}  // namespace keyward::agent

#endif  // KEYWARD_SRC_AGENT_CONFIG_VALUES_H_
