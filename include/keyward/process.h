// ProcessRunner: the seam through which keyward runs external programs
// (credential_process, agent template commands, keyward server's
// rotation hook). The real implementation starts the program directly
// (posix_spawnp: fork+exec semantics, PATH search, no shell), with stdin from
// /dev/null, captures stdout and stderr through pipes, and kills the whole
// process group when the deadline passes. Tests use
// tests/testing/fake_process_runner.h.
//
// Thread-safety: implementations are safe to call concurrently.
#ifndef KEYWARD_PROCESS_H_
#define KEYWARD_PROCESS_H_

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "keyward/secret_value.h"
#include "keyward/status.h"

namespace keyward {

struct ProcessRequest {
  // argv[0] is searched on PATH. Never passed through a shell.
  std::vector<std::string> argv;
  // The child is killed (SIGKILL to its process group) after this long.
  // Default: 60 s, like the Go and Java SDKs.
  std::chrono::milliseconds timeout{60000};
  // stdout beyond this fails the run (credential JSON is < 4 KiB; the Java
  // SDK caps it at 64 KiB). Default 64 KiB. stderr keeps its last 16 KiB.
  std::size_t max_stdout_bytes = 64 * 1024;
};

struct ProcessResult {
  int exit_code = 0;    // when it exited normally
  int term_signal = 0;  // non-zero when killed by a signal
  // May hold credentials: wiped when released, never logged.
  SecureString out;
  std::string err;
};

class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // Runs the program to completion. Errors: INVALID_ARGUMENT (empty argv),
  // NOT_FOUND (program not found or not executable), DEADLINE_EXCEEDED
  // (timeout; the child is killed), RESOURCE_EXHAUSTED (stdout over the
  // limit), INTERNAL (pipe/spawn failures). A non-zero exit is NOT an error
  // here: the caller inspects exit_code/term_signal.
  virtual StatusOr<ProcessResult> Run(const ProcessRequest& request) = 0;
  // The real runner.
  static ProcessRunner& Real();
};

// Splits a command line the way botocore does for credential_process
// (shlex.split, POSIX mode): whitespace separates words; '...' is literal;
// "..." allows \" and \\ escapes; outside quotes a backslash escapes any
// character; adjacent quoted parts join. INVALID_ARGUMENT for an unclosed
// quote or a trailing backslash (the message never repeats the text).
StatusOr<std::vector<std::string>> ShellSplit(std::string_view command);

// RunProcessWithIo: the real ProcessRunner's spawn (posix_spawnp, PATH
// search, no shell, own process group killed at the deadline, stdout and
// stderr captured) with data on the child's stdin and a whole environment
// of the caller's choosing, for callers that hand a child input it must not
// see in argv (keyward server's rotation hook gets AWS's rotation event on
// stdin and an environment pointing back at the server).
//
// Thread-safety: safe to call concurrently.

struct ProcessIo {
  // Written to the child's stdin, which is then closed. At most 64 KiB (a
  // pipe's buffer: written before the child runs, so never blocking).
  std::string stdin_data;
  // The child's whole environment ("NAME=value").
  std::vector<std::string> env;
};

// As ProcessRunner::Run, plus INVALID_ARGUMENT for stdin data over 64 KiB.
StatusOr<ProcessResult> RunProcessWithIo(const ProcessRequest& request,
                                         const ProcessIo& io);

}  // namespace keyward

#endif  // KEYWARD_PROCESS_H_
