// SecretValue: the one type that holds secret bytes in keyward.
//
// A SecretValue never prints, formats or logs its contents: operator<< and
// gtest's PrintTo write "<redacted>". Its memory (and that of SecureString,
// which backs it) is overwritten with zeros before it is freed, including the
// buffers left behind when the string grows. Reading the bytes requires an
// explicit, greppable call: Reveal().
//
// Thread-safety: value type; concurrent const access is safe.
#ifndef KEYWARD_SECRET_VALUE_H_
#define KEYWARD_SECRET_VALUE_H_

#include <cstddef>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "keyward/attributes.h"

namespace keyward {

// Overwrites `n` bytes at `p` with zeros in a way the compiler cannot elide.
void SecureWipe(void* p, std::size_t n);

// An allocator that wipes memory before releasing it.
template <typename T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() noexcept = default;
  template <typename U>
  WipingAllocator(const WipingAllocator<U>&) noexcept {}  // NOLINT
  T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    SecureWipe(p, n * sizeof(T));
    std::allocator<T>().deallocate(p, n);
  }
  template <typename U>
  bool operator==(const WipingAllocator<U>&) const noexcept {
    return true;
  }
};

// A std::string whose heap buffers are wiped when released. Use it for any
// buffer that may hold secret material (HTTP bodies, parsed values).
using SecureString =
    std::basic_string<char, std::char_traits<char>, WipingAllocator<char>>;

// Wipes a plain std::string's current contents (use before it is destroyed
// when a library hands secret material back in a std::string).
void WipeString(std::string& s);

class SecretValue {
 public:
  SecretValue() = default;
  explicit SecretValue(std::string_view bytes) : bytes_(bytes) {}
  // Takes ownership of an already-secure buffer (no copy).
  static SecretValue Adopt(SecureString&& bytes) {
    SecretValue v;
    v.bytes_ = std::move(bytes);
    return v;
  }
  SecretValue(const SecretValue&) = default;
  SecretValue& operator=(const SecretValue&) = default;
  SecretValue(SecretValue&& other) noexcept;
  SecretValue& operator=(SecretValue&& other) noexcept;
  ~SecretValue();

  // The secret bytes. The view is valid while this object is alive and
  // unmodified. Every call site that reveals a secret should be deliberate.
  std::string_view Reveal() const KEYWARD_LIFETIMEBOUND { return bytes_; }
  std::size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }

  // Constant-time comparison (for equal lengths).
  friend bool operator==(const SecretValue& a, const SecretValue& b);

  friend std::ostream& operator<<(std::ostream& os, const SecretValue&) {
    return os << "<redacted>";
  }
  // For GoogleTest: without this gtest would dump the object's raw bytes.
  friend void PrintTo(const SecretValue&, std::ostream* os) {
    *os << "<redacted>";
  }

 private:
  SecureString bytes_;
};

}  // namespace keyward

#endif  // KEYWARD_SECRET_VALUE_H_
