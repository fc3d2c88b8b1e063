// Fuzzes the SigV4 parsing surface a server exposes to the network: the
// Authorization header parser and canonicalisation of arbitrary request
// lines, headers and bodies.
#include <cstddef>
#include <cstdint>
#include <string>

#include "keyward/aws/sigv4.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  // Layout: authorization \n path?query \n header-name \n header-value \n body
  std::string parts[5];
  std::size_t start = 0;
  for (int i = 0; i < 4; ++i) {
    std::size_t nl = input.find('\n', start);
    if (nl == std::string::npos) {
      parts[i] = input.substr(start);
      start = input.size();
      break;
    }
    parts[i] = input.substr(start, nl - start);
    start = nl + 1;
  }
  if (start < input.size()) parts[4] = input.substr(start);

  auto parsed = keyward::aws::ParseAuthorization(parts[0]);
  keyward::HttpRequest req;
  req.method = "POST";
  req.url =
      "http://127.0.0.1:1" +
      (parts[1].empty() || parts[1][0] != '/' ? "/" + parts[1] : parts[1]);
  req.headers = {{"Host", "127.0.0.1:1"},
                 {parts[2], parts[3]},
                 {"X-Amz-Date", "20150830T123600Z"}};
  req.body = keyward::SecureString(parts[4].begin(), parts[4].end());
  if (parsed.ok()) {
    keyward::Status s = keyward::aws::VerifySignature(
        req, *parsed, keyward::SecretValue("k"), "20150830T123600Z");
    s.IgnoreError();
  }
  auto canonical =
      keyward::aws::BuildCanonicalRequest(req, true, "UNSIGNED-PAYLOAD");
  (void)canonical;
  return 0;
}
