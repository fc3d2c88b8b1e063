#include "agent/supervisor.h"

#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "agent/config_values.h"
#include "core/text.h"

namespace keyward::agent {
namespace {

using LogLevel = SecretCacheOptions::LogLevel;
using SteadyClock = std::chrono::steady_clock;

constexpr int kForwarded[] = {SIGTERM, SIGINT,  SIGHUP,
                              SIGQUIT, SIGUSR1, SIGUSR2};

sigset_t HandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : kForwarded) sigaddset(&set, s);
  sigaddset(&set, SIGCHLD);
  return set;
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Exit status for a wait status: the code, or 128+N for signal N.
int ExitStatus(int wstatus) {
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
  return 1;
}

// The signal mask before BlockSignals() (what a plain exec would have
// given the child).
std::mutex g_mask_mu;
bool g_mask_saved = false;
sigset_t g_original_mask;

// Owns the spawn attributes: the original signal mask. Dispositions are left
// to exec, as with plain `keyward exec`: handled signals become default,
// ignored ones (nohup's SIGHUP) stay ignored.
struct SpawnAttr {
  posix_spawnattr_t attr;
  SpawnAttr() {
    posix_spawnattr_init(&attr);
    sigset_t mask;
    sigemptyset(&mask);
    {
      std::lock_guard<std::mutex> l(g_mask_mu);
      if (g_mask_saved) mask = g_original_mask;
    }
    posix_spawnattr_setsigmask(&attr, &mask);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  }
  ~SpawnAttr() { posix_spawnattr_destroy(&attr); }
};

}  // namespace

StatusOr<ChangeAction> ParseChangeAction(std::string_view text) {
  if (text == "restart") return ChangeAction{ChangeAction::Kind::kRestart};
  if (text.starts_with("signal:")) {
    StatusOr<int> sig = ParseSignal(text.substr(7));
    if (sig.ok()) return ChangeAction{ChangeAction::Kind::kSignal, *sig};
  }
  return InvalidArgumentError("'" + std::string(text) +
                              "' is not an action: use restart or "
                              "signal:NAME (e.g. signal:HUP)");
}

// What the cache's listener (on the refresher thread) and Shutdown() share
// with Run(): flags plus an eventfd that wakes Run's poll. Shared ownership,
// because a listener call the cache already copied may outlive the
// Supervisor.
struct Notifier {
  Fd event{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
  std::set<std::string> names;
  std::atomic<bool> change{false};
  std::atomic<bool> shutdown{false};
  void Wake() {
    std::uint64_t one = 1;
    ssize_t n = ::write(event.get(), &one, sizeof(one));
    (void)n;  // the counter only saturates; a wake-up is already pending
  }
  void Drain() {
    std::uint64_t v;
    ssize_t n = ::read(event.get(), &v, sizeof(v));
    (void)n;
  }
};

struct Supervisor::Impl {
  SecretCache* cache = nullptr;
  SupervisorOptions o;
  std::shared_ptr<Notifier> notifier = std::make_shared<Notifier>();
  bool ran = false;

  // Run's state.
  pid_t child = -1;
  bool restarting = false;
  bool terminating = false;
  std::optional<SteadyClock::time_point> kill_at;
  std::vector<SecureString> next_env;
  // The version of each secret in the running child's environment (or last
  // signalled about): rotations are acted on only when these differ, which
  // also ignores the cache's notice of the first fetch.
  std::map<std::string, std::string> child_versions;
  std::map<std::string, std::string> next_versions;

