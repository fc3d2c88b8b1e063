// keyward's entry point: wires the command table and maps exit codes (cli.cc).
#include <sys/prctl.h>
#include <sys/resource.h>

#include <iostream>

#include "cli/cli.h"

int main(int argc, char** argv) {
  // Secrets pass through this process's memory: never write a core dump.
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  return keyward::cli::RunCli(argc, argv, std::cout, std::cerr,
                              keyward::Runtime::Real());
}
