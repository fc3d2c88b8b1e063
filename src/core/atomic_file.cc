#include "core/atomic_file.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace keyward {
namespace {

Status ErrnoError(const std::string& what, int err) {
  std::string message = what + ": " + std::strerror(err);
  if (err == ENOENT) return NotFoundError(message);
  if (err == EACCES || err == EPERM || err == EROFS)
    return PermissionDeniedError(message);
  return InternalError(message);
}

bool AllDigits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

StatusOr<uid_t> ResolveUser(const std::string& name) {
  if (name.empty()) return static_cast<uid_t>(-1);
  if (AllDigits(name)) return static_cast<uid_t>(std::stoul(name));
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  int rc = ::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
  if (rc != 0 || found == nullptr)
    return NotFoundError("no such user '" + name + "'");
  return pw.pw_uid;
}

StatusOr<gid_t> ResolveGroup(const std::string& name) {
  if (name.empty()) return static_cast<gid_t>(-1);
  if (AllDigits(name)) return static_cast<gid_t>(std::stoul(name));
  std::vector<char> buf(16384);
  group gr{};
  group* found = nullptr;
  int rc = ::getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &found);
  if (rc != 0 || found == nullptr)
    return NotFoundError("no such group '" + name + "'");
  return gr.gr_gid;
}

// Writes, chowns, chmods and syncs the open temporary file.
Status FillTemp(int fd, const std::string& tmp, std::string_view data,
                const FileOwnership& o, uid_t uid, gid_t gid) {
  if ((uid != static_cast<uid_t>(-1) || gid != static_cast<gid_t>(-1)) &&
      ::fchown(fd, uid, gid) != 0) {
    return ErrnoError("chown " + tmp, errno);
  }
  // After chown: chown clears set-id bits.
  if (::fchmod(fd, o.mode) != 0) return ErrnoError("chmod " + tmp, errno);
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("writing " + tmp, errno);
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return ErrnoError("fsync " + tmp, errno);
  return OkStatus();
}

}  // namespace

Status WriteFileAtomically(const std::string& path, std::string_view data,
                           const FileOwnership& ownership) {
  KW_ASSIGN_OR_RETURN(uid_t uid, ResolveUser(ownership.owner));
  KW_ASSIGN_OR_RETURN(gid_t gid, ResolveGroup(ownership.group));
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  if (dir.empty()) dir = "/";
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  // Hidden and recognisable, so a crash leftover is easy to attribute.
  std::string tmp = dir + "/." + base + ".keyward-XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return ErrnoError("creating a temporary file in " + dir, errno);
  Status s = FillTemp(fd, tmp, data, ownership, uid, gid);
  if (::close(fd) != 0 && s.ok()) s = ErrnoError("closing " + tmp, errno);
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0)
    s = ErrnoError("renaming " + tmp + " to " + path, errno);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  // The rename is durable only once the folder's entry is on disk.
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return ErrnoError("opening " + dir, errno);
  int rc = ::fsync(dfd);
  int err = errno;
  ::close(dfd);
  if (rc != 0 && err != EINVAL) return ErrnoError("fsync " + dir, err);
  return OkStatus();
}

}  // namespace keyward
