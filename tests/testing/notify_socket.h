// A datagram socket standing in for systemd's notification socket
// ($NOTIFY_SOCKET), for tests of sd_notify and of the daemons that call it.
#ifndef KEYWARD_TESTS_TESTING_NOTIFY_SOCKET_H_
#define KEYWARD_TESTS_TESTING_NOTIFY_SOCKET_H_

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <string>

namespace keyward::testing {

class NotifySocket {
 public:
  // `name`: a path, or "@name" for the abstract namespace.
  explicit NotifySocket(const std::string& name) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, name.data(), name.size());
    socklen_t len = offsetof(sockaddr_un, sun_path) + name.size();
    if (name[0] == '@') {
      addr.sun_path[0] = '\0';
    } else {
      len += 1;
    }
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0;
  }
  ~NotifySocket() { ::close(fd_); }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  bool bound() const { return bound_; }
  // The next datagram, or "<nothing>" after `timeout_ms`.
  std::string Receive(int timeout_ms = 0) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return "<nothing>";
    char buf[512];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    return n < 0 ? "<nothing>" : std::string(buf, n);
  }

 private:
  int fd_ = -1;
  bool bound_ = false;
};

}  // namespace keyward::testing

#endif  // KEYWARD_TESTS_TESTING_NOTIFY_SOCKET_H_
