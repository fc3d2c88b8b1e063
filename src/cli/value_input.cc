#include "cli/value_input.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "keyward/secrets/types.h"

namespace keyward::cli {

using secrets::Json;

std::vector<std::string> SuppliedValue::Keys() const {
  std::vector<std::string> keys;
  if (!is_object) return keys;
  for (auto it = object.begin(); it != object.end(); ++it)
    keys.push_back(it.key());
  return keys;
}

StatusOr<SecureString> ReadAllFd(int fd, std::string_view what) {
  // Room for pretty-printed JSON whose compact form still fits the limit.
  constexpr std::size_t kLimit = 4 * secrets::kMaxSecretValueBytes;
  SecureString data;
  data.reserve(4096);
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      SecureWipe(buf, sizeof(buf));
      return InvalidArgumentError("cannot read " + std::string(what) + ": " +
                                  std::strerror(errno));
    }
    if (n == 0) break;
    data.append(buf, static_cast<std::size_t>(n));
    if (data.size() > kLimit) {
      SecureWipe(buf, sizeof(buf));
      return InvalidArgumentError(std::string(what) + " is larger than " +
                                  std::to_string(kLimit) + " bytes");
    }
  }
  SecureWipe(buf, sizeof(buf));
  return data;
}

StatusOr<SecureString> ReadValueFile(const std::string& path) {
  if (path == "-") return ReadAllFd(STDIN_FILENO, "stdin");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return InvalidArgumentError("cannot open '" + path +
                                "': " + std::strerror(errno));
  }
  auto data = ReadAllFd(fd, "'" + path + "'");
  ::close(fd);
  return data;
}

namespace {

Status CheckProperties(const Json& object, std::string_view source) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    const Json& v = it.value();
    if (v.is_object() || v.is_array() || v.is_null()) {
      return InvalidArgumentError("property '" + it.key() + "' in " +
                                  std::string(source) +
                                  " must be a string, number or boolean");
    }
    if (v.is_string() && v.get_ref<const std::string&>().empty()) {
      return InvalidArgumentError("property '" + it.key() + "' in " +
                                  std::string(source) + " is empty");
    }
  }
  return OkStatus();
}

}  // namespace

StatusOr<SuppliedValue> ParseSupplied(const SecureString& text,
                                      std::string_view source) {
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == SecureString::npos) {
    return InvalidArgumentError(std::string(source) +
                                " is empty: no value given");
  }
  SuppliedValue v;
  if (text[first] != '{') {
    v.plain = text;
    if (!v.plain.empty() && v.plain.back() == '\n') v.plain.pop_back();
    if (!v.plain.empty() && v.plain.back() == '\r') v.plain.pop_back();
    return v;
  }
  auto j = secrets::ParseJson(std::string_view(text.data(), text.size()));
  if (!j || !j->is_object()) {
    if (j) secrets::WipeJson(*j);
    return InvalidArgumentError(
        std::string(source) +
        " starts with '{' but is not a valid JSON object (contents "
        "not shown)");
  }
  v.is_object = true;
  v.object = std::move(*j);
  KW_RETURN_IF_ERROR(CheckProperties(v.object, source));
  return v;
}

}  // namespace keyward::cli
