// keyward server's durability and integrity: kill -9 during a stream of
// PutSecretValue calls loses no acknowledged version; tampered or swapped
// rows are reported, never served.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <thread>

#include "tests/integration/server_fixture.h"

namespace keyward::testing {
namespace {

secrets::SecretPayload Str(std::string_view v) {
  secrets::SecretPayload p;
  p.string = SecretValue(v);
  return p;
}

std::string Sql(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(db_path.c_str(), &db);
  std::string out;
  char* err = nullptr;
  sqlite3_exec(
      db, sql.c_str(),
      [](void* o, int n, char** cols, char**) {
        for (int i = 0; i < n; ++i)
          *static_cast<std::string*>(o) += cols[i] ? cols[i] : "";
        return 0;
      },
      &out, &err);
  if (err) {
    out = std::string("ERROR ") + err;
    sqlite3_free(err);
  }
  sqlite3_close(db);
  return out;
}

TEST(ServerDurabilityTest, KillNineLosesNoAcknowledgedVersion) {
  TempDir dir;
  std::vector<std::pair<std::string, std::string>> acked;  // version id, value
  {
    auto server = KeywardServer::Start(dir);
    ASSERT_TRUE(server.ok()) << server.status();
    auto client = (*server)->Client(std::nullopt, 1);
    secrets::CreateSecretRequest c;
    c.name = "platform-data/postgres/crash";
    ASSERT_TRUE(client->CreateSecret(c).ok());
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::vector<std::thread> writers;
    for (int w = 0; w < 2; ++w) {
      writers.emplace_back([&, w] {
        auto cl = (*server)->Client(std::nullopt, 1);
        for (int i = 0; !stop; ++i) {
          secrets::PutSecretValueRequest put;
          put.secret_id = "platform-data/postgres/crash";
          std::string value =
              "value-" + std::to_string(w) + "-" + std::to_string(i);
          put.payload = Str(value);
          auto r = cl->PutSecretValue(put);
          if (!r.ok()) break;  // the server died mid-request: not acknowledged
          std::lock_guard<std::mutex> l(mu);
          acked.emplace_back(r->version_id, value);
        }
      });
    }
    for (int i = 0; i < 2000; ++i) {
      {
        std::lock_guard<std::mutex> l(mu);
        if (acked.size() >= 60) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    (*server)->process().Kill(SIGKILL);
    stop = true;
    for (auto& t : writers) t.join();
  }
  ASSERT_GE(acked.size(), 60u);
  EXPECT_EQ(Sql(dir.File("store.db"), "PRAGMA integrity_check"), "ok");
  auto server = KeywardServer::Start(dir);
  ASSERT_TRUE(server.ok()) << server.status();
  auto client = (*server)->Client();
  // The 100 newest versions are kept (AWS keeps at most ~100); check those.
  std::size_t first = acked.size() > 90 ? acked.size() - 90 : 0;
  for (std::size_t i = first; i < acked.size(); ++i) {
    secrets::GetSecretValueRequest get{"platform-data/postgres/crash",
                                       acked[i].first, ""};
    auto got = client->GetSecretValue(get);
    ASSERT_TRUE(got.ok()) << "version " << acked[i].first << ": "
                          << got.status();
    EXPECT_TRUE(got->payload.string->Reveal() == acked[i].second)
        << "version " << i;
  }
}

TEST(ServerDurabilityTest, TamperedOrSwappedRowsAreReportedNotServed) {
  TempDir dir;
  {
    auto server = KeywardServer::Start(dir);
    ASSERT_TRUE(server.ok()) << server.status();
    auto client = (*server)->Client();
    for (const char* name : {"platform-data/a/one", "platform-data/b/two",
                             "platform-data/c/three"}) {
      secrets::CreateSecretRequest c;
      c.name = name;
      c.payload = Str(std::string("value of ") + name);
      ASSERT_TRUE(client->CreateSecret(c).ok());
    }
    (*server)->process().Kill(SIGTERM);
  }
  std::string db = dir.File("store.db");
  // Swap the ciphertexts of one and two; flip a byte of three.
  ASSERT_EQ(
      Sql(db,
          "CREATE TEMP TABLE t AS SELECT arn, value FROM versions;"
          "UPDATE versions SET value = (SELECT value FROM t WHERE t.arn LIKE "
          "'%platform-data/b/two%') WHERE arn LIKE '%platform-data/a/one%';"
          "UPDATE versions SET value = (SELECT value FROM t WHERE t.arn LIKE "
          "'%platform-data/a/one%') WHERE arn LIKE '%platform-data/b/two%';"
          // Byte 21 becomes 0x00, or 0x01 when it already was 0x00 (a
          // plain "set to 0x00" left the row intact 1 time in 256).
          "UPDATE versions SET value = CAST(substr(value, 1, 20) || "
          "(CASE WHEN substr(value, 21, 1) = X'00' THEN X'01' ELSE X'00' END)"
          " || substr(value, 22) AS BLOB) WHERE arn LIKE "
          "'%platform-data/c/three%';"),
      "");
  auto server = KeywardServer::Start(dir);
  ASSERT_TRUE(server.ok()) << server.status();
  auto client = (*server)->Client(std::nullopt, 1);
  for (const char* name : {"platform-data/a/one", "platform-data/b/two",
                           "platform-data/c/three"}) {
    auto got = client->GetSecretValue({name, "", ""});
    EXPECT_FALSE(got.ok()) << name << " was served";
    EXPECT_EQ(got.status().error_type(), "InternalServiceError") << name;
  }
  (*server)->process().Kill(SIGTERM);
  std::string log = Slurp(dir.File("server.log"));
  EXPECT_NE(log.find("INTEGRITY FAILURE"), std::string::npos) << log;
  EXPECT_NE(log.find("platform-data/c/three"), std::string::npos);
}

// Issue 15 F5: swapping the stage labels of two versions in the database
// would silently roll the current value back; the labels are associated
// data, so the swapped rows fail authentication instead.
TEST(ServerDurabilityTest, SwappedStageLabelsAreReportedNotServed) {
  TempDir dir;
  {
    auto server = KeywardServer::Start(dir);
    ASSERT_TRUE(server.ok()) << server.status();
    auto client = (*server)->Client();
    secrets::CreateSecretRequest c;
    c.name = "platform-data/a/labels";
    c.payload = Str("old value");
    ASSERT_TRUE(client->CreateSecret(c).ok());
    secrets::PutSecretValueRequest put;
    put.secret_id = c.name;
    put.payload = Str("new value");
    ASSERT_TRUE(client->PutSecretValue(put).ok());
    (*server)->process().Kill(SIGTERM);
  }
  std::string db = dir.File("store.db");
  ASSERT_EQ(Sql(db,
                "CREATE TEMP TABLE t AS SELECT version_id, doc FROM versions;"
                "UPDATE versions SET doc = (SELECT doc FROM t WHERE "
                "t.version_id <> versions.version_id);"),
            "");
  auto server = KeywardServer::Start(dir);
  ASSERT_TRUE(server.ok()) << server.status();
  auto client = (*server)->Client(std::nullopt, 1);
  for (const char* stage : {"AWSCURRENT", "AWSPREVIOUS"}) {
    auto got = client->GetSecretValue({"platform-data/a/labels", "", stage});
    EXPECT_FALSE(got.ok()) << stage << " was served";
    EXPECT_EQ(got.status().error_type(), "InternalServiceError") << stage;
  }
  (*server)->process().Kill(SIGTERM);
  EXPECT_NE(Slurp(dir.File("server.log")).find("INTEGRITY FAILURE"),
            std::string::npos);
}

TEST(ServerDurabilityTest, WrongKeyFileIsRefusedAtStart) {
  TempDir dir;
  {
    auto server = KeywardServer::Start(dir);
    ASSERT_TRUE(server.ok()) << server.status();
    (*server)->process().Kill(SIGTERM);
  }
  dir.Write("other.key", std::string(64, 'a'));
  CommandResult r = RunCommand({KeywardBinary(), "server", "--store",
                                dir.File("store.db"), "--listen", "127.0.0.1:0",
                                "--key-file", dir.File("other.key")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("key file does not match"), std::string::npos) << r.err;
  ::chmod(dir.File("other.key").c_str(), 0644);
  r = RunCommand({KeywardBinary(), "server", "--store", dir.File("store.db"),
                  "--listen", "127.0.0.1:0", "--key-file",
                  dir.File("other.key")});
  EXPECT_NE(r.err.find("chmod 600"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace keyward::testing
