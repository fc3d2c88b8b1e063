// The AWS shared config and credentials files (~/.aws/config,
// ~/.aws/credentials), parsed exactly as the AWS CLI / botocore read them
// (botocore.configloader.raw_config_parse, i.e. Python's RawConfigParser with
// its defaults):
//   - "[name]" section headers; the name is everything between the first '['
//     and the LAST ']' on the line, kept as written (not trimmed: botocore
//     ignores "[ default ]"). Mapping "[profile name]" / "[default]" to
//     profiles is the caller's business (see credential_chain.cc).
//   - "key = value" or "key: value"; the key is lowercased (RawConfigParser's
//     optionxform), the value trimmed. Inline comments are NOT stripped
//     ("region = us-east-1 # x" has the value "us-east-1 # x").
//   - whole-line comments start with '#' or ';' (after optional whitespace).
//   - lines indented deeper than their key continue its value; a key whose
//     own value is empty followed by indented "k = v" lines is a nested
//     sub-section (e.g. "s3 =\n  max_concurrent_requests = 10").
//   - a repeated section or a repeated key within a section is an error (as
//     in botocore, which refuses the whole file).
//   - a "[DEFAULT]" section is kept as a section here; Python's parser copies
//     its keys into every other section (see ApplyIniDefaults).
// Every entry keeps its line number so errors can name file:line. Values may
// be secrets: no message produced here ever contains a value or the text of a
// line.
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
  std::string key;    // lowercased, as botocore sees it
  std::string value;  // trimmed; may be a secret: never print it
  int line = 0;
  // True for a nested sub-section ("s3 =" followed by indented lines): then
  // `children` holds its "k = v" pairs (keys as written, not lowercased, like
  // botocore) and `value` the raw joined text.
  bool nested = false;
  std::vector<IniEntry> children;

  friend bool operator==(const IniEntry&, const IniEntry&) = default;
};

struct IniSection {
  std::string name;  // the text between the brackets, as written
  int line = 0;
  std::vector<IniEntry> entries;

  // The entry for `key` (lowercase), or nullptr.
  const IniEntry* Find(std::string_view key) const;

  friend bool operator==(const IniSection&, const IniSection&) = default;
};

struct IniFile {
  std::string path;
  std::vector<IniSection> sections;

  // The section named exactly `name`, or nullptr.
  const IniSection* Find(std::string_view name) const;

  friend bool operator==(const IniFile&, const IniFile&) = default;
};

// Parses INI text. INVALID_ARGUMENT "path:line: message" for what botocore
// rejects: a key before any section header, a line that is neither a header,
// a comment nor "key = value" / "key: value", an empty key, a repeated
// section or key, a nested sub-section line without '=', invalid UTF-8.
// The message never contains the offending line's text.
StatusOr<IniFile> ParseIni(std::string_view text, std::string_view path);

// Python's configparser semantics for "[DEFAULT]": returns a copy of `file`
// without that section, whose keys are appended to every other section that
// does not define them. (botocore sees them in every profile.)
IniFile ApplyIniDefaults(const IniFile& file);

// Wipes every value in `file` (call before dropping a parsed credentials
// file).
void WipeIni(IniFile& file);

}  // namespace keyward::aws

#endif  // KEYWARD_AWS_SHARED_CONFIG_H_
