// SecretStore: the durable, embedded store behind `keyward server`.
//
// One SQLite database (WAL journal, synchronous=FULL: a write is on disk
// before Save returns) with three tables: `meta`, `secrets` (region, and
// metadata as JSON, never a value; stores from before regions get the
// column at Open, filled from each ARN) and `versions` (one row per version:
// stages/dates as JSON, and the value encrypted by ValueCipher). The server
// keeps the whole model in memory and writes every change of a secret through
// Save() in one transaction before it acknowledges the request.
//
// Thread-safety: a SecretStore is NOT thread-safe; the caller serializes
// calls (SecretsService holds its write lock around them).
#ifndef KEYWARD_SERVER_STORE_H_
#define KEYWARD_SERVER_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "keyward/secrets/types.h"
#include "keyward/status.h"

struct sqlite3;

namespace keyward::server {

class IamPolicy;

enum class PathKind { kDirectory, kCredentialsFile };

// Refuses (FAILED_PRECONDITION, naming the path and the fix) a path that
// exists and is a symbolic link, is owned by another user (root excepted),
// or is writable by group or others: on a shared host another user could
// pre-create the store directory or credentials file and read or replace what
// is kept there. OK when the path does not exist.
Status CheckPrivate(const std::string& path, PathKind kind);

// Creates `path` with mode 0600 when absent; tightens an existing file of
// ours to 0600. INTERNAL on I/O errors.
Status CreatePrivateFile(const std::string& path);

struct StoredVersion {
  std::string version_id;
  std::vector<std::string> stages;  // empty: deprecated
  double created = 0;               // epoch seconds
  double last_accessed = 0;         // 0: never
  bool binary = false;
  std::string blob;  // ValueCipher::Encrypt output (ciphertext only)
  // False for the version RotateSecret creates before the rotation hook has
  // stored its value (AWSPENDING without a value, as in AWS).
  bool has_value = true;
  bool operator==(const StoredVersion&) const = default;
};

// Rotation configuration and dates, as DescribeSecret reports them. Kept in
// the secret's metadata document (optional keys: stores from before rotation
// read as "never configured").
struct StoredRotation {
  bool configured = false;  // RotateSecret was called once (AWS then reports
                            // RotationEnabled, even false)
  bool enabled = false;
  std::string lambda_arn;  // RotationLambdaARN, stored as given
  std::int64_t after_days = 0;
  std::string schedule;  // ScheduleExpression
  std::string duration;
  double next = 0;          // NextRotationDate; 0: none
  double last_rotated = 0;  // LastRotatedDate; 0: never
  bool operator==(const StoredRotation&) const = default;
};

// One replica region of a primary secret (ReplicationStatus).
struct StoredReplica {
  std::string region;
  std::string kms_key_id;
  std::string status;   // InSync | Failed
  std::string message;  // StatusMessage
  bool operator==(const StoredReplica&) const = default;
};

struct StoredSecret {
  std::string arn;
  std::string name;
  std::string region;  // the region it lives in (also in its ARN)
  std::string description;
  std::string kms_key_id;
  double created = 0;
  double last_changed = 0;
  double last_accessed = 0;  // 0: never
  double deleted = 0;        // 0: live; else the scheduled deletion date
  double deletion_requested = 0;
  std::vector<secrets::Tag> tags;
  // The resource policy as PutResourcePolicy received it; empty: none.
  // Kept in the metadata document ("resource_policy"; stores from before it
  // simply lack the member), never near a value.
  std::string resource_policy;
  // Its parsed form (not stored; set when put or loaded), evaluated with
  // every request on the secret.
  std::shared_ptr<const IamPolicy> parsed_policy;
  std::vector<StoredVersion> versions;  // oldest first
  StoredRotation rotation;
  // Replication: a replica names its primary's region (and is read-only); a
  // primary lists its replicas. Kept in the metadata document like rotation.
  std::string primary_region;
  std::vector<StoredReplica> replicas;
};

class SecretStore {
 public:
  // Opens (creating when absent) the database at `path`, or an in-memory
  // database for ":memory:". The file is created (or tightened to) mode
  // 0600 before SQLite opens it, so its -wal and -shm files, which SQLite
  // creates with the database's mode, are 0600 as well. INTERNAL with
  // SQLite's message on failure.
  static StatusOr<std::unique_ptr<SecretStore>> Open(const std::string& path);
  ~SecretStore();

  // Every stored secret, versions oldest first. DATA_LOSS for rows whose
  // metadata cannot be parsed (naming the secret).
  StatusOr<std::vector<StoredSecret>> LoadAll();
  // Replaces the secret's row and all its version rows in one transaction.
  Status Save(const StoredSecret& secret);
  // Save() for several secrets in one transaction (one fsync), plus, when
  // `meta_key` is not empty, a meta row in the same transaction.
  Status SaveMany(const std::vector<const StoredSecret*>& secrets,
                  const std::string& meta_key = "",
                  const std::string& meta_value = "");
  // Writes a change of one secret whose stored state is `before`: the
  // secret's row and only the version rows that were added, changed or
  // removed, in one transaction (a write costs the same with 5 versions or
  // 500).
  Status SaveChanges(const StoredSecret& after, const StoredSecret& before);
  // Rewrites only the metadata documents (dates, stages) of the secrets and
  // their versions, never a value, in one transaction.
  Status SaveDocs(const std::vector<const StoredSecret*>& secrets);
  // Removes the secret and its versions.
  Status Remove(const std::string& arn);

  // A small key/value table for store-wide facts (e.g. the key check).
  StatusOr<std::string> GetMeta(const std::string& key);  // NOT_FOUND if absent
  Status PutMeta(const std::string& key, const std::string& value);

  // "ok" when PRAGMA integrity_check passes, else its report.
  StatusOr<std::string> IntegrityCheck();

 private:
  explicit SecretStore(sqlite3* db) : db_(db) {}
  Status AddRegionColumn();
  Status Exec(const char* sql);
  sqlite3* db_;
};

}  // namespace keyward::server

#endif  // KEYWARD_SERVER_STORE_H_
