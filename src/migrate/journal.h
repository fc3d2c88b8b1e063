// The `migrate vault` journal: an append-only file of JSON lines, one per
// per-secret result, written (and flushed) as results happen so that an
// interrupted run can resume. It holds names, outcomes, versions and times;
// never values and never digests (a digest of a short secret is guessable).
//
//   {"name":"platform-data/pg/orders","outcome":"copied","vault_version":1,
//    "store_version_id":"...","time":"2026-11-28T20:00:00Z"}
//
// A torn last line (the process died mid-write) is ignored on load.
#ifndef KEYWARD_SRC_MIGRATE_JOURNAL_H_
#define KEYWARD_SRC_MIGRATE_JOURNAL_H_

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "keyward/env.h"
#include "keyward/migrate/vault_copy.h"
#include "keyward/status.h"

namespace keyward::migrate {

struct JournalEntry {
  std::string outcome;
  int vault_version = 0;
  std::string store_version_id;
  std::string time;
};

class JournalState {
 public:
  // The latest entry for `name` whose outcome left Vault holding the store's
  // value (copied, updated, identical), or nullptr.
  const JournalEntry* LastDone(const std::string& name) const;
  // The latest entry of any outcome, or nullptr.
  const JournalEntry* Last(const std::string& name) const;
  void Add(const std::string& name, JournalEntry e);
  std::size_t size() const { return last_.size(); }

 private:
  std::map<std::string, JournalEntry> last_done_;
  std::map<std::string, JournalEntry> last_;
};

// An absent file is an empty journal. INTERNAL naming the path when it
// cannot be read.
StatusOr<JournalState> LoadJournal(const std::string& path,
                                   const FileSystem& fs);

class JournalWriter {
 public:
  // Opens `path` for appending (creating it 0600). INTERNAL naming the path.
  static StatusOr<std::unique_ptr<JournalWriter>> Open(const std::string& path,
                                                       const Clock& clock);
  ~JournalWriter();
  // Appends and flushes one line (thread-safe). Errors are kept for Close().
  void Append(const CopyResult& r);
  // Closes the file; INTERNAL when any write failed.
  Status Close();

 private:
  JournalWriter(std::FILE* f, std::string path, const Clock& clock)
      : f_(f), path_(std::move(path)), clock_(&clock) {}
  std::mutex mu_;
  std::FILE* f_;
  std::string path_;
  const Clock* clock_;
  bool failed_ = false;
};

}  // namespace keyward::migrate

#endif  // KEYWARD_SRC_MIGRATE_JOURNAL_H_
