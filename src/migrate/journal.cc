#include "migrate/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "secrets/json_codec.h"

namespace keyward::migrate {

const JournalEntry* JournalState::LastDone(const std::string& name) const {
  auto it = last_done_.find(name);
  return it == last_done_.end() ? nullptr : &it->second;
}

const JournalEntry* JournalState::Last(const std::string& name) const {
  auto it = last_.find(name);
  return it == last_.end() ? nullptr : &it->second;
}

void JournalState::Add(const std::string& name, JournalEntry e) {
  if (e.outcome == "copied" || e.outcome == "updated" ||
      e.outcome == "identical") {
    last_done_[name] = e;
  }
  last_[name] = std::move(e);
}

StatusOr<JournalState> LoadJournal(const std::string& path,
                                   const FileSystem& fs) {
  JournalState state;
  StatusOr<std::string> text = fs.ReadFile(path);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) return state;
    return InternalError("cannot read journal " + path + ": " +
                         text.status().message());
  }
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    auto j = secrets::ParseJson(line);
    if (!j || !j->is_object()) continue;  // torn or foreign line
    std::string name = secrets::GetString(*j, "name");
    if (name.empty()) continue;
    JournalEntry e;
    e.outcome = secrets::GetString(*j, "outcome");
    e.vault_version =
        static_cast<int>(secrets::GetNumber(*j, "vault_version").value_or(0));
    e.store_version_id = secrets::GetString(*j, "store_version_id");
    e.time = secrets::GetString(*j, "time");
    state.Add(name, std::move(e));
  }
  return state;
}

StatusOr<std::unique_ptr<JournalWriter>> JournalWriter::Open(
    const std::string& path, const Clock& clock) {
  int fd =
      ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return InternalError("cannot open journal " + path + ": " +
                         std::strerror(errno));
  }
  std::FILE* f = fdopen(fd, "a");
  if (f == nullptr) {
    ::close(fd);
    return InternalError("cannot open journal " + path);
  }
  return std::unique_ptr<JournalWriter>(new JournalWriter(f, path, clock));
}

JournalWriter::~JournalWriter() { Close().IgnoreError(); }

void JournalWriter::Append(const CopyResult& r) {
  secrets::Json j{{"name", r.name},
                  {"outcome", std::string(CopyOutcomeName(r.outcome))},
                  {"vault_version", r.vault_version},
                  {"store_version_id", r.store_version_id},
                  {"time", FormatIso8601(clock_->Now())}};
  if (!r.detail.empty()) j["detail"] = r.detail;
  std::string line = j.dump() + "\n";
  std::lock_guard<std::mutex> l(mu_);
  if (f_ == nullptr) return;
  if (std::fwrite(line.data(), 1, line.size(), f_) != line.size() ||
      std::fflush(f_) != 0) {
    failed_ = true;
  }
}

Status JournalWriter::Close() {
  std::lock_guard<std::mutex> l(mu_);
  if (f_ != nullptr) {
    if (std::fclose(f_) != 0) failed_ = true;
    f_ = nullptr;
  }
  return failed_ ? InternalError("writing journal " + path_ + " failed")
                 : OkStatus();
}

}  // namespace keyward::migrate
