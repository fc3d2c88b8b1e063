#include "agent/template_runner.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "agent/config_values.h"

namespace keyward::agent {

namespace {

void DefaultLog(TemplateRunner::LogLevel level, std::string_view message) {
  if (level == TemplateRunner::LogLevel::kInfo) return;
  std::cerr << "keyward: " << message << "\n";
}

// The pid in a pid file ("1234\n"). INVALID_ARGUMENT when it holds none.
StatusOr<int> ParsePid(const std::string& text, const std::string& path) {
  std::size_t i = 0, end = text.size();
  while (i < end && (text[i] == ' ' || text[i] == '\t')) ++i;
  while (end > i && (text[end - 1] == '\n' || text[end - 1] == '\r' ||
                     text[end - 1] == ' ' || text[end - 1] == '\t')) {
    --end;
  }
  long long pid = 0;
  bool ok = i < end && end - i <= 9;
  for (std::size_t k = i; k < end; ++k) {
    if (text[k] < '0' || text[k] > '9') ok = false;
    pid = pid * 10 + (text[k] - '0');
  }
  // 0 and 1 would signal a process group or init.
  if (!ok || pid <= 1) {
    return InvalidArgumentError(path + " does not hold a process id");
  }
  return static_cast<int>(pid);
}

}  // namespace

struct TemplateRunner::Impl {
  struct Entry {
    Entry(TemplateSpec s, Template t)
        : spec(std::move(s)), tmpl(std::move(t)) {}
    TemplateSpec spec;
    Template tmpl;
    // Guarded by render_mu: the last output known to be in the file.
    SecureString last;
    bool have_last = false;
    // The versions the last successful render used: a change notice for a
    // version already rendered (e.g. the cache announcing the first fetch
    // that the render itself caused) renders nothing.
    std::map<std::string, std::string> versions;
    // Guarded by mu.
    bool dirty = false;
    std::optional<Clock::time_point> retry_at;
    TemplateState state;
  };

  SecretCache* cache = nullptr;
  Options options;
  const Clock* clock = nullptr;
  std::vector<Entry> entries;
  std::map<std::string, std::vector<std::size_t>> by_secret;

  std::mutex render_mu;  // one render at a time
  mutable std::mutex mu;
  std::condition_variable cv;
  bool started = false;
  bool stop = false;
  int listener_id = -1;
  std::thread worker;

  void Log(LogLevel level, const std::string& message) const {
    options.log(level, message);
  }
  void OnChange(const SecretChange& change);
  void Work();
  std::vector<std::pair<std::size_t, bool>> TakeDue();
  void Render(Entry& e);
  bool UpToDate(const Entry& e) const;
  void RenderDue(const std::vector<std::pair<std::size_t, bool>>& due,
                 int* attempted);
  StatusOr<bool> WriteIfChanged(Entry& e, const SecureString& out);
  void RunActions(Entry& e);
  void Fail(Entry& e, const Status& s);
};

void TemplateRunner::Impl::OnChange(const SecretChange& change) {
  auto it = by_secret.find(change.name);
  if (it == by_secret.end()) return;
  {
    std::lock_guard<std::mutex> l(mu);
    for (std::size_t i : it->second) entries[i].dirty = true;
  }
  cv.notify_all();
}

// Indices of due templates, with true when only a change notice (not a
// retry) made them due.
std::vector<std::pair<std::size_t, bool>> TemplateRunner::Impl::TakeDue() {
  auto now = clock->Now();
  std::vector<std::pair<std::size_t, bool>> due;
  std::lock_guard<std::mutex> l(mu);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    Entry& e = entries[i];
    bool retry = e.retry_at && now >= *e.retry_at;
    if (e.dirty || retry) {
      due.emplace_back(i, !retry && e.state.last_error.ok());
      e.dirty = false;
      e.retry_at.reset();
    }
  }
  return due;
}

void TemplateRunner::Impl::Work() {
  std::unique_lock<std::mutex> l(mu);
  while (!stop) {
    bool retrying = std::any_of(entries.begin(), entries.end(),
                                [](const Entry& e) { return e.retry_at; });
    auto due = [this] {
      return stop || std::any_of(entries.begin(), entries.end(),
                                 [](const Entry& e) { return e.dirty; });
    };
    if (retrying) {
      cv.wait_for(l, options.retry_interval, due);
    } else {
      cv.wait(l, due);
    }
    if (stop) break;
    l.unlock();
    {
      std::lock_guard<std::mutex> r(render_mu);
      RenderDue(TakeDue(), nullptr);
    }
    l.lock();
  }
}

