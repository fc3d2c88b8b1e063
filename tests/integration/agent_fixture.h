// Starts the built `keyward agent` against a running `keyward server` on a
// free loopback port and waits until /ping answers "healthy".
#ifndef KEYWARD_TESTS_INTEGRATION_AGENT_FIXTURE_H_
#define KEYWARD_TESTS_INTEGRATION_AGENT_FIXTURE_H_

#include <chrono>
#include <thread>

#include "tests/integration/server_fixture.h"
#include "tests/testing/peers.h"

namespace keyward::testing {

class KeywardAgent {
 public:
  // `env` is added to the agent's environment (AWS_TOKEN, profiles...);
  // the server's endpoint, region and credentials file are set already.
  static StatusOr<std::unique_ptr<KeywardAgent>> Start(
      const TempDir& dir, const KeywardServer& server,
      std::vector<std::string> flags,
      std::map<std::string, std::string> env = {}) {
    std::unique_ptr<KeywardAgent> a(new KeywardAgent());
    a->port_ = FreeLoopbackPort();
    a->log_ = dir.File("agent.log");
    std::vector<std::string> argv = {KeywardBinary(), "agent", "--listen",
                                     "127.0.0.1:" + std::to_string(a->port_)};
    argv.insert(argv.end(), flags.begin(), flags.end());
    env.emplace("AWS_ENDPOINT_URL", server.endpoint());
    env.emplace("AWS_REGION", "us-east-1");
    env.emplace("AWS_SHARED_CREDENTIALS_FILE", server.credentials_file());
    env.emplace("AWS_CONFIG_FILE", "/dev/null");
    env.emplace("AWS_PROFILE", "keyward-local");
    KW_ASSIGN_OR_RETURN(a->process_, Subprocess::Start(argv, env, a->log_));
    for (int i = 0; i < 1000; ++i) {
      CommandResult r = RunCommand(
          {"curl", "-s",
           "http://127.0.0.1:" + std::to_string(a->port_) + "/ping"});
      if (r.out == "healthy") return a;
      if (!a->process_->Running()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return UnavailableError("keyward agent did not become ready: " +
                            Slurp(a->log_));
  }

  int port() const { return port_; }
  std::string url(const std::string& target) const {
    return "http://localhost:" + std::to_string(port_) + target;
  }
  std::string log() const { return Slurp(log_); }
  Subprocess& process() { return *process_; }

 private:
  KeywardAgent() = default;
  int port_ = 0;
  std::string log_;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace keyward::testing

#endif  // KEYWARD_TESTS_INTEGRATION_AGENT_FIXTURE_H_
