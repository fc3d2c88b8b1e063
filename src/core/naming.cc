#include "keyward/naming.h"

#include <algorithm>

namespace keyward {
namespace {

constexpr std::size_t kMaxNameLength = 512;

bool IsStoreChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '/' || c == '_' || c == '+' ||
         c == '=' || c == '.' || c == '@' || c == '-';
}

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

struct Segment {
  std::string_view text;
  int column;  // 1-based
};

std::vector<Segment> SplitSegments(std::string_view name) {
  std::vector<Segment> out;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = name.find('/', start);
    std::size_t end = slash == std::string_view::npos ? name.size() : slash;
    out.push_back(
        {name.substr(start, end - start), static_cast<int>(start) + 1});
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// Checks one datasource/consumer segment; appends findings.
void CheckSegment(const Segment& seg, std::string_view role,
                  std::vector<NameFinding>& out) {
  if (seg.text.empty()) return;  // reported by name-segments
  for (std::size_t i = 0; i < seg.text.size(); ++i) {
    char c = seg.text[i];
    if (IsWordChar(c)) continue;
    bool bad_hyphen = c == '-' && (i == 0 || i + 1 == seg.text.size() ||
                                   seg.text[i + 1] == '-');
    if (c == '-' && !bad_hyphen) continue;
    std::string why;
    if (c >= 'A' && c <= 'Z') {
      why = "uppercase letter";
    } else if (c == '-') {
      why = "hyphen must join two words";
    } else {
      why = "character '" + std::string(1, c) + "' is not allowed";
    }
    out.push_back(
        {LintRule::kNameFormat, Severity::kError,
         seg.column + static_cast<int>(i),
         std::string(role) + " " + Quote(seg.text) +
             " must be lowercase words [a-z0-9] joined by single hyphens (" +
             why + ")"});
    return;
  }
  // Environment identifiers, as a whole segment or as one word of it.
  std::size_t start = 0;
  while (start <= seg.text.size()) {
    std::size_t dash = seg.text.find('-', start);
    std::size_t end = dash == std::string_view::npos ? seg.text.size() : dash;
    std::string_view word = seg.text.substr(start, end - start);
    const auto& envs = EnvironmentIdentifiers();
    if (std::find(envs.begin(), envs.end(), word) != envs.end()) {
      out.push_back(
          {LintRule::kNameEnvironment, Severity::kError,
           seg.column + static_cast<int>(start),
           std::string(role) + " " + Quote(seg.text) +
               " contains the environment identifier " + Quote(word) +
               "; environments are separated by account/region, not by name"});
    }
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
}

}  // namespace

const std::vector<std::string_view>& EnvironmentIdentifiers() {
  static const auto* const kIds = new std::vector<std::string_view>{
      "prod", "production", "prd",         "staging", "stage",
      "stg",  "dev",        "development", "qa",      "uat",
      "test", "testing",    "sandbox",     "preprod", "nonprod"};
  return *kIds;
}

Status CheckStoreNameLimits(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) {
    return InvalidArgumentError("secret name must be 1-512 characters, got " +
                                std::to_string(name.size()));
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!IsStoreChar(name[i])) {
      return InvalidArgumentError(
          "secret name has a character Secrets Manager does not allow at "
          "column " +
          std::to_string(i + 1) + " (allowed: A-Z a-z 0-9 / _ + = . @ -)");
    }
  }
  return OkStatus();
}

namespace {

// The first character Secrets Manager does not allow in a name; false
// when there is one (the other checks are then noise).
bool CheckCharset(std::string_view name, std::vector<NameFinding>& out) {
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (IsStoreChar(name[i])) continue;
    std::string shown =
        (name[i] >= 0x20 && name[i] < 0x7f)
            ? "'" + std::string(1, name[i]) + "'"
            : "byte " + std::to_string(static_cast<unsigned char>(name[i]));
    out.push_back({LintRule::kNameCharset, Severity::kError,
                   static_cast<int>(i) + 1,
                   "character " + shown +
                       " is not allowed in a secret name (allowed: A-Z a-z "
                       "0-9 / _ + = . @ -)"});
    return false;
  }
  return true;
}

// Partial-ARN ambiguity: "...-abc123" looks like the ARN's random suffix.
void CheckArnSuffix(std::string_view name, std::vector<NameFinding>& out) {
  std::size_t dash = name.rfind('-');
  std::size_t slash = name.rfind('/');
  if (dash != std::string_view::npos &&
      (slash == std::string_view::npos || dash > slash) &&
      name.size() - dash - 1 == 6) {
    out.push_back(
        {LintRule::kNameArnSuffix, Severity::kWarning,
         static_cast<int>(dash) + 1,
         "name ends with a hyphen and six characters (" +
             Quote(name.substr(dash)) +
             "), which partial-ARN look-ups can mistake for the ARN's random "
             "suffix; prefer a different last word"});
  }
}

}  // namespace

std::vector<NameFinding> CheckSecretName(std::string_view name) {
  std::vector<NameFinding> out;
  if (name.empty() || name.size() > kMaxNameLength) {
    out.push_back(
        {LintRule::kNameLength, Severity::kError, 1,
         "name must be 1-512 characters long (Secrets Manager limit), got " +
             std::to_string(name.size())});
    if (name.empty()) return out;
  }
  if (!CheckCharset(name, out)) return out;
  std::vector<Segment> segs = SplitSegments(name);
  const Segment& first = segs[0];
  if (first.text != "platform-data" && first.text != "platform-config") {
    out.push_back({LintRule::kNamePrefix, Severity::kError, 1,
                   "name must start with 'platform-data/' (secrets) or "
                   "'platform-config/' (configuration), got " +
                       Quote(first.text)});
  }
  bool any_empty = std::any_of(segs.begin(), segs.end(),
                               [](const Segment& s) { return s.text.empty(); });
  if (segs.size() != 3 || any_empty) {
    out.push_back({LintRule::kNameSegments, Severity::kError, 1,
                   "name must have exactly three non-empty segments "
                   "({category}/{datasource}/{consumer-or-instance}), got " +
                       std::to_string(segs.size()) +
                       (any_empty ? " (with an empty one)" : "")});
  }
  if (segs.size() >= 2) CheckSegment(segs[1], "datasource", out);
  if (segs.size() >= 3) {
    std::string_view role =
        first.text == "platform-config" ? "instance" : "consumer";
    for (std::size_t i = 2; i < segs.size(); ++i)
      CheckSegment(segs[i], role, out);
  }
  CheckArnSuffix(name, out);
  return out;
}

Status ValidateSecretName(std::string_view name) {
  for (const NameFinding& f : CheckSecretName(name)) {
    if (f.severity == Severity::kError) {
      return InvalidArgumentError("secret name '" + std::string(name) +
                                  "': " + std::string(RuleId(f.rule)) + ": " +
                                  f.message);
    }
  }
  return OkStatus();
}

NameCategory CategoryOf(std::string_view name) {
  if (name.starts_with("platform-data/")) return NameCategory::kData;
  if (name.starts_with("platform-config/")) return NameCategory::kConfig;
  return NameCategory::kUnknown;
}

std::string_view CategoryName(NameCategory category) {
  switch (category) {
    case NameCategory::kData:
      return "platform-data";
    case NameCategory::kConfig:
      return "platform-config";
    case NameCategory::kUnknown:
      break;
  }
  return "unknown";
}

}  // namespace keyward
