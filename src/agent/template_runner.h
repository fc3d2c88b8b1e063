// TemplateRunner: keeps declared templates (agent/template.h) rendered from a
// SecretCache. Start() renders every template once; afterwards a template is
// rendered again only when the cache reports a new version of a secret it
// uses (SecretCache listener), or, after a failed render, every
// retry_interval until it succeeds.
//
//   TemplateRunner::Options options;               // defaults: see below
//   KW_ASSIGN_OR_RETURN(auto runner,
//                       TemplateRunner::Create(cache, specs, options));
//   Status first = runner->Start();  // first render's outcome; keeps going
//   ...
//   runner->Stop();                  // also done by the destructor
//
// A render writes the destination atomically (FileSystem::WriteFile,
// keyward/env.h) with the spec's mode and owner, and only when the output
// differs from what the file holds; a changed file is followed by the spec's
// command (argv, no shell, with a timeout) and/or its signal to the pid in
// pid_file. A failed render (a secret or property missing, the store
// unreachable on a miss, a write error) leaves the previous file in place, is
// logged and appears in States(); the command does not run. Values never reach
// the log.
//
// Thread-safety: all methods are safe to call from any thread. Renders are
// serialised (one at a time); they run on the runner's worker thread, or on
// the thread calling Start() / RunPending(). The SecretCache must outlive the
// runner; the listener is removed by Stop().
#ifndef KEYWARD_SRC_AGENT_TEMPLATE_RUNNER_H_
#define KEYWARD_SRC_AGENT_TEMPLATE_RUNNER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/template.h"
#include "core/atomic_file.h"
#include "keyward/env.h"
#include "keyward/process.h"
#include "keyward/secret_cache.h"
#include "keyward/status.h"

namespace keyward::agent {

// One template's state, for logs, health and metrics.
struct TemplateState {
  std::string destination;
  std::vector<std::string> secrets;    // the secrets it uses
  std::uint64_t writes = 0;            // renders that replaced the file
  std::uint64_t unchanged = 0;         // renders equal to the file (no write)
  std::uint64_t failures = 0;          // renders or writes that failed
  std::uint64_t command_failures = 0;  // commands/signals that failed
  Status last_error;                   // OK after a successful render
  std::optional<Clock::time_point> last_write;
};

class TemplateRunner {
 public:
  using LogLevel = SecretCacheOptions::LogLevel;
  struct Options {
    // Runs each template's command (runtime.process), reads pid files and
    // the destination's current contents and writes destinations
    // atomically (runtime.fs), times retries and last_write (runtime.clock).
    Runtime runtime;
    // Sends a signal (returns 0 or -1 with errno). Default: ::kill.
    std::function<int(int pid, int sig)> kill;
    // A failed template is tried again this long after the failure (and at
    // once when one of its secrets changes). Default 10 s.
    std::chrono::milliseconds retry_interval{10000};
    // Render on a worker thread. Tests set false and call RunPending().
    // Default true.
    bool background = true;
    // Render outcomes (kInfo), failures (kWarning/kError); never values.
    // Default: warnings and errors to stderr, prefixed "keyward: ".
    std::function<void(LogLevel, std::string_view)> log;
  };

  // INVALID_ARGUMENT when a spec does not compile or two write one file.
  static StatusOr<std::unique_ptr<TemplateRunner>> Create(
      SecretCache* cache, std::vector<TemplateSpec> specs, Options options);
  ~TemplateRunner();
  TemplateRunner(const TemplateRunner&) = delete;
  TemplateRunner& operator=(const TemplateRunner&) = delete;

  // Subscribes to the cache, renders every template on the calling thread
  // (misses are fetched through the cache) and starts the worker. Returns
  // the first template's error if any failed (they are retried), else OK.
  // FAILED_PRECONDITION when called twice.
  Status Start();
  // Unsubscribes and joins the worker. A render in progress completes.
  void Stop();

  // Renders every template that is due (a secret changed, or its retry time
  // has come) on the calling thread; returns how many were attempted.
  int RunPending();

  std::vector<TemplateState> States() const;

 private:
  struct Impl;
  explicit TemplateRunner(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace keyward::agent

#endif  // KEYWARD_SRC_AGENT_TEMPLATE_RUNNER_H_
