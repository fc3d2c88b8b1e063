#include "core/sd_notify.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <string>

#include "tests/testing/fakes.h"
#include "tests/testing/peers.h"

namespace keyward {
namespace {

// A datagram socket standing in for systemd's notification socket.
class Receiver {
 public:
  // `name`: a path, or "@name" for the abstract namespace.
  explicit Receiver(const std::string& name) {
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
  ~Receiver() { ::close(fd_); }
  bool bound() const { return bound_; }
  std::string Receive() {
    char buf[512];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    return n < 0 ? "<nothing>" : std::string(buf, n);
  }

 private:
  int fd_ = -1;
  bool bound_ = false;
};

TEST(SdNotify, SendsToAPathSocket) {
  testing::TempDir dir;
  Receiver systemd(dir.File("notify"));
  ASSERT_TRUE(systemd.bound());
  testing::FakeEnvironment env{{"NOTIFY_SOCKET", dir.File("notify")}};
  ASSERT_TRUE(SdNotify(env, "READY=1").ok());
  EXPECT_EQ(systemd.Receive(), "READY=1");
  ASSERT_TRUE(SdNotify(env, "STOPPING=1\nSTATUS=bye").ok());
  EXPECT_EQ(systemd.Receive(), "STOPPING=1\nSTATUS=bye");
}

TEST(SdNotify, SendsToAnAbstractSocket) {
  std::string name = "@keyward-sd-notify-test-" + std::to_string(::getpid());
  Receiver systemd(name);
  ASSERT_TRUE(systemd.bound());
  ASSERT_TRUE(SdNotifyTo(name, "READY=1").ok());
  EXPECT_EQ(systemd.Receive(), "READY=1");
}

TEST(SdNotify, IsANoOpOutsideSystemd) {
  testing::FakeEnvironment env;
  EXPECT_TRUE(SdNotify(env, "READY=1").ok());
  env.Set("NOTIFY_SOCKET", "");
  EXPECT_TRUE(SdNotify(env, "READY=1").ok());
}

TEST(SdNotify, RefusesRelativeAndOverlongNames) {
  EXPECT_EQ(SdNotifyTo("run/notify", "READY=1").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SdNotifyTo("/" + std::string(200, 'x'), "READY=1").code(),
            StatusCode::kInvalidArgument);
}

TEST(SdNotify, ReportsAnAbsentSocket) {
  testing::TempDir dir;
  Status s = SdNotifyTo(dir.File("absent"), "READY=1");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find(dir.File("absent")), std::string::npos);
}

}  // namespace
}  // namespace keyward
