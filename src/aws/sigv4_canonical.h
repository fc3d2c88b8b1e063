// SigV4's step 1 (the canonical request), shared by signing (sigv4.cc) and
// verifying (sigv4_authorization.cc). Internal to src/aws.
#ifndef KEYWARD_SRC_AWS_SIGV4_CANONICAL_H_
#define KEYWARD_SRC_AWS_SIGV4_CANONICAL_H_

#include <string>
#include <string_view>
#include <vector>

#include "keyward/http/http_client.h"
#include "keyward/status.h"

namespace keyward::aws::sigv4_internal {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// Appends the canonical request of `request` to `t` and its signed header
// list (`a;b;c`) to `signed_headers`. With `only_headers`, only those headers
// are signed (verification: the client's SignedHeaders); else all of them,
// plus `host` taken from the URL when the request has no Host header.
Status AppendCanonicalRequest(const HttpRequest& request, bool normalize_path,
                              std::string_view payload_hash,
                              const std::vector<std::string>* only_headers,
                              std::string& t, std::string& signed_headers);

}  // namespace keyward::aws::sigv4_internal

#endif  // KEYWARD_SRC_AWS_SIGV4_CANONICAL_H_