bool TemplateRunner::Impl::UpToDate(const Entry& e) const {
  if (e.versions.empty()) return false;
  for (const auto& [name, version] : e.versions) {
    StatusOr<Secret> s = cache->Get(name);
    if (!s.ok() || s->version_id() != version) return false;
  }
  return true;
}

void TemplateRunner::Impl::RenderDue(
    const std::vector<std::pair<std::size_t, bool>>& due, int* attempted) {
  for (const auto& [i, notice_only] : due) {
    if (notice_only && UpToDate(entries[i])) continue;
    Render(entries[i]);
    if (attempted) ++*attempted;
  }
}

void TemplateRunner::Impl::Fail(Entry& e, const Status& s) {
  {
    std::lock_guard<std::mutex> l(mu);
    ++e.state.failures;
    e.state.last_error = s;
    e.retry_at = clock->Now() + options.retry_interval;
  }
  Log(LogLevel::kError,
      "template " + e.spec.destination +
          ": not rendered, the previous file stays: " + s.ToString());
}

// Writes `out` unless the file already holds it. True when written.
StatusOr<bool> TemplateRunner::Impl::WriteIfChanged(Entry& e,
                                                    const SecureString& out) {
  const std::string& dest = e.spec.destination;
  if (!e.have_last) {
    // First render: an identical file left by an earlier run is kept (no
    // write, no command), so a restart does not reload every service.
    FileInfo info = options.runtime.fs->Stat(dest);
    if (info.exists && info.mode == e.spec.mode) {
      StatusOr<std::string> current = options.runtime.fs->ReadFile(dest);
      bool same = current.ok() && std::string_view(*current) ==
                                      std::string_view(out.data(), out.size());
      if (current.ok()) WipeString(*current);
      if (same) {
        e.last = out;
        e.have_last = true;
        return false;
      }
    }
  } else if (e.last == out) {
    return false;
  }
  KW_RETURN_IF_ERROR(options.runtime.fs->WriteFile(
      dest, std::string_view(out.data(), out.size()),
      FileOwnership{e.spec.mode, e.spec.owner, e.spec.group}));
  e.last = out;
  e.have_last = true;
  return true;
}

void TemplateRunner::Impl::Render(Entry& e) {
  std::map<std::string, std::string> versions;
  SecretLookup lookup =
      [this, &versions](const ValueRef& ref) -> StatusOr<SecretValue> {
    KW_ASSIGN_OR_RETURN(Secret s, cache->Get(ref.secret));
    versions[ref.secret] = s.version_id();
    if (ref.property.empty()) return s.value();
    return s.Property(ref.property);
  };
  StatusOr<SecureString> out = e.tmpl.Render(lookup);
  if (!out.ok()) return Fail(e, out.status());
  StatusOr<bool> written = WriteIfChanged(e, *out);
  if (!written.ok()) return Fail(e, written.status());
  e.versions = std::move(versions);
  {
    std::lock_guard<std::mutex> l(mu);
    e.state.last_error = OkStatus();
    if (*written) {
      ++e.state.writes;
      e.state.last_write = clock->Now();
    } else {
      ++e.state.unchanged;
    }
  }
  if (!*written) return;
  Log(LogLevel::kInfo, "template " + e.spec.destination + ": rendered");
  RunActions(e);
}

