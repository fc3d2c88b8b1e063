#include "cli/prompt.h"

#include <fcntl.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace keyward::cli {
namespace {

// The settings to restore if a signal arrives while echo is off. Written
// before the handler is installed, read only by the handler.
int g_echo_fd = -1;
struct termios g_saved_termios;
struct sigaction g_old_actions[4];
constexpr int kSignals[4] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

void RestoreAndReraise(int sig) {
  if (g_echo_fd >= 0) {
    tcsetattr(g_echo_fd, TCSAFLUSH, &g_saved_termios);
    const char nl = '\n';
    (void)!write(g_echo_fd, &nl, 1);
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

// Turns echo off for its lifetime; restores the terminal on every exit path.
class EchoOff {
 public:
  explicit EchoOff(int fd) : fd_(fd) {
    if (tcgetattr(fd_, &saved_) != 0) return;
    struct termios t = saved_;
    t.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHOE | ECHOK | ECHONL);
    t.c_lflag |= ICANON;
    g_saved_termios = saved_;
    g_echo_fd = fd_;
    struct sigaction sa {};
    sa.sa_handler = RestoreAndReraise;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 4; ++i) sigaction(kSignals[i], &sa, &g_old_actions[i]);
    active_ = tcsetattr(fd_, TCSAFLUSH, &t) == 0;
  }
  ~EchoOff() {
    if (g_echo_fd < 0) return;
    tcsetattr(fd_, TCSANOW, &saved_);
    for (int i = 0; i < 4; ++i)
      sigaction(kSignals[i], &g_old_actions[i], nullptr);
    g_echo_fd = -1;
  }
  bool active() const { return active_; }

 private:
  int fd_;
  struct termios saved_ {};
  bool active_ = false;
};

}  // namespace

StatusOr<std::unique_ptr<Terminal>> Terminal::Open() {
  int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    return InvalidArgumentError("no terminal to prompt on (/dev/tty: " +
                                std::string(std::strerror(errno)) + ")");
  }
  return std::unique_ptr<Terminal>(new Terminal(fd));
}

Terminal::~Terminal() { ::close(fd_); }

void Terminal::Write(std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd_, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

StatusOr<SecureString> Terminal::ReadRaw() {
  SecureString line;
  line.reserve(256);
  for (;;) {
    char c;
    ssize_t n = ::read(fd_, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (line.empty())
        return InvalidArgumentError("input ended before a value was entered");
      break;
    }
    if (c == '\n') break;
    line.push_back(c);
    SecureWipe(&c, 1);
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

StatusOr<SecureString> Terminal::ReadHidden(std::string_view prompt) {
  StatusOr<SecureString> line = [&] {
    // Echo goes off before the prompt appears, so nothing typed in answer
    // to it is ever echoed (pending typeahead is discarded).
    EchoOff guard(fd_);
    Write(prompt);
    return ReadRaw();
  }();
  Write("\n");  // the user's Enter was not echoed
  return line;
}

StatusOr<std::string> Terminal::ReadLine(std::string_view prompt) {
  Write(prompt);
  KW_ASSIGN_OR_RETURN(SecureString line, ReadRaw());
  return std::string(line.data(), line.size());
}

bool StdinIsTerminal() { return ::isatty(STDIN_FILENO) == 1; }

StatusOr<bool> Confirm(std::string_view question, std::string_view expected) {
  auto tty = Terminal::Open();
  if (!tty.ok()) {
    return InvalidArgumentError(tty.status().message() +
                                "; confirm non-interactively with --yes");
  }
  std::string q(question);
  q += expected.empty() ? " [y/N] "
                        : " Type '" + std::string(expected) + "' to confirm: ";
  auto answer = (*tty)->ReadLine(q);
  if (!answer.ok()) return false;
  if (!expected.empty()) return *answer == expected;
  return *answer == "y" || *answer == "Y" || *answer == "yes" ||
         *answer == "YES";
}

}  // namespace keyward::cli