  void Log(LogLevel level, const std::string& m) const { o.log(level, m); }
  std::string Program() const { return "'" + o.argv[0] + "'"; }
  StatusOr<std::vector<SecureString>> BuildEnv(
      std::map<std::string, std::string>& versions) const;
  std::map<std::string, std::string> CurrentVersions() const;
  // The child's pid, or an exit status (127/126) when it cannot be run.
  StatusOr<pid_t> Spawn(std::vector<SecureString>& env, int& failed_status);
  void StopChild(const std::string& why);
  void Forward(const signalfd_siginfo& si);
  void OnChange();
  StatusOr<std::optional<int>> Reap();
  StatusOr<int> Loop(int sfd);
};

StatusOr<std::vector<SecureString>> Supervisor::Impl::BuildEnv(
    std::map<std::string, std::string>& versions) const {
  versions.clear();
  std::vector<SecureString> env;
  std::set<std::string_view> bound;
  for (const auto& b : o.secrets) bound.insert(b.var);
  for (const auto& e : o.base_env) {
    std::string_view var = std::string_view(e).substr(0, e.find('='));
    if (!bound.contains(var)) env.emplace_back(e.begin(), e.end());
  }
  for (const auto& b : o.secrets) {
    StatusOr<Secret> s = cache->Get(b.value.secret);
    if (!s.ok()) return s.status().WithContext("reading " + b.value.secret);
    versions[b.value.secret] = s->version_id();
    StatusOr<SecretValue> v = b.value.property.empty()
                                  ? StatusOr<SecretValue>(s->value())
                                  : s->Property(b.value.property);
    if (!v.ok()) return v.status().WithContext("variable " + b.var);
    SecureString kv(b.var.begin(), b.var.end());
    kv += '=';
    kv.append(v->Reveal().data(), v->Reveal().size());
    env.push_back(std::move(kv));
  }
  return env;
}

StatusOr<pid_t> Supervisor::Impl::Spawn(std::vector<SecureString>& env,
                                        int& failed_status) {
  std::vector<char*> argv, envp;
  for (const auto& a : o.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  SpawnAttr attr;
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, argv[0], nullptr, &attr.attr, argv.data(),
                          envp.data());
  env.clear();
  if (rc == 0) return pid;
  failed_status = rc == ENOENT ? 127 : 126;
  Log(LogLevel::kError,
      "exec: cannot run " + Program() + ": " + std::strerror(rc));
  return Status(
      rc == ENOENT ? StatusCode::kNotFound : StatusCode::kFailedPrecondition,
      "cannot run " + Program() + ": " + std::strerror(rc));
}

std::map<std::string, std::string> Supervisor::Impl::CurrentVersions() const {
  std::map<std::string, std::string> out;
  for (const auto& b : o.secrets) {
    StatusOr<Secret> s = cache->Get(b.value.secret);
    out[b.value.secret] = s.ok() ? s->version_id() : "";
  }
  return out;
}

void Supervisor::Impl::StopChild(const std::string& why) {
  if (child <= 0) return;
  ::kill(child, o.stop_signal);
  kill_at = SteadyClock::now() + o.stop_timeout;
  Log(LogLevel::kInfo, "exec: " + why + ": sent " + SignalName(o.stop_signal) +
                           " to pid " + std::to_string(child));
}

void Supervisor::Impl::Forward(const signalfd_siginfo& si) {
  int sig = static_cast<int>(si.ssi_signo);
  if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT) terminating = true;
  if (si.ssi_code == SI_KERNEL) {
    // From the terminal: the kernel signalled the whole foreground process
    // group, the child included.
    return;
  }
  if (child <= 0) return;
  ::kill(child, sig);
  Log(LogLevel::kInfo, "exec: forwarded " + SignalName(sig) + " to pid " +
                           std::to_string(child));
}

void Supervisor::Impl::OnChange() {
  if (terminating || child <= 0 || restarting) return;
  std::map<std::string, std::string> now = CurrentVersions();
  if (now == child_versions) return;
  if (o.on_change.kind == ChangeAction::Kind::kSignal) {
    child_versions = std::move(now);
    ::kill(child, o.on_change.signal);
    Log(LogLevel::kInfo, "exec: a secret changed: sent " +
                             SignalName(o.on_change.signal) + " to pid " +
                             std::to_string(child));
    return;
  }
  std::map<std::string, std::string> versions;
  StatusOr<std::vector<SecureString>> env = BuildEnv(versions);
  if (!env.ok()) {
    Log(LogLevel::kError,
        "exec: a secret changed but the new values cannot be read; " +
            Program() + " keeps running: " + env.status().ToString());
    return;
  }
  next_env = std::move(*env);
  next_versions = std::move(versions);
  restarting = true;
  StopChild("a secret changed, restarting " + Program());
}

// The child's exit status once it is gone for good; nullopt while it runs
// (or after a restart started a new one).
StatusOr<std::optional<int>> Supervisor::Impl::Reap() {
  int ws = 0;
  pid_t r = ::waitpid(child, &ws, WNOHANG);
  if (r != child) return std::optional<int>();
  child = -1;
  kill_at.reset();
  if (!restarting || terminating) return std::optional<int>(ExitStatus(ws));
  restarting = false;
  // The latest values (a rotation during the stop is folded in), else the
  // ones read when the restart was decided.
  std::map<std::string, std::string> versions;
  StatusOr<std::vector<SecureString>> env = BuildEnv(versions);
  std::vector<SecureString> use =
      env.ok() ? std::move(*env) : std::move(next_env);
  child_versions = env.ok() ? std::move(versions) : std::move(next_versions);
  next_env.clear();
  int failed = 0;
  StatusOr<pid_t> pid = Spawn(use, failed);
  if (!pid.ok()) return std::optional<int>(failed);
  child = *pid;
  Log(LogLevel::kInfo, "exec: restarted " + Program() + " (pid " +
                           std::to_string(child) + ") with the new values");
  return std::optional<int>();
}

