// Supervisor: runs one child process with secrets in its environment and
// keeps it in step with rotations (the envconsul / Vault Agent process
// supervisor job). Behind `keyward exec --watch`; the agent's YAML `exec:`
// key can fill SupervisorOptions the same way.
//
//   Supervisor::BlockSignals();          // first thing, before any thread
//   ... create and load the SecretCache (its refresher inherits the mask) ...
//   SupervisorOptions o;
//   o.argv = {"./orders-server", "--port", "8080"};
//   o.base_env = {"PATH=/usr/bin:/bin", "HOME=/srv/orders"};
//   o.secrets = {{"DB_PASSWORD", {"platform-data/postgres/orders",
//   "password"}}}; o.on_change = {ChangeAction::Kind::kRestart};
//   KW_ASSIGN_OR_RETURN(auto sup, Supervisor::Create(cache, std::move(o)));
//   KW_ASSIGN_OR_RETURN(int status, sup->Run());  // blocks
//   return status;                                 // keyward's exit status
//
// Behaviour.
//  * The child is started with posix_spawnp (argv[0] searched on keyward's
//    own PATH, no shell) with the signal mask keyward had before
//    BlockSignals() and the dispositions exec gives (ignored signals stay
//    ignored, as with plain exec), in keyward's process group, with
//    stdin/stdout/stderr inherited.
//    Its environment is base_env plus one variable per secret binding, read
//    from the cache at every start (so a restart sees the new values).
//  * Signals: SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 sent to
//    keyward are forwarded to the child. Signals the kernel sends to the
//    whole foreground process group (Ctrl-C, Ctrl-\ and hangup on a
//    terminal) already reach the child and are not sent twice.
//  * Rotation: when the cache reports a new version of a secret the child
//    uses (SecretCache listener; how often the cache looks is its ttl), the
//    child is either sent `on_change.signal`, or restarted: sent
//    stop_signal, given stop_timeout to exit, then SIGKILL-ed, and started
//    again with the new values. If the new values cannot be read the running
//    child is left alone and the problem is logged. Rotations arriving while
//    a restart is in progress are folded into it.
//  * Exit: when the child exits other than for a restart, Run() returns its
//    exit code, or 128+N when signal N killed it. After SIGTERM/SIGINT/
//    SIGQUIT was forwarded no restart starts a new child.
//  * Secrets never reach argv or the log; environment buffers are wiped.
//  * Not handled: if keyward itself is SIGKILL-ed the child keeps running
//    (run both under systemd, KillMode=control-group, the default).
//
// Thread-safety: Create and Run on one thread; Shutdown from any thread.
// Run() requires the forwarded signals and SIGCHLD to be blocked in every
// thread of the process (BlockSignals() before threads start): it reads them
// through a signalfd. The cache must outlive the Supervisor.
#ifndef KEYWARD_SRC_AGENT_SUPERVISOR_H_
#define KEYWARD_SRC_AGENT_SUPERVISOR_H_

#include <signal.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/template.h"
#include "keyward/secret_cache.h"
#include "keyward/status.h"

namespace keyward::agent {

// One environment variable of the child: a property of a secret ("" = the
// whole plain-string value).
struct EnvBinding {
  std::string var;
  ValueRef value;
  friend bool operator==(const EnvBinding&, const EnvBinding&) = default;
};

// What a rotation does to the child.
struct ChangeAction {
  enum class Kind { kRestart, kSignal };
  Kind kind = Kind::kRestart;
  int signal = SIGHUP;  // kSignal only
  friend bool operator==(const ChangeAction&, const ChangeAction&) = default;
};

// "restart", "signal:HUP", "signal:SIGUSR1", "signal:10". INVALID_ARGUMENT
// otherwise.
StatusOr<ChangeAction> ParseChangeAction(std::string_view text);

struct SupervisorOptions {
  // The command; argv[0] is searched on keyward's PATH. Required.
  std::vector<std::string> argv;
  // "NAME=value" entries given to the child as they are (not secrets, e.g.
  // keyward's own environment unless --pristine). Entries naming a variable
  // that a secret binding sets are dropped.
  std::vector<std::string> base_env;
  // Variables set from the cache at every start of the child.
  std::vector<EnvBinding> secrets;
  // On rotation of a secret in `secrets`. Default: restart.
  ChangeAction on_change;
  // How a restart (and Shutdown) stops the child. Default SIGTERM, then
  // SIGKILL after 10 s.
  int stop_signal = SIGTERM;
  std::chrono::milliseconds stop_timeout{10000};
  // Child starts, restarts, forwarded signals (kInfo) and problems
  // (kWarning/kError); never values. Default: "keyward: " + message to
  // stderr for every level (a supervisor's log is its only trace).
  std::function<void(SecretCacheOptions::LogLevel, std::string_view)> log;
};

class Supervisor {
 public:
  // Blocks SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGCHLD in
  // the calling thread; threads created afterwards inherit the mask. INTERNAL
  // when pthread_sigmask fails.
  static Status BlockSignals();

  // INVALID_ARGUMENT for an empty argv, invalid variable names, a variable
  // bound twice, a non-positive stop_timeout or a null cache.
  static StatusOr<std::unique_ptr<Supervisor>> Create(
      SecretCache* cache, SupervisorOptions options);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Starts the child and supervises it (see above) until it is gone for
  // good; returns the status to exit with. A program that cannot be started
  // (at first or at a restart) is logged and gives 127 when it is missing,
  // 126 otherwise, as in a shell. Errors: the secrets cannot be read at the
  // first start (the cache's error, with the variable), FAILED_PRECONDITION
  // when the signals are not blocked or Run() was already called, INTERNAL
  // for signalfd/poll failures.
  StatusOr<int> Run();

  // Stops the child (stop_signal, stop_timeout, SIGKILL) and makes Run()
  // return its status. Safe from any thread, also before Run().
  void Shutdown();

 private:
  struct Impl;
  explicit Supervisor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace keyward::agent

#endif  // KEYWARD_SRC_AGENT_SUPERVISOR_H_
