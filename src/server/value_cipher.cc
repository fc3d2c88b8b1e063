#include "keyward/server/value_cipher.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/text.h"

namespace keyward::server {
namespace {

constexpr std::string_view kMagic = "KW1";
constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter>;

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Status WriteNewKeyFile(const std::string& path, const SecureString& hex) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return InternalError("cannot create key file " + path + ": " +
                         std::strerror(errno));
  }
  std::string_view data(hex.data(), hex.size());
  bool ok = ::write(fd, data.data(), data.size()) ==
                static_cast<ssize_t>(data.size()) &&
            ::write(fd, "\n", 1) == 1 && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return InternalError("cannot write key file " + path);
  return OkStatus();
}

}  // namespace

ValueCipher::~ValueCipher() { SecureWipe(key_.data(), key_.size()); }

StatusOr<std::unique_ptr<ValueCipher>> ValueCipher::FromKey(
    std::string_view raw_key, const Random& random) {
  if (raw_key.size() != kMasterKeyBytes) {
    return InvalidArgumentError("master key must be 32 bytes");
  }
  std::unique_ptr<ValueCipher> c(new ValueCipher());
  std::memcpy(c->key_.data(), raw_key.data(), kMasterKeyBytes);
  c->random_ = &random;
  return c;
}

StatusOr<std::unique_ptr<ValueCipher>> ValueCipher::LoadOrCreateKeyFile(
    const std::string& path, const Random& random, bool* created) {
  if (created != nullptr) *created = false;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      return InternalError("cannot stat key file " + path + ": " +
                           std::strerror(errno));
    }
    SecureString raw(kMasterKeyBytes, '\0');
    random.Fill(reinterpret_cast<unsigned char*>(raw.data()), kMasterKeyBytes);
    SecureString hex;
    for (unsigned char b : raw) {
      hex.push_back(text::kHexDigits[b >> 4]);
      hex.push_back(text::kHexDigits[b & 15]);
    }
    KW_RETURN_IF_ERROR(WriteNewKeyFile(path, hex));
    if (created != nullptr) *created = true;
    return FromKey(std::string_view(raw.data(), raw.size()), random);
  }
  if ((st.st_mode & 077) != 0) {
    return FailedPreconditionError(
        "key file " + path + " is accessible by group or others: chmod 600 it");
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return InternalError("cannot open key file " + path + ": " +
                         std::strerror(errno));
  SecureString text(256, '\0');
  ssize_t n = ::read(fd, text.data(), text.size());
  ::close(fd);
  if (n < 0) return InternalError("cannot read key file " + path);
  text.resize(static_cast<std::size_t>(n));
  while (!text.empty() &&
         (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  if (text.size() != 2 * kMasterKeyBytes) {
    return DataLossError("key file " + path +
                         " is malformed: expected 64 hex digits");
  }
  SecureString raw(kMasterKeyBytes, '\0');
  for (std::size_t i = 0; i < kMasterKeyBytes; ++i) {
    int hi = HexValue(text[2 * i]), lo = HexValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return DataLossError("key file " + path +
                           " is malformed: expected 64 hex digits");
    }
    raw[i] = static_cast<char>(hi * 16 + lo);
  }
  return FromKey(std::string_view(raw.data(), raw.size()), random);
}

StatusOr<std::string> ValueCipher::Encrypt(std::string_view plaintext,
                                           std::string_view aad) const {
  std::string out(kMagic.size() + kNonceBytes + plaintext.size() + kTagBytes,
                  '\0');
  std::memcpy(out.data(), kMagic.data(), kMagic.size());
  auto* nonce = reinterpret_cast<unsigned char*>(out.data() + kMagic.size());
  random_->Fill(nonce, kNonceBytes);
  auto* ct = nonce + kNonceBytes;
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx &&
            EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                               key_.data(), nonce) == 1 &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, U(aad),
                              static_cast<int>(aad.size())) == 1 &&
            EVP_EncryptUpdate(ctx.get(), ct, &len, U(plaintext),
                              static_cast<int>(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx.get(), ct + len, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                                ct + plaintext.size()) == 1;
  if (!ok) return InternalError("AES-256-GCM encryption failed");
  return out;
}

StatusOr<SecureString> ValueCipher::Decrypt(std::string_view blob,
                                            std::string_view aad) const {
  std::size_t overhead = kMagic.size() + kNonceBytes + kTagBytes;
  if (blob.size() < overhead || blob.substr(0, kMagic.size()) != kMagic) {
    return DataLossError("stored value is malformed");
  }
  const unsigned char* nonce = U(blob) + kMagic.size();
  const unsigned char* ct = nonce + kNonceBytes;
  std::size_t ct_len = blob.size() - overhead;
  SecureString out(ct_len, '\0');
  auto* pt = reinterpret_cast<unsigned char*>(out.data());
  unsigned char tag[kTagBytes];
  std::memcpy(tag, ct + ct_len, kTagBytes);
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx &&
            EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                               key_.data(), nonce) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, U(aad),
                              static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), pt, &len, ct,
                              static_cast<int>(ct_len)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes,
                                tag) == 1 &&
            EVP_DecryptFinal_ex(ctx.get(), pt + len, &len) == 1;
  if (!ok) {
    SecureWipe(out.data(), out.size());
    return DataLossError(
        "stored value failed authentication (modified or moved)");
  }
  return out;
}

std::string ValueAad(std::string_view name, std::string_view version_id,
                     bool binary) {
  std::string aad = "keyward-value-v1";
  aad.push_back('\0');
  aad.append(name);
  aad.push_back('\0');
  aad.append(version_id);
  aad.push_back('\0');
  aad.append(binary ? "binary" : "string");
  return aad;
}

std::string ValueAadV2(std::string_view arn, std::string_view version_id,
                       bool binary, std::vector<std::string> stages) {
  std::sort(stages.begin(), stages.end());
  // Length-prefixed fields: no label or name can imitate a separator.
  std::string aad = "keyward-value-v2";
  auto field = [&aad](std::string_view f) {
    aad += std::to_string(f.size());
    aad.push_back(':');
    aad.append(f);
  };
  field(arn);
  field(version_id);
  field(binary ? "binary" : "string");
  field(std::to_string(stages.size()));
  for (const auto& stage : stages) field(stage);
  return aad;
}

}  // namespace keyward::server
