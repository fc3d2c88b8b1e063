#include "core/sd_notify.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "tests/testing/fakes.h"
#include "tests/testing/notify_socket.h"
#include "tests/testing/peers.h"

namespace keyward {
namespace {

using testing::NotifySocket;

TEST(SdNotify, SendsToAPathSocket) {
  testing::TempDir dir;
  NotifySocket systemd(dir.File("notify"));
  ASSERT_TRUE(systemd.bound());
  testing::FakeEnvironment env{{"NOTIFY_SOCKET", dir.File("notify")}};
  ASSERT_TRUE(SdNotify(env, "READY=1").ok());
  EXPECT_EQ(systemd.Receive(), "READY=1");
  ASSERT_TRUE(SdNotify(env, "STOPPING=1\nSTATUS=bye").ok());
  EXPECT_EQ(systemd.Receive(), "STOPPING=1\nSTATUS=bye");
}

TEST(SdNotify, SendsToAnAbstractSocket) {
  std::string name = "@keyward-sd-notify-test-" + std::to_string(::getpid());
  NotifySocket systemd(name);
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