void TemplateRunner::Impl::RunActions(Entry& e) {
  const std::string& dest = e.spec.destination;
  std::vector<std::string> problems;
  if (!e.spec.command.empty()) {
    ProcessRequest req;
    req.argv = e.spec.command;
    req.timeout = e.spec.command_timeout;
    StatusOr<ProcessResult> r = options.runtime.process->Run(req);
    // The command's output is not logged: it may echo what it read.
    if (!r.ok()) {
      problems.push_back("command '" + req.argv[0] +
                         "': " + r.status().message());
    } else if (r->term_signal != 0) {
      problems.push_back("command '" + req.argv[0] + "' was killed by " +
                         SignalName(r->term_signal));
    } else if (r->exit_code != 0) {
      problems.push_back("command '" + req.argv[0] + "' exited with " +
                         std::to_string(r->exit_code));
    }
  }
  if (!e.spec.pid_file.empty()) {
    StatusOr<std::string> text = options.runtime.fs->ReadFile(e.spec.pid_file);
    StatusOr<int> pid = text.ok() ? ParsePid(*text, e.spec.pid_file)
                                  : StatusOr<int>(text.status());
    if (!pid.ok()) {
      problems.push_back("no " + SignalName(e.spec.signal) +
                         " sent: " + pid.status().message());
    } else if (options.kill(*pid, e.spec.signal) != 0) {
      problems.push_back("sending " + SignalName(e.spec.signal) + " to pid " +
                         std::to_string(*pid) + ": " + std::strerror(errno));
    }
  }
  if (problems.empty()) return;
  {
    std::lock_guard<std::mutex> l(mu);
    ++e.state.command_failures;
  }
  for (const auto& p : problems)
    Log(LogLevel::kWarning, "template " + dest + ": rendered, but " + p);
}

TemplateRunner::TemplateRunner(std::shared_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

TemplateRunner::~TemplateRunner() { Stop(); }

StatusOr<std::unique_ptr<TemplateRunner>> TemplateRunner::Create(
    SecretCache* cache, std::vector<TemplateSpec> specs, Options options) {
  if (cache == nullptr) return InvalidArgumentError("TemplateRunner: no cache");
  if (options.retry_interval.count() <= 0)
    return InvalidArgumentError("TemplateRunner: retry_interval must be > 0");
  auto impl = std::make_shared<Impl>();
  impl->cache = cache;
  if (!options.kill)
    options.kill = [](int pid, int sig) { return ::kill(pid, sig); };
  if (!options.log) options.log = DefaultLog;
  impl->clock = options.runtime.clock;
  impl->options = std::move(options);
  std::map<std::string, std::string> destinations;
  for (auto& spec : specs) {
    KW_ASSIGN_OR_RETURN(Template t, CompileTemplate(spec));
    auto [it, fresh] = destinations.emplace(spec.destination, spec.origin);
    if (!fresh) {
      return InvalidArgumentError(spec.origin + ": '" + spec.destination +
                                  "' is also written by the template at " +
                                  it->second);
    }
    std::size_t index = impl->entries.size();
    for (const auto& name : t.secrets()) impl->by_secret[name].push_back(index);
    Impl::Entry e(std::move(spec), std::move(t));
    e.state.destination = e.spec.destination;
    e.state.secrets = e.tmpl.secrets();
    impl->entries.push_back(std::move(e));
  }
  return std::unique_ptr<TemplateRunner>(new TemplateRunner(std::move(impl)));
}

Status TemplateRunner::Start() {
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    if (impl_->started)
      return FailedPreconditionError("TemplateRunner already started");
    impl_->started = true;
    for (auto& e : impl_->entries) e.dirty = true;
  }
  // The listener holds the state, not the runner: a callback the cache has
  // already copied may run after Stop() and must find it alive.
  std::weak_ptr<Impl> weak = impl_;
  impl_->listener_id =
      impl_->cache->AddListener([weak](const SecretChange& change) {
        if (auto impl = weak.lock()) impl->OnChange(change);
      });
  RunPending();
  Status first;
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    for (const auto& e : impl_->entries) {
      if (!e.state.last_error.ok()) {
        first = e.state.last_error;
        break;
      }
    }
  }
  if (impl_->options.background)
    impl_->worker = std::thread([impl = impl_.get()] { impl->Work(); });
  return first;
}

void TemplateRunner::Stop() {
  int id;
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    impl_->stop = true;
    id = impl_->listener_id;
    impl_->listener_id = -1;
  }
  if (id >= 0) impl_->cache->RemoveListener(id);
  impl_->cv.notify_all();
  if (impl_->worker.joinable()) impl_->worker.join();
}

int TemplateRunner::RunPending() {
  std::lock_guard<std::mutex> r(impl_->render_mu);
  int attempted = 0;
  impl_->RenderDue(impl_->TakeDue(), &attempted);
  return attempted;
}

std::vector<TemplateState> TemplateRunner::States() const {
  std::lock_guard<std::mutex> l(impl_->mu);
  std::vector<TemplateState> out;
  for (const auto& e : impl_->entries) out.push_back(e.state);
  return out;
}

}  // namespace keyward::agent
