// Shared fixture for the operator-CLI end-to-end tests (cli_*_test.cc): one
// moto_server per test suite, the built keyward binary run without a
// controlling terminal (setsid, so a prompt can never block on the developer's
// terminal), and a pseudo-terminal driver for interactive prompts.
#ifndef KEYWARD_TESTS_INTEGRATION_CLI_HARNESS_H_
#define KEYWARD_TESTS_INTEGRATION_CLI_HARNESS_H_

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "tests/testing/peers.h"

namespace keyward::clitest {

using testing::CommandResult;

// One exchange with an interactive prompt: wait for `expect` on the
// terminal, then type `send` and Enter.
struct Exchange {
  std::string expect;
  std::string send;
};

struct PtyResult {
  int exit_code = -1;
  std::string terminal;  // everything written to the terminal (prompts, echo)
  std::string out;       // stdout
  std::string err;       // stderr
  bool all_prompts_seen = false;
};

inline std::string DrainFd(int fd) {
  std::string s;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0)
    s.append(buf, static_cast<std::size_t>(n));
  return s;
}

// Runs argv on a new pseudo-terminal (stdin and /dev/tty are the terminal;
// stdout/stderr are captured separately) and answers `script` in order.
inline PtyResult RunInPty(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env,
                          const std::vector<Exchange>& script,
                          int timeout_ms = 30000) {
  PtyResult r;
  int out_pipe[2], err_pipe[2];
  if (::pipe(out_pipe) != 0 || ::pipe(err_pipe) != 0) return r;
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) {
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    for (const auto& [k, v] : env) {
      if (v == "\x01unset") {
        ::unsetenv(k.c_str());
      } else {
        ::setenv(k.c_str(), v.c_str(), 1);
      }
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    _exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  std::size_t step = 0, searched_from = 0;
  bool reaped = false;
  int status = 0;
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) {
      if (!reaped && ::waitpid(pid, &status, WNOHANG) == pid) reaped = true;
      if (reaped) break;
      continue;
    }
    ssize_t n = ::read(master, buf, sizeof(buf));
    if (n <= 0) break;  // EIO: the child closed the terminal
    r.terminal.append(buf, static_cast<std::size_t>(n));
    while (step < script.size()) {
      auto at = r.terminal.find(script[step].expect, searched_from);
      if (at == std::string::npos) break;
      searched_from = at + script[step].expect.size();
      std::string line = script[step].send + "\n";
      (void)!::write(master, line.data(), line.size());
      ++step;
    }
  }
  r.all_prompts_seen = step == script.size();
  if (!reaped && ::waitpid(pid, &status, WNOHANG) == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  r.exit_code =
      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = DrainFd(out_pipe[0]);
  r.err = DrainFd(err_pipe[0]);
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  ::close(master);
  return r;
}

// A moto_server shared by every test of the suite.
class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testing::OnPath("moto_server")) return;
    auto m = testing::MotoServer::Start();
    if (m.ok()) moto_ = std::move(*m).release();
  }
  static void TearDownTestSuite() {
    delete moto_;
    moto_ = nullptr;
  }
  void SetUp() override {
    KW_REQUIRE_PEER("moto_server");
    KW_REQUIRE_PEER("setsid");
    ASSERT_NE(moto_, nullptr) << "moto_server did not start";
  }

  std::map<std::string, std::string> Env() const {
    return {{"AWS_ACCESS_KEY_ID", "testing"},
            {"AWS_SECRET_ACCESS_KEY", "testing"},
            {"AWS_REGION", "us-east-1"},
            {"AWS_ENDPOINT_URL", moto_->endpoint()},
            {"AWS_CONFIG_FILE", "/nonexistent/keyward-test-config"},
            {"AWS_SHARED_CREDENTIALS_FILE",
             "/nonexistent/keyward-test-credentials"},
            {"AWS_PROFILE", "\x01unset"}};
  }

  // Runs keyward with no controlling terminal and `stdin_data` on stdin.
  CommandResult Keyward(std::vector<std::string> args,
                        const std::string& stdin_data = "",
                        std::map<std::string, std::string> extra_env = {}) {
    args.insert(args.begin(), testing::KeywardBinary());
    args.insert(args.begin(), {"setsid", "-w"});
    auto env = Env();
    for (auto& [k, v] : extra_env) env[k] = v;
    return testing::RunCommand(args, env, stdin_data);
  }

  PtyResult KeywardPty(std::vector<std::string> args,
                       const std::vector<Exchange>& script) {
    args.insert(args.begin(), testing::KeywardBinary());
    return RunInPty(args, Env(), script);
  }

  // An inventory for the suite's apps, written to a temp dir.
  std::string WriteInventory(const std::string& yaml) {
    dir_.Write("secrets-inventory.yaml", yaml);
    return dir_.File("secrets-inventory.yaml");
  }

  static bool Contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
  }

  static testing::MotoServer* moto_;
  testing::TempDir dir_;
};
inline testing::MotoServer* CliTest::moto_ = nullptr;

// A demo inventory: app `orders` with a JSON login, configuration and a
// plain-string token.
inline constexpr char kInventory[] = R"(version: 1
applications:
  orders:
    description: Order service
secrets:
  - name: platform-data/postgres/orders
    description: Orders PostgreSQL login
    consumers: [orders]
    properties: [username, password]
    rotation: {status: manual, interval_days: 90}
  - name: platform-config/postgres/platform-postgres
    description: Shared PostgreSQL endpoint
    consumers: [orders]
    properties: [host, port]
    rotation: {status: none}
  - name: platform-data/stripe/orders
    description: Stripe API token for orders
    consumers: [orders]
    properties: [token]
    rotation: {status: manual}
)";

}  // namespace keyward::clitest

#endif  // KEYWARD_TESTS_INTEGRATION_CLI_HARNESS_H_
