// The AWS shared config and credentials files (~/.aws/config,
// ~/.aws/credentials), parsed exactly as the AWS CLI / botocore read them:
// sections "[name]" (credentials file) and "[profile name]" (config file,
// except "[default]"), "key = value" lines, '#' and ';' comments, indented
// continuation lines as nested sub-sections (e.g. "s3 =\n  max_concurrent
// = 10"), keys case-insensitive... Every entry keeps its line number so
// errors can name file:line (never a value).
//
// Thread-safety: pure functions.
#ifndef KEYWARD_AWS_SHARED_CONFIG_H_
#define KEYWARD_AWS_SHARED_CONFIG_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "keyward/status.h"

namespace keyward::aws {

struct IniEntry {
  std::string key;    // as written (compare case-insensitively where AWS does)
  std::string value;  // trimmed; may be a secret: never print it
  int line = 0;
};

struct IniSection {
  std::string name;  // the text between the brackets, trimmed
  int line = 0;
  std::vector<IniEntry> entries;
};

struct IniFile {
  std::string path;
  std::vector<IniSection> sections;
};

// Parses INI text. INVALID_ARGUMENT "path:line: message" for lines botocore
// rejects (a key outside any section, a malformed section header, a line
// without '=').
StatusOr<IniFile> ParseIni(std::string_view text, std::string_view path);

}  // namespace keyward::aws

#endif  // KEYWARD_AWS_SHARED_CONFIG_H_
