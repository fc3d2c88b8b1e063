// sd_notify's datagram protocol (see sd_notify.h and sd_notify(3)).
#include "core/sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

namespace keyward {

Status SdNotifyTo(std::string_view notify_socket, std::string_view state) {
  if (notify_socket.empty()) return OkStatus();
  std::string name(notify_socket);
  if (name.front() != '/' && name.front() != '@') {
    return InvalidArgumentError("NOTIFY_SOCKET " + name +
                                ": not an absolute path or @abstract name");
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (name.size() > sizeof(addr.sun_path) - 1) {
    return InvalidArgumentError("NOTIFY_SOCKET " + name + ": name too long");
  }
  std::memcpy(addr.sun_path, name.data(), name.size());
  socklen_t len = offsetof(sockaddr_un, sun_path) + name.size();
  if (name.front() == '@') {
    addr.sun_path[0] = '\0';  // abstract namespace: no terminating NUL
  } else {
    len += 1;
  }
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return UnavailableError(std::string("sd_notify: socket: ") +
                            std::strerror(errno));
  }
  ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                          reinterpret_cast<const sockaddr*>(&addr), len);
  int err = errno;
  ::close(fd);
  if (sent != static_cast<ssize_t>(state.size())) {
    return UnavailableError("sd_notify: cannot send to " + name + ": " +
                            std::strerror(sent < 0 ? err : EMSGSIZE));
  }
  return OkStatus();
}

Status SdNotify(const Environment& env, std::string_view state) {
  std::optional<std::string> socket = env.Get("NOTIFY_SOCKET");
  return SdNotifyTo(socket.value_or(""), state);
}

}  // namespace keyward
