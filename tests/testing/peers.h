// Helpers for integration tests that run real peers: free loopback ports,
// child processes that are always stopped, moto_server, and running the
// keyward binary (or any command) with captured output.
//
// Missing peers: on a developer machine a test whose peer is not installed is
// SKIPPED loudly; under CI=true it FAILS (KW_REQUIRE_PEER).
#ifndef KEYWARD_TESTS_TESTING_PEERS_H_
#define KEYWARD_TESTS_TESTING_PEERS_H_

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "keyward/aws/credentials.h"
#include "keyward/secrets/client.h"
#include "keyward/status.h"

namespace keyward::testing {

// A free TCP port on 127.0.0.1 (bound and released).
int FreeLoopbackPort();

// True when `program` is found on PATH.
bool OnPath(const std::string& program);

bool InCi();

// Skips (locally) or fails (CI=true) the current test when `program` is
// not on PATH.
#define KW_REQUIRE_PEER(program)                                           \
  do {                                                                     \
    if (!::keyward::testing::OnPath(program)) {                            \
      if (::keyward::testing::InCi()) {                                    \
        FAIL() << "peer '" << (program) << "' is not installed (CI=true)"; \
      }                                                                    \
      GTEST_SKIP() << "SKIPPED: peer '" << (program)                       \
                   << "' is not installed; install it to run this test";   \
    }                                                                      \
  } while (0)

// A child process; stopped (SIGTERM, then SIGKILL after 3 s) on destruction.
class Subprocess {
 public:
  // Starts argv[0] (searched on PATH) with the current environment plus
  // `env` (a value of "\x01unset" removes a variable). stdout and stderr go to
  // `log_path` (or /dev/null when empty).
  static StatusOr<std::unique_ptr<Subprocess>> Start(
      const std::vector<std::string>& argv,
      const std::map<std::string, std::string>& env,
      const std::string& log_path = "");
  ~Subprocess();
  int pid() const { return pid_; }
  // Sends `sig` and waits for exit; returns the wait status.
  int Kill(int sig);
  bool Running();

 private:
  explicit Subprocess(int pid) : pid_(pid) {}
  int pid_;
  bool reaped_ = false;
};

// Waits until 127.0.0.1:port accepts TCP connections. DEADLINE_EXCEEDED
// after `timeout_ms`.
Status WaitForPort(int port, int timeout_ms = 20000);

// moto_server on a free loopback port.
struct MotoOptions {
  // INITIAL_NO_AUTH_ACTION_COUNT: after this many unauthenticated calls moto
  // verifies SigV4 signatures against its IAM users. -1: never.
  int initial_no_auth_action_count = -1;
};
class MotoServer {
 public:
  static StatusOr<std::unique_ptr<MotoServer>> Start(MotoOptions options = {});
  std::string endpoint() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }
  int port() const { return port_; }
  // moto accepts any key pair; tests use these.
  static aws::Credentials TestCredentials();
  // A keyward client for this moto (TestCredentials, us-east-1).
  std::unique_ptr<secrets::SecretsManagerClient> Client(
      int max_attempts = 3) const;
  // Environment for child processes (keyward CLI, aws CLI, boto3) talking
  // to this moto: test keys, region (AWS_DEFAULT_REGION too, the only one
  // aws CLI v1 reads), endpoint, and no profile or shared files.
  std::map<std::string, std::string> ClientEnv() const;

 private:
  MotoServer() = default;
  std::unique_ptr<Subprocess> process_;
  int port_ = 0;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv (PATH search) to completion with extra env (same rules as
// Subprocess::Start) and `stdin_data` on stdin. Output is captured.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env = {},
                         const std::string& stdin_data = "",
                         int timeout_ms = 60000);

// Path of the built keyward binary (KEYWARD_BIN or the build dir).
std::string KeywardBinary();

// A fresh temporary directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  void Write(const std::string& name, const std::string& content,
             unsigned mode = 0600) const;

 private:
  std::string path_;
};

}  // namespace keyward::testing

#endif  // KEYWARD_TESTS_TESTING_PEERS_H_