StatusOr<int> Supervisor::Impl::Loop(int sfd) {
  Notifier& n = *notifier;
  while (true) {
    int timeout = -1;
    if (kill_at) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *kill_at - SteadyClock::now());
      timeout = static_cast<int>(std::max<long long>(0, left.count()));
    }
    pollfd fds[2] = {{sfd, POLLIN, 0}, {n.event.get(), POLLIN, 0}};
    int rc = ::poll(fds, 2, timeout);
    if (rc < 0 && errno != EINTR) {
      return InternalError(std::string("poll: ") + std::strerror(errno));
    }
    if (kill_at && SteadyClock::now() >= *kill_at && child > 0) {
      ::kill(child, SIGKILL);
      kill_at.reset();
      Log(LogLevel::kWarning,
          "exec: pid " + std::to_string(child) + " did not exit within " +
              std::to_string(o.stop_timeout.count()) + " ms; sent SIGKILL");
    }
    signalfd_siginfo si;
    while (::read(sfd, &si, sizeof(si)) == sizeof(si)) {
      if (si.ssi_signo != SIGCHLD) Forward(si);
    }
    if (fds[1].revents != 0) {
      n.Drain();
      if (n.shutdown && !terminating) {
        terminating = true;
        StopChild("shutting down " + Program());
      }
      if (n.change.exchange(false)) OnChange();
    }
    KW_ASSIGN_OR_RETURN(std::optional<int> status, Reap());
    if (status) return *status;
  }
}

Status Supervisor::BlockSignals() {
  sigset_t set = HandledSignals(), old;
  int rc = ::pthread_sigmask(SIG_BLOCK, &set, &old);
  if (rc != 0)
    return InternalError(std::string("pthread_sigmask: ") + std::strerror(rc));
  // With SIGCHLD ignored (inherited from a careless parent) children are
  // reaped by the kernel and waitpid() would never report the exit status.
  struct sigaction chld {};
  if (::sigaction(SIGCHLD, nullptr, &chld) == 0 && chld.sa_handler == SIG_IGN)
    ::signal(SIGCHLD, SIG_DFL);
  std::lock_guard<std::mutex> l(g_mask_mu);
  if (!g_mask_saved) {
    g_original_mask = old;
    g_mask_saved = true;
  }
  return OkStatus();
}

Supervisor::Supervisor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Supervisor::~Supervisor() = default;

StatusOr<std::unique_ptr<Supervisor>> Supervisor::Create(
    SecretCache* cache, SupervisorOptions options) {
  if (cache == nullptr) return InvalidArgumentError("Supervisor: no cache");
  if (options.argv.empty() || options.argv[0].empty())
    return InvalidArgumentError("no command to supervise");
  if (options.stop_timeout.count() <= 0)
    return InvalidArgumentError("the stop timeout must be > 0");
  auto impl = std::make_unique<Impl>();
  std::set<std::string> vars;
  for (const auto& b : options.secrets) {
    if (!text::IsVariableName(b.var))
      return InvalidArgumentError("'" + b.var + "' is not a variable name");
    if (!vars.insert(b.var).second)
      return InvalidArgumentError("variable " + b.var + " is bound twice");
    if (b.value.secret.empty())
      return InvalidArgumentError("variable " + b.var + " names no secret");
    impl->notifier->names.insert(b.value.secret);
  }
  if (impl->notifier->event.get() < 0)
    return InternalError(std::string("eventfd: ") + std::strerror(errno));
  if (!options.log) {
    options.log = [](LogLevel, std::string_view m) {
      std::cerr << "keyward: " << m << "\n";
    };
  }
  impl->cache = cache;
  impl->o = std::move(options);
  return std::unique_ptr<Supervisor>(new Supervisor(std::move(impl)));
}

StatusOr<int> Supervisor::Run() {
  Impl& im = *impl_;
  if (im.ran) return FailedPreconditionError("Supervisor::Run called twice");
  im.ran = true;
  sigset_t want = HandledSignals(), have;
  ::pthread_sigmask(SIG_SETMASK, nullptr, &have);
  for (int s : kForwarded) {
    if (!sigismember(&have, s)) {
      return FailedPreconditionError(
          "the supervisor's signals are not blocked: call "
          "Supervisor::BlockSignals() before any thread starts");
    }
  }
  Fd sfd(::signalfd(-1, &want, SFD_CLOEXEC | SFD_NONBLOCK));
  if (sfd.get() < 0)
    return InternalError(std::string("signalfd: ") + std::strerror(errno));
  std::shared_ptr<Notifier> n = im.notifier;
  int id = im.cache->AddListener([n](const SecretChange& change) {
    if (!n->names.contains(change.name)) return;
    n->change = true;
    n->Wake();
  });
  struct Unsubscribe {
    SecretCache* cache;
    int id;
    ~Unsubscribe() { cache->RemoveListener(id); }
  } unsubscribe{im.cache, id};
  KW_ASSIGN_OR_RETURN(std::vector<SecureString> env,
                      im.BuildEnv(im.child_versions));
  int failed = 0;
  StatusOr<pid_t> pid = im.Spawn(env, failed);
  if (!pid.ok()) return failed;
  im.child = *pid;
  im.Log(LogLevel::kInfo, "exec: started " + im.Program() + " (pid " +
                              std::to_string(im.child) + ")");
  return im.Loop(sfd.get());
}

void Supervisor::Shutdown() {
  impl_->notifier->shutdown = true;
  impl_->notifier->Wake();
}

}  // namespace keyward::agent
