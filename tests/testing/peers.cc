#include "tests/testing/peers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

extern char** environ;

namespace keyward::testing {
namespace {

std::vector<std::string> BuildEnv(
    const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    std::size_t eq = kv.find('=');
    if (eq == std::string::npos) continue;
    merged[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : extra) {
    if (v == "\x01unset") {
      merged.erase(k);
    } else {
      merged[k] = v;
    }
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : merged) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

bool OnPath(const std::string& program) {
  if (program.find('/') != std::string::npos)
    return ::access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::string p(path);
  std::size_t start = 0;
  while (start <= p.size()) {
    std::size_t colon = p.find(':', start);
    std::string dir = p.substr(
        start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0)
      return true;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return false;
}

bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

StatusOr<std::unique_ptr<Subprocess>> Subprocess::Start(
    const std::vector<std::string>& argv,
    const std::map<std::string, std::string>& env,
    const std::string& log_path) {
  std::vector<std::string> args = argv;
  std::vector<std::string> envs = BuildEnv(env);
  auto cargs = CStrings(args);
  auto cenv = CStrings(envs);
  pid_t pid = ::fork();
  if (pid < 0) return InternalError("fork failed");
  if (pid == 0) {
    ::setpgid(0, 0);
    int fd = ::open(log_path.empty() ? "/dev/null" : log_path.c_str(),
                    O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::execvpe(cargs[0], cargs.data(), cenv.data());
    _exit(127);
  }
  return std::unique_ptr<Subprocess>(new Subprocess(pid));
}

bool Subprocess::Running() {
  if (reaped_) return false;
  int status;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    return false;
  }
  return true;
}

int Subprocess::Kill(int sig) {
  if (reaped_) return 0;
  ::kill(-pid_, sig);
  ::kill(pid_, sig);
  int status = 0;
  for (int i = 0; i < 300; ++i) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  reaped_ = true;
  return status;
}

Subprocess::~Subprocess() { Kill(SIGTERM); }

Status WaitForPort(int port, int timeout_ms) {
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::close(fd);
    if (rc == 0) return OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return DeadlineExceededError("port " + std::to_string(port) +
                               " did not open");
}

aws::Credentials MotoServer::TestCredentials() {
  aws::Credentials c;
  c.access_key_id = "testing";
  c.secret_access_key = SecretValue("testing");
  return c;
}

std::unique_ptr<secrets::SecretsManagerClient> MotoServer::Client(
    int max_attempts) const {
  secrets::ClientConfig config;
  config.region = "us-east-1";
  config.endpoint_url = endpoint();
  config.credentials = aws::NewStaticCredentialsProvider(TestCredentials());
  config.retry.max_attempts = max_attempts;
  return secrets::SecretsManagerClient::Create(std::move(config)).value();
}

std::map<std::string, std::string> MotoServer::ClientEnv() const {
  return {{"AWS_ACCESS_KEY_ID", "testing"},
          {"AWS_SECRET_ACCESS_KEY", "testing"},
          {"AWS_REGION", "us-east-1"},
          {"AWS_DEFAULT_REGION", "us-east-1"},
          {"AWS_ENDPOINT_URL", endpoint()},
          {"AWS_PROFILE", "\x01unset"},
          {"AWS_CONFIG_FILE", "/dev/null"},
          {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"}};
}

StatusOr<std::unique_ptr<MotoServer>> MotoServer::Start(MotoOptions options) {
  std::unique_ptr<MotoServer> m(new MotoServer());
  std::map<std::string, std::string> env = {
      {"AWS_ACCESS_KEY_ID", "\x01unset"},
      {"AWS_SECRET_ACCESS_KEY", "\x01unset"},
      {"MOTO_ALLOW_NONEXISTENT_REGION", "true"}};
  if (options.initial_no_auth_action_count >= 0) {
    env["INITIAL_NO_AUTH_ACTION_COUNT"] =
        std::to_string(options.initial_no_auth_action_count);
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    m->port_ = FreeLoopbackPort();
    std::string log = std::filesystem::temp_directory_path().string() +
                      "/keyward-moto-" + std::to_string(m->port_) + ".log";
    KW_ASSIGN_OR_RETURN(
        m->process_, Subprocess::Start({"moto_server", "-H", "127.0.0.1", "-p",
                                        std::to_string(m->port_)},
                                       env, log));
    if (WaitForPort(m->port_, 30000).ok()) return m;
    m->process_.reset();
  }
  return UnavailableError("moto_server did not start");
}

CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env,
                         const std::string& stdin_data, int timeout_ms) {
  CommandResult result;
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe(in_pipe) != 0 || ::pipe(out_pipe) != 0 || ::pipe(err_pipe) != 0)
    return result;
  std::vector<std::string> args = argv;
  std::vector<std::string> envs = BuildEnv(env);
  auto cargs = CStrings(args);
  auto cenv = CStrings(envs);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    ::close(in_pipe[1]);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    ::execvpe(cargs[0], cargs.data(), cenv.data());
    _exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  std::thread writer([&] {
    std::size_t off = 0;
    ::signal(SIGPIPE, SIG_IGN);
    while (off < stdin_data.size()) {
      ssize_t n =
          ::write(in_pipe[1], stdin_data.data() + off, stdin_data.size() - off);
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
    ::close(in_pipe[1]);
  });
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0 && std::chrono::steady_clock::now() < deadline) {
    if (::poll(fds, 2, 100) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof(buf));
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? result.out : result.err)
            .append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  if (open_fds > 0) ::kill(pid, SIGKILL);
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  writer.join();
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code =
      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string KeywardBinary() {
  if (const char* b = std::getenv("KEYWARD_BIN")) return b;
  return std::string(KEYWARD_BINARY_DIR) + "/keyward";
}

TempDir::TempDir() {
  std::string tmpl =
      std::filesystem::temp_directory_path().string() + "/keyward-test-XXXXXX";
  char* p = ::mkdtemp(tmpl.data());
  path_ = p ? p : tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void TempDir::Write(const std::string& name, const std::string& content,
                    unsigned mode) const {
  std::string p = File(name);
  std::filesystem::create_directories(std::filesystem::path(p).parent_path());
  {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << content;
  }
  ::chmod(p.c_str(), mode);
}

}  // namespace keyward::testing
