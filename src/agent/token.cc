#include "agent/token.h"

#include <fcntl.h>
#include <grp.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/text.h"

namespace keyward::agent {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

}  // namespace

StatusOr<SecretValue> ResolveSsrfToken(
    const std::vector<std::string>& env_variables, const Environment& env,
    const FileSystem& fs) {
  for (const std::string& name : env_variables) {
    std::optional<std::string> v = env.Get(name);
    if (!v) continue;
    SecretValue token;
    if (v->starts_with("file://")) {
      std::string path = v->substr(7);
      auto text = fs.ReadFile(path);
      if (!text.ok()) {
        return Status(text.status().code(),
                      "SSRF token file " + path + " (from " + name +
                          "): " + text.status().message());
      }
      token = SecretValue(Trim(*text));
      WipeString(*text);
    } else {
      token = SecretValue(*v);
    }
    WipeString(*v);
    if (token.empty()) {
      return InvalidArgumentError("the SSRF token from " + name + " is empty");
    }
    return token;
  }
  return NotFoundError("no SSRF token: set one of " +
                       text::Join(env_variables) +
                       " (a value, or file:///path/to/token)");
}

StatusOr<SecretValue> EnsureTokenFile(const std::string& path,
                                      const std::string& group,
                                      const Random& random) {
  gid_t gid = static_cast<gid_t>(-1);
  if (!group.empty()) {
    struct group* g = ::getgrnam(group.c_str());
    if (g == nullptr) {
      return InvalidArgumentError("token file " + path + ": no group '" +
                                  group + "'");
    }
    gid = g->gr_gid;
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
      st.st_uid == ::geteuid() && (st.st_mode & 0007) == 0 &&
      (gid == static_cast<gid_t>(-1) || st.st_gid == gid)) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0) {
      SecureString buf(256, '\0');
      ssize_t n = ::read(fd, buf.data(), buf.size());
      ::close(fd);
      if (n > 0) {
        std::string_view t = Trim(std::string_view(buf.data(), n));
        if (t.size() >= 32) return SecretValue(t);
      }
    }
  }
  unsigned char raw[32];
  random.Fill(raw, sizeof raw);
  SecureString hex;
  for (unsigned char b : raw) {
    hex.push_back(text::kHexDigits[b >> 4]);
    hex.push_back(text::kHexDigits[b & 0xf]);
  }
  OPENSSL_cleanse(raw, sizeof raw);
  std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return PermissionDeniedError("cannot create token file " + tmp + ": " +
                                 std::strerror(errno));
  }
  SecureString line = hex + "\n";
  bool ok = ::write(fd, line.data(), line.size()) ==
                static_cast<ssize_t>(line.size()) &&
            (gid == static_cast<gid_t>(-1) || ::fchown(fd, -1, gid) == 0) &&
            ::fchmod(fd, 0640) == 0 && ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok) err = errno;
    ::unlink(tmp.c_str());
    return PermissionDeniedError("cannot write token file " + path + ": " +
                                 std::strerror(err));
  }
  return SecretValue::Adopt(std::move(hex));
}

bool TokensEqual(std::string_view presented, const SecretValue& token) {
  std::string_view t = token.Reveal();
  if (presented.size() != t.size()) return false;
  return CRYPTO_memcmp(presented.data(), t.data(), t.size()) == 0;
}

}  // namespace keyward::agent
