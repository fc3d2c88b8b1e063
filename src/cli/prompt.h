// Terminal prompts for the CLI: secret values typed with echo off and yes/no
// confirmations. Prompts always use the controlling terminal (/dev/tty), never
// stdin, so that stdin can carry data (`keyward put NAME < value.json`) while
// a confirmation is still asked of the person at the keyboard.
//
// Thread-safety: a Terminal is used by one thread. While echo is off, SIGINT,
// SIGTERM, SIGHUP and SIGQUIT restore the terminal's settings before the
// process dies.
#ifndef KEYWARD_SRC_CLI_PROMPT_H_
#define KEYWARD_SRC_CLI_PROMPT_H_

#include <memory>
#include <string>
#include <string_view>

#include "keyward/secret_value.h"
#include "keyward/status.h"

namespace keyward::cli {

class Terminal {
 public:
  // Opens /dev/tty. INVALID_ARGUMENT (a usage error: exit 2) when the process
  // has no controlling terminal (cron, CI, `setsid`).
  static StatusOr<std::unique_ptr<Terminal>> Open();
  ~Terminal();
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  // Writes `prompt`, reads one line with echo off and returns it without the
  // line ending. INVALID_ARGUMENT on end of input (Ctrl-D).
  StatusOr<SecureString> ReadHidden(std::string_view prompt);
  // Writes `prompt` and reads one echoed line. INVALID_ARGUMENT on end of
  // input.
  StatusOr<std::string> ReadLine(std::string_view prompt);
  // Writes `text` to the terminal.
  void Write(std::string_view text);

 private:
  explicit Terminal(int fd) : fd_(fd) {}
  StatusOr<SecureString> ReadRaw();
  int fd_;
};

// True when stdin is a terminal.
bool StdinIsTerminal();

// Asks `question` on the terminal; true only for "y"/"yes" (or, when
// `expected` is not empty, only for exactly `expected`, e.g. a secret's name).
// INVALID_ARGUMENT when there is no terminal (the message names `--yes`).
StatusOr<bool> Confirm(std::string_view question,
                       std::string_view expected = "");

}  // namespace keyward::cli

#endif  // KEYWARD_SRC_CLI_PROMPT_H_
