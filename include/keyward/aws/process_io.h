// RunProcessWithIo: the real ProcessRunner's spawn (posix_spawnp, PATH
// search, no shell, own process group killed at the deadline, stdout and
// stderr captured) with data on the child's stdin and a whole environment
// of the caller's choosing, for callers that hand a child input it must not
// see in argv (keyward server's rotation hook gets AWS's rotation event on
// stdin and an environment pointing back at the server).
//
// Thread-safety: safe to call concurrently.
#ifndef KEYWARD_AWS_PROCESS_IO_H_
#define KEYWARD_AWS_PROCESS_IO_H_

#include <string>
#include <vector>

#include "keyward/aws/process_runner.h"

namespace keyward::aws {

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

}  // namespace keyward::aws

#endif  // KEYWARD_AWS_PROCESS_IO_H_
