#include "keyward/server/store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "secrets/json_codec.h"

namespace keyward::server {
namespace {

using Json = nlohmann::json;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS secrets(
  arn TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  doc TEXT NOT NULL,
  region TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS versions(
  arn TEXT NOT NULL,
  version_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  doc TEXT NOT NULL,
  value BLOB NOT NULL,
  PRIMARY KEY(arn, version_id));
)sql";

// A prepared statement finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(s_); }
  bool ok() const { return rc_ == SQLITE_OK; }
  void Text(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
  }
  void Blob(int i, const std::string& v) {
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
  }
  void Int(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }
  int Step() { return sqlite3_step(s_); }
  std::string Col(int i) {
    const void* p = sqlite3_column_blob(s_, i);
    int n = sqlite3_column_bytes(s_, i);
    return p == nullptr ? std::string()
                        : std::string(static_cast<const char*>(p), n);
  }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_;
};

// The region field of an ARN ("arn:aws:secretsmanager:REGION:...").
std::string ArnRegion(const std::string& arn) {
  std::size_t a = 0;
  for (int i = 0; i < 3 && a != std::string::npos; ++i)
    a = arn.find(':', a + (i ? 1 : 0));
  if (a == std::string::npos) return "";
  std::size_t b = arn.find(':', a + 1);
  return b == std::string::npos ? "" : arn.substr(a + 1, b - a - 1);
}

Status SqlError(sqlite3* db, const std::string& what) {
  return InternalError("store: " + what + ": " + sqlite3_errmsg(db));
}

Json SecretDoc(const StoredSecret& s) {
  Json tags = Json::array();
  for (const auto& t : s.tags) tags.push_back({t.key, t.value});
  Json doc = {{"description", s.description},
              {"kms_key_id", s.kms_key_id},
              {"created", s.created},
              {"last_changed", s.last_changed},
              {"last_accessed", s.last_accessed},
              {"deleted", s.deleted},
              {"deletion_requested", s.deletion_requested},
              {"tags", tags}};
  if (!s.resource_policy.empty()) doc["resource_policy"] = s.resource_policy;
  return doc;
}

// Rotation settings ride in the secret's document under "rotation" (absent
// before rotation existed, or never configured).
void AddRotationDoc(const StoredSecret& s, Json& doc) {
  const StoredRotation& r = s.rotation;
  if (!r.configured) return;
  doc["rotation"] = {{"enabled", r.enabled},   {"lambda", r.lambda_arn},
                     {"days", r.after_days},   {"schedule", r.schedule},
                     {"duration", r.duration}, {"next", r.next},
                     {"last", r.last_rotated}};
}

void AddReplicationDoc(const StoredSecret& s, Json& doc) {
  if (s.primary_region.empty() && s.replicas.empty()) return;
  Json replicas = Json::array();
  for (const auto& r : s.replicas)
    replicas.push_back({r.region, r.kms_key_id, r.status, r.message});
  doc["replication"] = {{"primary", s.primary_region}, {"replicas", replicas}};
}

void ParseReplicationDoc(const Json& j, StoredSecret& s) {
  auto it = j.find("replication");
  if (it == j.end()) return;
  s.primary_region = it->at("primary").get<std::string>();
  for (const auto& r : it->at("replicas")) {
    s.replicas.push_back(
        {r.at(0).get<std::string>(), r.at(1).get<std::string>(),
         r.at(2).get<std::string>(), r.at(3).get<std::string>()});
  }
}

Json FullSecretDoc(const StoredSecret& s) {
  Json doc = SecretDoc(s);
  AddRotationDoc(s, doc);
  AddReplicationDoc(s, doc);
  return doc;
}

void ParseRotationDoc(const Json& j, StoredSecret& s) {
  auto it = j.find("rotation");
  if (it == j.end()) return;
  StoredRotation& r = s.rotation;
  r.configured = true;
  r.enabled = it->at("enabled").get<bool>();
  r.lambda_arn = it->at("lambda").get<std::string>();
  r.after_days = it->at("days").get<std::int64_t>();
  r.schedule = it->at("schedule").get<std::string>();
  r.duration = it->at("duration").get<std::string>();
  r.next = it->at("next").get<double>();
  r.last_rotated = it->at("last").get<double>();
}

Json VersionDoc(const StoredVersion& v) {
  Json doc{{"stages", v.stages},
           {"created", v.created},
           {"last_accessed", v.last_accessed},
           {"binary", v.binary}};
  if (!v.has_value) doc["no_value"] = true;
  return doc;
}

// Parses `text` and runs `fill` over it; false when malformed. Through the
// shared, depth-bounded parser (the database file is ours, but a corrupted
// or planted one must not crash the server); json's throws are caught.
template <class Fill>
bool ParseDoc(const std::string& text, Fill fill) {
  std::optional<Json> parsed = secrets::ParseJson(text);
  if (!parsed) return false;
  try {
    fill(*parsed);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

bool ParseSecretDoc(const std::string& text, StoredSecret& s) {
  return ParseDoc(text, [&s](const Json& j) {
    s.description = j.at("description").get<std::string>();
    s.kms_key_id = j.at("kms_key_id").get<std::string>();
    s.created = j.at("created").get<double>();
    s.last_changed = j.at("last_changed").get<double>();
    s.last_accessed = j.at("last_accessed").get<double>();
    s.deleted = j.at("deleted").get<double>();
    s.deletion_requested = j.value("deletion_requested", 0.0);
    s.resource_policy = j.value("resource_policy", std::string());
    for (const auto& t : j.at("tags")) {
      s.tags.push_back(
          {t.at(0).get<std::string>(), t.at(1).get<std::string>()});
    }
    ParseRotationDoc(j, s);
    ParseReplicationDoc(j, s);
  });
}

bool ParseVersionDoc(const std::string& text, StoredVersion& v) {
  return ParseDoc(text, [&v](const Json& j) {
    v.stages = j.at("stages").get<std::vector<std::string>>();
    v.created = j.at("created").get<double>();
    v.last_accessed = j.at("last_accessed").get<double>();
    v.binary = j.at("binary").get<bool>();
    v.has_value = !j.value("no_value", false);
  });
}

// The secret's row (its metadata doc); false when the statement failed.
bool WriteSecretRow(sqlite3* db, const StoredSecret& s) {
  Stmt up(db,
          "INSERT OR REPLACE INTO secrets(arn, name, doc, region) VALUES(?, ?, "
          "?, ?)");
  up.Text(1, s.arn);
  up.Text(2, s.name);
  up.Text(3, FullSecretDoc(s).dump());
  up.Text(4, s.region.empty() ? ArnRegion(s.arn) : s.region);
  return up.ok() && up.Step() == SQLITE_DONE;
}

}  // namespace

Status CheckPrivate(const std::string& path, PathKind kind) {
  struct stat st {};
  bool dir = kind == PathKind::kDirectory;
  if ((dir ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st)) != 0) {
    if (errno == ENOENT) return OkStatus();
    return InternalError("cannot stat " + path + ": " + std::strerror(errno));
  }
  const char* what = dir ? "store directory" : "credentials file";
  if (S_ISLNK(st.st_mode)) {
    return FailedPreconditionError(std::string(what) + " " + path +
                                   " is a symbolic link: use the real path");
  }
  // root may own it (e.g. /etc/keyward/credentials root:keyward 0640): root
  // can read everything anyway.
  if (st.st_uid != ::geteuid() && st.st_uid != 0) {
    return FailedPreconditionError(
        std::string(what) + " " + path + " is owned by uid " +
        std::to_string(st.st_uid) + ", not by this user (uid " +
        std::to_string(::geteuid()) +
        "): another user could read or replace what keyward server keeps "
        "there; choose a path you own (e.g. under $HOME)");
  }
  if ((st.st_mode & 022) != 0 && dir) {
    return FailedPreconditionError(
        "store directory " + path +
        " is writable by group or others, who could plant or replace files "
        "in it: put the store in a directory only you can write (a missing "
        "one is created with mode 0700), or run chmod 700 " +
        path);
  }
  if ((st.st_mode & 022) != 0) {
    return FailedPreconditionError("credentials file " + path +
                                   " is writable by group or others: run "
                                   "chmod 600 " +
                                   path);
  }
  return OkStatus();
}

Status CreatePrivateFile(const std::string& path) {
  int fd =
      ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return InternalError("store: cannot open " + path + ": " +
                         std::strerror(errno));
  }
  // An existing file created 0644 by an older version is tightened too.
  struct stat st {};
  bool ok = ::fstat(fd, &st) == 0 &&
            (st.st_uid != ::geteuid() || (st.st_mode & 077) == 0 ||
             ::fchmod(fd, 0600) == 0);
  ::close(fd);
  if (!ok) return InternalError("store: cannot make " + path + " mode 0600");
  return OkStatus();
}

