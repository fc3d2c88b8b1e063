// The leak detector: recognises text that looks like a secret value.
//
// Used by the inventory linter (a value in secrets-inventory.yaml is an
// error) and by `keyward scan` (secrets still living in .env files). A match
// reports the kind and where it is, so callers can name file:line and mask
// the text; callers must never echo the matched text.
//
// Detected: AWS access key ids (AKIA/ASIA...), AWS secret access keys (40
// base64 characters), PEM private key blocks, JWTs, URLs with a password,
// bearer/basic authorization values, well-known token prefixes (GitHub,
// Slack, Stripe, Google API keys), and high-entropy strings.
//
// Thread-safety: pure functions.
#ifndef KEYWARD_INVENTORY_LEAK_H_
#define KEYWARD_INVENTORY_LEAK_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace keyward::inventory {

struct LeakMatch {
  // Human-readable kind, e.g. "an AWS access key id", "a high-entropy string".
  std::string kind;
  std::size_t offset = 0;  // byte offset of the match in the text
  std::size_t length = 0;
  friend bool operator==(const LeakMatch&, const LeakMatch&) = default;
};

struct LeakOptions {
  // Also flag high-entropy tokens (off: known formats only).
  bool entropy = true;
  // Minimum token length for the entropy rule.
  std::size_t min_entropy_length = 20;
};

// Returns the first secret-looking match in `text`, or nullopt.
std::optional<LeakMatch> DetectSecret(std::string_view text,
                                      const LeakOptions& options = {});

// True for variable/key names that conventionally hold secrets
// (PASSWORD, DB_PASS, API_KEY, CLIENT_SECRET, TOKEN, PRIVATE_KEY, ...).
bool IsSecretLookingKeyName(std::string_view key);

// Shannon entropy in bits per byte.
double ShannonEntropy(std::string_view s);

// A mask that reveals nothing but the length class: "****" for short values,
// "<N chars>" style is avoided on purpose (lengths can identify values).
inline constexpr std::string_view kMask = "********";

}  // namespace keyward::inventory

#endif  // KEYWARD_INVENTORY_LEAK_H_
