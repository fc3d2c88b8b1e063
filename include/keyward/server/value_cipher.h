// ValueCipher: AES-256-GCM encryption of secret values at rest for
// `keyward server`, under a 32-byte master key kept in a 0600 key file.
//
// Every ciphertext is bound (as GCM associated data) to the secret ARN,
// version id and staging labels it belongs to, so a row copied onto another
// secret or version, labels swapped between versions, or any modified byte,
// fails authentication instead of being served.
// Blob layout: "KW1" | 12-byte random nonce | ciphertext | 16-byte tag.
//
// Thread-safety: a ValueCipher is immutable after creation; Encrypt and
// Decrypt are safe to call concurrently.
#ifndef KEYWARD_SERVER_VALUE_CIPHER_H_
#define KEYWARD_SERVER_VALUE_CIPHER_H_

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "keyward/runtime.h"
#include "keyward/secret_value.h"
#include "keyward/status.h"

namespace keyward::server {

inline constexpr std::size_t kMasterKeyBytes = 32;

class ValueCipher {
 public:
  // A cipher with the given raw key that draws its nonces from `random`
  // (which must outlive it). INVALID_ARGUMENT unless 32 bytes.
  static StatusOr<std::unique_ptr<ValueCipher>> FromKey(
      std::string_view raw_key, const Random& random);

  // Loads the key file at `path` (64 hex digits), creating it with a fresh
  // key from `random` and mode 0600 when absent (`*created` is set then).
  // FAILED_PRECONDITION when the file is readable by group or others;
  // DATA_LOSS when it is malformed; INTERNAL for I/O errors. Messages name the
  // path, never the key.
  static StatusOr<std::unique_ptr<ValueCipher>> LoadOrCreateKeyFile(
      const std::string& path, const Random& random, bool* created = nullptr);
  ~ValueCipher();

  // Encrypts `plaintext` bound to `aad`. INTERNAL if OpenSSL fails.
  StatusOr<std::string> Encrypt(std::string_view plaintext,
                                std::string_view aad) const;
  // Decrypts a blob made by Encrypt with the same `aad`. DATA_LOSS when the
  // blob is malformed, was modified, or belongs to other associated data.
  StatusOr<SecureString> Decrypt(std::string_view blob,
                                 std::string_view aad) const;

 private:
  ValueCipher() = default;
  std::array<unsigned char, kMasterKeyBytes> key_{};
  const Random* random_ = nullptr;
};

// The associated data of stores written before stage labels were bound
// (read once, when such a store is migrated): name, version id and kind.
std::string ValueAad(std::string_view name, std::string_view version_id,
                     bool binary);

// The associated data for a secret value: binds the secret's ARN (so its
// name and region), the version id, the kind, and the version's staging
// labels (order-independent), so labels moved or swapped in the database
// fail authentication instead of silently changing which value is current.
std::string ValueAadV2(std::string_view arn, std::string_view version_id,
                       bool binary, std::vector<std::string> stages);

}  // namespace keyward::server

#endif  // KEYWARD_SERVER_VALUE_CIPHER_H_
