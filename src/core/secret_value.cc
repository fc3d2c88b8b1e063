#include "keyward/secret_value.h"

#include <openssl/crypto.h>

namespace keyward {

void SecureWipe(void* p, std::size_t n) {
  if (p != nullptr && n > 0) OPENSSL_cleanse(p, n);
}

void WipeString(std::string& s) {
  // Wipe the whole capacity: a shrunk string may keep old bytes past size().
  s.resize(s.capacity());
  SecureWipe(s.data(), s.size());
  s.clear();
}

SecretValue::SecretValue(SecretValue&& other) noexcept
    : bytes_(std::move(other.bytes_)) {
  // A moved-from short string keeps its bytes in the inline buffer.
  SecureWipe(other.bytes_.data(), other.bytes_.capacity());
  other.bytes_.clear();
}

SecretValue& SecretValue::operator=(SecretValue&& other) noexcept {
  if (this != &other) {
    SecureWipe(bytes_.data(), bytes_.capacity());
    bytes_ = std::move(other.bytes_);
    SecureWipe(other.bytes_.data(), other.bytes_.capacity());
    other.bytes_.clear();
  }
  return *this;
}

SecretValue::~SecretValue() {
  // Heap buffers are wiped by the allocator; the inline (small-string)
  // buffer is wiped here.
  SecureWipe(bytes_.data(), bytes_.capacity());
}

bool operator==(const SecretValue& a, const SecretValue& b) {
  if (a.bytes_.size() != b.bytes_.size()) return false;
  return CRYPTO_memcmp(a.bytes_.data(), b.bytes_.data(), a.bytes_.size()) == 0;
}

}  // namespace keyward
