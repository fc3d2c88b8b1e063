// The real ProcessRunner (posix_spawnp + poll), RunProcessWithIo and
// ShellSplit.
#include "keyward/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace keyward {
namespace {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int* ptr() { return &fd_; }

 private:
  int fd_ = -1;
};

Status Errno(std::string_view what) {
  return InternalError(std::string(what) + ": " + std::strerror(errno));
}

// Owns the spawn attribute objects.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  // Own process group, so a timeout kills the helper's children too; default
  // signal handling and an empty mask whatever the parent set up.
  void OwnGroupDefaultSignals() {
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
                                        POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETSIGDEF);
  }
};

// A pipe holding `data` (filled before the child runs: at most 64 KiB, a
// pipe's buffer, so the write never blocks), its write end closed; the read
// end goes to `read_end`.
Status StdinPipe(const std::string& data, Fd& read_end) {
  if (data.size() > 64 * 1024)
    return InvalidArgumentError("stdin data over 64 KiB");
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return Errno("pipe");
  *read_end.ptr() = p[0];
  Fd write_end(p[1]);
  if (!data.empty() && ::write(write_end.get(), data.data(), data.size()) !=
                           static_cast<ssize_t>(data.size())) {
    return Errno("write stdin");
  }
  return OkStatus();
}

class RealProcessRunner : public ProcessRunner {
 public:
  StatusOr<ProcessResult> Run(const ProcessRequest& request) override {
    return Spawn(request, nullptr);
  }
  // `io` null: stdin from /dev/null and the parent's environment.
  static StatusOr<ProcessResult> Spawn(const ProcessRequest& request,
                                       const ProcessIo* io);

 private:
  static Status Pump(int out_fd, int err_fd, pid_t pid,
                     const ProcessRequest& request, ProcessResult& result);
};

Status RealProcessRunner::Pump(int out_fd, int err_fd, pid_t pid,
                               const ProcessRequest& request,
                               ProcessResult& result) {
  auto deadline = std::chrono::steady_clock::now() + request.timeout;
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(-pid, SIGKILL);
      return DeadlineExceededError("did not finish within " +
                                   std::to_string(request.timeout.count()) +
                                   " ms");
    }
    int n = ::poll(fds, 2,
                   static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (n < 0 && errno != EINTR) return Errno("poll");
    for (int i = 0; i < 2 && n > 0; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t r = ::read(fds[i].fd, buf, sizeof(buf));
      if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (r <= 0) {
        fds[i].fd = -1;
        --open_fds;
        continue;
      }
      if (i == 0) {
        if (result.out.size() + static_cast<std::size_t>(r) >
            request.max_stdout_bytes) {
          ::kill(-pid, SIGKILL);
          SecureWipe(buf, sizeof(buf));
          return ResourceExhaustedError(
              "wrote more than " + std::to_string(request.max_stdout_bytes) +
              " bytes to stdout");
        }
        result.out.append(buf, static_cast<std::size_t>(r));
      } else {
        result.err.append(buf, static_cast<std::size_t>(r));
        if (result.err.size() > 16 * 1024)
          result.err.erase(0, result.err.size() - 16 * 1024);
      }
    }
  }
  SecureWipe(buf, sizeof(buf));
  return OkStatus();
}

StatusOr<ProcessResult> RealProcessRunner::Spawn(const ProcessRequest& request,
                                                 const ProcessIo* io) {
  if (request.argv.empty() || request.argv[0].empty()) {
    return InvalidArgumentError("empty command");
  }
  Fd out_r, out_w, err_r, err_w;
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return Errno("pipe");
  *out_r.ptr() = p[0];
  *out_w.ptr() = p[1];
  if (::pipe2(p, O_CLOEXEC) != 0) return Errno("pipe");
  *err_r.ptr() = p[0];
  *err_w.ptr() = p[1];

  Fd in_r;
  if (io) KW_RETURN_IF_ERROR(StdinPipe(io->stdin_data, in_r));
  SpawnSetup s;
  if (io) {
    posix_spawn_file_actions_adddup2(&s.actions, in_r.get(), 0);
  } else {
    posix_spawn_file_actions_addopen(&s.actions, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&s.actions, out_w.get(), 1);
  posix_spawn_file_actions_adddup2(&s.actions, err_w.get(), 2);
  s.OwnGroupDefaultSignals();
  std::vector<char*> argv;
  for (const std::string& a : request.argv)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  if (io) {
    for (const std::string& e : io->env)
      envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
  }
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, argv[0], &s.actions, &s.attr, argv.data(),
                          io ? envp.data() : environ);
  if (rc != 0) {
    if (rc == ENOENT || rc == EACCES || rc == ENOEXEC || rc == ENOTDIR) {
      return NotFoundError("cannot run '" + request.argv[0] +
                           "': " + std::strerror(rc));
    }
    return InternalError("cannot start '" + request.argv[0] +
                         "': " + std::strerror(rc));
  }
  out_w.Close();
  err_w.Close();
  in_r.Close();
  ProcessResult result;
  Status pumped = Pump(out_r.get(), err_r.get(), pid, request, result);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (!pumped.ok()) return pumped;
  if (WIFEXITED(wstatus)) result.exit_code = WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) result.term_signal = WTERMSIG(wstatus);
  return result;
}

}  // namespace

StatusOr<ProcessResult> RunProcessWithIo(const ProcessRequest& request,
                                         const ProcessIo& io) {
  return RealProcessRunner::Spawn(request, &io);
}

ProcessRunner& ProcessRunner::Real() {
  static RealProcessRunner* runner = new RealProcessRunner();
  return *runner;
}

StatusOr<std::vector<std::string>> ShellSplit(std::string_view command) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < command.size(); ++i) {
    char c = command[i];
    if (quote == '\'') {
      if (c == '\'') {
        quote = 0;
      } else {
        word += c;
      }
    } else if (quote == '"') {
      if (c == '"') {
        quote = 0;
      } else if (c == '\\' && i + 1 < command.size() &&
                 (command[i + 1] == '"' || command[i + 1] == '\\')) {
        word += command[++i];
      } else if (c == '\\' && i + 1 >= command.size()) {
        return InvalidArgumentError("the command has an unclosed \" quote");
      } else {
        word += c;
      }
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\') {
      if (i + 1 >= command.size()) {
        return InvalidArgumentError("the command ends with a lone backslash");
      }
      word += command[++i];
      in_word = true;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote != 0) {
    return InvalidArgumentError(std::string("the command has an unclosed ") +
                                quote + " quote");
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

}  // namespace keyward
