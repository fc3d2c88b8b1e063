// Starts the built `keyward server` on a free loopback port with a throwaway
// store and generated credentials, and builds keyward clients for it.
#ifndef KEYWARD_TESTS_INTEGRATION_SERVER_FIXTURE_H_
#define KEYWARD_TESTS_INTEGRATION_SERVER_FIXTURE_H_

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "keyward/aws/credentials.h"
#include "keyward/aws/shared_config.h"
#include "keyward/secrets/client.h"
#include "tests/testing/peers.h"

namespace keyward::testing {

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class KeywardServer {
 public:
  // Starts `keyward server` with its store in `dir`. Extra flags are appended.
  static StatusOr<std::unique_ptr<KeywardServer>> Start(
      const TempDir& dir, std::vector<std::string> extra = {}) {
    std::unique_ptr<KeywardServer> s(new KeywardServer());
    s->dir_ = dir.path();
    std::string env_file = dir.File("env");
    std::remove(env_file.c_str());
    std::vector<std::string> argv = {KeywardBinary(), "server",
                                     "--store",       dir.File("store.db"),
                                     "--listen",      "127.0.0.1:0",
                                     "--env-file",    env_file,
                                     "--access-log",  dir.File("access.log")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    KW_ASSIGN_OR_RETURN(s->process_,
                        Subprocess::Start(argv, {}, dir.File("server.log")));
    for (int i = 0; i < 2000; ++i) {
      std::string env = Slurp(env_file);
      if (!env.empty()) {
        s->Parse(env);
        return s;
      }
      if (!s->process_->Running()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return UnavailableError("keyward server did not start: " +
                            Slurp(dir.File("server.log")));
  }

  const std::string& endpoint() const { return endpoint_; }
  const std::string& credentials_file() const { return credentials_; }
  Subprocess& process() { return *process_; }

  // The first key pair of the credentials file.
  aws::Credentials Credentials() const {
    aws::Credentials c;
    auto ini = aws::ParseIni(Slurp(credentials_), credentials_);
    if (!ini.ok()) return c;
    for (const auto& e : ini->sections.at(0).entries) {
      if (e.key == "aws_access_key_id") c.access_key_id = e.value;
      if (e.key == "aws_secret_access_key")
        c.secret_access_key = SecretValue(e.value);
    }
    return c;
  }

  std::unique_ptr<secrets::SecretsManagerClient> Client(
      std::optional<aws::Credentials> creds = std::nullopt,
      int attempts = 3) const {
    secrets::ClientConfig config;
    config.region = "us-east-1";
    config.endpoint_url = endpoint_;
    config.credentials =
        aws::NewStaticCredentialsProvider(creds ? *creds : Credentials());
    config.retry.max_attempts = attempts;
    auto client = secrets::SecretsManagerClient::Create(std::move(config));
    return client.ok() ? std::move(*client) : nullptr;
  }

 private:
  KeywardServer() = default;
  void Parse(const std::string& env) {
    std::istringstream in(env);
    std::string line;
    while (std::getline(in, line)) {
      auto value = [&](const std::string& k) {
        std::string p = "export " + k + "=";
        return line.starts_with(p) ? line.substr(p.size()) : std::string();
      };
      if (auto v = value("AWS_ENDPOINT_URL"); !v.empty()) endpoint_ = v;
      if (auto v = value("AWS_SHARED_CREDENTIALS_FILE"); !v.empty())
        credentials_ = v;
    }
  }
  std::string dir_, endpoint_, credentials_;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace keyward::testing

#endif  // KEYWARD_TESTS_INTEGRATION_SERVER_FIXTURE_H_
