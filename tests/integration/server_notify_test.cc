// keyward server under systemd's Type=notify protocol: READY=1 once the store
// is open and the port bound, STOPPING=1 on SIGTERM (packaging/systemd/).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "tests/testing/notify_socket.h"
#include "tests/testing/peers.h"

namespace keyward::testing {
namespace {

TEST(ServerNotifyTest, ReadyAfterBindAndStoppingOnSigterm) {
  TempDir dir;
  NotifySocket systemd(dir.File("notify"));
  ASSERT_TRUE(systemd.bound());
  auto server = Subprocess::Start(
      {KeywardBinary(), "server", "--store", dir.File("store.db"), "--listen",
       "127.0.0.1:0", "--access-log", "off"},
      {{"NOTIFY_SOCKET", dir.File("notify")}}, dir.File("server.log"));
  ASSERT_TRUE(server.ok()) << server.status();
  std::string ready = systemd.Receive(20000);
  EXPECT_EQ(ready.rfind("READY=1\nSTATUS=listening on http://127.0.0.1:", 0),
            0u)
      << ready;
  int status = (*server)->Kill(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(systemd.Receive(5000), "STOPPING=1");
}

TEST(ServerNotifyTest, RunsNormallyWithoutSystemd) {
  TempDir dir;
  auto server = Subprocess::Start(
      {KeywardBinary(), "server", "--store", dir.File("store.db"), "--listen",
       "127.0.0.1:0", "--env-file", dir.File("env"), "--access-log", "off"},
      {{"NOTIFY_SOCKET", "\x01unset"}}, dir.File("server.log"));
  ASSERT_TRUE(server.ok()) << server.status();
  for (int i = 0; i < 2000 && !std::ifstream(dir.File("env")).good(); ++i)
    usleep(10000);
  EXPECT_TRUE(std::ifstream(dir.File("env")).good());
  int status = (*server)->Kill(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

}  // namespace
}  // namespace keyward::testing