StatusOr<std::unique_ptr<SecretStore>> SecretStore::Open(
    const std::string& path) {
  if (path != ":memory:") KW_RETURN_IF_ERROR(CreatePrivateFile(path));
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
      nullptr);
  if (rc != SQLITE_OK) {
    Status s = InternalError("store: cannot open " + path + ": " +
                             (db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<SecretStore> store(new SecretStore(db));
  sqlite3_busy_timeout(db, 5000);
  if (path != ":memory:")
    KW_RETURN_IF_ERROR(store->Exec("PRAGMA journal_mode=WAL"));
  KW_RETURN_IF_ERROR(store->Exec("PRAGMA synchronous=FULL"));
  KW_RETURN_IF_ERROR(store->Exec(kSchema));
  KW_RETURN_IF_ERROR(store->AddRegionColumn());
  return store;
}

SecretStore::~SecretStore() { sqlite3_close(db_); }

// Stores from before regions had no `region` column: it is added and filled
// from each secret's ARN (the region the server served then), in one
// transaction.
Status SecretStore::AddRegionColumn() {
  bool has = false;
  {
    Stmt q(db_, "PRAGMA table_info(secrets)");
    if (!q.ok()) return SqlError(db_, "read schema");
    while (q.Step() == SQLITE_ROW) has |= q.Col(1) == "region";
  }
  if (has) return OkStatus();
  KW_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto fail = [this](const std::string& what) {
    Status s = SqlError(db_, what);
    Exec("ROLLBACK").IgnoreError();
    return s;
  };
  if (sqlite3_exec(db_,
                   "ALTER TABLE secrets ADD COLUMN region TEXT NOT NULL "
                   "DEFAULT ''",
                   nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail("add region column");
  }
  std::vector<std::string> arns;
  {
    Stmt q(db_, "SELECT arn FROM secrets");
    while (q.ok() && q.Step() == SQLITE_ROW) arns.push_back(q.Col(0));
  }
  for (const auto& arn : arns) {
    Stmt u(db_, "UPDATE secrets SET region = ? WHERE arn = ?");
    u.Text(1, ArnRegion(arn));
    u.Text(2, arn);
    if (!u.ok() || u.Step() != SQLITE_DONE) return fail("fill region column");
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
    return fail("commit");
  return OkStatus();
}

Status SecretStore::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return InternalError(std::string("store: ") + msg);
  }
  return OkStatus();
}

StatusOr<std::vector<StoredSecret>> SecretStore::LoadAll() {
  std::vector<StoredSecret> out;
  Stmt q(db_, "SELECT arn, name, doc, region FROM secrets ORDER BY rowid");
  if (!q.ok()) return SqlError(db_, "load secrets");
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    StoredSecret s;
    s.arn = q.Col(0);
    s.name = q.Col(1);
    s.region = q.Col(3);
    if (s.region.empty()) s.region = ArnRegion(s.arn);
    if (!ParseSecretDoc(q.Col(2), s)) {
      return DataLossError("store: metadata of secret " + s.name +
                           " is corrupt");
    }
    Stmt v(db_,
           "SELECT version_id, doc, value FROM versions WHERE arn = ? ORDER BY "
           "seq");
    if (!v.ok()) return SqlError(db_, "load versions");
    v.Text(1, s.arn);
    int vrc;
    while ((vrc = v.Step()) == SQLITE_ROW) {
      StoredVersion ver;
      ver.version_id = v.Col(0);
      if (!ParseVersionDoc(v.Col(1), ver)) {
        return DataLossError("store: version " + ver.version_id +
                             " of secret " + s.name + " is corrupt");
      }
      ver.blob = v.Col(2);
      s.versions.push_back(std::move(ver));
    }
    if (vrc != SQLITE_DONE) return SqlError(db_, "load versions");
    out.push_back(std::move(s));
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "load secrets");
  return out;
}

Status SecretStore::Save(const StoredSecret& secret) {
  return SaveMany({&secret});
}

Status SecretStore::SaveChanges(const StoredSecret& after,
                                const StoredSecret& before) {
  KW_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto fail = [this](const std::string& what) {
    Status s = SqlError(db_, what);
    Exec("ROLLBACK").IgnoreError();
    return s;
  };
  if (!WriteSecretRow(db_, after)) return fail("save secret");
  std::map<std::string_view, const StoredVersion*> old;
  for (const auto& v : before.versions) old[v.version_id] = &v;
  for (const auto& v : after.versions) {
    auto it = old.find(v.version_id);
    if (it != old.end()) {
      const StoredVersion& o = *it->second;
      old.erase(it);
      if (o == v) continue;
      Stmt u(db_,
             "UPDATE versions SET doc = ?, value = ? WHERE arn = ? AND "
             "version_id = ?");
      u.Text(1, VersionDoc(v).dump());
      u.Blob(2, v.blob);
      u.Text(3, after.arn);
      u.Text(4, v.version_id);
      if (!u.ok() || u.Step() != SQLITE_DONE) return fail("save version");
      continue;
    }
    // New versions go after every stored one (seq keeps the order).
    Stmt ins(
        db_,
        "INSERT OR REPLACE INTO versions(arn, version_id, seq, doc, value) "
        "VALUES(?1, ?2, (SELECT COALESCE(MAX(seq), -1) + 1 FROM versions "
        "WHERE arn = ?1), ?3, ?4)");
    ins.Text(1, after.arn);
    ins.Text(2, v.version_id);
    ins.Text(3, VersionDoc(v).dump());
    ins.Blob(4, v.blob);
    if (!ins.ok() || ins.Step() != SQLITE_DONE) return fail("save version");
  }
  for (const auto& [id, v] : old) {
    Stmt del(db_, "DELETE FROM versions WHERE arn = ? AND version_id = ?");
    del.Text(1, after.arn);
    del.Text(2, std::string(id));
    if (!del.ok() || del.Step() != SQLITE_DONE) return fail("remove version");
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail("commit");
  }
  return OkStatus();
}

Status SecretStore::SaveDocs(const std::vector<const StoredSecret*>& secrets) {
  if (secrets.empty()) return OkStatus();
  KW_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto fail = [this](const std::string& what) {
    Status s = SqlError(db_, what);
    Exec("ROLLBACK").IgnoreError();
    return s;
  };
  for (const StoredSecret* one : secrets) {
    Stmt up(db_, "UPDATE secrets SET doc = ? WHERE arn = ?");
    up.Text(1, FullSecretDoc(*one).dump());
    up.Text(2, one->arn);
    if (!up.ok() || up.Step() != SQLITE_DONE) return fail("save secret");
    for (const auto& v : one->versions) {
      Stmt u(db_,
             "UPDATE versions SET doc = ? WHERE arn = ? AND version_id = ?");
      u.Text(1, VersionDoc(v).dump());
      u.Text(2, one->arn);
      u.Text(3, v.version_id);
      if (!u.ok() || u.Step() != SQLITE_DONE) return fail("save version");
    }
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail("commit");
  }
  return OkStatus();
}

Status SecretStore::SaveMany(const std::vector<const StoredSecret*>& secrets,
                             const std::string& meta_key,
                             const std::string& meta_value) {
  if (secrets.empty() && meta_key.empty()) return OkStatus();
  KW_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto fail = [this](const std::string& what) {
    Status s = SqlError(db_, what);
    Exec("ROLLBACK").IgnoreError();
    return s;
  };
  for (const StoredSecret* one : secrets) {
    const StoredSecret& secret = *one;
    if (!WriteSecretRow(db_, secret)) return fail("save secret");
    Stmt del(db_, "DELETE FROM versions WHERE arn = ?");
    del.Text(1, secret.arn);
    if (!del.ok() || del.Step() != SQLITE_DONE) return fail("save versions");
    std::int64_t seq = 0;
    for (const auto& v : secret.versions) {
      Stmt ins(db_,
               "INSERT INTO versions(arn, version_id, seq, doc, value) "
               "VALUES(?, ?, ?, ?, ?)");
      ins.Text(1, secret.arn);
      ins.Text(2, v.version_id);
      ins.Int(3, seq++);
      ins.Text(4, VersionDoc(v).dump());
      ins.Blob(5, v.blob);
      if (!ins.ok() || ins.Step() != SQLITE_DONE) return fail("save version");
    }
  }
  if (!meta_key.empty()) {
    Stmt m(db_, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");
    m.Text(1, meta_key);
    m.Text(2, meta_value);
    if (!m.ok() || m.Step() != SQLITE_DONE) return fail("write meta");
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail("commit");
  }
  return OkStatus();
}

Status SecretStore::Remove(const std::string& arn) {
  KW_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  Stmt a(db_, "DELETE FROM versions WHERE arn = ?");
  a.Text(1, arn);
  Stmt b(db_, "DELETE FROM secrets WHERE arn = ?");
  b.Text(1, arn);
  if (!a.ok() || a.Step() != SQLITE_DONE || !b.ok() ||
      b.Step() != SQLITE_DONE) {
    Status s = SqlError(db_, "remove secret");
    Exec("ROLLBACK").IgnoreError();
    return s;
  }
  return Exec("COMMIT");
}

StatusOr<std::string> SecretStore::GetMeta(const std::string& key) {
  Stmt q(db_, "SELECT value FROM meta WHERE key = ?");
  if (!q.ok()) return SqlError(db_, "read meta");
  q.Text(1, key);
  if (q.Step() != SQLITE_ROW) return NotFoundError("store: no meta " + key);
  return q.Col(0);
}

Status SecretStore::PutMeta(const std::string& key, const std::string& value) {
  Stmt q(db_, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");
  q.Text(1, key);
  q.Text(2, value);
  if (!q.ok() || q.Step() != SQLITE_DONE) return SqlError(db_, "write meta");
  return OkStatus();
}

StatusOr<std::string> SecretStore::IntegrityCheck() {
  Stmt q(db_, "PRAGMA integrity_check");
  if (!q.ok()) return SqlError(db_, "integrity_check");
  std::string out;
  while (q.Step() == SQLITE_ROW) out += (out.empty() ? "" : "\n") + q.Col(0);
  return out;
}

}  // namespace keyward::server
