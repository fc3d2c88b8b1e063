// keyward server's files on a shared host (issue 15 F2, F5): the store, its
// WAL/SHM and the access log are 0600 whatever the umask, and a store
// directory or credentials file another user could write is refused with a
// message naming the path and the fix.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/integration/server_fixture.h"

namespace keyward::testing {
namespace {

unsigned Mode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 01000;  // missing
  return st.st_mode & 0777;
}

TEST(ServerFilesTest, StoreAndLogFilesAre0600) {
  TempDir dir;
  mode_t old = ::umask(022);  // the child inherits it
  auto server = KeywardServer::Start(dir);
  ::umask(old);
  ASSERT_TRUE(server.ok()) << server.status();
  auto client = (*server)->Client();
  secrets::CreateSecretRequest c;
  c.name = "platform-data/postgres/files";
  c.payload.string = SecretValue("v");
  ASSERT_TRUE(client->CreateSecret(c).ok());
  for (const char* f : {"store.db", "store.db-wal", "store.db-shm",
                        "access.log", "store.db.key", "credentials", "env"}) {
    EXPECT_EQ(Mode(dir.File(f)), 0600u) << f;
  }
}

TEST(ServerFilesTest, SharedStoreDirectoryIsRefused) {
  TempDir dir;
  std::string shared = dir.File("shared");
  ASSERT_EQ(::mkdir(shared.c_str(), 0700), 0);
  ::chmod(shared.c_str(), 0777);
  CommandResult r =
      RunCommand({KeywardBinary(), "server", "--store", shared + "/store.db",
                  "--listen", "127.0.0.1:0"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("store directory " + shared), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("chmod 700"), std::string::npos) << r.err;
  EXPECT_EQ(Mode(shared + "/store.db"), 01000u);  // nothing was created
  if (::geteuid() == 0) {
    ::chmod(shared.c_str(), 0700);
    ASSERT_EQ(::chown(shared.c_str(), 65534, 65534), 0);
    r = RunCommand({KeywardBinary(), "server", "--store", shared + "/store.db",
                    "--listen", "127.0.0.1:0"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("owned by uid 65534"), std::string::npos) << r.err;
  }
}

TEST(ServerFilesTest, GroupWritableCredentialsFileIsRefused) {
  TempDir dir;
  dir.Write("creds",
            "[a]\naws_access_key_id = AKIDEXAMPLE\n"
            "aws_secret_access_key = s3cr3t\n",
            0600);
  ::chmod(dir.File("creds").c_str(), 0664);
  CommandResult r = RunCommand({KeywardBinary(), "server", "--store",
                                dir.File("store.db"), "--listen", "127.0.0.1:0",
                                "--credentials", dir.File("creds")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("credentials file " + dir.File("creds")),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("chmod 600"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace keyward::testing
